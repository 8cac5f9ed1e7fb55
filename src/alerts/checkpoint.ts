/**
 * Where the alert subscriber stands in `$all`, kept in `alertcheckpoint-<name>`. Decisions carry
 * their own outcome positions, so the checkpoint may lag: it only saves re-reading outcomes,
 * and lists the jobs that had notices waiting so that a new leader finds them at once.
 */
import { streams, type AlertCheckpointed } from '../domain/events.js';
import type { EventMetadata, EventStore } from '../store/event-store.js';

export interface Checkpoint {
  position?: bigint;
  pendingJobs: string[];
}

/** Checkpoints kept in the stream. */
const KEEP = 10;

export async function readCheckpoint(store: EventStore, name: string): Promise<Checkpoint> {
  for await (const event of store.readStream(streams.alertCheckpoint(name), { direction: 'backwards', maxCount: 1 })) {
    const data = event.data as AlertCheckpointed['data'];
    return { position: BigInt(data.position), pendingJobs: [...data.pendingJobs] };
  }
  return { pendingJobs: [] };
}

export async function writeCheckpoint(
  store: EventStore,
  name: string,
  checkpoint: { position: bigint; pendingJobs: string[]; at: string },
  metadata: EventMetadata,
): Promise<void> {
  const stream = streams.alertCheckpoint(name);
  const data: AlertCheckpointed['data'] = { position: checkpoint.position.toString(), pendingJobs: checkpoint.pendingJobs, at: checkpoint.at };
  const result = await store.append(stream, [{ type: 'AlertCheckpointed', data, metadata }], 'any');
  if (result.nextRevision === 0n) await store.setStreamMetadata(stream, { maxCount: KEEP });
}
