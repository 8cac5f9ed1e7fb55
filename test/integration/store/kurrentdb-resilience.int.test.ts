// The KurrentDB adapter when the server misbehaves: dropped replies, followers, outages, restarts.
// Each test gets its own fixture, because stopping it is part of the test.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../src/errors.js';
import type { EventStore, NewEvent, StoredEvent, Subscription } from '../../../src/store/event-store.js';
import { openKurrentDbStore } from '../../../src/store/kurrentdb/kurrentdb-event-store.js';
import { eventually } from '../../support/eventually.js';
import type { KurrentDbFixture, KurrentDbFixtureOptions } from '../../support/kurrentdb-fixture/index.js';
import { startKurrentDbFixture } from '../../support/kurrentdb-fixture/index.js';

const fresh = (category: string): string => `${category}-${randomUUID().slice(0, 8)}`;
const batch = (count: number, from = 0): NewEvent[] =>
  Array.from({ length: count }, (_, i) => ({ id: randomUUID(), type: 'Tick', data: { n: from + i } }));

async function collect(events: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** Iterates a subscription in the background, optionally slowly, keeping what it saw. */
function consume(subscription: Subscription, each?: () => Promise<void>) {
  const seen: StoredEvent[] = [];
  const done = (async () => {
    for await (const event of subscription) {
      seen.push(event);
      await each?.();
    }
  })();
  return { seen, done };
}

const ns = (events: readonly StoredEvent[]): number[] => events.map((event) => (event.data as { n: number }).n);

describe('KurrentDB adapter when the server fails', () => {
  let fixture: KurrentDbFixture;
  let store: EventStore;

  const start = async (options: KurrentDbFixtureOptions = {}): Promise<void> => {
    fixture = await startKurrentDbFixture(options);
    store = await openKurrentDbStore(fixture.url, {
      retryDelayMs: 50,
      resubscribeInitialDelayMs: 50,
      resubscribeMaxDelayMs: 400,
    });
  };

  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    await store.close();
    await fixture.stop();
  });

  it('retries an append whose reply was lost with the same ids, so it is stored once', async () => {
    const stream = fresh('job');
    fixture.failNextAppends('drop-after-commit');
    const result = await store.append(stream, batch(2), 'no_stream');
    expect(result.nextRevision).toBe(1n);
    expect(fixture.storedEvents(stream).map((event) => event.revision)).toEqual([0n, 1n]);
    expect(result.position).toBe(fixture.storedEvents(stream)[1]?.position);
  });

  it('reads the position back when the reply to an idempotent retry carries none', async () => {
    await store.close();
    await fixture.stop();
    await start({ idempotentWithoutPosition: true });
    const stream = fresh('job');
    fixture.failNextAppends('drop-after-commit');
    const result = await store.append(stream, batch(3), 'no_stream');
    expect(result).toEqual({ nextRevision: 2n, position: fixture.storedEvents(stream)[2]?.position });
    expect(fixture.storedEvents(stream)).toHaveLength(3);
  });

  it('retries UNAVAILABLE once, then reports UnavailableError without storing anything', async () => {
    const stream = fresh('job');
    fixture.failNextAppends('unavailable', 2);
    const events = batch(1);
    await expect(store.append(stream, events, 'no_stream')).rejects.toBeInstanceOf(UnavailableError);
    expect(fixture.storedEvents(stream)).toEqual([]);
    fixture.failNextAppends('unavailable', 1);
    await expect(store.append(stream, events, 'no_stream')).resolves.toMatchObject({ nextRevision: 0n });
    expect(fixture.storedEvents(stream)).toHaveLength(1);
  });

  it('retries a follower’s not-leader refusal once, against the leader it names', async () => {
    const stream = fresh('job');
    fixture.failNextAppends('not-leader');
    await expect(store.append(stream, batch(1))).resolves.toMatchObject({ nextRevision: 0n });
    expect(fixture.storedEvents(stream)).toHaveLength(1);
  });

  it('fails appends and reads as unavailable during an outage, and works again with the same ids after it', async () => {
    const stream = fresh('job');
    await store.append(stream, batch(1), 'no_stream');
    await fixture.stop();
    const decided = batch(2, 1);
    await expect(store.append(stream, decided, 0n)).rejects.toBeInstanceOf(UnavailableError);
    await expect(collect(store.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
    await fixture.start();
    // The native read bridge gives up for good during an outage; the adapter replaces it.
    expect(ns(await collect(store.readStream(stream)))).toEqual([0]);
    await store.append(stream, decided, 0n);
    await store.append(stream, decided, 0n);
    expect(ns(await collect(store.readStream(stream)))).toEqual([0, 1, 2]);
  });

  it('resubscribes after a restart mid catch-up, from the last delivered event: no loss, no duplicate', async () => {
    const stream = fresh('run');
    await store.append(stream, batch(300));
    const all = consume(store.subscribeToAll({ filter: { streamPrefixes: [stream] } }), () => new Promise(setImmediate));
    const one = consume(store.subscribeToStream(stream), () => new Promise(setImmediate));
    await eventually(() => all.seen.length >= 50 && one.seen.length >= 50, { message: 'the first events' });
    await fixture.stop();
    await fixture.start();
    await store.append(stream, batch(5, 300));
    const expected = Array.from({ length: 305 }, (_, n) => n);
    await eventually(() => expect(ns(all.seen)).toEqual(expected), { timeout: 30_000 });
    await eventually(() => expect(ns(one.seen)).toEqual(expected), { timeout: 30_000 });
  });

  it('starts a subscription while the server is down and delivers once it is back', async () => {
    const stream = fresh('run');
    await fixture.stop();
    const live = consume(store.subscribeToStream(stream));
    // A read queued behind the subscription's first request fails only after that one has.
    await expect(collect(store.readStream(stream))).rejects.toBeInstanceOf(UnavailableError);
    await fixture.start();
    await store.append(stream, batch(3));
    await eventually(() => expect(ns(live.seen)).toEqual([0, 1, 2]));
  });

  it('resolves caughtUp only after every earlier event reached the consumer', async () => {
    const stream = fresh('run');
    await store.append(stream, batch(40));
    const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } });
    const slow = consume(subscription, () => new Promise((resolve) => setTimeout(resolve, 2)));
    await subscription.caughtUp;
    expect(slow.seen.length).toBeGreaterThanOrEqual(40);
    await store.append(stream, batch(1, 40));
    await eventually(() => expect(slow.seen).toHaveLength(41));
  });

  it('resolves caughtUp on servers older than 23.10, which send no caught-up message', async () => {
    await store.close();
    await fixture.stop();
    await start({ legacyCaughtUp: true });
    const stream = fresh('run');
    await store.append(stream, batch(10));
    const filtered = store.subscribeToAll({ filter: { eventTypes: ['Tick'] } });
    const everything = store.subscribeToAll();
    const one = store.subscribeToStream(stream);
    const seen = [consume(filtered), consume(everything), consume(one)];
    await Promise.all([filtered.caughtUp, everything.caughtUp, one.caughtUp]);
    for (const { seen: events } of seen) expect(ns(events.filter((event) => event.stream === stream))).toHaveLength(10);
  });

  it('ends the iteration on close and stops resubscribing', async () => {
    const stream = fresh('run');
    const subscription = store.subscribeToStream(stream);
    const live = consume(subscription);
    await store.append(stream, batch(1));
    await eventually(() => live.seen.length === 1);
    await fixture.stop();
    await subscription.close();
    await live.done;
    await subscription.close();
    await fixture.start();
    await store.append(stream, batch(1, 1));
    expect(ns(await collect(store.readStream(stream)))).toEqual([0, 1]);
    expect(live.seen).toHaveLength(1);
  });
});
