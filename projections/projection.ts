/**
 * What every read model is: an initial state and an `evolve` that folds one stored event into it,
 * plus the list of events the projection runner subscribes to.
 *
 * `evolve` is deterministic and does no I/O (no clock, no randomness): the same events give the
 * same state, which is what lets a checkpoint plus the tail equal a rebuild. It updates the state
 * it is given and returns it: copying a history of 100,000 runs for every event would make a
 * rebuild quadratic. The runner owns the states; tests start from `initial()`.
 */
import type { TimecloudEvent, TimecloudEventType } from '../src/domain/events.js';
import type { StoredEvent } from '../src/store/event-store.js';

export interface Projection<State> {
  /** Key of the state in checkpoints. */
  readonly name: string;
  /** Bump when the shape of the state changes: checkpoints of other versions are not used. */
  readonly version: number;
  initial(): State;
  evolve(state: State, event: StoredEvent): State;
  /**
   * The state as checkpoints store it, and its canonical form for comparisons.
   * @defaultValue the state itself (it is plain JSON)
   */
  encode?(state: State): unknown;
  /** The inverse of `encode`. */
  decode?(data: unknown): State;
}

/**
 * Every event type but run log chunks: what the projections and the WebSocket feed read. A
 * record over the union, so the compiler asks for a decision whenever an event type is added.
 */
const PROJECTED: Record<Exclude<TimecloudEventType, 'LogChunk'>, true> = {
  JobRegistered: true,
  JobUpdated: true,
  JobRemoved: true,
  JobRejected: true,
  JobEnabled: true,
  JobDisabled: true,
  RunScheduled: true,
  RunSkipped: true,
  RunMissed: true,
  RunQueued: true,
  RunStarted: true,
  RunSignalled: true,
  RunSucceeded: true,
  RunFailed: true,
  RunTimedOut: true,
  RunAborted: true,
  RunAbandoned: true,
  RetryScheduled: true,
  LogTruncated: true,
  LeaseAcquired: true,
  LeaseRenewed: true,
  LeaseReleased: true,
  AlertRaised: true,
  AlertNotified: true,
  AlertSuppressed: true,
  AlertDeliveryFailed: true,
  AlertResolved: true,
};

/**
 * The subscription filter of the projection runner. Filtering on event types leaves out run log
 * chunks and snapshots (type `Snapshot`) inside the store, before anything is decoded.
 */
export const PROJECTED_EVENT_TYPES: readonly string[] = Object.keys(PROJECTED);

/** The domain event of a stored one, for an exhaustive `switch` on `type`. */
export function domainEvent(stored: StoredEvent): TimecloudEvent {
  return { type: stored.type, data: stored.data } as TimecloudEvent;
}
