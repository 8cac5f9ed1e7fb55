/**
 * The lease stream is trimmed to its last few events, so a leader that has led for a while has
 * no `LeaseAcquired` left in it. A node that starts then must still see who leads (from the
 * renewals), must not take over a live lease, and must take the next epoch, never an old one.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LeaderLease } from '../../../src/cluster/leader-lease.js';
import { silentLogger } from '../../../src/log.js';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = await tempDir('timecloud-lease-');
afterAll(() => dir.remove());

const TTL = 300;
const KEEP = 5;

it('a node joining after the acquisition was trimmed follows the live leader and takes the next epoch', async () => {
  const store = await openSqliteStore(join(dir.path, 'store.db'));
  const lease = (nodeId: string) => new LeaderLease({ store, nodeId, url: `http://${nodeId}`, ttlMs: TTL, keep: KEEP, log: silentLogger() });
  const a = lease('a');
  await a.start();
  expect(a.isLeader).toBe(true);
  expect(a.currentEpoch).toBe(1);

  // Enough renewals that the stream no longer holds the LeaseAcquired.
  await eventually(async () => {
    const kept: string[] = [];
    for await (const event of store.readStream('leader')) kept.push(event.type);
    expect(kept).toHaveLength(KEEP);
    expect(kept).not.toContain('LeaseAcquired');
    return true;
  });

  const b = lease('b');
  await b.start();
  expect(b.currentHolder).toMatchObject({ nodeId: 'a', epoch: 1, url: 'http://a', ttl: TTL, released: false });
  // Three lease lifetimes while `a` renews: `b` stays a follower and `a` keeps leading.
  const until = Date.now() + 3 * TTL;
  while (Date.now() < until) {
    expect(b.isLeader).toBe(false);
    expect(a.isLeader).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, TTL / 10));
  }

  await a.stop(); // releases: `b` takes over at once, with the next epoch
  await eventually(() => b.isLeader, { timeout: 5_000 });
  expect(b.currentEpoch).toBe(2);
  await b.stop();
  await store.close();
});
