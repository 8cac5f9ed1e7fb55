/**
 * The events behind `timecloud history`: a job's stream, one run's events, or everything but
 * run logs and snapshots.
 */
import type { EventStore, StoredEvent } from '../store/event-store.js';

export interface HistoryQuery {
  job?: string;
  run?: string;
  /** Include `runlog-*` streams (the output of runs). */
  logs?: boolean;
  /** Include lease renewals (two a second while a node leads). */
  renewals?: boolean;
  /** Only the newest `limit` events. */
  limit?: number;
}

function mentionsRun(event: StoredEvent, runId: string): boolean {
  const data = event.data as Record<string, unknown> | null;
  return !!data && (data.runId === runId || data.nextRunId === runId || data.rootRunId === runId);
}

export async function* historyEvents(store: EventStore, query: HistoryQuery): AsyncIterable<StoredEvent> {
  let source: AsyncIterable<StoredEvent>;
  if (query.job && !query.run) {
    source = store.readStream(`job-${query.job}`);
  } else {
    const prefixes = query.run ? ['job-', 'alert-', ...(query.logs ? [`runlog-${query.run}`] : [])] : undefined;
    source = store.readAll(prefixes ? { filter: { streamPrefixes: prefixes } } : {});
  }
  const tail: StoredEvent[] = [];
  for await (const event of source) {
    // Bookkeeping, not history: actor snapshots and the alert subscriber's checkpoints.
    if (event.stream.startsWith('snapshot-') || event.stream.startsWith('alertcheckpoint-')) continue;
    if (!query.renewals && event.type === 'LeaseRenewed') continue;
    if (!query.logs && event.stream.startsWith('runlog-')) continue;
    if (query.run && !event.stream.startsWith('runlog-') && !mentionsRun(event, query.run)) continue;
    if (query.job && query.run && event.stream !== `job-${query.job}` && !event.stream.startsWith('runlog-')) continue;
    if (query.limit === undefined) {
      yield event;
    } else {
      tail.push(event);
      if (tail.length > 2 * query.limit) tail.splice(0, tail.length - query.limit);
    }
  }
  if (query.limit !== undefined) yield* tail.slice(-query.limit);
}
