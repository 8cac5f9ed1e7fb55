/**
 * Feeds every projection from one `$all` subscription (run log chunks and snapshots are filtered
 * out in the store) and keeps their checkpoint: on start the states come from the checkpoint and
 * only the events after it are read, so a node with a long history serves the dashboard at once.
 * Each processed event is also emitted, for the WebSocket feed.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../src/log.js';
import type { EventStore, StoredEvent, Subscription } from '../src/store/event-store.js';
import { checkpointText, readCheckpoint, storeKey, writeCheckpointFile, type CheckpointAnchor } from './checkpoint.js';
import { jobListProjection, type JobListState } from './job-list.projection.js';
import { nodesProjection, type NodesState } from './nodes.projection.js';
import { PROJECTED_EVENT_TYPES, type Projection } from './projection.js';
import { queueProjection, type QueueState } from './queue.projection.js';
import { runHistoryProjection, type RunHistoryOptions, type RunHistoryState } from './run-history.projection.js';

export interface ProjectionStates {
  jobs: JobListState;
  runs: RunHistoryState;
  queue: QueueState;
  nodes: NodesState;
}

type AnyProjection = Projection<unknown>;

export function createProjections(options: { runHistory?: RunHistoryOptions } = {}): Record<keyof ProjectionStates, AnyProjection> {
  return {
    jobs: jobListProjection() as AnyProjection,
    runs: runHistoryProjection(options.runHistory) as AnyProjection,
    queue: queueProjection() as AnyProjection,
    nodes: nodesProjection() as AnyProjection,
  };
}

/** The subscription filter: everything the projections (and the WebSocket feed) read. */
export const PROJECTION_FILTER = { eventTypes: [...PROJECTED_EVENT_TYPES] };

/** Folds one event into every projection that reads it. Lease renewals only concern `nodes`. */
export function applyEvent(projections: Record<string, AnyProjection>, states: Record<string, unknown>, event: StoredEvent): void {
  if (event.type === 'LeaseRenewed') {
    states.nodes = projections.nodes!.evolve(states.nodes, event);
    return;
  }
  for (const [name, projection] of Object.entries(projections)) states[name] = projection.evolve(states[name], event);
}

export interface RebuildResult {
  states: ProjectionStates;
  /** The last position read; undefined for an empty store. */
  position?: bigint;
  anchor?: CheckpointAnchor;
  events: number;
}

/** Every projection built from scratch by reading the store once. */
export async function rebuildProjections(store: EventStore, options: { runHistory?: RunHistoryOptions } = {}): Promise<RebuildResult> {
  const projections = createProjections(options);
  const states = initialStates(projections);
  let position: bigint | undefined;
  let anchor: CheckpointAnchor | undefined;
  let events = 0;
  for await (const event of store.readAll({ filter: PROJECTION_FILTER })) {
    applyEvent(projections, states, event);
    position = event.position;
    if (event.stream.startsWith('job-')) anchor = { position: event.position.toString(), id: event.id };
    events += 1;
  }
  return { states: states as unknown as ProjectionStates, position, anchor, events };
}

function initialStates(projections: Record<string, AnyProjection>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(projections).map(([name, p]) => [name, p.initial()]));
}

function versionsOf(projections: Record<string, AnyProjection>): Record<string, number> {
  return Object.fromEntries(Object.entries(projections).map(([name, p]) => [name, p.version]));
}

export interface ProjectionRunnerOptions {
  store: EventStore;
  log: Logger;
  /** Where the checkpoint is kept. @defaultValue none: every start rebuilds */
  checkpointFile?: string;
  /** Checkpoint at least this often while events arrive. @defaultValue 5000 */
  checkpointEveryMs?: number;
  /** …or after this many events. @defaultValue 10000 */
  checkpointEveryEvents?: number;
  runHistory?: RunHistoryOptions;
}

export class ProjectionRunner extends EventEmitter<{ event: [StoredEvent] }> {
  private readonly projections: Record<keyof ProjectionStates, AnyProjection>;
  private current: Record<string, unknown>;
  /** The last `$all` position folded in; undefined before the first event. */
  position: bigint | undefined;
  private anchor: CheckpointAnchor | undefined;
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private sinceCheckpoint = 0;
  private writing: Promise<void> | undefined;
  /** Checkpoints are spaced so that serialising them takes at most ~5% of the time. */
  private notBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private resolveCaughtUp!: () => void;
  /** Resolves once the states reflect everything stored when the runner started. */
  readonly caughtUp: Promise<void>;
  /** Where the states came from at start, for logs and tests. */
  startedFrom: 'checkpoint' | 'scratch' = 'scratch';

