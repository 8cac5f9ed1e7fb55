/**
 * A catch-up subscription that survives drops. The client's subscriptions end for good when the
 * connection breaks, so this one opens a new client subscription after each drop, with backoff,
 * starting after the last record it received; records at or before that point are skipped, so
 * the consumer sees each event once and in order.
 *
 * `caughtUp` resolves after the consumer has processed every record that came before the
 * server's `caught_up` message (KurrentDB and EventStoreDB 23.10+). For older servers it also
 * resolves once a record — or a filter checkpoint — at or past the head read when the
 * subscription started has been processed.
 */
import type { Readable } from 'node:stream';
import type { ResolvedEvent } from '@kurrent/kurrentdb-client';
import type { StoredEvent, Subscription } from '../event-store.js';
import { EventLoopSlice } from '../event-loop-slice.js';
import { isPermanentForSubscriptions } from './client-errors.js';

/** The parts of a client subscription this module uses. */
export type ClientSubscription = Readable & { unsubscribe(): Promise<void> };

/** Where one subscription reads from. A cursor is a `$all` position or a stream revision. */
export interface SubscriptionSource {
  /** Cursor of the newest stored record, or `undefined` when there is none. */
  head(): Promise<bigint | undefined>;
  /** A client subscription starting after `after` (exclusive), or at the very start. */
  open(after: bigint | undefined, onCheckpoint: (cursor: bigint) => void): ClientSubscription;
  /** The record's cursor, and the event to deliver (none when it is filtered out). */
  unpack(resolved: ResolvedEvent): { cursor: bigint; event: StoredEvent | undefined } | undefined;
  /** Turns an error that ends the subscription into the store's error. */
  describe(error: unknown): Error;
}

export interface ResubscribeBackoff {
  initialDelayMs: number;
  maxDelayMs: number;
}

export class ResubscribingSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private closed = false;
  private current: ClientSubscription | undefined;
  private wake: (() => void) | undefined;
  private readonly events: AsyncGenerator<StoredEvent>;
  /** Read at once, so that a subscription from 'end' starts where the store stood when it was made. */
  private initialHead: Promise<bigint | undefined> | undefined;

  constructor(
    private readonly source: SubscriptionSource,
    start: 'start' | 'end' | bigint,
    private readonly backoff: ResubscribeBackoff,
    private readonly onClose: () => void,
  ) {
    this.caughtUp = new Promise((resolve) => {
      this.resolveCaughtUp = resolve;
    });
    this.initialHead = source.head();
    // Failures are met where the loop awaits it; this only keeps them from being "unhandled".
    this.initialHead.catch(() => undefined);
    this.events = this.run(start);
  }

  [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    return this.events;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCurrent();
    this.wake?.();
    this.onClose();
  }

  private async *run(start: 'start' | 'end' | bigint): AsyncGenerator<StoredEvent> {
    let cursor = typeof start === 'bigint' ? start : undefined;
    let head: bigint | undefined | null = null;
    let failures = 0;
    const slice = new EventLoopSlice();
    try {
      while (!this.closed) {
        let dropped: unknown;
        try {
          if (head === null) {
            const read = this.initialHead ?? this.source.head();
            this.initialHead = undefined;
            head = await read;
            if (start === 'end') cursor = head;
            if (head === undefined || (cursor !== undefined && cursor >= head)) this.resolveCaughtUp();
            if (this.closed) break;
          }
          const knownHead = head;
          let received = 0;
          let processed = 0;
          let caughtUpAt: number | undefined;
          const markAt = (count: number): void => {
            caughtUpAt = Math.min(caughtUpAt ?? count, count);
            if (processed >= caughtUpAt) this.resolveCaughtUp();
          };
          const subscription = this.source.open(cursor, (checkpoint) => {
            if (knownHead !== undefined && checkpoint >= knownHead) markAt(received + subscription.readableLength);
          });
          this.current = subscription;
          // The client reports a broken call by emitting 'error' without destroying the stream:
          // destroy it, so that iteration ends instead of waiting forever.
          subscription.on('error', (error: unknown) => {
            dropped = error;
            subscription.destroy();
          });
          subscription.on('caughtUp', () => markAt(received + subscription.readableLength));
          subscription.on('confirmation', () => {
            failures = 0;
          });
          for await (const resolved of subscription as AsyncIterable<ResolvedEvent>) {
            received += 1;
            failures = 0;
            const item = this.source.unpack(resolved);
            if (item && (cursor === undefined || item.cursor > cursor)) {
              cursor = item.cursor;
              if (item.event) {
                if (slice.due()) await slice.turn();
                yield item.event;
              }
              if (knownHead !== undefined && item.cursor >= knownHead) markAt(received);
            }
            processed += 1;
            if (caughtUpAt !== undefined && processed >= caughtUpAt) this.resolveCaughtUp();
          }
        } catch (error) {
          if (this.closed) break;
          const cause = dropped ?? error;
          if (isPermanentForSubscriptions(cause)) throw this.source.describe(cause);
        } finally {
          this.stopCurrent();
        }
        if (this.closed) break;
        await this.sleep(this.delay(failures));
        failures += 1;
      }
    } finally {
      await this.close();
    }
  }

  private delay(failures: number): number {
    const { initialDelayMs, maxDelayMs } = this.backoff;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(failures, 30));
    // Jitter keeps many subscribers from reconnecting in lockstep after an outage.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private stopCurrent(): void {
    const subscription = this.current;
    this.current = undefined;
    if (!subscription) return;
    subscription.unsubscribe().catch(() => undefined);
    subscription.destroy();
  }
}
