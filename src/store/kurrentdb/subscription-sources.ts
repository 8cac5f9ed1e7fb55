/** Where `$all` and stream subscriptions come from: the client calls behind `SubscriptionSource`. */
import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { SubscribeToAllOptions } from '../event-store.js';
import { compileAllFilter } from './all-filter.js';
import { toStoredEvent } from './event-mapping.js';
import type { ReadAccess } from './reads.js';
import { headOfAll, headOfStream } from './reads.js';
import type { ClientSubscription, SubscriptionSource } from './resubscribe.js';

export interface SourceContext {
  /** Subscriptions go through the writing client: its channel reconnects on its own. */
  writer(): KurrentDBClient;
  reads: ReadAccess;
  describe(what: string, error: unknown): Error;
}

export function allSource(context: SourceContext, options: SubscribeToAllOptions): SubscriptionSource {
  const { accepts } = compileAllFilter(options.filter);
  return {
    head: () => headOfAll(context.reads),
    open: (after, onCheckpoint) =>
      context.writer().subscribeToAll({
        fromPosition: after === undefined ? 'start' : { commit: after, prepare: after },
        filter: compileAllFilter(options.filter, (_subscription, position) => onCheckpoint(position.commit)).server,
      }) as unknown as ClientSubscription,
    unpack: (resolved) => {
      const event = toStoredEvent(resolved);
      return event && { cursor: event.position, event: accepts(event) ? event : undefined };
    },
    describe: (error) => context.describe('subscription to $all failed', error),
  };
}

export function streamSource(context: SourceContext, stream: string): SubscriptionSource {
  return {
    head: () => headOfStream(context.reads, stream),
    open: (after) =>
      context.writer().subscribeToStream(stream, {
        fromRevision: after === undefined ? 'start' : after,
      }) as unknown as ClientSubscription,
    unpack: (resolved) => {
      const event = toStoredEvent(resolved);
      return event && { cursor: event.revision, event };
    },
    describe: (error) => context.describe(`subscription to "${stream}" failed`, error),
  };
}
