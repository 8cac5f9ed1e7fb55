/**
 * A nact persistence engine over the `EventStore` port.
 *
 * - persistence key = stream name; nact sequence number = stream revision + 1;
 * - snapshots live in their own stream, `snapshot-<key>`, trimmed to the last few;
 * - every persist appends at the revision this engine last saw for the key, so a second
 *   writer to the same stream (a deposed leader, a duplicate actor) fails with
 *   `WrongExpectedVersion` instead of interleaving.
 *
 * nact's own sequence numbers are not trusted for anything: a failed persist leaves a gap in
 * them (DESIGN.md, "nact facts"), so the engine tracks the real revision per key.
 */
import type { AppendRequest, EventMetadata, EventStore, NewEvent, StoredEvent } from './event-store.js';
import { StoreError } from '../errors.js';

/** What nact hands to and expects back from an engine (its classes are not exported). */
export interface PersistedEventLike {
  data: unknown;
  sequenceNumber: number;
  key: string;
  createdAt: number;
  isDeleted: boolean;
  tags: string[];
}

export interface PersistedSnapshotLike {
  data: unknown;
  sequenceNumber: number;
  key: string;
  createdAt: number;
}

/** What a persistent actor sees during recovery: the stored event, minus store bookkeeping. */
export interface RecoveredMessage {
  type: string;
  data: unknown;
  metadata: EventMetadata;
  revision: bigint;
}

interface SnapshotData {
  version: number;
  revision: string;
  state: unknown;
}

export interface StorePersistenceOptions {
  /**
   * Bump when the shape of snapshotted state changes: older snapshots are then ignored and
   * state is rebuilt from events.
   * @defaultValue 1
   */
  snapshotVersion?: number;
  /** Snapshots kept per key. @defaultValue 3 */
  snapshotsKept?: number;
  /** Metadata added to every persisted event (node id, leader epoch). */
  metadata?: () => EventMetadata;
  /**
   * State kept current in memory by a follower of the store (a warm standby). When it knows a key,
   * recovery starts from it instead of the stored snapshot: only the events after its revision
   * are read, however long the history.
   */
  warm?: (key: string) => { state: unknown; revision: bigint } | undefined;
}

export const snapshotStream = (key: string) => `snapshot-${key}`;

export class StorePersistenceEngine {
  private readonly revisions = new Map<string, bigint | 'none'>();
  private readonly snapshotVersion: number;
  private readonly snapshotsKept: number;
  private readonly metadata: () => EventMetadata;
  private readonly warm?: StorePersistenceOptions['warm'];
  /** States to start the next recovery of a key from (see `resume`). */
  private readonly resumed = new Map<string, unknown>();
  /** Keys whose recovery started from a resumed state: there is nothing after it to read. */
  private readonly current = new Set<string>();

  constructor(
    readonly store: EventStore,
    options: StorePersistenceOptions = {},
  ) {
    this.snapshotVersion = options.snapshotVersion ?? 1;
    this.snapshotsKept = options.snapshotsKept ?? 3;
    this.metadata = options.metadata ?? (() => ({}));
    this.warm = options.warm;
  }

  /** The revision this engine last saw for `key`, `undefined` when the stream had no events. */
  revisionOf(key: string): bigint | undefined {
    const revision = this.revisions.get(key);
    return revision === 'none' || revision === undefined ? undefined : revision;
  }

  /**
   * Must return synchronously an object whose `reduce` walks the stream lazily: nact's recovery
   * calls `events(key, offset).reduce(asyncFn, init)`, and a long stream must not be loaded whole.
   */
  events(key: string, offset = 0) {
    return {
      reduce: async <Acc>(
        reducer: (acc: Acc, event: PersistedEventLike, index: number) => Acc | Promise<Acc>,
        initial: Acc,
      ): Promise<Acc> => {
        if (!this.revisions.has(key)) this.revisions.set(key, 'none');
        // This engine wrote the stream up to the resumed state; a write of anyone else since then
        // fails the next append at its expected revision, and the actor then recovers afresh.
        if (this.current.delete(key)) return initial;
        let acc = initial;
        let index = 0;
        for await (const stored of this.store.readStream(key, { fromRevision: BigInt(offset) })) {
          this.revisions.set(key, stored.revision);
          acc = await reducer(acc, toPersisted(stored), index++);
        }
        return acc;
      },
    };
  }

  /** nact's single-message persist: the message is a `NewEvent` (`{ id?, type, data, metadata? }`). */
  async persist(persisted: PersistedEventLike): Promise<void> {
    await this.persistAll(persisted.key, [persisted.data as NewEvent]);
  }

