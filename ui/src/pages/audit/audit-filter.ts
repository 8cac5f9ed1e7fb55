/**
 * The audit page's filters. The API narrows by stream (a name or a `prefix*`); type, run and
 * time are checked here, page after page, so a sparse filter still fills a screen.
 */
import type { StoredEventJson } from '../../../../src/http/api-types.js';
import { api } from '../../api/client.js';

export interface AuditFilter {
  stream?: string;
  /** One type or a comma-separated list. */
  type?: string;
  run?: string;
  /** ISO instants, inclusive. */
  since?: string;
  until?: string;
  direction: 'forwards' | 'backwards';
}

export interface AuditPage {
  events: StoredEventJson[];
  /** Where the next page starts; absent at the end. */
  next?: string;
  /** Events read to fill this page (more than shown when the filter is sparse). */
  scanned: number;
}

export const PAGE_SIZE = 50;
const FETCH_SIZE = 200;
const MAX_FETCHES = 25;

/** When the event happened: the `at` its data records, else when it was stored. */
export function eventTime(event: StoredEventJson): string {
  const at = (event.data as { at?: unknown } | null)?.at;
  return typeof at === 'string' ? at : event.created;
}

function streamMatches(pattern: string | undefined, stream: string): boolean {
  if (!pattern) return !stream.startsWith('runlog-');
  return pattern.endsWith('*') ? stream.startsWith(pattern.slice(0, -1)) : stream === pattern;
}

export function matchesFilter(filter: AuditFilter, event: StoredEventJson): boolean {
  if (!streamMatches(filter.stream, event.stream)) return false;
  if (filter.type) {
    const types = filter.type.split(',').map((t) => t.trim()).filter(Boolean);
    if (types.length && !types.includes(event.type)) return false;
  }
  if (filter.run) {
    const data = (event.data ?? {}) as { runId?: unknown; nextRunId?: unknown };
    if (data.runId !== filter.run && data.nextRunId !== filter.run && event.stream !== `runlog-${filter.run}`) return false;
  }
  const time = Date.parse(eventTime(event));
  if (filter.since && time < Date.parse(filter.since)) return false;
  if (filter.until && time > Date.parse(filter.until)) return false;
  return true;
}

/** True once paging in `direction` can only meet events outside the time window. */
function pastWindow(filter: AuditFilter, event: StoredEventJson): boolean {
  const time = Date.parse(eventTime(event));
  if (filter.direction === 'backwards') return filter.since !== undefined && time < Date.parse(filter.since);
  return filter.until !== undefined && time > Date.parse(filter.until);
}

/** Reads one screen of matching events starting at `from` (inclusive). */
export async function readAuditPage(filter: AuditFilter, from?: string): Promise<AuditPage> {
  const events: StoredEventJson[] = [];
  const step = filter.direction === 'backwards' ? -1n : 1n;
  let cursor = from;
  let scanned = 0;
  for (let fetches = 0; fetches < MAX_FETCHES; fetches++) {
    const page = await api.events({ stream: filter.stream, from: cursor, limit: FETCH_SIZE, direction: filter.direction });
    for (const event of page.events) {
      scanned += 1;
      if (pastWindow(filter, event)) return { events, scanned };
      if (!matchesFilter(filter, event)) continue;
      events.push(event);
      if (events.length === PAGE_SIZE) {
        const after = BigInt(event.position) + step;
        return after < 0n ? { events, scanned } : { events, next: after.toString(), scanned };
      }
    }
    if (!page.next) return { events, scanned };
    cursor = page.next;
  }
  return { events, next: cursor, scanned };
}
