/**
 * The events of one run from its job stream: read from the run's first event on and stopped
 * after its final event (and the retry decided with it), so an old run of a long stream costs a
 * few reads, not the whole stream.
 */
import { FINAL_RUN_EVENTS } from '../domain/events.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';

/** Events looked at, at most: an open run of a very busy job is still answered quickly. */
const MAX_SCANNED = 5000;
const FINAL = new Set<string>(FINAL_RUN_EVENTS);

/**
 * @param fromRevision revision of the run's first event
 * @param single the run is a skipped or missed tick: one event, without a run id
 */
export async function runEvents(store: EventStore, jobId: string, runId: string, fromRevision: bigint, single: boolean): Promise<StoredEvent[]> {
  const stream = `job-${jobId}`;
  if (single) {
    for await (const event of store.readStream(stream, { fromRevision, maxCount: 1 })) return [event];
    return [];
  }
  const found: StoredEvent[] = [];
  let finished = false;
  for await (const event of store.readStream(stream, { fromRevision, maxCount: MAX_SCANNED })) {
    const data = event.data as { runId?: string };
    if (finished) {
      // Decided together with the final event: the retry of this attempt.
      if (event.type === 'RetryScheduled' && data.runId === runId) found.push(event);
      break;
    }
    if (data.runId !== runId) continue;
    found.push(event);
    if (FINAL.has(event.type)) finished = true;
  }
  return found;
}
