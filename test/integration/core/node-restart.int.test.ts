import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEventTypes, startTestNode, type TestNode } from '../../support/test-node.js';

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
