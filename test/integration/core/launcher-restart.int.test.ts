/**
 * A node whose launcher dies (killed by an operator or the OOM killer) keeps running its jobs on
 * a new launcher: no run fails "could not start", and the restart is counted in the metrics.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { apiOf } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, startTestNode, type TestNode } from '../../support/test-node.js';

/** The launcher processes this test process forked (each node starts one). */
function launcherPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (ppid !== process.pid || state === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('/runner/launcher.')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function succeeded(events: { type: string }[]): number {
  return events.filter((e) => e.type === 'RunSucceeded').length;
}

let test: TestNode | undefined;
afterEach(() => test?.cleanup());

it('keeps running its jobs on a new launcher after its launcher is killed, and retries the run it took down', async () => {
  test = await startTestNode();
  const { node } = test;
  await writeJobPackage(test.jobsDir, 'app', {
    timecloud: {
      jobs: [
        job('tick', { schedule: '* * * * * *' }),
        // Long on its first attempt only: the retry ends at once.
        job('slow', { schedule: '0 0 0 1 1 *', script: 'if [ "$TIMECLOUD_ATTEMPT" = 1 ]; then sleep 60; fi', timeout: 120_000, grace: 500, retries: 1, retryDelay: 100 }),
      ],
    },
  });
  await eventually(async () => succeeded(await jobEvents(node.store, 'app/tick')) >= 1, { message: 'a run before the kill' });
  await node.trigger('app/slow');
  await eventually(async () => (await jobEvents(node.store, 'app/slow')).some((e) => e.type === 'RunStarted'), { message: 'the slow run started' });
  const [launcher, ...others] = launcherPids();
  expect(launcher).toBeDefined();
  expect(others).toEqual([]);

  process.kill(launcher!, 'SIGKILL');
  const before = succeeded(await jobEvents(node.store, 'app/tick'));
  await eventually(async () => succeeded(await jobEvents(node.store, 'app/tick')) >= before + 2, {
    timeout: 15_000,
    message: 'two runs on the new launcher',
  });
  const pids = launcherPids();
  expect(pids).toHaveLength(1);
  expect(pids[0]).not.toBe(launcher);

  const failures = (await jobEvents(node.store, 'app/tick')).filter((e) => e.type === 'RunFailed');
  expect(failures).toEqual([]);
  const slow = await eventually(async () => {
    const events = await jobEvents(node.store, 'app/slow');
    return succeeded(events) === 1 ? events : undefined;
  }, { timeout: 15_000, message: 'the slow run retried on the new launcher' });
  const aborted = slow.find((e) => e.type === 'RunAborted')?.data as { reason: string; attempt: number } | undefined;
  expect(aborted).toMatchObject({ reason: "the node's launcher process died", attempt: 1 });
  expect(slow.map((e) => e.type)).toContain('RetryScheduled');
  const metrics = await (await apiOf(node).fetch('/metrics')).text();
  expect(metrics).toMatch(/^timecloud_launcher_restarts_total 1$/m);
}, 30_000);
