/**
 * The warm follower of a standby, on a real SQLite store: it keeps every job's state current,
 * hands the states over to a new leader's actors (each once) and stops following, and follows
 * again from scratch when told to.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { JobStatesFollower } from '../../../src/cluster/job-states-follower.js';
import { silentLogger } from '../../../src/log.js';
import type { EventStore } from '../../../src/store/event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { eventually } from '../../support/eventually.js';
import { jobSpec } from '../../support/job-spec.js';
import { tempDir } from '../../support/temp-dir.js';

let store: EventStore;
let follower: JobStatesFollower;
let cleanup: () => Promise<void>;
const at = '2026-12-01T10:00:00.000Z';

async function register(name: string): Promise<void> {
  const spec = jobSpec({ package: 'pkg', name });
  await store.append(`job-${spec.id}`, [{ type: 'JobRegistered', data: { jobId: spec.id, spec, at } }], 'no_stream');
}

const disable = (name: string, expected: bigint) =>
  store.append(`job-pkg/${name}`, [{ type: 'JobDisabled', data: { jobId: `pkg/${name}`, by: 'test', at } }], expected);

beforeEach(async () => {
  const tmp = await tempDir('timecloud-follower-');
  store = await openStore(join(tmp.path, 'timecloud.db'));
  follower = new JobStatesFollower(store, silentLogger());
  cleanup = async () => {
    await follower.stop();
    await store.close();
    await tmp.remove();
  };
});
afterEach(() => cleanup());

it('follows every job, hands the states over once each, stops following, and follows again', async () => {
  for (const name of ['a', 'b', 'c']) await register(name);
  await follower.start();
  expect(follower.size).toBe(3);
  await disable('c', 0n);
  await eventually(() => follower.warm('job-pkg/c')?.state.enabled === false, { message: 'the follower to see JobDisabled' });

  await follower.handOver(['pkg/a', 'pkg/b']);
  expect(follower.size).toBe(2); // only the jobs whose actors will recover from it
  expect(follower.warm('job-pkg/a')?.revision).toBe(0n);
  expect(follower.warm('job-pkg/a')).toBeUndefined(); // served once: a reset actor replays from its snapshot
  expect(follower.size).toBe(1);

  // Handed over, it no longer reads back what the leader writes.
  await disable('b', 0n);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(follower.warm('job-pkg/b')?.state.enabled).toBe(true);

  // Following again: everything loaded afresh, then followed.
  await follower.start();
  expect(follower.size).toBe(3);
  expect(follower.warm('job-pkg/b')?.state.enabled).toBe(false);
  expect(follower.warm('job-pkg/b')).toBeDefined(); // not handed over: served as often as asked
  await disable('a', 0n);
  await eventually(() => follower.warm('job-pkg/a')?.state.enabled === false, { message: 'the follower to follow again' });
});
