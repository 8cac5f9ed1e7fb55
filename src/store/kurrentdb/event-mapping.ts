/** Conversions between the port's events and the client's. */
import { randomUUID } from 'node:crypto';
import type { JSONEventData, ResolvedEvent } from '@kurrent/kurrentdb-client';
import { jsonEvent } from '@kurrent/kurrentdb-client';
import { StoreError, ValidationError } from '../../errors.js';
import type { EventMetadata, NewEvent, StoredEvent } from '../event-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Round-trips through JSON: checks the value can be stored, and stores what will be read back. */
function asJson(what: string, path: string, value: unknown): unknown {
  let text: string | undefined;
  let cause: unknown;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    cause = error;
  }
  if (text === undefined) {
    throw new ValidationError(`${what}: ${path} cannot be stored as JSON`, path, cause === undefined ? undefined : { cause });
  }
  return JSON.parse(text) as unknown;
}

/**
 * Gives every event its final id before the first attempt, so that a retry after a lost reply
 * sends the same ids and the server's idempotency check turns it into a no-op.
 */
export function toEventData(stream: string, events: readonly NewEvent[]): JSONEventData[] {
  return events.map((event, index) => {
    const where = `events[${index}]`;
    if (typeof event.type !== 'string' || event.type === '') {
      throw new ValidationError(`append to "${stream}": ${where}.type must be a non-empty string`, `${where}.type`);
    }
    const what = `append of ${event.type} to "${stream}"`;
    const given: unknown = event.id ?? randomUUID();
    if (typeof given !== 'string' || !UUID.test(given)) {
      throw new ValidationError(`${what}: ${where}.id ${JSON.stringify(given)} is not a UUID`, `${where}.id`);
    }
    // The server hands ids back in lower case; store them so, or a read-back would not compare equal.
    const id = given.toLowerCase();
    return jsonEvent({
      id,
      type: event.type,
      data: asJson(what, `${where}.data`, event.data) as Record<string, unknown>,
      metadata: asJson(what, `${where}.metadata`, event.metadata ?? {}) as Record<string, unknown>,
    });
  });
}

/** True for what KurrentDB writes for itself (`$`-prefixed streams or types): never shown from `$all`. */
export function isSystemEvent(stream: string, type: string): boolean {
  return stream.startsWith('$') || type.startsWith('$');
}

function asMetadata(metadata: unknown): EventMetadata {
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && !(metadata instanceof Uint8Array)
    ? (metadata as EventMetadata)
    : {};
}

/** The port's view of an event read back, or `undefined` for a link without its target. */
export function toStoredEvent(resolved: ResolvedEvent): StoredEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const position = event.position?.commit ?? resolved.commitPosition;
  if (position === undefined) {
    throw new StoreError(
      `event ${event.id} of "${event.streamId}" came back without a position: KurrentDB/EventStoreDB 22.6 or later is needed`,
    );
  }
  return {
    id: event.id,
    stream: event.streamId,
    revision: event.revision,
    position,
    type: event.type,
    data: event.data,
    metadata: asMetadata(event.metadata),
    created: event.created,
  };
}
