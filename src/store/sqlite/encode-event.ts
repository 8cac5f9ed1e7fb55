/**
 * Checks and serialises what a caller appends, on the caller's thread, so that bad input
 * is a `ValidationError` naming the stream and event type and nothing reaches the file.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import type { ExpectedRevision, NewEvent } from '../event-store.js';
import type { EncodedEvent } from './write-ops.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws unless `stream` is a usable stream name. */
export function checkStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new ValidationError(`stream name must be a non-empty string, got ${JSON.stringify(stream) ?? String(stream)}`, 'stream');
  }
  if (stream.startsWith('$')) {
    throw new ValidationError(`stream name "${stream}" is reserved: names starting with "$" belong to the store`, 'stream');
  }
}

export function checkExpected(stream: string, expected: unknown): asserts expected is ExpectedRevision {
  if (typeof expected === 'bigint') {
    if (expected < 0n) {
      throw new ValidationError(`expected revision for "${stream}" must be ≥ 0, got ${expected}`, 'expected');
    }
    return;
  }
  if (expected !== 'any' && expected !== 'no_stream' && expected !== 'stream_exists') {
    throw new ValidationError(
      `expected revision for "${stream}" must be 'any', 'no_stream', 'stream_exists' or a bigint, got ${String(expected)}`,
      'expected',
    );
  }
}

function toJson(value: unknown, what: string, path: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new ValidationError(`${what} is not JSON-serialisable: ${(error as Error).message}`, path, { cause: error });
  }
  if (text === undefined) {
    throw new ValidationError(`${what} is not JSON-serialisable: it is ${typeof value}`, path);
  }
  return text;
}

/** Validates one append's events and returns them serialised, ids filled in and lower-cased. */
export function encodeEvents(stream: string, events: readonly NewEvent[]): EncodedEvent[] {
  if (!Array.isArray(events) || events.length === 0) {
    throw new ValidationError(`append to "${stream}" needs at least one event`, 'events');
  }
  const seen = new Set<string>();
  return events.map((event, index) => {
    const path = `events[${index}]`;
    const type: unknown = event?.type;
    if (typeof type !== 'string' || type.length === 0) {
      throw new ValidationError(`${path} of "${stream}" needs a non-empty string type`, `${path}.type`);
    }
    const label = `event ${type} (${path}) for stream "${stream}"`;
    let id = event.id ?? randomUUID();
    if (typeof id !== 'string' || !UUID.test(id)) {
      throw new ValidationError(`${label} has id ${JSON.stringify(id)}, which is not a UUID`, `${path}.id`);
    }
    id = id.toLowerCase();
    if (seen.has(id)) {
      throw new ValidationError(`${label} repeats event id ${id} within the same append`, `${path}.id`);
    }
    seen.add(id);
    const metadata = event.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ValidationError(`${label} has metadata that is not an object`, `${path}.metadata`);
    }
    return {
      id,
      type,
      data: toJson(event.data, `data of ${label}`, `${path}.data`),
      metadata: toJson(metadata, `metadata of ${label}`, `${path}.metadata`),
    };
  });
}
