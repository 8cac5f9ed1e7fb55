/**
 * How an `EventFilter` on `$all` is split between the server and the adapter. The server filters
 * on one thing only (stream names or event types), so it gets the narrowest of them, and the
 * adapter checks everything again, system events included: a `$`-prefixed stream can hold an
 * event whose type has no `$` (the server's own `$settings` does).
 */
import type { Filter } from '@kurrent/kurrentdb-client';
import { eventTypeFilter, excludeSystemEvents, streamNameFilter } from '@kurrent/kurrentdb-client';
import { ValidationError } from '../../errors.js';
import type { EventFilter, StoredEvent } from '../event-store.js';
import { isSystemEvent } from './event-mapping.js';

export interface AllFilter {
  /** What the server is asked to filter on. */
  server: Filter;
  /** The full check, applied to every event the server sends. */
  accepts(event: Pick<StoredEvent, 'stream' | 'type'>): boolean;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function checkList(list: unknown, field: string): string[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
    throw new ValidationError(`filter.${field} must be an array of non-empty strings`, `filter.${field}`);
  }
  return list.length > 0 ? (list as string[]) : undefined;
}

export function compileAllFilter(
  filter: EventFilter | undefined,
  checkpointReached?: Filter['checkpointReached'],
): AllFilter {
  const prefixes = checkList(filter?.streamPrefixes, 'streamPrefixes');
  const types = checkList(filter?.eventTypes, 'eventTypes');
  const typeSet = types ? new Set(types) : undefined;
  const common = { checkpointReached };
  const server = prefixes
    ? streamNameFilter({ prefixes, ...common })
    : types
      ? eventTypeFilter({ regex: `^(?:${types.map(escapeRegex).join('|')})$`, ...common })
      : excludeSystemEvents(common);
  return {
    server,
    accepts: ({ stream, type }) =>
      !isSystemEvent(stream, type) &&
      (!prefixes || prefixes.some((prefix) => stream.startsWith(prefix))) &&
      (!typeSet || typeSet.has(type)),
  };
}
