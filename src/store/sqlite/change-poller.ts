/**
 * Wakes waiting subscriptions when the file changes. Commits of this store wake them
 * directly (`wakeAll`); commits of other processes are noticed by polling
 * `PRAGMA data_version`, which costs a few microseconds and runs only while at least one
 * subscription is waiting for live events.
 */
interface Waiter {
  since: number;
  resolve: () => void;
}

export class ChangePoller {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @param version reads `PRAGMA data_version` on the read connection.
   * @param onError told when polling fails (the connection is gone); waiters are woken so
   *   that their next read reports the problem.
   */
  constructor(
    private readonly version: () => number,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The version to pass to `wait`; take it before the read whose emptiness makes you wait. */
  current(): number {
    return this.version();
  }

  /**
   * Resolves once the data version differs from `since`, at the next `wakeAll`, or when
   * `signal` aborts, whichever comes first.
   */
  wait(since: number, signal: AbortSignal): Promise<void> {
    if (this.closed || signal.aborted || this.changedSince(since)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        since,
        resolve: () => {
          this.waiters.delete(waiter);
          signal.removeEventListener('abort', waiter.resolve);
          this.stopWhenIdle();
          resolve();
        },
      };
      signal.addEventListener('abort', waiter.resolve, { once: true });
      this.waiters.add(waiter);
      this.timer ??= setInterval(() => this.poll(), this.intervalMs);
    });
  }

  /** Wakes every waiter: this store has just committed. */
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter.resolve();
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  private changedSince(since: number): boolean {
    try {
      return this.version() !== since;
    } catch {
      // The connection is gone: let the caller's next read report why.
      return true;
    }
  }

  private poll(): void {
    let now: number;
    try {
      now = this.version();
    } catch (error) {
      this.onError(error);
      this.wakeAll();
      return;
    }
    for (const waiter of [...this.waiters]) if (waiter.since !== now) waiter.resolve();
  }

  private stopWhenIdle(): void {
    if (this.waiters.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
