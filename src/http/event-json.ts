/** Stored events as the API and the WebSocket send them: bigints as decimal strings. */
import type { StoredEvent } from '../store/event-store.js';
import type { StoredEventJson } from './api-types.js';

export function toEventJson(event: StoredEvent): StoredEventJson {
  return {
    id: event.id,
    stream: event.stream,
    revision: event.revision.toString(),
    position: event.position.toString(),
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    created: event.created.toISOString(),
  };
}
