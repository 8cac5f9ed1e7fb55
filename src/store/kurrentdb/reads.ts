/**
 * Bounded reads of a stream or of `$all`, in pages. The client reads through its native bridge,
 * which stops reconnecting for good once the server has been unreachable for a few discovery
 * attempts; so a read that fails as unavailable renews the client and retries once, resuming
 * after the last event it yielded.
 */
import type { KurrentDBClient, ResolvedEvent } from '@kurrent/kurrentdb-client';
import { ValidationError } from '../../errors.js';
import type { ReadAllOptions, ReadStreamOptions, StoredEvent } from '../event-store.js';
import { compileAllFilter } from './all-filter.js';
import { failureKind, isRetryable } from './client-errors.js';
import { toStoredEvent } from './event-mapping.js';

export interface ReadAccess {
  /** The client reads go through. */
  client(): KurrentDBClient;
  /** Replaces the client after a transient failure. */
  renew(): void;
  retryDelayMs: number;
  isClosed(): boolean;
  /** Prefixes a message with the store's name and masks secrets. */
  describe(what: string, error: unknown): Error;
}

const PAGE_SIZE = 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function checkMaxCount(maxCount: number | undefined): number {
  if (maxCount === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(maxCount) || maxCount < 0) {
    throw new ValidationError(`maxCount must be a non-negative integer, got ${String(maxCount)}`, 'maxCount');
  }
  return maxCount;
}

function checkFrom(value: unknown, field: string): void {
  if (value === undefined || value === 'start' || value === 'end') return;
  if (typeof value !== 'bigint' || value < 0n) {
    throw new ValidationError(`${field} must be 'start', 'end' or a non-negative bigint, got ${String(value)}`, field);
  }
}

/**
 * Runs `page` until it reports the end, retrying a failed page once (after renewing the client)
 * when the failure is transient. `page` resumes from wherever its caller's cursor stands.
 */
async function* paged(
  access: ReadAccess,
  what: string,
  page: () => AsyncGenerator<StoredEvent, boolean>,
): AsyncGenerator<StoredEvent> {
  let retried = false;
  for (;;) {
    const pages = page();
    try {
      let step = await pages.next();
      while (!step.done) {
        retried = false;
        yield step.value;
        step = await pages.next();
      }
      if (step.value) return;
    } catch (error) {
      if (failureKind(error) === 'stream-not-found') return;
      if (!isRetryable(error) || retried || access.isClosed()) throw access.describe(what, error);
      retried = true;
      access.renew();
      await sleep(access.retryDelayMs);
    } finally {
      await pages.return(false);
    }
  }
}

export function readStreamEvents(access: ReadAccess, stream: string, options: ReadStreamOptions = {}) {
  const backwards = options.direction === 'backwards';
  checkFrom(options.fromRevision, 'fromRevision');
  let remaining = checkMaxCount(options.maxCount);
  let from = options.fromRevision ?? (backwards ? 'end' : 'start');

  /** One page from `from`; returns true once the stream has nothing more in this direction. */
  async function* page(): AsyncGenerator<StoredEvent, boolean> {
    if (remaining <= 0) return true;
    const size = Math.min(remaining, PAGE_SIZE);
    let received = 0;
    const reads = access.client().readStream(stream, {
      direction: backwards ? 'backwards' : 'forwards',
      fromRevision: from,
      maxCount: size,
    }) as AsyncIterable<ResolvedEvent>;
    for await (const resolved of reads) {
      const event = toStoredEvent(resolved);
      received += 1;
      if (!event) continue;
      remaining -= 1;
      if (backwards && event.revision === 0n) {
        yield event;
        return true;
      }
      from = backwards ? event.revision - 1n : event.revision + 1n;
      yield event;
    }
    return received < size;
  }
  return paged(access, `read of "${stream}" failed`, page);
}

export function readAllEvents(access: ReadAccess, options: ReadAllOptions = {}) {
  const backwards = options.direction === 'backwards';
  checkFrom(options.fromPosition, 'fromPosition');
  let remaining = checkMaxCount(options.maxCount);
  const filter = compileAllFilter(options.filter);
  const start = options.fromPosition ?? (backwards ? 'end' : 'start');
  /** Position of the last event passed on (or skipped) — where a retry resumes. */
  let last: bigint | undefined;
  // Backwards reads of $all start before the position; the port's start is inclusive.
  let inclusiveHeadPending = backwards && typeof start === 'bigint';

  async function* page(): AsyncGenerator<StoredEvent, boolean> {
    if (remaining <= 0) return true;
    if (inclusiveHeadPending && typeof start === 'bigint') {
      const at = { commit: start, prepare: start };
      const head = access.client().readAll({ fromPosition: at, maxCount: 1, filter: filter.server });
      for await (const resolved of head) {
        const event = toStoredEvent(resolved);
        if (event && event.position === start && filter.accepts(event)) {
          remaining -= 1;
          yield event;
        }
      }
      inclusiveHeadPending = false;
      if (remaining <= 0) return true;
    }
    const cursor = last ?? start;
    // A forwards page resumes at the last position (inclusive) and skips that event again.
    const size = Math.min(remaining + 1, PAGE_SIZE);
    let received = 0;
    const reads = access.client().readAll({
      direction: backwards ? 'backwards' : 'forwards',
      fromPosition: typeof cursor === 'bigint' ? { commit: cursor, prepare: cursor } : cursor,
      maxCount: size,
      filter: filter.server,
    });
    for await (const resolved of reads) {
      received += 1;
      const event = toStoredEvent(resolved);
      if (!event || (last !== undefined && (backwards ? event.position >= last : event.position <= last))) continue;
      last = event.position;
      if (!filter.accepts(event)) continue;
      remaining -= 1;
      yield event;
      if (remaining <= 0) return true;
    }
    return received < size;
  }
  return paged(access, 'read of $all failed', page);
}

/** Renews the client when `error` is transient, then rethrows it: for reads whose caller retries. */
function renewOnTransient(access: ReadAccess, error: unknown): never {
  if (isRetryable(error)) access.renew();
  throw error;
}

/** Position of the newest record in `$all`, system records included; `undefined` when empty. */
export async function headOfAll(access: ReadAccess): Promise<bigint | undefined> {
  try {
    for await (const resolved of access.client().readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 })) {
      return toStoredEvent(resolved)?.position;
    }
    return undefined;
  } catch (error) {
    return renewOnTransient(access, error);
  }
}

/** Revision of the stream's newest readable event; `undefined` when it has none. */
export async function headOfStream(access: ReadAccess, stream: string): Promise<bigint | undefined> {
  try {
    const reads = access.client().readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 });
    for await (const resolved of reads as AsyncIterable<ResolvedEvent>) return resolved.event?.revision;
    return undefined;
  } catch (error) {
    if (failureKind(error) === 'stream-not-found') return undefined;
    return renewOnTransient(access, error);
  }
}
