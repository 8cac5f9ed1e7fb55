/**
 * Wakes waiting subscriptions when the file changes. Commits of this store wake them
 * directly (`wakeAll`); commits of other processes are noticed through `PRAGMA data_version`
 * (a few microseconds), checked only while at least one subscription is waiting:
 *
 * - `poll`: every `intervalMs`.
 * - `watch`: the folder is watched (inotify and the like) for writes to the `-wal` file. A
 *   write comes just before its commit is visible, so each one starts a short burst of polls
 *   every `intervalMs`; between bursts a slow safety poll (`idleIntervalMs`) covers anything
 *   the watch misses. Idle, this costs nearly nothing instead of a poll every few ms. If the
 *   folder cannot be watched, it polls as `poll` does.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

interface Waiter {
  since: number;
  resolve: () => void;
}

export interface ChangePollerOptions {
  /** Poll period while polling fast, in ms. */
  intervalMs: number;
  /** Watch this database file's `-wal` for writes; poll only around them. */
  watchFile?: string;
  /** Safety poll period between bursts when watching, in ms. @defaultValue 100 */
  idleIntervalMs?: number;
  /** How long a burst of fast polls lasts after a write was seen, in ms. @defaultValue 200 */
  burstMs?: number;
  /**
   * True while this process commits to the file. Its own WAL writes start no burst: its commits
   * wake the waiters directly (`wakeAll`). A leader's lease renewals alone used to keep an idle
   * node polling every millisecond for 200 ms twice a second.
   */
  ownWrites?: () => boolean;
}

/** After an own commit, WAL writes seen this soon are taken for its own (the watch reports late). */
const OWN_WRITE_SLACK_MS = 20;

export class ChangePoller {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private timerIsFast = false;
  private watcher: FSWatcher | undefined;
  private watching: boolean;
  private burstUntil = 0;
  private ownCommitAt = -Infinity;
  private closed = false;

  /**
   * @param version reads `PRAGMA data_version` on the read connection.
   * @param onError told when polling fails (the connection is gone); waiters are woken so
   *   that their next read reports the problem.
   */
  constructor(
    private readonly version: () => number,
    private readonly options: ChangePollerOptions,
    private readonly onError: (error: unknown) => void,
  ) {
    this.watching = options.watchFile !== undefined;
  }

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
      this.startWatching();
      this.schedule();
    });
  }

  /** This store has just committed: wakes every waiter. */
  committed(): void {
    this.ownCommitAt = performance.now();
    this.wakeAll();
  }

  /** Wakes every waiter. */
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter.resolve();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    this.wakeAll();
  }

  private fast(): boolean {
    return !this.watching || performance.now() < this.burstUntil;
  }

  private schedule(): void {
    if (this.waiters.size === 0 || this.closed) return;
    const fast = this.fast();
    if (this.timer && (this.timerIsFast || !fast)) return;
    clearTimeout(this.timer);
    this.timerIsFast = fast;
    const { intervalMs, idleIntervalMs = 100 } = this.options;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.poll();
        this.schedule();
      },
      fast ? intervalMs : idleIntervalMs,
    );
  }

  private startWatching(): void {
    const file = this.options.watchFile;
    if (!this.watching || this.watcher || file === undefined) return;
    const wal = `${basename(file)}-wal`;
    try {
      // The folder, not the file: the -wal file is deleted and created again over time.
      this.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name !== wal || this.waiters.size === 0 || this.ownWrite()) return;
        this.burstUntil = performance.now() + (this.options.burstMs ?? 200);
        this.poll();
        this.schedule();
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      this.stopWatching();
    }
  }

  /** The watch failed: poll fast from now on. */
  private stopWatching(): void {
    this.watching = false;
    this.watcher?.close();
    this.watcher = undefined;
    this.schedule();
  }

  /** Another process's commit that falls in here is found by the next safety poll instead. */
  private ownWrite(): boolean {
    return this.options.ownWrites?.() === true || performance.now() - this.ownCommitAt < OWN_WRITE_SLACK_MS;
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
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
