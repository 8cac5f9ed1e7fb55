/**
 * Leadership through the `leader` stream and optimistic concurrency alone.
 *
 * A node becomes leader by appending `LeaseAcquired{epoch + 1}` at the revision it last saw;
 * the store lets exactly one such append win. The leader renews every `ttl / 3`. A follower
 * judges expiry with its own clock from the moment it *saw* the last renewal, so clocks of
 * different machines are never compared. The leader counts its lease from the moment it *sent*
 * a renewal, which is earlier than anyone can see it: it always fences itself before a follower
 * may take over.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { WrongExpectedVersion } from '../errors.js';
import { streams, type LeaderEvent, type LeaseRenewed } from '../domain/events.js';
import type { Logger } from '../log.js';
import type { EventStore, StoredEvent, Subscription } from '../store/event-store.js';

export interface LeaseHolder {
  nodeId: string;
  epoch: number;
  url: string;
  ttl: number;
  /** Local time (ms) at which this node last saw the holder acquire or renew. */
  seenAt: number;
  released: boolean;
}

export interface LeaderLeaseOptions {
  store: EventStore;
  nodeId: string;
  /** Where this node's API can be reached, for followers that redirect to the leader. */
  url: string;
  /** Lease time to live in ms. @defaultValue 1500 */
  ttlMs?: number;
  clock?: Clock;
  log: Logger;
  /** Lease events kept in the stream. @defaultValue 100 */
  keep?: number;
}

interface LeaseEvents {
  /** This node leads from now on, under `epoch`; `validUntil` is when it must fence unless renewed. */
  acquired: [{ epoch: number; validUntil: number }];
  renewed: [{ epoch: number; validUntil: number }];
  /** This node no longer leads: another node took over, or the lease could not be renewed in time. */
  lost: [{ epoch: number; reason: string }];
  /** Whoever leads changed (or released). */
  holder: [LeaseHolder | undefined];
}

export class LeaderLease extends EventEmitter<LeaseEvents> {
  readonly ttlMs: number;
  private readonly clock: Clock;
  private holder?: LeaseHolder;
  private revision?: bigint;
  private epoch = 0;
  /**
   * The highest epoch seen in the stream. The stream is trimmed, so the `LeaseAcquired` of a
   * long-lived leader is soon gone: its renewals alone must tell a newly started node who leads
   * and which epoch comes next. Epochs never go back.
   */
  private highestEpoch = 0;
  private leading = false;
  /** When the last successful renewal was sent: the lease is ours until this + ttl. */
  private renewSentAt = 0;
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private busy = false;

  constructor(private readonly options: LeaderLeaseOptions) {
    super();
    this.ttlMs = options.ttlMs ?? 1500;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs < 100) throw new RangeError(`lease ttl must be at least 100 ms, got ${this.ttlMs}`);
    this.clock = options.clock ?? systemClock;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * True while this node leads and its lease is still valid by its own clock. Checked right before
   * every write a leader makes, so a node that was paused past its lease writes nothing on waking,
   * even before its renewal loop has noticed.
   */
  canWrite(): boolean {
    return this.leading && this.clock.now() - this.renewSentAt < this.ttlMs;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  get currentHolder(): LeaseHolder | undefined {
    return this.holder;
  }

  async start(): Promise<void> {
    this.subscription = this.options.store.subscribeToStream(streams.leader);
    void this.follow(this.subscription);
    await this.subscription.caughtUp;
    if (this.revision === undefined) {
      await this.options.store.setStreamMetadata(streams.leader, { maxCount: this.options.keep ?? 100 }).catch(() => {});
    }
    // Followers check for expiry every tenth of the lease: it bounds how late a takeover can be.
    this.timer = setInterval(() => void this.step(), Math.max(20, Math.floor(this.ttlMs / 10)));
    await this.step();
  }

  /** Releases the lease when held (a clean stop hands over at once) and stops following. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.leading) {
      this.leading = false;
      await this.append({ type: 'LeaseReleased', data: { nodeId: this.options.nodeId, epoch: this.epoch, at: this.nowIso() } }).catch(
        (error: unknown) => this.options.log.warn({ err: error }, 'could not release the leader lease; it will expire'),
      );
    }
    await this.subscription?.close();
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private async follow(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) this.observe(event);
    } catch (error) {
      if (!this.stopped) this.options.log.error({ err: error }, 'lost the leader stream subscription');
    }
  }

  private observe(stored: StoredEvent): void {
    if (this.revision !== undefined && stored.revision < this.revision) return; // already accounted for
    this.revision = stored.revision;
    const event = { type: stored.type, data: stored.data } as LeaderEvent;
    const now = this.clock.now();
    if (event.type !== 'LeaseAcquired' && event.type !== 'LeaseRenewed' && event.type !== 'LeaseReleased') return;
    this.highestEpoch = Math.max(this.highestEpoch, event.data.epoch);
    const known = this.holder !== undefined && this.holder.epoch === event.data.epoch;
    switch (event.type) {
      case 'LeaseAcquired':
        this.holder = { ...event.data, seenAt: now, released: false };
        break;
      case 'LeaseRenewed':
        if (known) this.holder = { ...this.holder!, seenAt: now };
        else if (this.isNewer(event.data.epoch)) this.holder = this.holderFrom(event.data, now, false);
        break;
      case 'LeaseReleased':
        if (known) this.holder = { ...this.holder!, released: true, seenAt: now };
        else if (this.isNewer(event.data.epoch)) this.holder = this.holderFrom(event.data, now, true);
        break;
    }
    this.emit('holder', this.holder);
    if (this.leading && this.holder && this.holder.nodeId !== this.options.nodeId) {
      this.loseLeadership(`node ${this.holder.nodeId} took over with epoch ${this.holder.epoch}`);
    }
  }

  private isNewer(epoch: number): boolean {
    return this.holder === undefined || epoch > this.holder.epoch;
  }

  /** The holder as told by a renewal or release whose `LeaseAcquired` was trimmed away. */
  private holderFrom(data: LeaseRenewed['data'], seenAt: number, released: boolean): LeaseHolder {
    return { nodeId: data.nodeId, epoch: data.epoch, url: data.url ?? '', ttl: data.ttl ?? this.ttlMs, seenAt, released };
  }

  private async step(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (this.leading) await this.renew();
      else if (this.mayAcquire()) await this.acquire();
    } finally {
      this.busy = false;
    }
  }

