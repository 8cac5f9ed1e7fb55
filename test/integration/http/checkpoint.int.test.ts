import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rebuildProjections } from '../../../projections/projection-runner.js';
import { rebuildCheckpoint } from '../../../src/cli/projections.js';
import { CHECKPOINT_FILE } from '../../../src/http/dashboard.js';
import type { JobResponse, RunsResponse } from '../../../src/http/api-types.js';
import { openStore } from '../../../src/store/open-store.js';
import { eventually } from '../../support/eventually.js';
import { apiOf, encodeJob } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { startTestNode, type TestNode } from '../../support/test-node.js';
import { tempDir } from '../../support/temp-dir.js';
import { startTsx } from '../../support/tsx-process.js';

const YEARLY = '0 0 0 1 1 *';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A node on `dir`'s jobs and data folders (kept across restarts). */
async function nodeOn(dir: string): Promise<TestNode> {
  const t = await startTestNode({ jobsDir: join(dir, 'jobs'), dataDir: join(dir, 'data') });
  cleanups.push(() => t.node.stop());
  return t;
}

/** A history: succeeded and failed runs with retries, a disabled job. */
async function makeHistory(t: TestNode): Promise<void> {
  await writeJobPackage(t.jobsDir, 'cp', {
    timecloud: { jobs: [job('ok', { script: 'echo ok', schedule: YEARLY }), job('bad', { script: 'exit 3', schedule: YEARLY, retries: 1, retryDelay: 50 })] },
  });
  await eventually(async () => (await t.node.jobIds()).length === 2);
  for (let i = 0; i < 3; i++) {
    await t.node.trigger('cp/ok');
    await eventually(async () => (await apiOf(t.node).json<RunsResponse>('/api/runs?status=succeeded')).runs.length === i + 1);
  }
  await t.node.trigger('cp/bad');
  await eventually(async () => (await apiOf(t.node).json<RunsResponse>('/api/runs?status=failed')).runs.length === 2);
  await t.node.disable('cp/ok');
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('projection checkpoints', () => {
  it('are written on stop and equal a rebuild from the store', async () => {
    const dir = await tempDir('timecloud-cp-');
    cleanups.push(dir.remove);
    const t = await nodeOn(dir.path);
    await makeHistory(t);
    await t.node.stop();
    const checkpoint = JSON.parse(await readFile(join(t.dataDir, CHECKPOINT_FILE), 'utf8')) as { position: string; states: unknown };
    const store = await openStore(t.config.store);
    try {
      const rebuilt = await rebuildProjections(store);
      expect(checkpoint.position).toBe(rebuilt.position!.toString());
      expect(checkpoint.states).toEqual(json(rebuilt.encoded));
    } finally {
      await store.close();
    }
  });

  it('serve a restarted node from the checkpoint plus the events after it, the same as a rebuild', async () => {
    const dir = await tempDir('timecloud-cp-');
    cleanups.push(dir.remove);
    const first = await nodeOn(dir.path);
    await makeHistory(first);
    await first.node.stop();
    // Events the checkpoint has not seen: a job enabled while the node was down.
    const store = await openStore(first.config.store);
    const revision = await store.streamRevision('job-cp/ok');
    await store.append('job-cp/ok', [{ type: 'JobEnabled', data: { jobId: 'cp/ok', by: 'someone', at: new Date().toISOString() } }], revision);
    await store.close();

    const second = await nodeOn(dir.path);
    expect(second.node.http.projections.startedFrom).toBe('checkpoint');
    await second.node.http.projections.settle(10_000);
    const api = apiOf(second.node);
    const { job: ok } = await api.json<JobResponse>(`/api/jobs/${encodeJob('cp/ok')}`);
    expect(ok).toMatchObject({ enabled: true, stats: { runs: 3, succeeded: 3, failed: 0 } });
    expect((await api.json<RunsResponse>('/api/runs?limit=1000')).runs).toHaveLength(5);
    // Lease renewals keep coming: compare at a moment when none arrived in between.
    const { projections } = second.node.http;
    let last: { incremental: unknown; rebuilt: unknown } | undefined;
    await eventually(async () => {
      await projections.settle(10_000);
      const rebuilt = await rebuildProjections(second.node.store);
      last = { incremental: json(projections.encodedStates()), rebuilt: json(rebuilt.encoded) };
      return projections.position === rebuilt.position;
    });
    expect(last!.incremental).toEqual(last!.rebuilt);
  });

  it('are not used when unreadable or written for another store; timecloud projections rebuild writes one', async () => {
    const dir = await tempDir('timecloud-cp-');
    cleanups.push(dir.remove);
    const first = await nodeOn(dir.path);
    await makeHistory(first);
    await first.node.stop();
    const file = join(first.dataDir, CHECKPOINT_FILE);

    await writeFile(file, '{"format": 1, "states": ');
    const afterCorruption = await nodeOn(dir.path);
    expect(afterCorruption.node.http.projections.startedFrom).toBe('scratch');
    await afterCorruption.node.http.projections.caughtUp;
    expect((await apiOf(afterCorruption.node).json<RunsResponse>('/api/runs?limit=1000')).runs).toHaveLength(5);
    await afterCorruption.node.stop();

    const other = await tempDir('timecloud-cp-other-');
    cleanups.push(other.remove);
    const otherStore = await openStore(join(other.path, 'other.db'));
    const report = await rebuildCheckpoint(otherStore, join(first.dataDir));
    await otherStore.close();
    expect(report).toMatchObject({ events: 0, jobs: 0, runs: 0, file });
    const afterForeign = await nodeOn(dir.path);
    expect(afterForeign.node.http.projections.startedFrom).toBe('scratch');
    await afterForeign.node.stop();

    const store = await openStore(first.config.store);
    const rebuilt = await rebuildCheckpoint(store, first.dataDir);
    await store.close();
    expect(rebuilt).toMatchObject({ jobs: 2, runs: 5 });
    const afterRebuild = await nodeOn(dir.path);
    expect(afterRebuild.node.http.projections.startedFrom).toBe('checkpoint');
    expect((await apiOf(afterRebuild.node).json<RunsResponse>('/api/runs?limit=1000')).runs).toHaveLength(5);
  });

  it('are rebuilt by the command `timecloud projections rebuild`', async () => {
    const dir = await tempDir('timecloud-cp-');
    cleanups.push(dir.remove);
    const first = await nodeOn(dir.path);
    await makeHistory(first);
    await first.node.stop();
    await writeFile(join(first.dataDir, CHECKPOINT_FILE), 'garbage');
    const cli = startTsx('src/cli.ts', ['projections', 'rebuild', '--data', first.dataDir]);
    expect(await cli.exited, cli.stderr()).toEqual({ code: 0, signal: null });
    expect(cli.lines[0]).toMatch(new RegExp(`^rebuilt from \\d+ events in \\d+ ms: 2 jobs, 5 runs kept; wrote ${join(first.dataDir, CHECKPOINT_FILE)}$`));
    const after = await nodeOn(dir.path);
    expect(after.node.http.projections.startedFrom).toBe('checkpoint');
  });
});
