/**
 * A catch-up subscription over the read connection: pages of stored events after a cursor,
 * then a wait for the next change, then more pages. It reads only when the consumer asks
 * for the next event, so a slow loop body slows this subscription and nothing else.
 */
import { UnavailableError } from '../../errors.js';
import type { StoredEvent, Subscription } from '../event-store.js';
import { EventLoopSlice } from '../event-loop-slice.js';
import type { ChangePoller } from './change-poller.js';

export interface SubscriptionSource {
  /** Up to one page of events whose cursor key is greater than `after`, in order. */
  pageAfter(after: bigint): StoredEvent[];
  /** The cursor key of an event: its position for `$all`, its revision for a stream. */
  key(event: StoredEvent): bigint;
  /**
   * While this process's own appends are being committed: resolves when they are (or after a
   * bounded wait). Reading and handing out events then would hold up the very commits' replies
   * (a herd of decisions is known durable later). Asked once per wake-up, never while catching up.
   */
  writesSettled(): Promise<void> | undefined;
}

export class SqliteSubscription implements Subscription, AsyncIterator<StoredEvent> {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (error: Error) => void;
  private isCaughtUp = false;
  private buffer: StoredEvent[] = [];
  private nextInBuffer = 0;
  private closed = false;
  private iterated = false;
  private readonly abort = new AbortController();
  private readonly slice = new EventLoopSlice();
  private woken = false;

  /**
   * @param cursor exclusive start: the key of the last event not to deliver.
   * @param head the key of the newest event when the subscription started.
   */
  constructor(
    private readonly source: SubscriptionSource,
    private readonly poller: ChangePoller,
    private cursor: bigint,
    private readonly head: bigint,
    private readonly onClose: (subscription: SqliteSubscription) => void,
  ) {
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    // A consumer that never awaits `caughtUp` must not see an unhandled rejection on close.
    this.caughtUp.catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    if (this.iterated) throw new UnavailableError('a subscription can be iterated only once');
    this.iterated = true;
    return this;
  }

  async next(): Promise<IteratorResult<StoredEvent>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      // The consumer asks for more only after its loop body has handled the previous event.
      if (this.cursor >= this.head) this.markCaughtUp();
      if (this.slice.due()) {
        await this.slice.turn();
        continue; // it may have been closed meanwhile
      }
      const event = this.buffer[this.nextInBuffer];
      if (event) {
        this.nextInBuffer += 1;
        this.cursor = this.source.key(event);
        return { done: false, value: event };
      }
      // Woken by new commits: let this process's appends still in flight finish first, once
      // per wake-up, so that a reader falling behind is never held back page after page.
      const writing = this.woken ? this.source.writesSettled() : undefined;
      this.woken = false;
      if (writing) {
        await writing;
        this.slice.restart();
        continue;
      }
      let since: number;
      let page: StoredEvent[];
      try {
        since = this.poller.current();
        page = this.source.pageAfter(this.cursor);
      } catch (error) {
        // A failed read ends the subscription; the consumer's loop sees the error.
        await this.close(error as Error);
        throw error;
      }
      if (page.length > 0) {
        this.buffer = page;
        this.nextInBuffer = 0;
        continue;
      }
      this.markCaughtUp();
      await this.poller.wait(since, this.abort.signal);
      this.woken = true;
      this.slice.restart();
    }
  }

  async return(): Promise<IteratorResult<StoredEvent>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Ends the subscription; `reason`, when it failed, also rejects a pending `caughtUp`. */
  close(reason?: Error): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.buffer = [];
    this.abort.abort();
    if (!this.isCaughtUp) {
      this.rejectCaughtUp(reason ?? new UnavailableError('the subscription was closed before it caught up'));
    }
    this.onClose(this);
    return Promise.resolve();
  }

  private markCaughtUp(): void {
    if (this.isCaughtUp) return;
    this.isCaughtUp = true;
    this.resolveCaughtUp();
  }
}
