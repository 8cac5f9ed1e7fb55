/**
 * How runs end, through a real node: real job processes from test/fixtures/jobs, the SIGUSR2
 * ladder, retries, output capping, abort. Jobs are started by manual triggers so each test
 * controls exactly which runs exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent, RunScheduled } from '../../../src/domain/events.js';
import { eventually } from '../../support/eventually.js';
import { alive } from '../../support/processes.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, runLog, startTestNode, type TestNode } from '../../support/test-node.js';

const fixtures = fileURLToPath(new URL('../../fixtures/jobs/', import.meta.url));
const NEVER = '0 0 0 1 1 *';

let current: TestNode | undefined;
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

async function nodeWithJob(name: string, overrides: Record<string, unknown>, nodeOptions = {}) {
  current = await startTestNode(nodeOptions);
  await writeJobPackage(current.jobsDir, 'fx', { timecloud: { jobs: [job(name, { schedule: NEVER, ...overrides })] } });
  await eventually(async () => (await current!.node.jobIds()).includes(`fx/${name}`));
  return current;
}

const isFinal = (e: JobEvent) => ['RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAborted', 'RunAbandoned'].includes(e.type);

/** Waits for the final event of `runId` and returns that run's events. */
async function finished(jobId: string, runId: string): Promise<JobEvent[]> {
  const store = current!.node.store;
  return eventually(async () => {
    const events = (await jobEvents(store, jobId)).filter((e) => (e.data as { runId?: string }).runId === runId);
    return events.some(isFinal) ? events : undefined;
  }, { timeout: 30_000, message: `the end of run ${runId}` });
}


