/**
 * The runner port: how the node has job runs executed as real child processes.
 *
 * A run is prepared held (its shell waits for one line on stdin), so that the node can
 * record `RunStarted` with the pid before the script begins: a crash between the two can
 * never run a job twice. Each run is the leader of its own process group, and it is over
 * only when that whole group is gone. Stopping a run is a ladder: SIGUSR2 to the group,
 * then SIGKILL once the grace has passed.
 */

/** What to run, and within which bounds. */
export interface RunRequest {
  runId: string;
  jobId: string;
  attempt: number;
  /** ISO-8601 time of the tick (or trigger, or retry) this run is for. */
  scheduledFor: string;
  /** Run through `/bin/sh -c` in `cwd`. */
  script: string;
  /** The package folder (absolute). */
  cwd: string;
  /** The job's own variables, over the node's environment minus timecloud's settings. */
  env: Record<string, string>;
  /** Counted from `start()`; then the ladder begins with reason `timeout`. */
  timeoutMs: number;
  /** Between SIGUSR2 and SIGKILL of the whole group. */
  graceMs: number;
  /** Bytes of output forwarded per run; the rest is counted and dropped. */
  logLimitBytes: number;
}

/** Why a run's ladder began; `launcher`: the launcher process died, and the node took the run down itself. */
export type AbortReason = 'timeout' | 'abort' | 'fenced' | 'shutdown' | 'launcher';

/** A signal sent to a run's process group. */
export interface RunSignal {
  signal: 'SIGUSR2' | 'SIGKILL';
  reason: AbortReason;
  at: Date;
}

/** One line of output (or a piece of a line longer than 16 KiB). */
export interface RunLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Called from the runner as things happen; they must not throw. */
export interface RunCallbacks {
  /** Whole lines, in order, batched (about 50 ms or 32 KiB a batch); never after the outcome. */
  onLog(batch: RunLogLine[]): void;
  onSignal(signal: RunSignal): void;
}

/** How a run ended, with what its output came to. */
export type RunOutcome = (
  | { result: 'succeeded'; exitCode: 0 }
  | { result: 'failed'; exitCode: number | null; signal: string | null }
  | { result: 'timed_out'; killed: boolean; exitCode: number | null; signal: string | null }
  | { result: 'aborted'; reason: AbortReason; killed: boolean; exitCode: number | null; signal: string | null }
  | { result: 'cancelled' }
) & {
  /** From `start()` until the whole group was gone; 0 for a run that never started. */
  durationMs: number;
  /** The last ~2 KiB of stderr, kept whatever the log cap. */
  stderrTail: string;
  loggedBytes: number;
  droppedBytes: number;
  droppedLines: number;
};

/** A prepared run. */
export interface RunHandle {
  readonly runId: string;
  /** The shell's pid, which is also the process group id. */
  readonly pid: number;
  /** Releases the held process: the script begins and the timeout counts from here. */
  start(): void;
  /**
   * The run must not happen (its start could not be recorded): kills the held process.
   * Resolves when it is gone. Rejects if `start()` was called: use `abort` then.
   */
  cancel(): Promise<void>;
  /** Begins the ladder (SIGUSR2, grace, SIGKILL of the group); a second call changes nothing. */
  abort(reason: Exclude<AbortReason, 'timeout'>): void;
  /** Settles once the whole process group is gone; never rejects. */
  readonly outcome: Promise<RunOutcome>;
}

/** Executes runs. */
export interface Runner {
  /**
   * Spawns the run held. Rejects with a `ValidationError` naming the field of a bad
   * request, a `RunnerStoppedError` while the runner is fenced, shutting down or closed, or an
   * `UnavailableError` when the process cannot be spawned.
   */
  prepare(request: RunRequest, callbacks: RunCallbacks): Promise<RunHandle>;
  /**
   * Self-fencing: unless called again with a later deadline before `deadline` passes, every
   * run is aborted with reason `fenced` and `prepare` is refused. `null` disables it.
   */
  fenceAt(deadline: Date | null): void;
  /** Aborts every run with the ladder; resolves when all their groups are gone. */
  shutdown(reason: 'shutdown' | 'fenced'): Promise<void>;
  /** Shuts down (reason `shutdown`) and releases the runner for good. */
  close(): Promise<void>;
}

export { startLauncher, type LauncherOptions, type LauncherRunner } from './launcher-client.js';
export { createLocalRunner, type LocalRunnerOptions } from './local-runner.js';
export { startSupervisedLauncher, type SupervisedLauncher, type SupervisedLauncherOptions } from './supervised-launcher.js';
