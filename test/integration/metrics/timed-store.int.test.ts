/**
 * The metrics wrapper times every append and passes everything else through; a benchmark's tap
 * installed on top of it (by replacing `append`) hears each append once and does not recurse.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { timeAppends } from '../../../src/metrics/timed-store.js';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { tapAppends } from '../../../bench/support/bench-node.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = await tempDir('timecloud-timed-');
afterAll(() => dir.remove());

it('times appends, passes reads through, and stays wrappable by a tap', async () => {
  const raw = await openSqliteStore(join(dir.path, 'store.db'));
  const observed: number[] = [];
  const store = timeAppends(raw, (seconds) => observed.push(seconds));
  const tapped: string[] = [];
  tapAppends(store, (stream, events) => tapped.push(`${stream}:${events.length}`));

  await store.append('s-1', [{ type: 'A', data: {} }, { type: 'B', data: {} }]);
  await store.append('s-2', [{ type: 'C', data: {} }]);

  expect(tapped).toEqual(['s-1:2', 's-2:1']);
  expect(observed).toHaveLength(2);
  expect(observed.every((s) => s >= 0 && s < 60)).toBe(true);
  const types: string[] = [];
  for await (const event of store.readAll()) types.push(event.type);
  expect(types).toEqual(['A', 'B', 'C']);
  await store.close();
});
