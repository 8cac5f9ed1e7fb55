/**
 * Reading job state back from the store outside the job actors: which jobs exist, and the state
 * of one job from its latest snapshot plus the events after it (so the cost does not grow with
 * the job's history).
 */
import type { JobEvent } from '../domain/events.js';
import { evolve, initialJobState, type JobState } from '../domain/job-state.js';
import type { EventStore } from './event-store.js';
import { StorePersistenceEngine } from './nact-persistence.js';

export const JOB_SNAPSHOT_VERSION = 1;

/** Ids of every job ever registered, in registration order. */
export async function listJobIds(store: EventStore): Promise<string[]> {
  const ids = new Set<string>();
  for await (const event of store.readAll({ filter: { eventTypes: ['JobRegistered'] } })) {
    ids.add((event.data as { jobId: string }).jobId);
  }
  return [...ids];
}

export async function loadJobState(store: EventStore, jobId: string): Promise<{ state: JobState; revision?: bigint }> {
  const engine = new StorePersistenceEngine(store, { snapshotVersion: JOB_SNAPSHOT_VERSION });
  const key = `job-${jobId}`;
  const snapshot = await engine.latestSnapshot(key);
  const initial = (snapshot?.data as JobState | undefined) ?? initialJobState(jobId);
  const state = await engine.events(key, snapshot?.sequenceNumber ?? 0).reduce((acc: JobState, persisted) => {
    const message = persisted.data as { type: string; data: unknown; metadata: { epoch?: number } };
    return evolve(acc, message as unknown as JobEvent, { epoch: message.metadata.epoch });
  }, initial);
  return { state, revision: engine.revisionOf(key) };
}
