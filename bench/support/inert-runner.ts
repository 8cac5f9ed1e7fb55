/**
 * A runner that starts no process. Each run either "succeeds" as soon as it is started, or,
 * with `hold`, stays running until the node shuts down. With it, a benchmark sees the node's
 * own decision and dispatch path — timers, actors, the store, every event still durable —
 * without process spawning competing for the two cores; with `hold` and `overlap: skip`,
 * every tick after a job's first is a pure decision (`RunSkipped`).
 */
import type { RunCallbacks, RunHandle, RunOutcome, RunRequest, Runner } from '../../src/runner/runner.js';

const TOTALS = { durationMs: 0, stderrTail: '', loggedBytes: 0, droppedBytes: 0, droppedLines: 0 };
const SUCCEEDED: RunOutcome = { result: 'succeeded', exitCode: 0, ...TOTALS };

export interface InertRunnerOptions {
  /** Runs never end by themselves, only when aborted or shut down. @defaultValue false */
  hold?: boolean;
  /** Told when a run is released (`start()`), with the wall-clock time. */
  onStart?(request: RunRequest, at: number): void;
}

export class InertRunner implements Runner {
  private readonly running = new Set<(reason: 'abort' | 'fenced' | 'shutdown') => void>();

  constructor(private readonly options: InertRunnerOptions = {}) {}

  prepare(request: RunRequest, _callbacks: RunCallbacks): Promise<RunHandle> {
    let settle!: (outcome: RunOutcome) => void;
    const outcome = new Promise<RunOutcome>((resolve) => (settle = resolve));
    const aborted = (reason: 'abort' | 'fenced' | 'shutdown') =>
      settle({ result: 'aborted', reason, killed: false, exitCode: null, signal: null, ...TOTALS });
    void outcome.then(() => this.running.delete(aborted));
    return Promise.resolve({
      runId: request.runId,
      pid: process.pid,
      start: () => {
        this.options.onStart?.(request, Date.now());
        if (this.options.hold) this.running.add(aborted);
        else settle(SUCCEEDED);
      },
      cancel: () => {
        settle({ result: 'cancelled', ...TOTALS });
        return Promise.resolve();
      },
      abort: aborted,
      outcome,
    });
  }

  fenceAt(): void {}

  shutdown(reason: 'shutdown' | 'fenced'): Promise<void> {
    for (const abort of [...this.running]) abort(reason);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.shutdown('shutdown');
  }
}
