/**
 * A subscription catching up on a long history must let its process's timers run (lease
 * renewals, ticks, HTTP): a node starting on a million events lost its lease because its
 * projections caught up in one unbroken stretch of microtasks.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { watchEventLoopGaps } from '../../support/event-loop-gaps.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = await tempDir('timecloud-turns-');
afterAll(() => dir.remove());

const EVENTS = 40_000;
const WORK_US = 25; // per event, so that catching up takes about a second

it('timers keep firing while a $all subscription catches up', async () => {
  const store = await openSqliteStore(join(dir.path, 'store.db'));
  for (let first = 0; first < EVENTS; first += 1000) {
    await store.append(`s-${first}`, Array.from({ length: 1000 }, (_, i) => ({ type: 'E', data: { n: first + i } })));
  }

  const gaps = watchEventLoopGaps();

  const subscription = store.subscribeToAll();
  const began = performance.now();
  let seen = 0;
  for await (const event of subscription) {
    const until = performance.now() + WORK_US / 1000;
    while (performance.now() < until); // the consumer's own work per event
    if (event.type === 'E' && ++seen === EVENTS) break;
  }
  const took = performance.now() - began;
  const longestGap = gaps.stop();
  await subscription.close();
  await store.close();

  expect(seen).toBe(EVENTS);
  expect(took).toBeGreaterThan(600); // long enough for a starved timer to show
  expect(longestGap).toBeLessThan(took / 3);
  expect(longestGap).toBeLessThan(250);
});