  private mayAcquire(): boolean {
    const holder = this.holder;
    if (!holder || holder.released) return true;
    return this.clock.now() - holder.seenAt > holder.ttl;
  }

  private async acquire(): Promise<void> {
    const epoch = Math.max(this.highestEpoch, this.holder?.epoch ?? 0) + 1;
    const sentAt = this.clock.now();
    const previousNodeId = this.holder?.nodeId;
    try {
      await this.append({
        type: 'LeaseAcquired',
        data: { nodeId: this.options.nodeId, epoch, url: this.options.url, ttl: this.ttlMs, at: this.nowIso(), ...(previousNodeId ? { previousNodeId } : {}) },
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) this.options.log.warn({ err: error }, 'could not try for the leader lease');
      return; // somebody else won, or the store is away: follow and try again later
    }
    this.epoch = epoch;
    this.leading = true;
    this.renewSentAt = sentAt;
    this.options.log.info({ epoch, nodeId: this.options.nodeId }, 'acquired the leader lease');
    this.emit('acquired', { epoch, validUntil: sentAt + this.ttlMs });
  }

  private async renew(): Promise<void> {
    const now = this.clock.now();
    if (now - this.renewSentAt > this.ttlMs) {
      this.loseLeadership(`could not renew the lease within ${this.ttlMs} ms`);
      return;
    }
    if (now - this.renewSentAt < this.ttlMs / 3) return;
    try {
      await this.append({
        type: 'LeaseRenewed',
        data: { nodeId: this.options.nodeId, epoch: this.epoch, url: this.options.url, ttl: this.ttlMs, at: this.nowIso() },
      });
      if (!this.leading) return;
      this.renewSentAt = now;
      this.emit('renewed', { epoch: this.epoch, validUntil: now + this.ttlMs });
    } catch (error) {
      if (error instanceof WrongExpectedVersion) this.loseLeadership('another node appended to the leader stream');
      else this.options.log.warn({ err: error }, 'could not renew the leader lease; retrying');
    }
  }

  private loseLeadership(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.log.warn({ epoch: this.epoch, reason }, 'lost the leader lease');
    this.emit('lost', { epoch: this.epoch, reason });
  }

  private async append(event: LeaderEvent): Promise<void> {
    const expected = this.revision ?? 'no_stream';
    const result = await this.options.store.append(streams.leader, [event], expected);
    // Our own event comes back through the subscription too; take its revision now so the next
    // append does not race the subscription.
    this.revision = result.nextRevision;
    this.observe({
      id: '',
      stream: streams.leader,
      revision: result.nextRevision,
      position: result.position,
      type: event.type,
      data: event.data,
      metadata: {},
      created: new Date(this.clock.now()),
    });
  }
}
