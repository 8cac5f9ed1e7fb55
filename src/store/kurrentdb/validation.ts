/** Input checks of the adapter: bad arguments fail here, named, before anything reaches the server. */
import { ValidationError } from '../../errors.js';
import type { ExpectedRevision, StreamMetadata } from '../event-store.js';

export function checkStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream === '') {
    throw new ValidationError(`stream must be a non-empty string, got ${JSON.stringify(stream) ?? String(stream)}`, 'stream');
  }
}

export function checkExpected(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'bigint' && expected >= 0n) return;
  throw new ValidationError(
    `expected revision must be 'any', 'no_stream', 'stream_exists' or a bigint >= 0, got ${String(expected)}`,
    'expected',
  );
}

export function checkSubscriptionStart(value: unknown, field: string): 'start' | 'end' | bigint {
  if (value === undefined) return 'start';
  if (value === 'start' || value === 'end') return value;
  if (typeof value === 'bigint' && value >= 0n) return value;
  throw new ValidationError(`${field} must be 'start', 'end' or a bigint >= 0, got ${String(value)}`, field);
}

export function checkStreamMetadata(metadata: unknown): StreamMetadata {
  if (typeof metadata !== 'object' || metadata === null) {
    throw new ValidationError('stream metadata must be an object with maxAge and/or maxCount', 'metadata');
  }
  const { maxAge, maxCount, ...rest } = metadata as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new ValidationError(`stream metadata has unknown fields: ${unknown.join(', ')}`, `metadata.${unknown[0]}`);
  }
  for (const [field, value] of [
    ['maxAge', maxAge],
    ['maxCount', maxCount],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) {
      throw new ValidationError(`metadata.${field} must be a whole number >= 1, got ${String(value)}`, `metadata.${field}`);
    }
  }
  return { maxAge: maxAge as number | undefined, maxCount: maxCount as number | undefined };
}
