/**
 * Stores a job's decision and folds it into the job's state: the one way a job's events are
 * written, whether the job actor decided them or the tick batcher did.
 */
import { FencedError } from '../src/errors.js';
import { eventIdFor } from '../src/domain/event-ids.js';
import type { JobEvent } from '../src/domain/events.js';
import { evolve, type JobState } from '../src/domain/job-state.js';
import type { JobActorDeps, JobEffects } from './job-effects.js';

export interface JobActorState {
  job: JobState;
  /** Events since the last snapshot. */
  sinceSnapshot: number;
  effects?: JobEffects;
}

/**
 * Appends `events` to the job's stream at the revision last seen, then evolves the state and
 * takes a snapshot when one is due. Throws `FencedError` when this node may not write.
 */
export async function recordEvents(
  deps: JobActorDeps,
  key: string,
  state: JobActorState,
  events: readonly JobEvent[],
): Promise<JobActorState> {
  if (events.length === 0) return state;
  if (!deps.node.canWrite()) throw new FencedError();
  const metadata = { nodeId: deps.node.nodeId, epoch: deps.node.epoch() };
  const revision = await deps.engine.persistAll(
    key,
    events.map((event) => ({ id: eventIdFor(event), type: event.type, data: event.data, metadata })),
  );
  deps.onPersisted?.(events);
  const job = events.reduce((s, event) => evolve(s, event, { epoch: metadata.epoch }), state.job);
  let sinceSnapshot = state.sinceSnapshot + events.length;
  if (sinceSnapshot >= deps.snapshotEvery) {
    sinceSnapshot = 0;
    deps.engine.saveSnapshot(key, revision, job).catch((error: unknown) => {
      deps.log.warn({ err: error, jobId: job.jobId }, 'snapshot failed; the next one will cover it');
    });
  }
  return { ...state, job, sinceSnapshot };
}
