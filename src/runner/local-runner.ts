/**
 * The runner that spawns jobs from its own process. The launcher process runs one of
 * these; tests may use it directly. The node itself should not: it grows, and spawning from
 * a big process is slow (DESIGN.md, "Job environment").
 */
import { RunnerStoppedError } from '../errors.js';
import { withoutNodeSettings } from './job-env.js';
import { JobRun } from './job-run.js';
import { GroupWatcher } from './process-group.js';
import { validateRunRequest } from './run-request.js';
import type { RunCallbacks, RunHandle, RunRequest, Runner } from './runner.js';

/** Options of {@link createLocalRunner}. */
export interface LocalRunnerOptions {
  /**
   * Environment jobs inherit, before timecloud's own settings are removed from it.
   * @defaultValue `process.env`
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Fastest polling of a process group that outlives its shell, in ms.
   * @defaultValue 20
   */
  pollMs?: number;
  /**
   * How long the pipes may stay open once a run's group is gone, in ms.
   * @defaultValue 1000
   */
  drainMs?: number;
}

/** A {@link Runner} whose jobs are children of the calling process. */
export function createLocalRunner(options: LocalRunnerOptions = {}): LocalRunner {
  return new LocalRunner(options);
}

export class LocalRunner implements Runner {
  readonly #runs = new Set<JobRun>();
  readonly #context;
  #fenceTimer: NodeJS.Timeout | undefined;
  #fencedAt: Date | undefined;
  #shuttingDown = 0;
  #closed = false;

  constructor(options: LocalRunnerOptions = {}) {
    const pollMs = options.pollMs ?? 20;
    this.#context = {
      watcher: new GroupWatcher(pollMs, Math.max(pollMs, 500)),
      baseEnv: withoutNodeSettings(options.env ?? process.env),
      drainMs: options.drainMs ?? 1000,
    };
  }

  /** Runs whose process group is not gone yet. */
  get activeRuns(): number {
    return this.#runs.size;
  }

  async prepare(request: RunRequest, callbacks: RunCallbacks): Promise<RunHandle> {
    validateRunRequest(request);
    if (this.#closed) throw new RunnerStoppedError(`runner is closed: run ${request.runId} not prepared`);
    if (this.#shuttingDown > 0) throw new RunnerStoppedError(`runner is shutting down: run ${request.runId} not prepared`);
    if (this.#fencedAt) {
      throw new RunnerStoppedError(
        `runner is fenced since ${this.#fencedAt.toISOString()} (lease not renewed): run ${request.runId} not prepared`,
      );
    }
    const run = new JobRun(request, guarded(request.runId, callbacks), this.#context);
    this.#runs.add(run);
    void run.outcome.then(() => this.#runs.delete(run));
    return run;
  }

  fenceAt(deadline: Date | null): void {
    clearTimeout(this.#fenceTimer);
    this.#fenceTimer = undefined;
    this.#fencedAt = undefined;
    if (deadline === null) return;
    const check = (): void => {
      // Timers are monotonic and the deadline is wall-clock: recheck after each wait.
      const left = deadline.getTime() - Date.now();
      if (left > 0) {
        this.#fenceTimer = setTimeout(check, left);
        return;
      }
      this.#fenceTimer = undefined;
      this.#fencedAt = deadline;
      for (const run of this.#runs) run.abort('fenced');
    };
    check();
  }

  async shutdown(reason: 'shutdown' | 'fenced'): Promise<void> {
    this.#shuttingDown++;
    try {
      const runs = [...this.#runs];
      for (const run of runs) run.abort(reason);
      await Promise.all(runs.map((run) => run.outcome));
    } finally {
      this.#shuttingDown--;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.fenceAt(null);
    await this.shutdown('shutdown');
  }
}

/** Callbacks run inside stream and timer handlers: one that throws must not take the runner down. */
function guarded(runId: string, callbacks: RunCallbacks): RunCallbacks {
  const warn = (error: unknown): void =>
    process.emitWarning(`timecloud runner: a callback of run ${runId} threw: ${String(error)}`);
  return {
    onLog(batch) {
      try {
        callbacks.onLog(batch);
      } catch (error) {
        warn(error);
      }
    },
    onSignal(signal) {
      try {
        callbacks.onSignal(signal);
      } catch (error) {
        warn(error);
      }
    },
  };
}
