/**
 * Feeds every projection from one `$all` subscription (run log chunks and snapshots are filtered
 * out in the store) and keeps their checkpoint: on start the states come from the checkpoint and
 * only the events after it are read, so a node with a long history serves the dashboard at once.
 * Each processed event is also emitted, for the WebSocket feed.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../src/log.js';
import type { EventStore, StoredEvent, Subscription } from '../src/store/event-store.js';
import { checkpointTextInSlices, readCheckpoint, storeKey, writeCheckpointFile, type CheckpointAnchor } from './checkpoint.js';
import { alertsProjection, type AlertsState } from './alerts.projection.js';
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
  alerts: AlertsState;
}

type AnyProjection = Projection<unknown>;

export function createProjections(options: { runHistory?: RunHistoryOptions } = {}): Record<keyof ProjectionStates, AnyProjection> {
  return {
    jobs: jobListProjection() as AnyProjection,
    runs: runHistoryProjection(options.runHistory) as AnyProjection,
    queue: queueProjection() as AnyProjection,
    nodes: nodesProjection() as AnyProjection,
    alerts: alertsProjection() as AnyProjection,
  };
}

/** The subscription filter: everything the projections (and the WebSocket feed) read. */
export const PROJECTION_FILTER = { eventTypes: [...PROJECTED_EVENT_TYPES] };

/** What to do when a projection cannot fold an event (a bug, or an event of an unexpected shape). */
export type ProjectionErrorHandler = (projection: string, event: StoredEvent, error: unknown) => void;

/**
 * Folds one event into every projection that reads it. Lease renewals only concern `nodes`. One
 * projection failing on one event skips that event for that projection only: a poison event
 * must not stop every read model (and the WebSocket feed) behind it.
 */
export function applyEvent(
  projections: Record<string, AnyProjection>,
  states: Record<string, unknown>,
  event: StoredEvent,
  onError: ProjectionErrorHandler = () => {},
): void {
  const fold = (name: string, projection: AnyProjection) => {
    try {
      states[name] = projection.evolve(states[name], event);
    } catch (error) {
      onError(name, event, error);
    }
  };
  if (event.type === 'LeaseRenewed') {
    fold('nodes', projections.nodes!);
    return;
  }
  for (const [name, projection] of Object.entries(projections)) fold(name, projection);
}

export interface RebuildResult {
  states: ProjectionStates;
  /** The states in their canonical (checkpoint) form. */
  encoded: Record<string, unknown>;
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
  return { states: states as unknown as ProjectionStates, encoded: encodeStates(projections, states), position, anchor, events };
}

/** The states as checkpoints hold them: also their canonical form, to compare two of them. */
export function encodeStates(projections: Record<string, AnyProjection>, states: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(projections).map(([name, p]) => [name, p.encode ? p.encode(states[name]) : states[name]]));
}

