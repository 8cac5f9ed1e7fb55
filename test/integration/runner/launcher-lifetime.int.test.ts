// The launcher lives exactly as long as its node: a node that dies (SIGKILL) or stops
// renewing its fence (SIGSTOP) takes its runs down with it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../src/errors.js';
import { groupAlive } from '../../../src/runner/process-group.js';
import { startLauncher } from '../../../src/runner/runner.js';
import { eventually } from '../../support/eventually.js';
import { GroupTracker, JOBS_DIR, processGone, recorder, runRequest } from '../../support/runner-fixtures.js';
import { tempDir } from '../../support/temp-dir.js';

const PARENT = fileURLToPath(new URL('../../fixtures/runner/launcher-parent.ts', import.meta.url));

interface Parent {
  process: ChildProcess;
  launcherPid: number;
  pid: number;
}

/** Starts the stand-in node and waits for the ids it prints. */
async function startParent(script: string, graceMs: number, mode = ''): Promise<Parent> {
  const child = spawn(process.execPath, ['--import', 'tsx', PARENT, JOBS_DIR, script, String(graceMs), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    lines.close();
    return { process: child, ...(JSON.parse(line) as { launcherPid: number; pid: number }) };
  }
  throw new Error('launcher-parent.ts printed nothing');
}

describe('launcher lifetime', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const groups = new GroupTracker();
  const parents: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await tempDir('timecloud-launcher-');
  });
  afterAll(async () => {
    await dir?.remove();
  });
  afterEach(() => {
    for (const parent of parents.splice(0)) parent.kill('SIGKILL');
    groups.expectAllGone();
  });

  it('a node killed with SIGKILL takes its runs down: the launcher runs the ladder and exits', async () => {
    const started = join(dir.path, `started-${Date.now()}`);
    const parent = await startParent(`touch '${started}'; ./sleeper.sh`, 2000);
    parents.push(parent.process);
    groups.track(parent);
    await eventually(() => existsSync(started));
    expect(groupAlive(parent.pid)).toBe(true);

    parent.process.kill('SIGKILL');
    await eventually(() => !groupAlive(parent.pid), { message: "the job's process group to be gone" });
    await eventually(() => processGone(parent.launcherPid), { message: 'the launcher to exit' });
  });

  it('after the node dies, a job that ignores SIGUSR2 is SIGKILLed with its grandchild once the grace has passed', async () => {
    const pidsFile = join(dir.path, `pids-${Date.now()}`);
    const parent = await startParent(`./ignore-usr2.sh '${pidsFile}'`, 800);
    parents.push(parent.process);
    groups.track(parent);
    const pids = await eventually(() => {
      const found = existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number) : [];
      return found.length === 2 && found;
    });

    parent.process.kill('SIGKILL');
    await eventually(() => !groupAlive(parent.pid), { message: "the job's process group to be gone" });
    expect(pids.filter((pid) => !processGone(pid))).toEqual([]);
    await eventually(() => processGone(parent.launcherPid), { message: 'the launcher to exit' });
  });

  it('a node paused by SIGSTOP stops renewing its fence: the launcher aborts its runs by itself', async () => {
    const started = join(dir.path, `started-${Date.now()}`);
    const parent = await startParent(`touch '${started}'; ./sleeper.sh`, 2000, 'renew');
    parents.push(parent.process);
    groups.track(parent);
    await eventually(() => existsSync(started));

    parent.process.kill('SIGSTOP');
    await eventually(() => !groupAlive(parent.pid), { message: "the job's process group to be gone" });
    // Fencing is not death: the launcher waits for its node.
    expect(processGone(parent.launcherPid)).toBe(false);

    parent.process.kill('SIGKILL');
    await eventually(() => processGone(parent.launcherPid), { message: 'the launcher to exit' });
  });

  it('if the launcher itself dies, the node takes its runs down with the ladder and refuses new ones', async () => {
    const exits: unknown[] = [];
    const runner = await startLauncher({ orphanGraceMs: 500, onExit: (info) => exits.push(info) });
    const log = recorder();
    const run = groups.track(await runner.prepare(runRequest('./sleeper.sh'), log));
    run.start();
    await eventually(() => log.stdout().includes('sleeping'));

    process.kill(runner.launcherPid, 'SIGKILL');
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({ result: 'aborted', reason: 'launcher', killed: false });
    expect(groupAlive(run.pid)).toBe(false);
    expect(log.signals.map((s) => [s.signal, s.reason])).toEqual([['SIGUSR2', 'launcher']]);
    expect(exits).toEqual([{ code: null, signal: 'SIGKILL' }]);
    await expect(runner.prepare(runRequest('./success.sh'), recorder())).rejects.toThrow(UnavailableError);
    await runner.close();
  });
});
