import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEventTypes, jobEvents, startTestNode, type TestNode } from '../../support/test-node.js';

const fixtures = fileURLToPath(new URL('../../fixtures/jobs/', import.meta.url));

const nodes: TestNode[] = [];
afterEach(async () => {
  // The restarted node first: it uses the first node's folders, which the first cleanup removes.
  for (const node of nodes.splice(0).reverse()) await node.cleanup();
});

async function succeeded(node: TestNode, jobId: string): Promise<number> {
  return (await jobEventTypes(node.node.store, jobId)).filter((type) => type === 'RunSucceeded').length;
}

describe('a node restarted on the same store and jobs folder', () => {
  it('keeps firing the jobs it knew, though their files did not change', async () => {
    const first = await startTestNode();
    nodes.push(first);
    await writeJobPackage(first.jobsDir, 'app', { timecloud: { jobs: [job('tick', { schedule: '* * * * * *' })] } });
    await eventually(async () => (await succeeded(first, 'app/tick')) >= 1, { message: 'a run before the restart' });
    await first.node.stop();

    const again = await startTestNode({ jobsDir: first.jobsDir, dataDir: first.dataDir });
    nodes.push(again);
    const before = await succeeded(again, 'app/tick');
    expect(await again.node.jobIds()).toContain('app/tick');
    await eventually(async () => (await succeeded(again, 'app/tick')) > before, { message: 'a run after the restart' });
    const types = await jobEventTypes(again.node.store, 'app/tick');
    expect(types.filter((type) => type === 'JobRegistered')).toHaveLength(1);
    expect(types).not.toContain('JobUpdated');
  });

  it('starts no waiting run once it is stopping: the run stays open and runs after the restart', async () => {
    const first = await startTestNode({ slots: 1 });
    nodes.push(first);
    await writeJobPackage(first.jobsDir, 'app', {
      timecloud: {
        jobs: [
          job('long', { schedule: '0 0 0 1 1 *', script: `${join(fixtures, 'sleeper.sh')} 60`, timeout: 120_000, grace: 1000 }),
          job('next', { schedule: '0 0 0 1 1 *', script: join(fixtures, 'success.sh') }),
        ],
      },
    });
    await eventually(async () => (await first.node.jobIds()).length === 2, { message: 'both jobs registered' });
    await first.node.trigger('app/long');
    await eventually(async () => (await jobEventTypes(first.node.store, 'app/long')).includes('RunStarted'), {
      message: 'the long run started',
    });
    const { runId } = await first.node.trigger('app/next');
    await eventually(async () => (await jobEventTypes(first.node.store, 'app/next')).includes('RunQueued'), {
      message: 'the next run waiting for the slot',
    });

    // The long run is taken down by the stop, which frees the slot: the waiting run must not take it.
    await first.node.stop();
    const stored = await openStore(join(first.dataDir, 'timecloud.db'));
    try {
      expect(await jobEventTypes(stored, 'app/long')).toContain('RunAborted');
      expect(await jobEventTypes(stored, 'app/next')).not.toContain('RunStarted');
    } finally {
      await stored.close();
    }

    const again = await startTestNode({ jobsDir: first.jobsDir, dataDir: first.dataDir, slots: 1 });
    nodes.push(again);
    const runs = await eventually(async () => {
      const events = await jobEvents(again.node.store, 'app/next');
      return events.some((e) => e.type === 'RunSucceeded') ? events : undefined;
    }, { timeout: 30_000, message: 'the waiting run done after the restart' });
    const ran = runs.filter((e) => e.type === 'RunStarted' || e.type === 'RunSucceeded').map((e) => [e.type, (e.data as { runId: string }).runId]);
    expect(ran).toEqual([
      ['RunStarted', runId],
      ['RunSucceeded', runId],
    ]);
  }, 60_000);

  it('records the removal of a job whose file was deleted while it was down', async () => {
    const first = await startTestNode();
    nodes.push(first);
    const dir = await writeJobPackage(first.jobsDir, 'app', { timecloud: { jobs: [job('gone', { schedule: '0 0 0 1 1 *' })] } });
    await eventually(async () => (await jobEventTypes(first.node.store, 'app/gone')).includes('JobRegistered'));
    await first.node.stop();
    await writeJobPackage(first.jobsDir, 'app', { timecloud: { jobs: [] } });

    const again = await startTestNode({ jobsDir: first.jobsDir, dataDir: first.dataDir });
    nodes.push(again);
    await eventually(async () => (await jobEventTypes(again.node.store, 'app/gone')).includes('JobRemoved'), {
      message: `JobRemoved for the job deleted from ${dir}/timecloud.json`,
    });
  });
});
