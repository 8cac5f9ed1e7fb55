import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, jobEventTypes, runLog, startTestNode, type TestNode } from '../../support/test-node.js';

let current: TestNode | undefined;
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

describe('a node running real jobs', () => {
  it('fires a job on its cron schedule, runs it with the job environment, and records the trail', async () => {
    current = await startTestNode();
    await writeJobPackage(current.jobsDir, 'app', {
      timecloud: { jobs: [job('hello', { script: './bin/hello', schedule: '* * * * * *', timeout: 5000 })] },
      executables: { 'bin/hello': '#!/bin/sh\necho "hello from $TIMECLOUD_JOB attempt $TIMECLOUD_ATTEMPT"\necho "cwd $(basename "$PWD")"\n' },
    });
    const { store } = current.node;
    await eventually(async () => (await jobEventTypes(store, 'app/hello')).includes('RunSucceeded'), { message: 'a successful run' });
    const events = await jobEvents(store, 'app/hello');
    expect(events[0]).toMatchObject({ type: 'JobRegistered', data: { jobId: 'app/hello' } });
    const scheduled = events.find((e) => e.type === 'RunScheduled');
    if (scheduled?.type !== 'RunScheduled') throw new Error('no RunScheduled');
    expect(scheduled.data).toMatchObject({ reason: 'cron', attempt: 1 });
    expect(Date.parse(scheduled.data.at) - Date.parse(scheduled.data.scheduledFor)).toBeLessThan(1000);
    const runId = scheduled.data.runId;
    const types = events.filter((e) => (e.data as { runId?: string }).runId === runId).map((e) => e.type);
    expect(types).toEqual(['RunScheduled', 'RunStarted', 'RunSucceeded']);
    await eventually(async () => (await runLog(store, runId)).includes('hello from app/hello attempt 1'));
    expect(await runLog(store, runId)).toContain('cwd app');
  });

  it('triggers, disables and enables a job through node commands, each an event', async () => {
    current = await startTestNode();
    await writeJobPackage(current.jobsDir, 'app', { timecloud: { jobs: [job('manual', { schedule: '0 0 0 1 1 *' })] } });
    const { node } = current;
    await eventually(async () => (await node.jobIds()).includes('app/manual'));
    const { runId } = await node.trigger('app/manual', 'alice');
    await eventually(async () => (await jobEventTypes(node.store, 'app/manual')).includes('RunSucceeded'));
    const scheduled = (await jobEvents(node.store, 'app/manual')).find((e) => e.type === 'RunScheduled');
    expect(scheduled?.data).toMatchObject({ runId, reason: 'manual', by: 'alice' });
    await node.disable('app/manual', 'alice');
    await node.enable('app/manual', 'bob');
    const types = await jobEventTypes(node.store, 'app/manual');
    expect(types.slice(-2)).toEqual(['JobDisabled', 'JobEnabled']);
    await expect(node.trigger('nope/none')).rejects.toThrow(/no job "nope\/none"/);
  });
});
