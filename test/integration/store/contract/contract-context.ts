/**
 * Helpers shared by the contract sections. Every test uses fresh stream names and works
 * relative to positions it observed, so the suite runs unchanged against a shared server.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { WrongExpectedVersion } from '../../../../src/errors.js';
import type {
  EventStore,
  ExpectedRevision,
  NewEvent,
  StoredEvent,
  Subscription,
} from '../../../../src/store/event-store.js';

/** What the adapter's test file provides. */
export interface StoreHarness {
  /** Opens a store on the shared backend; each call returns a new, independent instance. */
  open(): Promise<EventStore>;
  /** Restarts the server behind the store; resolves once it accepts requests again. */
  restartServer?(): Promise<void>;
  /** Removes what `open` created (temp folders, servers). */
  cleanup?(): Promise<void>;
}

/** How each section reaches the store opened for the suite. */
export interface ContractContext {
  store(): EventStore;
  harness: StoreHarness;
}

/** A stream name no other test (or earlier run against the same server) uses. */
export function freshStream(category = 'test'): string {
  return `${category}-${randomUUID()}`;
}

/** An event type unique to one test, for `$all` type filters on a shared server. */
export function freshType(name: string): string {
  return `${name}${randomUUID().replaceAll('-', '')}`;
}

export function newEvent(type: string, data: unknown = {}, extra: Partial<NewEvent> = {}): NewEvent {
  return { type, data, ...extra };
}

/** `count` events of `type` whose data is `{ n }` from `start`. */
export function numbered(type: string, count: number, start = 0): NewEvent[] {
  return Array.from({ length: count }, (_, index) => newEvent(type, { n: start + index }));
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export function dataNumbers(events: readonly StoredEvent[]): number[] {
  return events.map((event) => (event.data as { n: number }).n);
}

/** A subscription being drained in the background into `events`. */
export interface Consumer {
  events: StoredEvent[];
  /** Resolves when the iteration ends; rejects if it threw. */
  done: Promise<void>;
}

/** Iterates `subscription` in the background; `onEvent` runs as the loop body. */
export function consume(subscription: Subscription, onEvent?: (event: StoredEvent) => Promise<void> | void): Consumer {
  const events: StoredEvent[] = [];
  const done = (async () => {
    for await (const event of subscription) {
      events.push(event);
      await onEvent?.(event);
    }
  })();
  done.catch(() => undefined);
  return { events, done };
}

/** Runs `append` and checks it fails with `WrongExpectedVersion` carrying these fields. */
export async function expectWrongExpectedVersion(
  append: Promise<unknown>,
  stream: string,
  expected: ExpectedRevision,
  actual: bigint | undefined,
): Promise<void> {
  const error = await append.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'the append should have been refused').toBeInstanceOf(WrongExpectedVersion);
  const wrong = error as WrongExpectedVersion;
  expect(wrong.code).toBe('WRONG_EXPECTED_VERSION');
  expect(wrong.stream).toBe(stream);
  expect(wrong.expected).toBe(expected);
  expect(wrong.actual).toBe(actual);
}

/** Revisions of a read, as numbers for readable assertion failures. */
export function revisions(events: readonly StoredEvent[]): number[] {
  return events.map((event) => Number(event.revision));
}
