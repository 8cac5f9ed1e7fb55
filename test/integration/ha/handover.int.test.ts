/**
 * A clean stop hands leadership over at once: the leader releases its lease and a standby takes
 * it without waiting for the lease to expire; the stopping leader's running job gets SIGUSR2 and
 * its retry is recorded for the new leader to run.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeaseReleased, RetryScheduled, RunScheduled } from '../../../src/domain/events.js';
import { openStore } from '../../../src/store/open-store.js';
import { Cluster } from '../../support/cluster.js';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { tempDir } from '../../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('a graceful stop of the leader', () => {
  it('releases the lease so a standby takes over at once, and the interrupted run is retried there', async () => {
    const tmp = await tempDir('timecloud-handover-');
    cleanups.push(tmp.remove);
    const jobs = join(tmp.path, 'jobs');
    await writeJobPackage(jobs, 'ho', {
      timecloud: { jobs: [job('long', { schedule: '* * * * * *', script: 'sleep 30', timeout: 60_000, grace: 2000, retries: 1, retryDelay: 100 })] },
    });
    const storeFile = join(tmp.path, 'store.db');
    const store = await openStore(storeFile);
    cleanups.push(() => store.close());
    // A long lease: only a release, not an expiry, can explain a quick takeover.
    const cluster = new Cluster({ dir: tmp.path, jobs, store: storeFile, nodeIds: ['n1', 'n2'], leaseTtl: 10_000 }, store);
    cleanups.push(() => cluster.stopAll());
    cluster.start('n1');
    const first = await cluster.nextLeader(0);
    cluster.start('n2');
    await eventually(() => cluster.output('n2').includes('timecloud node started'), { message: 'the standby up' });

    // A run in flight: started, not yet ended (each would take 30 s).
    const runId = await eventually(async () => {
      const open = new Set<string>();
      for await (const event of store.readStream('job-ho/long')) {
        const id = (event.data as { runId?: string }).runId;
        if (event.type === 'RunStarted') open.add(id!);
        if (['RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAborted'].includes(event.type)) open.delete(id!);
      }
      return [...open][0];
    }, { message: 'a run in flight on the leader' });
    const stopping = cluster.processes.get('n1')!.stop();
    const released = await eventually(async () => {
      for await (const event of store.readStream('leader', { direction: 'backwards', maxCount: 3 })) {
        if (event.type === 'LeaseReleased') return event;
      }
      return undefined;
    }, { message: 'the lease released' });
    expect((released.data as LeaseReleased['data']).nodeId).toBe('n1');
    const second = await cluster.nextLeader(first.epoch);
    expect(second.nodeId).toBe('n2');
    const releasedAt = Date.parse((released.data as { at: string }).at);
    const acquiredAt = await eventually(async () => {
      for await (const event of store.readStream('leader', { direction: 'backwards', maxCount: 3 })) {
        if (event.type === 'LeaseAcquired') return Date.parse((event.data as { at: string }).at);
      }
      return undefined;
    });
    expect(acquiredAt - releasedAt).toBeLessThan(2_000); // far less than the 10 s lease
    await stopping;

    const events: { type: string; data: unknown }[] = [];
    await eventually(async () => {
      events.length = 0;
      for await (const event of store.readStream('job-ho/long')) events.push(event);
      const retry = events.find((e): e is RetryScheduled => e.type === 'RetryScheduled' && (e as RetryScheduled).data.runId === runId);
      return retry && events.some((e) => e.type === 'RunScheduled' && (e as RunScheduled).data.runId === retry.data.nextRunId);
    }, { message: 'the interrupted run retried by the new leader' });
    const ofRun = events.filter((e) => (e.data as { runId?: string }).runId === runId).map((e) => e.type);
    expect(ofRun).toEqual(['RunScheduled', 'RunStarted', 'RunSignalled', 'RunAborted', 'RetryScheduled']);
  });
});
