/**
 * The audit page's filters. The API narrows by stream (a name or a `prefix*`); type, run and
 * time are checked here, page after page, so a sparse filter still fills a screen.
 */
import type { StoredEventJson } from '../../../../src/http/api-types.js';
import { api } from '../../api/client.js';
import { eventTime, matchesFilter, type AuditFilter } from './audit-match.js';

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
