/**
 * The node's runner: a launcher process that is started again when it dies under a running
 * node. Without it, a launcher killed by an operator or the OOM killer, or dead of a bug, left
 * its node leading with nothing to spawn from: every run of every job failed "could not start"
 * and alerted its maintainers, until somebody restarted the node.
 *
 * The launcher client takes the runs that were going down with the ladder, from the node. Runs
 * asked for while a new launcher starts wait for it, up to `waitMs`; the fence deadline the
 * lease last set is handed to each new launcher, so a restart never unfences a node.
 */
import { RunnerStoppedError, UnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import { startLauncher, type LauncherOptions, type LauncherRunner } from './launcher-client.js';
import type { RunCallbacks, RunHandle, RunRequest, Runner } from './runner.js';

export interface SupervisedLauncherOptions extends Omit<LauncherOptions, 'onExit'> {
  log: Logger;
  /** Waits before each attempt to start a new launcher, in ms; the last one repeats. @defaultValue [0, 1000, 5000] */
  restartDelaysMs?: readonly number[];
  /** How long a run waits for a new launcher before it fails "could not start", in ms. @defaultValue 30000 */
  waitMs?: number;
  /** Told each time a new launcher is ready after one died (metrics). */
  onRestart?(info: { launcherPid: number; attempts: number }): void;
}

const DEFAULT_DELAYS_MS = [0, 1000, 5000] as const;

/** Starts the first launcher; rejects if that one cannot start (the node must not start then). */
export async function startSupervisedLauncher(options: SupervisedLauncherOptions): Promise<SupervisedLauncher> {
  const supervised = new SupervisedLauncher(options);
  await supervised.started;
  return supervised;
}

export class SupervisedLauncher implements Runner {
  readonly started: Promise<LauncherRunner>;
  readonly #options: SupervisedLauncherOptions;
  #current: LauncherRunner | undefined;
  /** Settles with the next launcher while one is being started. */
  #next: Promise<LauncherRunner> | undefined;
  #fence: Date | null = null;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(options: SupervisedLauncherOptions) {
    this.#options = options;
    this.started = this.#launch().then((runner) => (this.#current = runner));
  }

  /** The pid of the launcher now running; undefined while a new one starts. */
  get launcherPid(): number | undefined {
    return this.#current?.launcherPid;
  }

  async prepare(request: RunRequest, callbacks: RunCallbacks): Promise<RunHandle> {
    if (this.#closed) throw new RunnerStoppedError(`runner is closed: run ${request.runId} not prepared`);
    const runner = this.#current ?? (await this.#waitForNext(request.runId));
    try {
      return await runner.prepare(request, callbacks);
    } catch (error) {
      // Sent just as the launcher died: nothing was spawned, so the new launcher may take it.
      if (this.#current === runner || !(error instanceof UnavailableError) || error instanceof RunnerStoppedError) throw error;
      return (this.#current ?? (await this.#waitForNext(request.runId))).prepare(request, callbacks);
    }
  }

  fenceAt(deadline: Date | null): void {
    this.#fence = deadline;
    this.#current?.fenceAt(deadline);
  }

  async shutdown(reason: 'shutdown' | 'fenced'): Promise<void> {
    await this.#current?.shutdown(reason);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#next?.catch(() => undefined);
    await this.#current?.close();
  }

  #launch(): Promise<LauncherRunner> {
    const { env, orphanGraceMs } = this.#options;
    let launched: LauncherRunner | undefined;
    // Told only after the launcher was ready, and before the runs it had are failed over: so a
    // run refused by the dead launcher already finds the next one starting.
    const onExit = ({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }) => {
      if (launched) this.#died(launched, code, signal);
    };
    return startLauncher({ env, orphanGraceMs, onExit }).then((runner) => (launched = runner));
  }

  #died(dead: LauncherRunner, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#current !== dead || this.#closed) return;
    this.#current = undefined;
    this.#options.log.error(
      { launcherPid: dead.launcherPid, code, signal },
      'the launcher died: its runs were taken down from the node; starting a new one',
    );
    const next = this.#restart();
    this.#next = next;
    void next.catch(() => undefined).finally(() => {
      if (this.#next === next) this.#next = undefined;
    });
  }

  /** Tries until a launcher starts or the runner is closed; each new one gets the current fence. */
  async #restart(): Promise<LauncherRunner> {
    const delays = this.#options.restartDelaysMs ?? DEFAULT_DELAYS_MS;
    for (let attempt = 1; ; attempt++) {
      await this.#sleep(delays[Math.min(attempt - 1, delays.length - 1)] ?? 0);
      if (this.#closed) throw new RunnerStoppedError('runner is closed');
      try {
        const runner = await this.#launch();
        if (this.#closed) {
          await runner.close();
          throw new RunnerStoppedError('runner is closed');
        }
        runner.fenceAt(this.#fence);
        this.#current = runner;
        this.#options.log.info({ launcherPid: runner.launcherPid, attempts: attempt }, 'a new launcher is ready');
        this.#options.onRestart?.({ launcherPid: runner.launcherPid, attempts: attempt });
        return runner;
      } catch (error) {
        if (error instanceof RunnerStoppedError) throw error;
        this.#options.log.error({ err: error, attempt }, 'could not start a new launcher; trying again');
      }
    }
  }

  async #waitForNext(runId: string): Promise<LauncherRunner> {
    const next = this.#next;
    if (!next) throw new UnavailableError(`no launcher to start run ${runId}`);
    const waitMs = this.#options.waitMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new UnavailableError(`no launcher for run ${runId}: a new one did not start within ${waitMs} ms`)), waitMs);
    });
    try {
      return await Promise.race([next, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A wait that `close()` cuts short. */
  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
