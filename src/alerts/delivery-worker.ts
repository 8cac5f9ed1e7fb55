/**
 * Delivers one channel's notices, one request at a time, oldest alert first and round-robin
 * over jobs. Each alert is sent as its newest notice (which carries the newest count), so
 * notices that pile up behind the rate limit or a retry become one message. Retryable failures
 * back off (a 45009 blocks the channel for its window); a permanent one, or retries running
 * out, is recorded once as `AlertDeliveryFailed`. A send that succeeded is recorded before
 * anything else is sent, even if the store was down at first.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { DeliveryResult } from '../domain/alert-decider.js';
import { decideAlert } from '../domain/alert-decider.js';
import { nextNotice, type AlertState, type PendingNotice } from '../domain/alert-state.js';
import type { AlertNotified } from '../domain/events.js';
import type { Logger } from '../log.js';
import type { EventStore } from '../store/event-store.js';
import type { DeliveryOptions } from './alert-config.js';
import type { AlertStreams } from './alert-streams.js';
import type { AlertChannel, ChannelMessage } from './channels/channel.js';
import { RateLimiter } from './rate-limiter.js';

export interface DeliveryWorkerOptions {
  channel: AlertChannel;
  streams: AlertStreams;
  clock: Clock;
  log: Logger;
  delivery: DeliveryOptions;
  /** The message for a notice, given the job's current alert state. */
  compose(notice: PendingNotice, state: AlertState): ChannelMessage;
  limiter?: RateLimiter;
  /**
   * False while this node may not act (its lease is about to lapse): nothing is sent then, so a
   * deposed leader does not deliver what its successor delivers too. @defaultValue always true
   */
  canSend?: () => boolean;
}

interface Retry {
  attempts: number;
  /** No request before this time (ms). */
  notBefore: number;
}

interface Due {
  jobId: string;
  notice: PendingNotice;
}

