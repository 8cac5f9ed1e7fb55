/**
 * Fencing: a leader that is paused (SIGSTOP) past its lease, or cut off from its store, stops its
 * own runs through its launcher before anyone may retry them, records nothing once it is
 * deposed, and comes back as a standby; the store coming back lets scheduling resume.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunStarted } from '../../../src/domain/events.js';
import type { EventStore, StoredEvent } from '../../../src/store/event-store.js';
import { openKurrentDbStore } from '../../../src/store/kurrentdb/kurrentdb-event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { Cluster } from '../../support/cluster.js';
import { eventually } from '../../support/eventually.js';
import { alive } from '../../support/processes.js';
import { checkHistory } from '../../support/history-checks.js';
import { job, writeJobPackage, writeTimecloud } from '../../support/job-packages.js';
import { startKurrentDbFixture } from '../../support/kurrentdb-fixture/index.js';
import { tempDir } from '../../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function trail(store: EventStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of store.readAll({ filter: { streamPrefixes: ['job-', 'leader', 'runlog-'] } })) events.push(event);
  return events;
}


const JOBS = [
  job('tick', { schedule: '* * * * * *', script: 'sleep 0.2', timeout: 10_000, grace: 300 }),
  job('long', { schedule: '*/2 * * * * *', script: 'echo started; sleep 30', timeout: 60_000, grace: 300, retries: 1, retryDelay: 100 }),
];
const STEPS = new Map([
  ['fence/tick', 1000],
  ['fence/long', 2000],
]);

async function setup(storeOf: (dir: string) => Promise<{ url: string; store: EventStore }>) {
  const tmp = await tempDir('timecloud-fence-');
  cleanups.push(tmp.remove);
  const jobs = join(tmp.path, 'jobs');
  const dir = await writeJobPackage(jobs, 'fence', { timecloud: { jobs: JOBS } });
  const { url, store } = await storeOf(tmp.path);
  cleanups.push(() => store.close());
  const cluster = new Cluster({ dir: tmp.path, jobs, store: url, nodeIds: ['n1', 'n2'], leaseTtl: 1000 }, store);
  cleanups.push(() => cluster.stopAll());
  return { cluster, store, dir };
}

/** The leader's first `long` run that has started, once there is one. */
async function longRunOf(store: EventStore, nodeId: string): Promise<RunStarted['data']> {
  return eventually(async () => {
    const started = (await trail(store)).filter((e) => e.type === 'RunStarted' && e.stream === 'job-fence/long');
    return started.map((e) => e.data as RunStarted['data']).find((d) => d.nodeId === nodeId);
  }, { timeout: 30_000, message: `a long run started by ${nodeId}` });
}

/** Waits up to 60 s, so the tests that end with it have budgets longer than their waits. */
async function windDown(cluster: Cluster, store: EventStore, dir: string): Promise<void> {
  await writeTimecloud(dir, { jobs: [] });
  await eventually(async () => {
    const events = await trail(store);
    const open = new Set<string>();
    for (const e of events) {
      const runId = (e.data as { runId?: string }).runId;
      if (e.type === 'RunScheduled') open.add(runId!);
      if (['RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAborted', 'RunAbandoned'].includes(e.type)) open.delete(runId!);
    }
    return events.filter((e) => e.type === 'JobRemoved').length === JOBS.length && open.size === 0;
  }, { timeout: 60_000, message: 'every run ended after the jobs were removed' });
  await cluster.stopAll();
  const report = checkHistory((await trail(store)).filter((e) => !e.stream.startsWith('runlog-')), STEPS);
  expect(report.violations).toEqual([]);
}

describe('a paused leader', () => {
  it('fences itself: its runs are stopped, it records nothing after the takeover, and it comes back as a standby', async () => {
    const { cluster, store, dir } = await setup(async (path) => {
      const file = join(path, 'store.db');
      return { url: file, store: await openStore(file) };
    });
    cluster.start('n1');
    const first = await cluster.nextLeader(0);
    expect(first.nodeId).toBe('n1');
    cluster.start('n2');
    const run = await longRunOf(store, 'n1');

    cluster.signal('n1', 'SIGSTOP');
    const second = await cluster.nextLeader(first.epoch);
    expect(second.nodeId).toBe('n2');
    // n1's launcher was not paused: it ended the run when n1's lease deadline passed.
    await eventually(() => !alive(run.pid), { timeout: 10_000, message: 'the paused leader’s run stopped by its launcher' });
    cluster.signal('n1', 'SIGCONT');

    // Give the woken node every chance to write something wrong.
    await eventually(async () => (await trail(store)).filter((e) => e.type === 'RunSucceeded' && e.position > second.position).length >= 3, {
      timeout: 30_000,
      message: 'the new leader running jobs',
    });
    const n1Runs = new Set((await trail(store)).filter((e) => e.type === 'RunStarted' && (e.data as RunStarted['data']).nodeId === 'n1').map((e) => (e.data as RunStarted['data']).runId));
    const late = (await trail(store)).filter(
      (e) =>
        e.position > second.position &&
        (e.metadata.nodeId === 'n1' ||
          (e.stream === 'leader' && (e.data as { nodeId: string }).nodeId === 'n1') ||
          (e.stream.startsWith('runlog-') && n1Runs.has(e.stream.slice('runlog-'.length)))),
    );
    expect(late.map((e) => `${e.stream} ${e.type}`)).toEqual([]);
    // The run n1 had started is abandoned by n2 (after ttl + grace) and retried.
    await eventually(async () => (await trail(store)).some((e) => e.type === 'RunAbandoned' && (e.data as { runId: string }).runId === run.runId), {
      message: 'the abandoned run',
    });

    // n1 is a standby now: when n2 dies, it takes over.
    await cluster.kill('n2');
    const third = await cluster.nextLeader(second.epoch);
    expect(third.nodeId).toBe('n1');
    await windDown(cluster, store, dir);
  }, 180_000);
});

describe('a leader cut off from its store (KurrentDB through the gRPC test fixture)', () => {
  it('fences itself instead of running jobs twice, and scheduling resumes when the store is back', async () => {
    const fixture = await startKurrentDbFixture();
    cleanups.push(() => fixture.stop());
    const { cluster, store, dir } = await setup(async () => ({ url: fixture.url, store: await openKurrentDbStore(fixture.url) }));
    cluster.startAll();
    const first = await cluster.nextLeader(0);
    const run = await longRunOf(store, first.nodeId);

    await fixture.stop();
    const stoppedAt = Date.now();
    // Without its store the leader cannot renew: after its lease it aborts its own runs.
    await eventually(() => !alive(run.pid), { timeout: 15_000, message: 'the cut-off leader’s run stopped' });
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    await fixture.start();

    const next = await cluster.nextLeader(first.epoch, 60_000);
    await eventually(async () => (await trail(store)).some((e) => e.type === 'RunStarted' && e.position > next.position), {
      timeout: 30_000,
      message: 'runs started again after the store came back',
    });
    await windDown(cluster, store, dir);
  }, 180_000);
});