describe('run outcomes', () => {
  it('a failing job is retried with its attempts, then recorded as failed with its stderr', async () => {
    const { node } = await nodeWithJob('fail', { script: join(fixtures, 'fail.sh'), retries: 2, retryDelay: 100 });
    const { runId } = await node.trigger('fx/fail');
    const events = await eventually(async () => {
      const all = await jobEvents(node.store, 'fx/fail');
      return all.filter((e) => e.type === 'RunFailed').length === 3 ? all : undefined;
    }, { timeout: 30_000, message: 'three failed attempts' });
    const attempts = events.filter((e): e is RunScheduled => e.type === 'RunScheduled');
    expect(attempts.map((e) => [e.data.attempt, e.data.reason, e.data.rootRunId])).toEqual([
      [1, 'manual', runId],
      [2, 'retry', runId],
      [3, 'retry', runId],
    ]);
    const failures = events.filter((e) => e.type === 'RunFailed');
    expect(failures.map((e) => e.data)).toEqual(
      [1, 2, 3].map((attempt) => expect.objectContaining({ attempt, exitCode: 1, stderrTail: expect.stringContaining('could not reach the database') })),
    );
    expect(events.filter((e) => e.type === 'RetryScheduled').map((e) => (e.data as { nextAttempt: number }).nextAttempt)).toEqual([2, 3]);
    // Each retry started only after the previous attempt had ended.
    const order = events.filter((e) => ['RunStarted', 'RunFailed'].includes(e.type)).map((e) => e.type);
    expect(order).toEqual(['RunStarted', 'RunFailed', 'RunStarted', 'RunFailed', 'RunStarted', 'RunFailed']);
  });

  it('a sleeper is stopped at its timeout by SIGUSR2 and recorded as timed out', async () => {
    const { node } = await nodeWithJob('sleep', { script: `${join(fixtures, 'sleeper.sh')} 300`, timeout: 500, retries: 0 });
    const { runId } = await node.trigger('fx/sleep');
    const events = await finished('fx/sleep', runId);
    expect(events.map((e) => e.type)).toEqual(['RunScheduled', 'RunStarted', 'RunSignalled', 'RunTimedOut']);
    expect(events[2]!.data).toMatchObject({ signal: 'SIGUSR2', reason: 'timeout' });
    const timedOut = events[3]!.data as { timeoutMs: number; durationMs: number; killed: boolean };
    expect(timedOut).toMatchObject({ timeoutMs: 500, killed: false });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(500);
  });

  it('a job that traps SIGUSR2 cleans up within the grace; it still counts as timed out', async () => {
    current = await startTestNode();
    const marker = join(current.dataDir, 'cleaned-up');
    await writeJobPackage(current.jobsDir, 'fx', {
      timecloud: { jobs: [job('trap', { schedule: NEVER, script: `${join(fixtures, 'trap-usr2.sh')} ${marker}`, timeout: 500, grace: 5000, retries: 0 })] },
    });
    const { node } = current;
    await eventually(async () => (await node.jobIds()).includes('fx/trap'));
    const { runId } = await node.trigger('fx/trap');
    const events = await finished('fx/trap', runId);
    expect(events.map((e) => e.type)).toEqual(['RunScheduled', 'RunStarted', 'RunSignalled', 'RunTimedOut']);
    expect(events[3]!.data).toMatchObject({ killed: false });
    expect(readFileSync(marker, 'utf8').trim()).toBe('cleaned up');
  });

  it('a job that ignores SIGUSR2 and forks a grandchild is killed after the grace, all of it', async () => {
    current = await startTestNode();
    const pids = join(current.dataDir, 'pids');
    await writeJobPackage(current.jobsDir, 'fx', {
      timecloud: { jobs: [job('stubborn', { schedule: NEVER, script: `${join(fixtures, 'ignore-usr2.sh')} ${pids}`, timeout: 400, grace: 800, retries: 0 })] },
    });
    const { node } = current;
    await eventually(async () => (await node.jobIds()).includes('fx/stubborn'));
    const { runId } = await node.trigger('fx/stubborn');
    await eventually(() => existsSync(pids) && readFileSync(pids, 'utf8').trim().split('\n').length === 2, { message: 'both pids written' });
    const events = await finished('fx/stubborn', runId);
    expect(events.map((e) => (e.type === 'RunSignalled' ? `${e.type}:${e.data.signal}` : e.type))).toEqual([
      'RunScheduled',
      'RunStarted',
      'RunSignalled:SIGUSR2',
      'RunSignalled:SIGKILL',
      'RunTimedOut',
    ]);
    expect(events[4]!.data).toMatchObject({ killed: true });
    const signalled = events.filter((e) => e.type === 'RunSignalled').map((e) => Date.parse((e.data as { at: string }).at));
    expect(signalled[1]! - signalled[0]!).toBeGreaterThanOrEqual(750); // the grace, give or take the clock
    const [own, grandchild] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(alive(own!)).toBe(false);
    expect(alive(grandchild!)).toBe(false);
  });

  it('aborting a running job sends the ladder and records who aborted it, with no retry', async () => {
    const { node } = await nodeWithJob('long', { script: `${join(fixtures, 'sleeper.sh')} 300`, timeout: 60_000, retries: 2 });
    const { runId } = await node.trigger('fx/long');
    await eventually(async () => (await jobEvents(node.store, 'fx/long')).some((e) => e.type === 'RunStarted'));
    await node.abort('fx/long', runId, 'alice');
    const events = await finished('fx/long', runId);
    expect(events.map((e) => e.type)).toEqual(['RunScheduled', 'RunStarted', 'RunSignalled', 'RunAborted']);
    expect(events[2]!.data).toMatchObject({ signal: 'SIGUSR2', reason: 'abort' });
    expect(events[3]!.data).toMatchObject({ by: 'alice', reason: 'aborted on request' });
    expect((await jobEvents(node.store, 'fx/long')).some((e) => e.type === 'RetryScheduled')).toBe(false);
  });

  it('a 100 MB log flood is capped and marked truncated while the node stays small', async () => {
    const cap = 256 * 1024;
    const { node } = await nodeWithJob('flood', { script: `node ${join(fixtures, 'flood.mjs')}`, timeout: 60_000 }, { logLimit: cap });
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const { runId } = await node.trigger('fx/flood');
    const events = await finished('fx/flood', runId);
    clearInterval(sampler);
    expect(events.map((e) => e.type)).toContain('RunSucceeded');
    const truncated = await eventually(async () => {
      for await (const event of node.store.readStream(`runlog-${runId}`, { direction: 'backwards', maxCount: 1 })) {
        return event.type === 'LogTruncated' ? (event.data as { keptBytes: number; droppedBytes: number; droppedLines: number }) : undefined;
      }
      return undefined;
    });
    expect(truncated.keptBytes).toBeLessThanOrEqual(cap);
    expect(truncated.keptBytes + truncated.droppedBytes).toBe(100 * 1024 * 1024 + 'flood done: 104857600 bytes\n'.length);
    expect(Buffer.byteLength(await runLog(node.store, runId))).toBeLessThanOrEqual(cap);
    // The node process (this one) never held the flood: far less than 100 MB extra at any point.
    expect(peak - before).toBeLessThan(60 * 1024 * 1024);
  });
});