export class DeliveryWorker {
  readonly limiter: RateLimiter;
  /** Jobs that may have notices for this channel, in the order they are served. */
  private readonly queue = new Set<string>();
  /** Per alert id: requests made so far and when the next may go. */
  private readonly retries = new Map<string, Retry>();
  /** Results of sends that went out but are not recorded yet. */
  private readonly unrecorded = new Map<string, { jobId: string; noticeId: string; result: DeliveryResult }>();
  private readonly abort = new AbortController();
  private wakeUp?: () => void;
  private loop?: Promise<void>;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.limiter = options.limiter ?? new RateLimiter(options.channel.rateLimit, options.channel.rateWindow);
  }

  get name(): string {
    return this.options.channel.name;
  }

  /**
   * Counts the deliveries this channel recorded within its rate window (by a previous leader, or
   * before a restart), so that a new subscriber does not start with a full allowance.
   */
  async seedRateLimit(store: EventStore): Promise<void> {
    const { channel, clock } = this.options;
    const since = clock.now() - channel.rateWindow;
    let seen = 0;
    for await (const event of store.readAll({ direction: 'backwards', filter: { eventTypes: ['AlertNotified'] }, maxCount: 1000 })) {
      const data = event.data as AlertNotified['data'];
      const at = Date.parse(data.at);
      if (at < since) break;
      if (data.channel === channel.name && ++seen <= channel.rateLimit) this.limiter.record(at);
    }
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.options.log.error({ err: error, channel: this.name }, 'alert delivery stopped on an unexpected error');
    });
  }

  /** Tells the worker that `jobId` may have something to deliver. */
  wake(jobId: string): void {
    this.queue.add(jobId);
    this.wakeUp?.();
  }

  /** Stops at once: an unanswered request is abandoned and will be sent again by the next leader. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Resolves after `ms`, on `wake`, or on `stop`. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = () => {
        if (timer !== undefined) this.options.clock.clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      if (Number.isFinite(ms)) timer = this.options.clock.setTimeout(done, ms);
    });
  }

  private async run(): Promise<void> {
    const { clock, log } = this.options;
    while (!this.stopped) {
      try {
        if (this.unrecorded.size > 0) {
          await this.recordPending();
          continue;
        }
        const { due, waitMs } = await this.nextDue(clock.now());
        if (!due) {
          await this.sleep(waitMs);
          continue;
        }
        if (this.options.canSend && !this.options.canSend()) {
          await this.sleep(this.options.delivery.retryDelay);
          continue;
        }
        const limitWait = this.limiter.waitMs(clock.now());
        if (limitWait > 0) {
          await this.sleep(limitWait);
          continue;
        }
        await this.deliver(due);
      } catch (error) {
        if (this.stopped) break;
        log.warn({ err: error, channel: this.name }, 'alert delivery: store unavailable; trying again');
        await this.sleep(this.options.delivery.retryDelay);
      }
    }
  }

  /** The first job in the queue whose next notice may go now, or how long until one may. */
  private async nextDue(now: number): Promise<{ due?: Due; waitMs: number }> {
    let waitMs = Number.POSITIVE_INFINITY;
    for (const jobId of [...this.queue]) {
      const state = await this.options.streams.state(jobId);
      const notice = nextNotice(state, this.name);
      if (!notice) {
        this.queue.delete(jobId);
        continue;
      }
      const holdUntil = notice.raised?.notBefore ? Date.parse(notice.raised.notBefore) : 0;
      const at = Math.max(holdUntil, this.retries.get(notice.alertId)?.notBefore ?? 0);
      if (at <= now) return { due: { jobId, notice }, waitMs: 0 };
      waitMs = Math.min(waitMs, at - now);
    }
    return { waitMs };
  }

  private async deliver({ jobId }: Due): Promise<void> {
    const { clock, streams, channel, delivery, log } = this.options;
    // Another node may have delivered it meanwhile (a failover): look at the stream first.
    const state = await streams.refresh(jobId);
    const notice = nextNotice(state, this.name);
    if (!notice) return;
    const message = this.options.compose(notice, state);
    const retry = this.retries.get(notice.alertId) ?? { attempts: 0, notBefore: 0 };
    retry.attempts += 1;
    this.limiter.record(clock.now());
    const result = await channel.send(message, this.abort.signal);
    if (this.stopped && !result.ok) return;
    // Served: let the other jobs go first.
    this.queue.delete(jobId);
    this.queue.add(jobId);
    if (result.ok) {
      this.retries.delete(notice.alertId);
      const recipients = message.recipients.wecom;
      const invalid = result.invalidUsers?.length ? { invalidUsers: result.invalidUsers } : {};
      this.unrecorded.set(notice.alertId, {
        jobId,
        noticeId: notice.noticeId,
        result: { ok: true, recipients, failures: message.content.failures ?? 0, ...invalid },
      });
      await this.recordPending();
      return;
    }
    const errcode = result.errcode === undefined ? {} : { errcode: result.errcode };
    if ('permanent' in result || retry.attempts >= delivery.attempts) {
      this.retries.delete(notice.alertId);
      const permanent = 'permanent' in result;
      log.warn({ channel: this.name, jobId, alertId: notice.alertId, ...errcode, attempts: retry.attempts, reason: result.message }, 'alert not delivered');
      this.unrecorded.set(notice.alertId, {
        jobId,
        noticeId: notice.noticeId,
        result: { ok: false, permanent, ...errcode, message: result.message, attempts: retry.attempts },
      });
      await this.recordPending();
      return;
    }
    const backoff = Math.min(delivery.maxRetryDelay, delivery.retryDelay * 2 ** (retry.attempts - 1));
    const waitMs = result.retryAfterMs ?? backoff;
    if (result.errcode === 45009) this.limiter.block(clock.now() + waitMs);
    retry.notBefore = clock.now() + waitMs;
    this.retries.set(notice.alertId, retry);
    log.info({ channel: this.name, jobId, ...errcode, attempt: retry.attempts, retryInMs: waitMs, reason: result.message }, 'alert delivery will be retried');
  }

  /** Records every send that went out; throws (and keeps them) while the store refuses. */
  private async recordPending(): Promise<void> {
    for (const [alertId, pending] of [...this.unrecorded]) {
      const at = new Date(this.options.clock.now()).toISOString();
      await this.options.streams.decide(pending.jobId, (state) =>
        decideAlert({ type: 'RecordDelivery', noticeId: pending.noticeId, channel: this.name, result: pending.result, at }, state),
      );
      this.unrecorded.delete(alertId);
    }
  }
}