function decodeStates(projections: Record<string, AnyProjection>, data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(projections).map(([name, p]) => [name, p.decode ? p.decode(data[name]) : data[name]]));
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
  /**
   * Checkpoint this often while events arrive (and always on stop). Serialising a large history
   * holds the event loop (≈ 0.1 s per 100k runs), so checkpoints are also spaced to take at most
   * 1% of the time; a restart after a crash replays the events since the last one.
   * @defaultValue 30000
   */
  checkpointEveryMs?: number;
  /** …or after this many events (within the same 1% bound). @defaultValue 50000 */
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
  /** Events since the last checkpoint, lease renewals not counted: alone they are not worth one. */
  private sinceCheckpoint = 0;
  private renewalsSinceCheckpoint = false;
  private writing: Promise<void> | undefined;
  /** Projections that already logged a failure: one line each, not one per event. */
  private readonly failed = new Set<string>();
  private readonly onProjectionError: ProjectionErrorHandler = (projection, event, error) => {
    if (this.failed.has(projection)) return;
    this.failed.add(projection);
    this.options.log.error(
      { err: error, projection, stream: event.stream, type: event.type, position: event.position.toString() },
      'a projection could not fold an event; it skips such events (further failures of it are not logged)',
    );
  };
  /** Set while a checkpoint is serialised: the states stay still until it resolves. */
  private hold: Promise<void> | undefined;
  /** Checkpoints are spaced so that serialising them takes at most 1% of the time. */
  private notBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private resolveCaughtUp!: () => void;
  /** Resolves once the states reflect everything stored when the runner started. */
  readonly caughtUp: Promise<void>;
  /** Where the states came from at start, for logs and tests. */
  startedFrom: 'checkpoint' | 'scratch' = 'scratch';
  /** How long loading the checkpoint took, in ms. */
  checkpointLoadMs = 0;

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

  /** The current states in their canonical (checkpoint) form. */
  encodedStates(): Record<string, unknown> {
    return encodeStates(this.projections, this.current);
  }

  /** Loads the checkpoint (when usable) and starts following the store; does not wait to catch up. */
  async start(): Promise<void> {
    const { checkpointFile, log, store } = this.options;
    if (checkpointFile) {
      const started = performance.now();
      const { checkpoint, reason } = await readCheckpoint(checkpointFile, store, versionsOf(this.projections));
      if (reason) log.warn({ reason }, 'projections rebuild from the store');
      if (checkpoint) {
        this.current = decodeStates(this.projections, checkpoint.states);
        this.position = BigInt(checkpoint.position);
        this.anchor = checkpoint.anchor;
        this.startedFrom = 'checkpoint';
        this.checkpointLoadMs = performance.now() - started;
        log.info({ position: checkpoint.position, ms: Math.round(this.checkpointLoadMs) }, 'projections loaded from their checkpoint');
      }
      this.timer = setInterval(() => this.checkpoint(false), this.options.checkpointEveryMs ?? 30_000).unref();
    }
    this.subscribe();
  }

  private subscribe(): void {
    const subscription = this.options.store.subscribeToAll({ fromPosition: this.position ?? 'start', filter: PROJECTION_FILTER });
    this.subscription = subscription;
    subscription.caughtUp.then(() => {
      this.options.log.info({ position: this.position?.toString() }, 'projections caught up with the store');
      this.resolveCaughtUp();
    }, () => undefined);
    this.loop = this.follow(subscription);
  }

  private async follow(subscription: Subscription): Promise<void> {
    const everyEvents = this.options.checkpointEveryEvents ?? 50_000;
    try {
      // Both adapters' subscriptions let the event loop turn while catching up (EventLoopSlice).
      for await (const event of subscription) {
        if (this.hold) await this.hold;
        applyEvent(this.projections, this.current, event, this.onProjectionError);
        this.position = event.position;
        if (event.stream.startsWith('job-')) this.anchor = { position: event.position.toString(), id: event.id };
        if (event.type === 'LeaseRenewed') this.renewalsSinceCheckpoint = true;
        else this.sinceCheckpoint += 1;
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

  /**
   * Writes the checkpoint when there is something new and the spacing allows, or with `force`
   * (on stop) whenever anything at all changed.
   */
  checkpoint(force: boolean): Promise<void> {
    const file = this.options.checkpointFile;
    if (!file || this.position === undefined) return Promise.resolve();
    if (this.writing) return this.writing;
    const changed = this.sinceCheckpoint > 0 || (force && this.renewalsSinceCheckpoint);
    if (!changed || (!force && Date.now() < this.notBefore)) return Promise.resolve();
    this.writing = this.writeCheckpoint(file)
      .catch((error: unknown) => this.options.log.warn({ err: error, file }, 'could not write the projections checkpoint'))
      .finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async writeCheckpoint(file: string): Promise<void> {
    const started = performance.now();
    let release!: () => void;
    this.hold = new Promise((resolve) => (release = resolve));
    let text: string;
    try {
      text = await checkpointTextInSlices({
        store: storeKey(this.options.store),
        versions: versionsOf(this.projections),
        position: this.position!.toString(),
        ...(this.anchor ? { anchor: this.anchor } : {}),
        savedAt: new Date().toISOString(),
        states: encodeStates(this.projections, this.current),
      });
      this.sinceCheckpoint = 0;
      this.renewalsSinceCheckpoint = false;
    } finally {
      this.hold = undefined;
      release();
    }
    this.notBefore = Date.now() + 100 * (performance.now() - started);
    await writeCheckpointFile(file, text);
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
