// The KurrentDB adapter: the shared contract suite, through the in-process gRPC fixture and (when
// TIMECLOUD_ESDB_URL names one) against a real server; then what the adapter adds over the client
// (id handling, error mapping, $all filtering, URLs). Outages and resubscription are in
// kurrentdb-resilience.int.test.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreError, ValidationError, WrongExpectedVersion } from '../../../src/errors.js';
import type { EventStore, StoredEvent } from '../../../src/store/event-store.js';
import { openKurrentDbStore } from '../../../src/store/kurrentdb/kurrentdb-event-store.js';
import { eventually } from '../../support/eventually.js';
import type { KurrentDbFixture } from '../../support/kurrentdb-fixture/index.js';
import { startKurrentDbFixture } from '../../support/kurrentdb-fixture/index.js';
import { describeEventStoreContract } from './event-store.contract.js';

async function collect(events: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** Short waits, so that retries and resubscriptions happen within a test's patience. */
const QUICK = { retryDelayMs: 50, resubscribeInitialDelayMs: 50, resubscribeMaxDelayMs: 500 };

let contractFixture: KurrentDbFixture | undefined;
describeEventStoreContract('kurrentdb (in-process gRPC test fixture)', {
  open: async () => {
    contractFixture ??= await startKurrentDbFixture();
    return openKurrentDbStore(contractFixture.url, QUICK);
  },
  restartServer: async () => {
    await contractFixture?.stop();
    await contractFixture?.start();
  },
  cleanup: async () => {
    await contractFixture?.stop();
    contractFixture = undefined;
  },
});

const realServer = process.env.TIMECLOUD_ESDB_URL;
describe.skipIf(!realServer)(
  realServer ? 'against TIMECLOUD_ESDB_URL' : 'against a real server: skipped, TIMECLOUD_ESDB_URL is not set',
  () => {
    describeEventStoreContract('kurrentdb (real server at TIMECLOUD_ESDB_URL)', {
      open: () => openKurrentDbStore(realServer ?? '', QUICK),
    });
  },
);

const fresh = (category: string): string => `${category}-${randomUUID().slice(0, 8)}`;

describe('KurrentDB adapter through the gRPC fixture', () => {
  let fixture: KurrentDbFixture;
  let store: EventStore;

  beforeAll(async () => {
    fixture = await startKurrentDbFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });
  afterEach(async () => {
    await store?.close();
  });

  const open = async (url = fixture.url): Promise<EventStore> => {
    store = await openKurrentDbStore(url, QUICK);
    return store;
  };

  it('appends events and reads them back with revisions, growing positions and their data', async () => {
    await open();
    const stream = fresh('job');
    const id = randomUUID();
    const before = Date.now();
    const result = await store.append(
      stream,
      [
        { id, type: 'JobRegistered', data: { name: 'a' }, metadata: { nodeId: 'n1', epoch: 2 } },
        { type: 'JobEnabled', data: {} },
      ],
      'no_stream',
    );
    const events = await collect(store.readStream(stream));
    expect(events.map((event) => [event.revision, event.type])).toEqual([
      [0n, 'JobRegistered'],
      [1n, 'JobEnabled'],
    ]);
    expect(events[0]).toMatchObject({ id, stream, data: { name: 'a' }, metadata: { nodeId: 'n1', epoch: 2 } });
    expect(events[1]?.metadata).toEqual({});
    expect(result).toEqual({ nextRevision: 1n, position: events[1]?.position });
    expect(events[0]!.position < events[1]!.position).toBe(true);
    // The server's timestamp comes back through the native bridge without milliseconds.
    expect(events[0]!.created.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(await store.streamRevision(stream)).toBe(1n);
    expect(await store.streamRevision(fresh('none'))).toBeUndefined();
  });

  it('checks expected revisions and reports where the stream really is', async () => {
    await open();
    const stream = fresh('job');
    await expect(store.append(stream, [{ type: 'A', data: {} }], 'stream_exists')).rejects.toMatchObject({
      constructor: WrongExpectedVersion,
      stream,
      expected: 'stream_exists',
      actual: undefined,
    });
    await store.append(stream, [{ type: 'A', data: {} }], 'no_stream');
    await store.append(stream, [{ type: 'B', data: {} }], 0n);
    const stale = store.append(stream, [{ type: 'C', data: {} }], 0n);
    await expect(stale).rejects.toBeInstanceOf(WrongExpectedVersion);
    await expect(stale).rejects.toMatchObject({ stream, expected: 0n, actual: 1n });
    await expect(store.append(stream, [{ type: 'C', data: {} }], 'no_stream')).rejects.toMatchObject({ actual: 1n });
    expect(await store.append(stream, [{ type: 'C', data: {} }], 'stream_exists')).toMatchObject({ nextRevision: 2n });
    expect(fixture.storedEvents(stream).map((event) => event.type)).toEqual(['A', 'B', 'C']);
  });

  it('stores events once when the same ids are appended again at the same expected revision', async () => {
    await open();
    const stream = fresh('job');
    const events = [
      { id: randomUUID(), type: 'RunScheduled', data: { tick: 1 } },
      { id: randomUUID(), type: 'RunQueued', data: {} },
    ];
    const first = await store.append(stream, events, 'no_stream');
    const again = await store.append(stream, events, 'no_stream');
    expect(again).toEqual(first);
    expect(fixture.storedEvents(stream)).toHaveLength(2);
    // A different decision at the same revision is a conflict, not a no-op.
    await expect(store.append(stream, [{ id: randomUUID(), type: 'RunScheduled', data: {} }], 'no_stream')).rejects.toBeInstanceOf(
      WrongExpectedVersion,
    );
  });

  it('rejects bad input before sending anything, naming the field', async () => {
    await open();
    await expect(store.append('', [{ type: 'A', data: {} }])).rejects.toThrow(/stream must be a non-empty string/);
    await expect(store.append(fresh('job'), [])).rejects.toBeInstanceOf(ValidationError);
    await expect(store.append(fresh('job'), [{ id: 'not-a-uuid', type: 'A', data: {} }])).rejects.toMatchObject({
      path: 'events[0].id',
    });
    await expect(store.append(fresh('job'), [{ type: 'A', data: { n: 1n } }])).rejects.toMatchObject({ path: 'events[0].data' });
    await expect(store.append(fresh('job'), [{ type: 'A', data: {} }], -1n)).rejects.toMatchObject({ path: 'expected' });
    await expect(store.setStreamMetadata(fresh('job'), { maxCount: 0 })).rejects.toMatchObject({ path: 'metadata.maxCount' });
    expect(() => store.readStream(fresh('job'), { maxCount: -1 })).toThrow(/maxCount must be a non-negative integer/);
  });

  it('reads a stream in both directions from a revision, with a maximum count; a missing stream reads empty', async () => {
    await open();
    const stream = fresh('runlog');
    await store.append(stream, Array.from({ length: 5 }, (_, n) => ({ type: 'LogChunk', data: { seq: n } })));
    const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
      (await collect(store.readStream(stream, options))).map((event) => event.revision);
    expect(await revisions({ fromRevision: 2n })).toEqual([2n, 3n, 4n]);
    expect(await revisions({ fromRevision: 1n, maxCount: 2 })).toEqual([1n, 2n]);
    expect(await revisions({ direction: 'backwards' })).toEqual([4n, 3n, 2n, 1n, 0n]);
    expect(await revisions({ direction: 'backwards', fromRevision: 2n, maxCount: 2 })).toEqual([2n, 1n]);
    expect(await revisions({ maxCount: 0 })).toEqual([]);
    expect(await collect(store.readStream(fresh('missing')))).toEqual([]);
  });

  it('hides the server’s own $ events from $all and applies filters on both stream prefix and type', async () => {
    await open();
    const category = `cat${randomUUID().slice(0, 6)}`;
    const a = `${category}-a`;
    const b = `${category}x-b`;
    await store.append(a, [{ type: 'One', data: {} }, { type: 'Two', data: {} }]);
    await store.append(b, [{ type: 'Two', data: {} }]);
    await store.setStreamMetadata(a, { maxAge: 3600 });

    const everything = await collect(store.readAll());
    expect(everything.some((event) => event.stream.startsWith('$') || event.type.startsWith('$'))).toBe(false);
    // The fixture holds $users/$User and $settings/update-default-acl, as a fresh server does.
    expect(fixture.storedEvents().some((event) => event.stream === '$settings')).toBe(true);

    const keys = async (filter: NonNullable<Parameters<EventStore['readAll']>[0]>['filter']) =>
      (await collect(store.readAll({ filter }))).map((event) => `${event.stream}:${event.type}`);
    expect(await keys({ streamPrefixes: [`${category}-`] })).toEqual([`${a}:One`, `${a}:Two`]);
    expect(await keys({ streamPrefixes: [category], eventTypes: ['Two'] })).toEqual([`${a}:Two`, `${b}:Two`]);
    expect((await keys({ eventTypes: ['One'] })).filter((key) => key.startsWith(category))).toEqual([`${a}:One`]);
  });

  it('reads $all from a position inclusively in both directions, with a maximum count', async () => {
    await open();
    const stream = fresh('pos');
    await store.append(stream, Array.from({ length: 4 }, (_, n) => ({ type: 'N', data: { n } })));
    const mine = await collect(store.readStream(stream));
    const at = mine[1]!.position;
    const forwards = await collect(store.readAll({ fromPosition: at, maxCount: 2 }));
    expect(forwards.map((event) => event.position)).toEqual([mine[1]!.position, mine[2]!.position]);
    const backwards = await collect(store.readAll({ direction: 'backwards', fromPosition: at, maxCount: 2 }));
    expect(backwards.map((event) => event.position)).toEqual([mine[1]!.position, mine[0]!.position]);
    const newest = await collect(store.readAll({ direction: 'backwards', maxCount: 1 }));
    expect(newest.map((event) => event.id)).toEqual([mine[3]!.id]);
  });

  it('keeps stream metadata in $$ streams, and stream reads honour maxCount', async () => {
    await open();
    const stream = fresh('runlog');
    expect(await store.getStreamMetadata(stream)).toEqual({});
    await store.append(stream, Array.from({ length: 4 }, (_, n) => ({ type: 'LogChunk', data: { n } })));
    await store.setStreamMetadata(stream, { maxCount: 2, maxAge: 86_400 });
    expect(await store.getStreamMetadata(stream)).toEqual({ maxCount: 2, maxAge: 86_400 });
    expect(fixture.storedEvents(`$$${stream}`).map((event) => event.type)).toEqual(['$metadata']);
    expect((await collect(store.readStream(stream))).map((event) => event.revision)).toEqual([2n, 3n]);
  });

  it('hides events older than $maxAge from stream reads, not from $all (the server trims $all only at scavenge)', async () => {
    await open();
    const stream = fresh('runlog');
    await store.append(stream, [{ type: 'Old', data: {} }]);
    await store.setStreamMetadata(stream, { maxAge: 1 });
    await eventually(async () => expect(await collect(store.readStream(stream))).toEqual([]), { timeout: 10_000 });
    await store.append(stream, [{ type: 'New', data: {} }]);
    expect((await collect(store.readStream(stream))).map((event) => event.type)).toEqual(['New']);
    const inAll = await collect(store.readAll({ filter: { streamPrefixes: [stream] } }));
    expect(inAll.map((event) => event.type)).toEqual(['Old', 'New']);
  });

  it('starts subscriptions after the given revision or position, or after the newest event for end', async () => {
    await open();
    const stream = fresh('sub');
    await store.append(stream, [0, 1, 2].map((n) => ({ type: 'N', data: { n } })));
    const [, second] = await collect(store.readStream(stream));
    const subscriptions = [
      store.subscribeToStream(stream, { fromRevision: 1n }),
      store.subscribeToStream(stream, { fromRevision: 'end' }),
      store.subscribeToAll({ fromPosition: second!.position, filter: { streamPrefixes: [stream] } }),
      store.subscribeToAll({ fromPosition: 'end', filter: { streamPrefixes: [stream] } }),
    ];
    const seen = subscriptions.map(() => [] as number[]);
    subscriptions.forEach((subscription, i) => {
      void (async () => {
        for await (const event of subscription) seen[i]!.push((event.data as { n: number }).n);
      })();
    });
    await Promise.all(subscriptions.map((subscription) => subscription.caughtUp));
    await store.append(stream, [{ type: 'N', data: { n: 3 } }]);
    await eventually(() => expect(seen).toEqual([[2, 3], [3], [2, 3], [3]]));
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
  });

  it('connects through gossip discovery and through the older esdb:// spelling', async () => {
    for (const url of [fixture.discoverUrl, fixture.url.replace('kurrentdb://', 'esdb://')]) {
      await open(url);
      const stream = fresh('disc');
      await store.append(stream, [{ type: 'A', data: {} }]);
      expect((await collect(store.readStream(stream))).map((event) => event.type)).toEqual(['A']);
      await store.close();
    }
  });

  it('refuses URLs it cannot use with a StoreError that names them and masks the password', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://127.0.0.1:2113', /"http:\/\/127\.0\.0\.1:2113" has an unsupported scheme "http:\/\/"/],
      ['sqlite:./data/timecloud.db', /"sqlite:.\/data\/timecloud.db" is not a URL/],
      ['kurrentdb://', /"kurrentdb:\/\/" names no host/],
      ['kurrentdb://admin:s3cret@localhost:notaport?tls=false', /"kurrentdb:\/\/admin:\*\*\*@localhost:notaport\?tls=false" is invalid/],
      ['esdb://localhost:2113?tls=maybe', /"esdb:\/\/localhost:2113\?tls=maybe" is invalid/],
    ];
    for (const [url, message] of cases) {
      const opening = openKurrentDbStore(url);
      await expect(opening).rejects.toBeInstanceOf(StoreError);
      await expect(opening).rejects.toThrow(message);
      await expect(opening).rejects.not.toThrow(/s3cret/);
    }
    await expect(openKurrentDbStore(fixture.url, { retryDelayMs: -1 })).rejects.toMatchObject({ path: 'retryDelayMs' });
  });

  it('describes itself without credentials, is safe to close twice, and refuses work once closed', async () => {
    await open(fixture.url.replace('kurrentdb://', 'kurrentdb://admin:changeit@'));
    expect(store.description).toBe(`kurrentdb://127.0.0.1:${fixture.port}`);
    await store.close();
    await store.close();
    await expect(store.append(fresh('job'), [{ type: 'A', data: {} }])).rejects.toThrow(/the store is closed/);
  });
});
