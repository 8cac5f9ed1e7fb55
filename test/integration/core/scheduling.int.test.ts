/**
 * Scheduling through a real node: the slot pool and its FIFO queue, overlap policies, and
 * broken timecloud.json files that must not disturb the other jobs.
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunQueued, RunScheduled, RunSkipped, RunStarted } from '../../../src/domain/events.js';
import type { StoredEvent } from '../../../src/store/event-store.js';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage, writeTimecloud } from '../../support/job-packages.js';
import { allEvents, jobEvents, runLog, startTestNode, type TestNode } from '../../support/test-node.js';

const fixtures = fileURLToPath(new URL('../../fixtures/jobs/', import.meta.url));
const NEVER = '0 0 0 1 1 *';

let current: TestNode | undefined;
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

const data = <T>(event: StoredEvent) => event.data as T;

describe('the slot pool', () => {
  it('runs at most --slots at once and starts waiting runs in FIFO order, saying why they wait', async () => {
    current = await startTestNode({ slots: 2 });
    const jobs = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) =>
      job(name, { schedule: NEVER, script: `${join(fixtures, 'sleeper.sh')} 0.4`, overlap: 'allow' }),
    );
    await writeJobPackage(current.jobsDir, 'pool', { timecloud: { jobs } });
    const { node } = current;
    await eventually(async () => (await node.jobIds()).length === 6);
    const order: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) order.push((await node.trigger(`pool/${name}`)).runId);

    const events = await eventually(async () => {
      const all = await allEvents(node.store, 'job-pool/');
      return all.filter((e) => e.type === 'RunSucceeded').length === 6 ? all : undefined;
    }, { timeout: 30_000, message: 'six runs done' });

    const started = events.filter((e) => e.type === 'RunStarted').map((e) => data<RunStarted['data']>(e).runId);
    expect(started).toEqual(order);
    const queued = events.filter((e) => e.type === 'RunQueued').map((e) => data<RunQueued['data']>(e));
    expect(queued.map((q) => q.runId)).toEqual(order.slice(2));
    expect(queued.map((q) => q.reason)).toEqual(Array(4).fill('all 2 slots busy'));

    // Replay the trail in commit order: never more than two runs between start and end.
    let running = 0;
    let most = 0;
    for (const event of events) {
      if (event.type === 'RunStarted') most = Math.max(most, ++running);
      if (event.type === 'RunSucceeded') running -= 1;
    }
    expect(most).toBe(2);
    const slots = new Set(events.filter((e) => e.type === 'RunStarted').map((e) => data<RunStarted['data']>(e).slot));
    expect([...slots].sort()).toEqual([0, 1]);
  });
});

describe('--decide-ahead', () => {
  it('stores each tick before it is due, and still starts the script at the tick, not before', async () => {
    current = await startTestNode({ decideAhead: 300 });
    await writeJobPackage(current.jobsDir, 'ahead', {
      timecloud: { jobs: [job('each-second', { schedule: '* * * * * *', script: join(fixtures, 'print-start.sh') })] },
    });
    const { node } = current;
    const runs = await eventually(async () => {
      const all = await jobEvents(node.store, 'ahead/each-second');
      const done = new Set(all.filter((e) => e.type === 'RunSucceeded').map((e) => (e.data as { runId: string }).runId));
      const scheduled = all.filter((e): e is RunScheduled => e.type === 'RunScheduled' && done.has(e.data.runId));
      return scheduled.length >= 3 ? scheduled.slice(0, 3) : undefined;
    }, { timeout: 30_000, message: 'three runs done' });

    const all = await jobEvents(node.store, 'ahead/each-second');
    for (const run of runs) {
      const log = await runLog(node.store, run.data.runId);
      const started = Number(/started=(\d+)/.exec(log)?.[1]);
      expect(log).toContain(`scheduledFor=${run.data.scheduledFor}`);
      expect(started).toBeGreaterThanOrEqual(Date.parse(run.data.scheduledFor));
      // Recorded before its tick, a start says when the script is released: at the tick.
      const start = all.find((e): e is RunStarted => e.type === 'RunStarted' && e.data.runId === run.data.runId);
      if (start?.data.at !== undefined && start.data.at < run.data.scheduledFor) {
        expect(start.data.releaseAt).toBe(run.data.scheduledFor);
      } else {
        expect(start?.data.releaseAt).toBeUndefined();
      }
    }
    // Decided 300 ms early; a loaded machine may delay one decision past its tick, not most.
    const ahead = runs.filter((run) => Date.parse(run.data.at) < Date.parse(run.data.scheduledFor));
    expect(ahead.length).toBeGreaterThanOrEqual(2);
    const releasedLater = all.filter((e) => e.type === 'RunStarted' && (e as RunStarted).data.releaseAt !== undefined);
    expect(releasedLater.length).toBeGreaterThanOrEqual(2);
  });
});

describe('overlap', () => {
  it('skips ticks while a run is still going (overlap: skip), naming the blocking run', async () => {
    current = await startTestNode();
    await writeJobPackage(current.jobsDir, 'ov', {
      timecloud: { jobs: [job('slow', { schedule: '* * * * * *', script: `${join(fixtures, 'sleeper.sh')} 2.5`, timeout: 10_000 })] },
    });
    const { node } = current;
    const events = await eventually(async () => {
      const all = await jobEvents(node.store, 'ov/slow');
      return all.filter((e) => e.type === 'RunSkipped').length >= 2 && all.some((e) => e.type === 'RunSucceeded') ? all : undefined;
    }, { timeout: 30_000, message: 'skipped ticks and a finished run' });
    const first = events.find((e): e is RunScheduled => e.type === 'RunScheduled')!;
    const skipped = events.filter((e): e is RunSkipped => e.type === 'RunSkipped');
    expect(skipped[0]!.data.blockingRunId).toBe(first.data.runId);
    expect(skipped[0]!.data.reason).toContain('overlap: skip');
    // Never two attempts of this job running at once.
    let running = 0;
    for (const event of events) {
      if (event.type === 'RunStarted') expect(++running).toBe(1);
      if (event.type === 'RunSucceeded') running -= 1;
    }
  });
});

describe('broken timecloud.json files', () => {
  it('reject each problem precisely while every other job keeps running', async () => {
    current = await startTestNode();
    const { jobsDir, node } = current;
    await writeJobPackage(jobsDir, 'healthy', { timecloud: { jobs: [job('tick', { schedule: '* * * * * *' })] } });
    await writeJobPackage(jobsDir, 'badjson', { timecloud: '{ "jobs": [ { "name": "x", } ] }' });
    await writeJobPackage(jobsDir, 'mixed', {
      timecloud: {
        jobs: [
          job('ok', { schedule: '* * * * * *' }),
          { name: 'nofield', script: 'true', maintainer: 'ops', schedule: '* * * * * *' },
          job('badcron', { schedule: '61 * * * * *' }),
          job('badzone', { timezone: 'Mars/Olympus' }),
          job('dup'),
          job('dup'),
          job('noscript', { script: './bin/missing' }),
        ],
      },
    });

    const rejections = await eventually(async () => {
      const found = (await allEvents(node.store)).filter((e) => e.type === 'JobRejected').map((e) => data<Record<string, string>>(e));
      return found.length >= 6 ? found : undefined;
    }, { message: 'six rejections' });
    const byJob = (name: string) => rejections.find((r) => r.job === name);
    expect(rejections.find((r) => r.file?.endsWith('badjson/timecloud.json'))?.message).toMatch(/JSON.*line 1, column \d+/i);
    expect(byJob('nofield')).toMatchObject({ field: 'jobs[1].timeout' });
    expect(byJob('badcron')).toMatchObject({ field: 'jobs[2].schedule' });
    expect(byJob('badzone')).toMatchObject({ field: 'jobs[3].timezone' });
    expect(byJob('badzone')?.message).toContain('Mars/Olympus');
    expect(byJob('dup')?.message).toMatch(/jobs\[4\]/);
    expect(byJob('noscript')).toMatchObject({ field: 'jobs[6].script' });
    expect(byJob('noscript')?.message).toContain('bin/missing');
    for (const rejection of rejections) expect(rejection.file).toMatch(/timecloud\.json$/);

    // The valid jobs of the same and of other files keep firing.
    const succeeded = async (jobId: string) => (await jobEvents(node.store, jobId)).filter((e) => e.type === 'RunSucceeded').length;
    await eventually(async () => (await succeeded('healthy/tick')) >= 2 && (await succeeded('mixed/ok')) >= 2, {
      message: 'valid jobs running',
    });
  });

  it('keeps the last valid definition of a job whose file breaks, and takes the fix', async () => {
    current = await startTestNode();
    const { jobsDir, node } = current;
    const dir = await writeJobPackage(jobsDir, 'edit', { timecloud: { jobs: [job('tick', { schedule: '* * * * * *' })] } });
    await eventually(async () => (await jobEvents(node.store, 'edit/tick')).some((e) => e.type === 'RunSucceeded'));
    await writeTimecloud(dir, '{ "jobs": [ ');
    await eventually(async () => (await jobEvents(node.store, 'edit/tick')).some((e) => e.type === 'JobRejected') ||
      (await allEvents(node.store, 'config-')).some((e) => e.type === 'JobRejected'), { message: 'the rejection' });
    const before = (await jobEvents(node.store, 'edit/tick')).filter((e) => e.type === 'RunSucceeded').length;
    await eventually(async () => (await jobEvents(node.store, 'edit/tick')).filter((e) => e.type === 'RunSucceeded').length > before + 1, {
      message: 'the job still running on its last valid definition',
    });
    expect((await jobEvents(node.store, 'edit/tick')).some((e) => e.type === 'JobRemoved')).toBe(false);
    await writeTimecloud(dir, { jobs: [job('tick', { schedule: '*/2 * * * * *' })] });
    await eventually(async () => (await jobEvents(node.store, 'edit/tick')).some((e) => e.type === 'JobUpdated'));
    const updated = (await jobEvents(node.store, 'edit/tick')).find((e) => e.type === 'JobUpdated');
    expect(updated?.data).toMatchObject({ changed: ['schedule'] });
  });

  it('takes a job back once its script is made executable, which only a rescan can notice', async () => {
    current = await startTestNode();
    const { jobsDir, node } = current;
    const dir = await writeJobPackage(jobsDir, 'perm', { timecloud: { jobs: [job('run', { script: './bin/run' })] }, executables: { 'bin/run': '#!/bin/sh\ntrue\n' } });
    await chmod(join(dir, 'bin/run'), 0o644);
    await writeTimecloud(dir, { jobs: [job('run', { script: './bin/run', schedule: '*/2 * * * * *' })] });
    const rejected = await eventually(async () => (await jobEvents(node.store, 'perm/run')).find((e) => e.type === 'JobRejected'), {
      message: 'the rejection of a script that is not executable',
    });
    expect(rejected.data).toMatchObject({ field: 'jobs[0].script', message: expect.stringMatching(/not executable — run chmod \+x/) });
    await chmod(join(dir, 'bin/run'), 0o755);
    await eventually(async () => (await jobEvents(node.store, 'perm/run')).some((e) => e.type === 'RunSucceeded'), {
      timeout: 40_000,
      message: 'the job registered and running after chmod +x',
    });
  });
});