  constructor(private readonly options: ProjectionRunnerOptions) {
    super();
    this.projections = createProjections(options);
    this.current = initialStates(this.projections);
    this.caughtUp = new Promise((resolve) => (this.resolveCaughtUp = resolve));
  }

  /** The current states. Read them, never change them. */
  get states(): ProjectionStates {
    return this.current as unknown as ProjectionStates;
  }

  /** Loads the checkpoint (when usable) and starts following the store; does not wait to catch up. */
  async start(): Promise<void> {
    const { checkpointFile, log, store } = this.options;
    if (checkpointFile) {
      const started = performance.now();
      const { checkpoint, reason } = await readCheckpoint(checkpointFile, store, versionsOf(this.projections));
      if (reason) log.warn({ reason }, 'projections rebuild from the store');
      if (checkpoint) {
        this.current = checkpoint.states;
        this.position = BigInt(checkpoint.position);
        this.anchor = checkpoint.anchor;
        this.startedFrom = 'checkpoint';
        log.info({ position: checkpoint.position, ms: Math.round(performance.now() - started) }, 'projections loaded from their checkpoint');
      }
      this.timer = setInterval(() => this.checkpoint(false), this.options.checkpointEveryMs ?? 5000).unref();
    }
    this.subscribe();
  }

  private subscribe(): void {
    const subscription = this.options.store.subscribeToAll({ fromPosition: this.position ?? 'start', filter: PROJECTION_FILTER });
    this.subscription = subscription;
    subscription.caughtUp.then(() => this.resolveCaughtUp(), () => undefined);
    this.loop = this.follow(subscription);
  }

  private async follow(subscription: Subscription): Promise<void> {
    const everyEvents = this.options.checkpointEveryEvents ?? 10_000;
    try {
      for await (const event of subscription) {
        applyEvent(this.projections, this.current, event);
        this.position = event.position;
        if (event.stream.startsWith('job-')) this.anchor = { position: event.position.toString(), id: event.id };
        this.sinceCheckpoint += 1;
        this.emit('event', event);
        if (this.sinceCheckpoint >= everyEvents) this.checkpoint(false);
      }
    } catch (error) {
      if (this.stopped) return;
      // Adapters resubscribe by themselves; this is a failure they could not recover from.
      this.options.log.error({ err: error }, 'projection subscription failed; resubscribing in 1 s');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (!this.stopped) this.subscribe();
    }
  }

  /** Writes the checkpoint when there is something new and the spacing allows (or `force`). */
  checkpoint(force: boolean): Promise<void> {
    const file = this.options.checkpointFile;
    if (!file || this.sinceCheckpoint === 0 || this.position === undefined) return this.writing ?? Promise.resolve();
    if (this.writing || (!force && Date.now() < this.notBefore)) return this.writing ?? Promise.resolve();
    const started = performance.now();
    const text = checkpointText({
      store: storeKey(this.options.store),
      versions: versionsOf(this.projections),
      position: this.position.toString(),
      ...(this.anchor ? { anchor: this.anchor } : {}),
      savedAt: new Date().toISOString(),
      states: this.current,
    });
    const cost = performance.now() - started;
    this.notBefore = Date.now() + 20 * cost;
    this.sinceCheckpoint = 0;
    this.writing = writeCheckpointFile(file, text)
      .catch((error: unknown) => this.options.log.warn({ err: error, file }, 'could not write the projections checkpoint'))
      .finally(() => (this.writing = undefined));
    return this.writing;
  }

  /** Waits (at most `timeoutMs`) until every event stored by now has been folded in. */
  async settle(timeoutMs: number): Promise<boolean> {
    let head: bigint | undefined;
    for await (const event of this.options.store.readAll({ direction: 'backwards', maxCount: 1, filter: PROJECTION_FILTER })) head = event.position;
    const deadline = Date.now() + timeoutMs;
    while (head !== undefined && (this.position ?? -1n) < head) {
      if (Date.now() > deadline || this.stopped) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  /** Stops following the store and writes a last checkpoint. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.subscription?.close();
    await this.loop;
    await this.writing;
    await this.checkpoint(true);
  }
}
