/**
 * Keeps the state of every job current on a node that does not lead, so that taking over needs no
 * replay: it loads each job once (latest snapshot plus tail), then follows `job-*` streams on `$all`
 * and evolves each state with the same pure `evolve` the job actors use. When the node becomes
 * leader, its job actors recover from these states (served as snapshots by the persistence engine)
 * plus whatever few events the subscription has not delivered yet.
 *
 * A leader needs none of it once its job actors have their state: it hands the states over
 * (each served once, to the recovering actor) and stops following, so a leader neither holds
 * every job's state twice nor reads back every event it has just written (measured: a tenth of
 * a busy leader's thread, 1,000 jobs every second). When it stops leading it follows again.
 */
import type { JobEvent } from '../domain/events.js';
import type { JobSpec } from '../domain/job-spec.js';
import { evolve, initialJobState, type JobState } from '../domain/job-state.js';
import type { Logger } from '../log.js';
import type { EventStore, Subscription } from '../store/event-store.js';
import { listJobIds, loadJobState } from '../store/job-streams.js';

export interface WarmState {
  state: JobState;
  /** Revision of the last event folded into `state`. */
  revision: bigint;
}

const JOB_PREFIX = 'job-';

export class JobStatesFollower {
  private readonly states = new Map<string, WarmState>();
  private subscription?: Subscription;
  private following?: Promise<void>;
  /** Set once the states were handed to a leader's job actors: each is then served once. */
  private handedOver = false;

  constructor(
    private readonly store: EventStore,
    private readonly log: Logger,
  ) {}

  /** Loads every job, then follows; resolves once caught up with the store. */
  async start(): Promise<void> {
    await this.stop();
    this.handedOver = false;
    this.states.clear();
    const last = await this.lastPosition();
    for (const jobId of await listJobIds(this.store)) {
      const { state, revision } = await loadJobState(this.store, jobId);
      if (revision !== undefined) this.states.set(jobId, { state, revision });
    }
    this.subscription = this.store.subscribeToAll({ fromPosition: last ?? 'start', filter: { streamPrefixes: [JOB_PREFIX] } });
    this.following = this.follow(this.subscription);
    await this.subscription.caughtUp;
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.following;
    this.subscription = undefined;
    this.following = undefined;
  }

  /**
   * This node leads now: from this call on it stops following and keeps only the states of
   * `jobIds`, whose actors are about to recover from them; each is dropped once served. The
   * returned promise resolves once the subscription is closed. `start()` follows again.
   */
  handOver(jobIds: readonly string[]): Promise<void> {
    this.handedOver = true; // the follow loop folds nothing more in
    const keep = new Set(jobIds);
    for (const jobId of this.states.keys()) if (!keep.has(jobId)) this.states.delete(jobId);
    return this.stop();
  }

  /** The warm state of the job whose stream is `stream` (`job-<id>`). */
  warm(stream: string): WarmState | undefined {
    if (!stream.startsWith(JOB_PREFIX)) return undefined;
    const jobId = stream.slice(JOB_PREFIX.length);
    const warm = this.states.get(jobId);
    if (this.handedOver) this.states.delete(jobId); // an actor reset later replays from its snapshot
    return warm;
  }

  /** How many job states this follower holds (a leader's drop to none as its actors recover). */
  get size(): number {
    return this.states.size;
  }

  /** Jobs that need an actor on a leader: not removed, or with runs or retries to settle. */
  activeJobIds(): string[] {
    return [...this.states.entries()]
      .filter(([, { state }]) => !state.removed || Object.keys(state.openRuns).length > 0 || Object.keys(state.pendingRetries).length > 0)
      .map(([jobId]) => jobId);
  }

  /** The definitions of the jobs not removed: what a new leader's first scan is compared with. */
  specs(): JobSpec[] {
    return [...this.states.values()].flatMap(({ state }) => (state.spec && state.registered && !state.removed ? [state.spec] : []));
  }

  private async lastPosition(): Promise<bigint | undefined> {
    for await (const event of this.store.readAll({ direction: 'backwards', maxCount: 1 })) return event.position;
    return undefined;
  }

  private async follow(subscription: Subscription): Promise<void> {
    try {
      for await (const stored of subscription) {
        if (this.handedOver) break;
        const jobId = stored.stream.slice(JOB_PREFIX.length);
        const current = this.states.get(jobId);
        if (current && stored.revision <= current.revision) continue; // already in the loaded state
        const base = current?.state ?? initialJobState(jobId);
        const epoch = stored.metadata.epoch;
        const state = evolve(base, { type: stored.type, data: stored.data } as JobEvent, { epoch: typeof epoch === 'number' ? epoch : undefined });
        this.states.set(jobId, { state, revision: stored.revision });
      }
    } catch (error) {
      this.log.error({ err: error }, 'job states follower stopped; takeover will replay from snapshots');
    }
  }
}
