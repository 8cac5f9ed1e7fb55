/**
 * Job actors are spawned childless: they share one empty children map instead of two maps of
 * their own. Such an actor still handles messages, stops and resets as before, and an attempt
 * to give it a child fails loudly instead of writing into the shared map.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { query, reply, spawnActor, spawnPersistentActor, startSystem, stopActor, type ActorRef, type SystemRef } from '../../../actors/nact.js';
import { StorePersistenceEngine } from '../../../src/store/nact-persistence.js';
import { openStore } from '../../../src/store/open-store.js';
import type { EventStore } from '../../../src/store/event-store.js';
import { tempDir } from '../../support/temp-dir.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let store: EventStore;
let system: SystemRef;

beforeEach(async () => {
  tmp = await tempDir('timecloud-childless-');
  store = await openStore(`${tmp.path}/store.db`);
  system = startSystem(`childless-${Date.now()}`, new StorePersistenceEngine(store));
});
afterEach(async () => {
  stopActor(system);
  await store.close();
  await tmp.remove();
});

type Msg = { type: 'count' } | { type: 'spawn'; name: string };

function spawnCounter(name: string): ActorRef<Msg> {
  return spawnPersistentActor<number, Msg>(
    system,
    (state, message, ctx) => {
      if (ctx.recovering) return state;
      if ((message as Msg).type === 'spawn') {
        try {
          spawnActor(ctx.self, (s) => s, (message as { name: string }).name, { initialState: 0, onCrash: (_m, _e, c) => c.stop });
          reply(ctx, 'spawned');
        } catch (error) {
          reply(ctx, (error as Error).message);
        }
        return state;
      }
      reply(ctx, state + 1);
      return state + 1;
    },
    `counter-${name}`,
    name,
    { initialState: 0, childless: true, onCrash: (_m, _e, ctx) => ctx.stop },
  );
}

it('handles messages and keeps its state', async () => {
  const counter = spawnCounter('a');
  expect(await query(counter, { type: 'count' }, 5000)).toBe(1);
  expect(await query(counter, { type: 'count' }, 5000)).toBe(2);
});

it('refuses a child with a clear error, and the shared map stays empty for every other actor', async () => {
  const first = spawnCounter('first');
  const second = spawnCounter('second');
  expect(await query(first, { type: 'spawn', name: 'kid' }, 5000)).toMatch(/spawned childless: it cannot have children/);
  // Had the child gone into the shared map, the second actor would now "have" it too.
  expect(await query(second, { type: 'spawn', name: 'kid' }, 5000)).toMatch(/spawned childless/);
  expect(await query(second, { type: 'count' }, 5000)).toBe(1);
});

it('stops like any actor', async () => {
  const counter = spawnCounter('stopping');
  expect(await query(counter, { type: 'count' }, 5000)).toBe(1);
  stopActor(counter);
  await expect(query(counter, { type: 'count' }, 200)).rejects.toThrow();
});
