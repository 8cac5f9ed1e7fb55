// Which stored events pass the audit page's filters (kept free of browser APIs: unit-tested).
import type { StoredEventJson } from '../../../../src/http/api-types.js';

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

/** When the event happened: the `at` its data records, else when it was stored. */
export function eventTime(event: StoredEventJson): string {
  const at = (event.data as { at?: unknown } | null)?.at;
  return typeof at === 'string' ? at : event.created;
}

/** Without a stream the API leaves out run logs, snapshots and lease renewals: so do live events. */
function streamMatches(pattern: string | undefined, event: StoredEventJson): boolean {
  if (!pattern) return !/^(runlog|snapshot)-/.test(event.stream) && event.type !== 'LeaseRenewed';
  return pattern.endsWith('*') ? event.stream.startsWith(pattern.slice(0, -1)) : event.stream === pattern;
}

export function matchesFilter(filter: AuditFilter, event: StoredEventJson): boolean {
  if (!streamMatches(filter.stream, event)) return false;
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
