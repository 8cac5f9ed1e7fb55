/**
 * One run as a real child process of this process: spawned held, started, stopped with the
 * SIGUSR2 ladder, over when its whole process group is gone.
 */
import { execa, type ResultPromise } from 'execa';
import { UnavailableError } from '../errors.js';
import { runEnv } from './job-env.js';
import { type GroupWatcher, groupAlive, signalGroup } from './process-group.js';
import { RunLog } from './run-log.js';
import type { AbortReason, RunCallbacks, RunHandle, RunOutcome, RunRequest } from './runner.js';

/**
 * Put before the user's script: the shell waits for one line on stdin. `start()` writes it;
 * end of input without it (a cancel, or the launcher gone) exits 75 before the script runs.
 */
const HOLD = 'read -r _ || exit 75\n';

/** Options shared by every run of one runner. */
export interface JobRunContext {
  watcher: GroupWatcher;
  /** Environment each job's is built over, timecloud's own settings already removed. */
  baseEnv: Readonly<Record<string, string>>;
  /** How long to wait for the pipes to close once the group is gone (a process that left the group may hold them). */
  drainMs: number;
}

type Phase = 'held' | 'started' | 'cancelled';

export class JobRun implements RunHandle {
  readonly runId: string;
  readonly pid: number;
  readonly outcome: Promise<RunOutcome>;
  readonly #request: RunRequest;
  readonly #callbacks: RunCallbacks;
  readonly #context: JobRunContext;
  readonly #child: ResultPromise;
  readonly #log: RunLog;
  #resolve!: (outcome: RunOutcome) => void;
  #phase: Phase = 'held';
  #startedAt = 0;
  #ladder: { reason: AbortReason; killed: boolean } | undefined;
  #exit: { code: number | null; signal: string | null } | undefined;
  #openStreams = 2;
  #groupGone = false;
  #settled = false;
  #timeoutTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #drainTimer: NodeJS.Timeout | undefined;

  /** Spawns the held shell; throws when it cannot be spawned. */
  constructor(request: RunRequest, callbacks: RunCallbacks, context: JobRunContext) {
    this.runId = request.runId;
    this.#request = request;
    this.#callbacks = callbacks;
    this.#context = context;
    this.outcome = new Promise((resolve) => (this.#resolve = resolve));
    this.#log = new RunLog({ limitBytes: request.logLimitBytes, onBatch: (batch) => callbacks.onLog(batch) });
    this.#child = execa('/bin/sh', ['-c', HOLD + request.script], {
      cwd: request.cwd,
      env: runEnv(context.baseEnv, request),
      extendEnv: false,
      detached: true,
      cleanup: false,
      buffer: false,
      reject: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      encoding: 'buffer',
    });
    // Failures show in the exit event; with reject: false the promise only settles.
    this.#child.catch(() => undefined);
    const pid = this.#child.pid;
    if (pid === undefined) throw new UnavailableError(`cannot spawn /bin/sh for run ${request.runId} in ${request.cwd}`);
    this.pid = pid;
    this.#child.stdin?.on('error', () => undefined);
    for (const stream of ['stdout', 'stderr'] as const) {
      const pipe = this.#child[stream];
      pipe?.on('data', (chunk: Buffer) => {
        if (!this.#settled) this.#log.write(stream, chunk);
      });
      pipe?.on('error', () => undefined);
      pipe?.once('close', () => this.#streamClosed(stream));
    }
    this.#child.once('exit', (code, signal) => {
      this.#exit = { code, signal };
      context.watcher.watch(pid, () => this.#groupIsGone());
    });
  }

  start(): void {
    if (this.#phase !== 'held' || this.#ladder || this.#settled) return;
    this.#phase = 'started';
    this.#startedAt = performance.now();
    this.#child.stdin?.end('\n');
    this.#timeoutTimer = setTimeout(() => this.#beginLadder('timeout'), this.#request.timeoutMs);
  }

  cancel(): Promise<void> {
    if (this.#phase === 'started') {
      return Promise.reject(new Error(`run ${this.runId} has started: abort it instead of cancelling`));
    }
    if (this.#phase === 'held') {
      this.#phase = 'cancelled';
      this.#child.stdin?.end();
      this.#signal('SIGKILL');
    }
    return this.outcome.then(() => undefined);
  }

  abort(reason: Exclude<AbortReason, 'timeout'>): void {
    this.#beginLadder(reason);
  }

  #beginLadder(reason: AbortReason): void {
    if (this.#ladder || this.#settled || this.#phase === 'cancelled') return;
    const ladder = { reason, killed: false };
    this.#ladder = ladder;
    clearTimeout(this.#timeoutTimer);
    if (this.#signal('SIGUSR2')) this.#callbacks.onSignal({ signal: 'SIGUSR2', reason, at: new Date() });
    this.#graceTimer = setTimeout(() => {
      // A group left with only zombies is gone already: do not report a kill that did nothing.
      if (this.#groupGone || !groupAlive(this.pid)) return;
      if (!this.#signal('SIGKILL')) return;
      ladder.killed = true;
      this.#callbacks.onSignal({ signal: 'SIGKILL', reason, at: new Date() });
    }, this.#request.graceMs);
  }

  /** Signals the whole group; false when it is gone or cannot be signalled. */
  #signal(signal: 'SIGUSR2' | 'SIGKILL'): boolean {
    if (this.#groupGone) return false;
    let sent: boolean;
    try {
      sent = signalGroup(this.pid, signal);
    } catch {
      // EPERM: the job changed its user; nothing more can be done from here.
      sent = false;
    }
    this.#context.watcher.poke(this.pid);
    return sent;
  }

  #streamClosed(stream: 'stdout' | 'stderr'): void {
    if (!this.#settled) this.#log.end(stream);
    this.#openStreams--;
    if (this.#openStreams === 0 && this.#groupGone) this.#settle();
  }

  #groupIsGone(): void {
    this.#groupGone = true;
    clearTimeout(this.#timeoutTimer);
    clearTimeout(this.#graceTimer);
    if (this.#openStreams === 0) return this.#settle();
    this.#drainTimer = setTimeout(() => {
      this.#child.stdout?.destroy();
      this.#child.stderr?.destroy();
      this.#settle();
    }, this.#context.drainMs);
  }

  #settle(): void {
    if (this.#settled) return;
    clearTimeout(this.#drainTimer);
    this.#log.flush();
    this.#settled = true;
    this.#resolve(this.#describe());
  }

  #describe(): RunOutcome {
    const log = this.#log;
    const totals = {
      durationMs: this.#phase === 'started' ? Math.round(performance.now() - this.#startedAt) : 0,
      stderrTail: log.stderrTail,
      loggedBytes: log.loggedBytes,
      droppedBytes: log.droppedBytes,
      droppedLines: log.droppedLines,
    };
    const exitCode = this.#exit?.code ?? null;
    const signal = this.#exit?.signal ?? null;
    if (this.#phase === 'cancelled') return { result: 'cancelled', ...totals };
    const ladder = this.#ladder;
    if (ladder?.reason === 'timeout') return { result: 'timed_out', killed: ladder.killed, exitCode, signal, ...totals };
    if (ladder) return { result: 'aborted', reason: ladder.reason, killed: ladder.killed, exitCode, signal, ...totals };
    if (exitCode === 0 && signal === null) return { result: 'succeeded', exitCode: 0, ...totals };
    return { result: 'failed', exitCode, signal, ...totals };
  }
}
