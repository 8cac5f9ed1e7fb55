/**
 * The lease stream is trimmed to its last few events, so a leader that has led for a while has
 * no `LeaseAcquired` left in it. A node that starts then must still see who leads (from the
 * renewals), must not take over a live lease, and must take the next epoch, never an old one.
 *
 * The leases judge time by a manual clock, moved half a lease at a time and only once the last
 * renewal has landed: a stall of the test machine cannot expire a lease, so the outcome does not
 * depend on how busy the machine is (a 300 ms lease on the real clock once lapsed under a loaded
 * CI run, and `a` rightly came back with epoch 2).
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LeaderLease } from '../../../src/cluster/leader-lease.js';
import { silentLogger } from '../../../src/log.js';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import { eventually } from '../../support/eventually.js';
import { ManualClock } from '../../support/manual-clock.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = await tempDir('timecloud-lease-');
afterAll(() => dir.remove());

const TTL = 300;
const KEEP = 5;

it('a node joining after the acquisition was trimmed follows the live leader and takes the next epoch', async () => {
  const store = await openSqliteStore(join(dir.path, 'store.db'));
  const clock = new ManualClock(Date.now());
  const lease = (nodeId: string) => new LeaderLease({ store, nodeId, url: `http://${nodeId}`, ttlMs: TTL, keep: KEEP, clock, log: silentLogger() });
  const a = lease('a');
  let renewals = 0;
  a.on('renewed', () => renewals++);
  /** Half a lease passes; `a` is due to renew, and does (its real-time loop notices within ms). */
  const halfLeaseRenewed = async () => {
    const before = renewals;
    clock.advance(TTL / 2);
    await eventually(() => renewals > before);
  };

  await a.start();
  expect(a.isLeader).toBe(true);
  expect(a.currentEpoch).toBe(1);

  // Enough renewals that the stream no longer holds the LeaseAcquired.
  for (let i = 0; i < KEEP; i++) await halfLeaseRenewed();
  const kept: string[] = [];
  for await (const event of store.readStream('leader')) kept.push(event.type);
  expect(kept).toHaveLength(KEEP);
  expect(kept).not.toContain('LeaseAcquired');

  const b = lease('b');
  await b.start();
  expect(b.currentHolder).toMatchObject({ nodeId: 'a', epoch: 1, url: 'http://a', ttl: TTL, released: false });
  // Three lease lifetimes while `a` renews: `b` stays a follower and `a` keeps leading.
  for (let i = 0; i < 6; i++) {
    await halfLeaseRenewed();
    expect(b.isLeader).toBe(false);
    expect(a.isLeader).toBe(true);
    expect(a.currentEpoch).toBe(1);
  }

  await a.stop(); // releases: `b` takes over at once, with the next epoch
  await eventually(() => b.isLeader, { timeout: 5_000 });
  expect(b.currentEpoch).toBe(2);
  await b.stop();
  await store.close();
});