  /**
   * Appends several events of one decision atomically, at the expected revision. Used where one
   * decision yields several events (a failure and its retry), which nact's one-at-a-time
   * `persist` could split across a crash.
   */
  async persistAll(key: string, events: readonly NewEvent[]): Promise<bigint> {
    const { stream, events: stored, expected } = this.requestFor(key, events, this.metadata());
    const result = await this.store.append(stream, stored, expected);
    this.revisions.set(key, result.nextRevision);
    return result.nextRevision;
  }

  /**
   * `persistAll` for several keys at once (one `appendMany`): each at its own expected revision,
   * each succeeding or failing alone; results in order.
   */
  async persistMany(items: readonly { key: string; events: readonly NewEvent[] }[]): Promise<PromiseSettledResult<bigint>[]> {
    const extra = this.metadata();
    const settled = new Array<PromiseSettledResult<bigint>>(items.length);
    const requests: AppendRequest[] = [];
    const itemOf: number[] = [];
    items.forEach(({ key, events }, index) => {
      try {
        requests.push(this.requestFor(key, events, extra));
        itemOf.push(index);
      } catch (error) {
        settled[index] = { status: 'rejected', reason: error };
      }
    });
    const results = await this.store.appendMany(requests);
    results.forEach((result, at) => {
      const index = itemOf[at]!;
      if (result.status === 'rejected') {
        settled[index] = result;
        return;
      }
      this.revisions.set(items[index]!.key, result.value.nextRevision);
      settled[index] = { status: 'fulfilled', value: result.value.nextRevision };
    });
    return settled;
  }

  /** The append of `events` to `key` at the revision this engine last saw, with its metadata. */
  private requestFor(key: string, events: readonly NewEvent[], extra: EventMetadata): AppendRequest {
    const known = this.revisions.get(key);
    if (known === undefined) {
      throw new StoreError(`cannot persist to "${key}" before its actor recovered from the store`);
    }
    return {
      stream: key,
      events: events.map((event) => ({ ...event, metadata: { ...extra, ...event.metadata } })),
      expected: known === 'none' ? 'no_stream' : known,
    };
  }

  /** Forget what was seen of `key`: its next persist must follow a fresh recovery. */
  forget(key: string): void {
    this.revisions.delete(key);
    this.resumed.delete(key);
    this.current.delete(key);
  }

  async takeSnapshot(snapshot: PersistedSnapshotLike): Promise<void> {
    const revision = this.revisionOf(snapshot.key);
    if (revision === undefined) return; // nothing persisted yet: nothing worth a snapshot
    await this.saveSnapshot(snapshot.key, revision, snapshot.data);
  }

  /** Stores `state` as the state of `key` after `revision`. */
  async saveSnapshot(key: string, revision: bigint, state: unknown): Promise<void> {
    const stream = snapshotStream(key);
    const data: SnapshotData = { version: this.snapshotVersion, revision: revision.toString(), state };
    const result = await this.store.append(stream, [{ type: 'Snapshot', data }], 'any');
    if (result.nextRevision === 0n) await this.store.setStreamMetadata(stream, { maxCount: this.snapshotsKept });
  }

  /**
   * The next recovery of `key` starts from `state`, taken as the state after the revision this
   * engine last saw for it, and reads nothing before it: for an actor started again while its
   * job's current state is in memory (a passivated job actor).
   */
  resume(key: string, state: unknown): void {
    if (this.revisionOf(key) !== undefined) this.resumed.set(key, state);
  }

  async latestSnapshot(key: string): Promise<PersistedSnapshotLike | undefined> {
    const resumed = this.resumed.get(key);
    const revision = this.revisionOf(key);
    this.resumed.delete(key);
    if (resumed !== undefined && revision !== undefined) {
      this.current.add(key);
      return { data: resumed, sequenceNumber: Number(revision) + 1, key, createdAt: Date.now() };
    }
    const warm = this.warm?.(key);
    if (warm) {
      this.revisions.set(key, warm.revision);
      return { data: warm.state, sequenceNumber: Number(warm.revision) + 1, key, createdAt: Date.now() };
    }
    for await (const stored of this.store.readStream(snapshotStream(key), { direction: 'backwards', maxCount: 1 })) {
      const data = stored.data as Partial<SnapshotData>;
      if (data.version !== this.snapshotVersion || typeof data.revision !== 'string') return undefined;
      const revision = BigInt(data.revision);
      this.revisions.set(key, revision);
      return { data: data.state, sequenceNumber: Number(revision) + 1, key, createdAt: stored.created.getTime() };
    }
    return undefined;
  }
}

function toPersisted(stored: StoredEvent): PersistedEventLike {
  const message: RecoveredMessage = {
    type: stored.type,
    data: stored.data,
    metadata: stored.metadata,
    revision: stored.revision,
  };
  return {
    data: message,
    sequenceNumber: Number(stored.revision) + 1,
    key: stored.stream,
    createdAt: stored.created.getTime(),
    isDeleted: false,
    tags: [],
  };
}
