/**
 * The nact persistence engine over both adapters: a persistent actor's state is rebuilt by
 * replay, its handler can tell replay from live messages, snapshots shorten replay, and a second
 * writer to the same stream fails loudly instead of interleaving.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch, query, reply, spawnPersistentActor, startSystem, stopActor, type ActorRef } from '../../../actors/nact.js';
import { WrongExpectedVersion } from '../../../src/errors.js';
import type { EventStore } from '../../../src/store/event-store.js';
import { openKurrentDbStore } from '../../../src/store/kurrentdb/kurrentdb-event-store.js';
import { StorePersistenceEngine, type RecoveredMessage } from '../../../src/store/nact-persistence.js';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { startKurrentDbFixture, type KurrentDbFixture } from '../../support/kurrentdb-fixture/index.js';
import { tempDir } from '../../support/temp-dir.js';

type CounterMsg = { type: 'Add'; amount: number } | { type: 'Get' };
interface Counter {
  total: number;
  replayed: number;
  live: number;
}

/** A counter that persists `Added` events; it counts how each message reached it. */
function spawnCounter(system: ActorRef<unknown>, key: string, name: string, snapshotEvery?: number): ActorRef<CounterMsg> {
  return spawnPersistentActor<Counter, CounterMsg>(
    system,
    async (state, message, ctx) => {
      if (ctx.recovering) {
        const event = message as RecoveredMessage;
        return { ...state, total: state.total + (event.data as { amount: number }).amount, replayed: state.replayed + 1 };
      }
      const command = message as CounterMsg;
      if (command.type === 'Get') {
        reply(ctx, state);
        return state;
      }
      await ctx.persist({ type: 'Added', data: { amount: command.amount } });
      return { ...state, total: state.total + command.amount, live: state.live + 1 };
    },
    key,
    name,
    {
      initialState: { total: 0, replayed: 0, live: 0 },
      onCrash: (_m, _e, ctx) => ctx.stop,
      ...(snapshotEvery ? { snapshotEvery } : {}),
    },
  );
}

/** Sends the additions, then asks for the state: the mailbox keeps them in order. */
async function add(ref: ActorRef<CounterMsg>, amounts: number[]): Promise<Counter> {
  for (const amount of amounts) dispatch(ref, { type: 'Add', amount });
  return query<CounterMsg, Counter>(ref, { type: 'Get' }, 5000);
}

function persistenceSuite(name: string, open: () => Promise<EventStore>) {
  describe(`nact persistence over ${name}`, () => {
    it('rebuilds a persistent actor by replay, and its handler knows replay from live messages', async () => {
      const store = await open();
      const key = `counter-${randomUUID()}`;
      const first = startSystem(`a-${randomUUID()}`, new StorePersistenceEngine(store));
      const counter = spawnCounter(first, key, 'counter');
      const live = await add(counter, [1, 2, 3, 4]);
      expect(live).toEqual({ total: 10, replayed: 0, live: 4 });
      stopActor(first);

      const second = startSystem(`b-${randomUUID()}`, new StorePersistenceEngine(store));
      const recovered = await query<CounterMsg, Counter>(spawnCounter(second, key, 'counter'), { type: 'Get' }, 5000);
      expect(recovered).toEqual({ total: 10, replayed: 4, live: 0 });
      const revisions: bigint[] = [];
      for await (const event of store.readStream(key)) revisions.push(event.revision);
      expect(revisions).toEqual([0n, 1n, 2n, 3n]); // replay persisted nothing
      stopActor(second);
      await store.close();
    });

    it('replays only the events after the latest snapshot', async () => {
      const store = await open();
      const key = `counter-${randomUUID()}`;
      const first = startSystem(`a-${randomUUID()}`, new StorePersistenceEngine(store));
      await add(spawnCounter(first, key, 'counter', 3), [1, 1, 1, 1, 1]);
      stopActor(first);
      const second = startSystem(`b-${randomUUID()}`, new StorePersistenceEngine(store));
      const recovered = await query<CounterMsg, Counter>(spawnCounter(second, key, 'counter', 3), { type: 'Get' }, 5000);
      expect(recovered.total).toBe(5);
      expect(recovered.replayed).toBe(2); // the snapshot after 3 events, then 2 more
      stopActor(second);
      await store.close();
    });

    it('starts a resumed actor from the state it is given, reading nothing; a forgotten key recovers from the store', async () => {
      const store = await open();
      const key = `counter-${randomUUID()}`;
      const engine = new StorePersistenceEngine(store);
      const system = startSystem(`r-${randomUUID()}`, engine);
      const first = spawnCounter(system, key, 'first');
      await add(first, [1, 2]);
      stopActor(first);
      // What a passivated job actor's cell hands over: its current state, as of the last write.
      engine.resume(key, { total: 3, replayed: 0, live: 0 });
      const resumed = await query<CounterMsg, Counter>(spawnCounter(system, key, 'second'), { type: 'Get' }, 5000);
      expect(resumed).toEqual({ total: 3, replayed: 0, live: 0 }); // no event replayed
      // A stale resumed state is dropped with the key: the next recovery replays the stream.
      engine.resume(key, { total: 999, replayed: 0, live: 0 });
      engine.forget(key);
      const fresh = await query<CounterMsg, Counter>(spawnCounter(system, key, 'third'), { type: 'Get' }, 5000);
      expect(fresh).toEqual({ total: 3, replayed: 2, live: 0 });
      stopActor(system);
      await store.close();
    });

    it('makes a second writer of the same stream fail with WrongExpectedVersion', async () => {
      const store = await open();
      const key = `counter-${randomUUID()}`;
      const engineA = new StorePersistenceEngine(store);
      const engineB = new StorePersistenceEngine(store);
      await engineA.events(key).reduce(async (acc) => acc, undefined);
      await engineB.events(key).reduce(async (acc) => acc, undefined);
      await engineA.persistAll(key, [{ type: 'Added', data: { amount: 1 } }]);
      await expect(engineB.persistAll(key, [{ type: 'Added', data: { amount: 2 } }])).rejects.toBeInstanceOf(WrongExpectedVersion);
      const stored: unknown[] = [];
      for await (const event of store.readStream(key)) stored.push(event.data);
      expect(stored).toEqual([{ amount: 1 }]);
      await store.close();
    });
  });
}

const dir = await tempDir();
persistenceSuite('SQLite', () => openSqliteStore(join(dir.path, `${randomUUID()}.db`)));

let fixture: KurrentDbFixture | undefined;
persistenceSuite('KurrentDB (in-process gRPC test fixture)', async () => {
  fixture ??= await startKurrentDbFixture();
  return openKurrentDbStore(fixture.url);
});

afterAll(async () => {
  await fixture?.stop();
  await dir.remove();
});
