/**
 * Stores a job's decision and folds it into the job's state: the one way a job's events are
 * written, whether the job actor decided them or the tick batcher did.
 */
import { FencedError } from '../src/errors.js';
import { eventIdFor } from '../src/domain/event-ids.js';
import type { JobEvent } from '../src/domain/events.js';
import { evolve, type JobState } from '../src/domain/job-state.js';
import type { NewEvent } from '../src/store/event-store.js';
import type { JobActorDeps, JobEffects } from './job-effects.js';

export interface JobActorState {
  job: JobState;
  /** Events since the last snapshot. */
  sinceSnapshot: number;
  effects?: JobEffects;
}

/** A decision ready to append: its events with their ids and this node's metadata. */
export interface Prepared {
  events: readonly JobEvent[];
  stored: NewEvent[];
  epoch: number;
}

/** Throws `FencedError` when this node may not write. */
export function prepareEvents(deps: JobActorDeps, events: readonly JobEvent[]): Prepared {
  if (!deps.node.canWrite()) throw new FencedError();
  const metadata = { nodeId: deps.node.nodeId, epoch: deps.node.epoch() };
  const stored = events.map((event) => ({ id: eventIdFor(event), type: event.type, data: event.data, metadata }));
  return { events, stored, epoch: metadata.epoch };
}

/** The state once `prepared` is stored at `revision`; takes a snapshot when one is due. */
export function foldStored(deps: JobActorDeps, key: string, state: JobActorState, prepared: Prepared, revision: bigint): JobActorState {
  const { events, epoch } = prepared;
  deps.onPersisted?.(events);
  const job = events.reduce((s, event) => evolve(s, event, { epoch }), state.job);
  let sinceSnapshot = state.sinceSnapshot + events.length;
  if (sinceSnapshot >= deps.snapshotEvery) {
    sinceSnapshot = 0;
    deps.engine.saveSnapshot(key, revision, job).catch((error: unknown) => {
      deps.log.warn({ err: error, jobId: job.jobId }, 'snapshot failed; the next one will cover it');
    });
  }
  return { ...state, job, sinceSnapshot };
}

/** Appends `events` to the job's stream at the revision last seen, then folds them in. */
export async function recordEvents(
  deps: JobActorDeps,
  key: string,
  state: JobActorState,
  events: readonly JobEvent[],
): Promise<JobActorState> {
  if (events.length === 0) return state;
  const prepared = prepareEvents(deps, events);
  const revision = await deps.engine.persistAll(key, prepared.stored);
  return foldStored(deps, key, state, prepared, revision);
}
