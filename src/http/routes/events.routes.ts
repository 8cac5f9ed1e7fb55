/**
 * `/api/events`: the audit trail, read from the store page by page. Without `stream`, run log
 * chunks, snapshots and lease renewals are left out; `stream=runlog-<id>` or `stream=leader`
 * asks for them.
 */
import Router from '@koa/router';
import { PROJECTED_EVENT_TYPES } from '../../../projections/projection.js';
import type { EventFilter, StoredEvent } from '../../store/event-store.js';
import type { EventsResponse } from '../api-types.js';
import { toEventJson } from '../event-json.js';
import type { HttpDeps } from '../http-deps.js';
import { directionParam, limitParam, parseQuery, positionParam, streamParam } from '../validation.js';

const DEFAULT_LIMIT = 100;
const AUDIT_TYPES = PROJECTED_EVENT_TYPES.filter((type) => type !== 'LeaseRenewed');

export function eventsRoutes(deps: HttpDeps): Router {
  const router = new Router();

  router.get('/api/events', async (ctx) => {
    const query = parseQuery(ctx.query, { stream: streamParam, from: positionParam, limit: limitParam, direction: directionParam });
    const limit = query.limit ?? DEFAULT_LIMIT;
    const direction = query.direction ?? 'forwards';
    let filter: EventFilter | undefined = { eventTypes: AUDIT_TYPES };
    let exact: string | undefined;
    if (query.stream !== undefined) {
      const prefix = query.stream.endsWith('*') ? query.stream.slice(0, -1) : query.stream;
      filter = prefix === '' ? undefined : { streamPrefixes: [prefix] };
      if (!query.stream.endsWith('*')) exact = query.stream;
    }
    const events: StoredEvent[] = [];
    let next: bigint | undefined;
    const read = deps.store.readAll({
      direction,
      fromPosition: query.from ?? (direction === 'forwards' ? 'start' : 'end'),
      ...(filter ? { filter } : {}),
      // One more than asked tells whether there is a next page; an exact stream name is
      // matched here, as the store filters by prefix.
      ...(exact === undefined ? { maxCount: limit + 1 } : {}),
    });
    for await (const event of read) {
      if (exact !== undefined && event.stream !== exact) continue;
      if (events.length === limit) {
        next = event.position;
        break;
      }
      events.push(event);
    }
    const body: EventsResponse = { events: events.map(toEventJson), ...(next === undefined ? {} : { next: next.toString() }) };
    ctx.body = body;
  });

  return router;
}
