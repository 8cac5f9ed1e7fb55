/**
 * Chaos: three nodes on one store and a busy schedule; the leader is SIGKILLed again and again
 * (TIMECLOUD_CHAOS_KILLS times, 5 by default; `npm run chaos` does 20) and comes back as a
 * standby. Then the history alone must show that no tick fired twice, no tick was lost without a
 * record, no run started twice or on two nodes, attempts never overlapped, every run ended, and no
 * deposed leader wrote anything.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/store/event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { Cluster } from '../../support/cluster.js';
import { eventually } from '../../support/eventually.js';
import { checkHistory } from '../../support/history-checks.js';
import { job, writeJobPackage, writeTimecloud } from '../../support/job-packages.js';
import { tempDir } from '../../support/temp-dir.js';

const KILLS = Number(process.env.TIMECLOUD_CHAOS_KILLS ?? 5);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const FINAL = new Set(['RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAborted', 'RunAbandoned']);

async function jobAndLeaderEvents(cluster: Cluster): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of cluster.store.readAll({ filter: { streamPrefixes: ['job-', 'leader'] } })) events.push(event);
  return events;
}

describe('failover under repeated SIGKILL of the leader', () => {
  it(`keeps every tick and run exact across ${KILLS} kills`, { timeout: 120_000 + KILLS * 15_000 }, async () => {
    const tmp = await tempDir('timecloud-chaos-');
    cleanups.push(tmp.remove);
    const jobs = join(tmp.path, 'jobs');
    const storeFile = join(tmp.path, 'store.db');
    const jobList = [
      job('fast', { schedule: '* * * * * *', script: 'sleep 0.2', timeout: 10_000, grace: 300 }),
      job('slow', { schedule: '*/3 * * * * *', script: 'sleep 2', timeout: 10_000, grace: 300, retries: 1, retryDelay: 100 }),
      job('flaky', { schedule: '*/2 * * * * *', script: 'exit 1', timeout: 10_000, grace: 300, retries: 1, retryDelay: 200 }),
    ];
    const dir = await writeJobPackage(jobs, 'busy', { timecloud: { jobs: jobList } });
    const steps = new Map([
      ['busy/fast', 1000],
      ['busy/slow', 3000],
      ['busy/flaky', 2000],
    ]);

    const store = await openStore(storeFile);
    cleanups.push(() => store.close());
    const cluster = new Cluster({ dir: tmp.path, jobs, store: storeFile, nodeIds: ['n1', 'n2', 'n3'], leaseTtl: 1000 }, store);
    cleanups.push(() => cluster.stopAll());
    cluster.startAll();

    let leader = await cluster.nextLeader(0);
    const takeovers: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Let the leader schedule and start some runs, so that some are in flight when it dies.
      await eventually(async () => {
        const events = await jobAndLeaderEvents(cluster);
        return events.filter((e) => e.type === 'RunStarted' && e.position > leader.position).length >= 3;
      }, { timeout: 30_000, message: `runs under leader ${leader.nodeId}` });
      const killedAt = Date.now();
      await cluster.kill(leader.nodeId);
      const next = await cluster.nextLeader(leader.epoch);
      takeovers.push(Date.now() - killedAt);
      cluster.start(leader.nodeId); // back as a standby
      leader = next;
    }

    // Wind down: remove the jobs (no new ticks, no new retries) and let every run end.
    await writeTimecloud(dir, { jobs: [] });
    await eventually(async () => {
      const events = await jobAndLeaderEvents(cluster);
      const removed = events.filter((e) => e.type === 'JobRemoved').length === jobList.length;
      const open = new Set<string>();
      for (const e of events) {
        const runId = (e.data as { runId?: string }).runId;
        if (e.type === 'RunScheduled') open.add(runId!);
        if (FINAL.has(e.type)) open.delete(runId!);
      }
      return removed && open.size === 0;
    }, { timeout: 60_000, message: 'every run ended after the jobs were removed' });
    await cluster.stopAll();

    const report = checkHistory(await jobAndLeaderEvents(cluster), steps);
    console.log(
      `chaos: ${KILLS} kills, ${report.leaders} leader terms, ${report.ticks} ticks (${report.fired} fired, ` +
        `${report.skipped} skipped, ${report.missed} missed), ${report.runs} runs, ${report.retries} retries, ` +
        `${report.abandoned} abandoned; kill → new lease: ${takeovers.map((ms) => `${ms} ms`).join(', ')}`,
    );
    expect(report.violations).toEqual([]);
    expect(report.leaders).toBeGreaterThanOrEqual(KILLS + 1);
    // Each term started at least three runs before its leader was killed (the loop waits for them).
    expect(report.runs).toBeGreaterThanOrEqual(KILLS * 3);
  });
});
