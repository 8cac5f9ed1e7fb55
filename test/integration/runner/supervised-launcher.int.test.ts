/**
 * The node's launcher is started again when it dies: the runs it had are taken down from the
 * node, new runs wait for the new launcher, and the fence the lease set carries over to it.
 */
import { afterEach, expect, it } from 'vitest';
import { RunnerStoppedError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { groupAlive } from '../../../src/runner/process-group.js';
import { startSupervisedLauncher, type SupervisedLauncher } from '../../../src/runner/runner.js';
import { eventually } from '../../support/eventually.js';
import { GroupTracker, processGone, recorder, runRequest } from '../../support/runner-fixtures.js';

const groups = new GroupTracker();
let runner: SupervisedLauncher | undefined;
afterEach(async () => {
  await runner?.close();
  groups.expectAllGone();
});

it('replaces a launcher that dies: its run is taken down, the next run starts on a new launcher', async () => {
  const restarts: number[] = [];
  runner = await startSupervisedLauncher({ log: silentLogger(), orphanGraceMs: 500, onRestart: (info) => restarts.push(info.launcherPid) });
  const first = runner.launcherPid!;
  const log = recorder();
  const running = groups.track(await runner.prepare(runRequest('./sleeper.sh'), log));
  running.start();
  await eventually(() => log.stdout().includes('sleeping'));

  process.kill(first, 'SIGKILL');
  // Asked for at once: it waits for the new launcher rather than failing.
  const next = runner.prepare(runRequest('./success.sh'), recorder());
  expect(await running.outcome).toMatchObject({ result: 'aborted', reason: 'launcher' });
  expect(groupAlive(running.pid)).toBe(false);
  const run = groups.track(await next);
  run.start();
  expect(await run.outcome).toMatchObject({ result: 'succeeded' });

  expect(restarts).toHaveLength(1);
  expect(runner.launcherPid).toBe(restarts[0]);
  expect(runner.launcherPid).not.toBe(first);
  expect(processGone(first)).toBe(true);
});

it('hands the fence to the new launcher: a restart never unfences the node', async () => {
  runner = await startSupervisedLauncher({ log: silentLogger() });
  runner.fenceAt(new Date(Date.now() + 200));
  await eventually(async () => {
    await expect(runner!.prepare(runRequest('./success.sh'), recorder())).rejects.toThrow(RunnerStoppedError);
    return true;
  });
  const first = runner.launcherPid!;
  process.kill(first, 'SIGKILL');
  await eventually(() => runner!.launcherPid !== undefined && runner!.launcherPid !== first, { message: 'a new launcher' });
  await expect(runner.prepare(runRequest('./success.sh'), recorder())).rejects.toThrow(RunnerStoppedError);

  runner.fenceAt(new Date(Date.now() + 60_000)); // renewed: runs again
  const run = groups.track(await runner.prepare(runRequest('./success.sh'), recorder()));
  run.start();
  expect(await run.outcome).toMatchObject({ result: 'succeeded' });
});

it('once closed, refuses runs as stopped and leaves no launcher behind', async () => {
  runner = await startSupervisedLauncher({ log: silentLogger() });
  const pid = runner.launcherPid!;
  await runner.close();
  await expect(runner.prepare(runRequest('./success.sh'), recorder())).rejects.toThrow(RunnerStoppedError);
  await eventually(() => processGone(pid), { message: 'the launcher to exit' });
  expect(runner.launcherPid).toBe(pid); // closed on purpose: not replaced
});
