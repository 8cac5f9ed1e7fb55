// Held start and cancel, abort, self-fencing and shutdown, through the launcher process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunnerStoppedError, ValidationError } from '../../../src/errors.js';
import { groupAlive, readStat } from '../../../src/runner/process-group.js';
import { type LauncherRunner, type RunOutcome, startLauncher } from '../../../src/runner/runner.js';
import { eventually } from '../../support/eventually.js';
import { GroupTracker, recorder, runRequest } from '../../support/runner-fixtures.js';
import { tempDir } from '../../support/temp-dir.js';

function children(pid: number): string {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
}

describe('launcher: held start, cancel, abort, fencing, shutdown', () => {
  let runner: LauncherRunner;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const groups = new GroupTracker();

  beforeAll(async () => {
    runner = await startLauncher();
    dir = await tempDir('timecloud-runner-');
  });
  afterAll(async () => {
    await runner?.close();
    await dir?.remove();
  });
  afterEach(() => {
    runner.fenceAt(null);
    groups.expectAllGone();
  });

  it('holds a prepared run until start(): the script has not begun, then it does', async () => {
    const marker = join(dir.path, `ran-${Date.now()}`);
    const run = groups.track(await runner.prepare(runRequest(`touch '${marker}'`), recorder()));

    // Held: the shell sleeps in `read` and has forked nothing. Nothing may run meanwhile.
    await eventually(() => readStat(run.pid)?.state === 'S' && children(run.pid) === '');
    await delay(300);
    expect(existsSync(marker)).toBe(false);
    expect(children(run.pid)).toBe('');

    run.start();
    const outcome = await run.outcome;
    expect(outcome.result).toBe('succeeded');
    expect(existsSync(marker)).toBe(true);
  });

  it('a cancelled run never executes its script and its process is gone', async () => {
    const marker = join(dir.path, `ran-${Date.now()}`);
    const run = groups.track(await runner.prepare(runRequest(`touch '${marker}'`), recorder()));
    await run.cancel();
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({ result: 'cancelled', durationMs: 0, loggedBytes: 0 });
    expect(groupAlive(run.pid)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('cancel() after start() is refused: a started run is aborted instead', async () => {
    const run = groups.track(await runner.prepare(runRequest('./sleeper.sh'), recorder()));
    run.start();
    await expect(run.cancel()).rejects.toThrow(/has started: abort it/);
    run.abort('abort');
    expect((await run.outcome).result).toBe('aborted');
  });

  it('abort() runs the ladder on a started run: SIGUSR2, reason abort, not killed', async () => {
    const log = recorder();
    const run = groups.track(await runner.prepare(runRequest('./sleeper.sh'), log));
    run.start();
    await eventually(() => log.stdout().includes('sleeping'));
    run.abort('abort');
    run.abort('shutdown');
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({ result: 'aborted', reason: 'abort', killed: false, signal: 'SIGUSR2' });
    expect(log.signals.map((s) => [s.signal, s.reason])).toEqual([['SIGUSR2', 'abort']]);
  });

  it('rejects a bad request with a ValidationError that names the field', async () => {
    const bad = runRequest('./success.sh', { cwd: join(dir.path, 'no-such-folder') });
    const error = await runner.prepare(bad, recorder()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toBe('cwd');
    expect((error as Error).message).toContain('no-such-folder');
    await expect(runner.prepare(runRequest('./success.sh', { timeoutMs: 0 }), recorder())).rejects.toThrow(/timeoutMs/);
  });

  it('aborts every run with reason fenced once the fence deadline passes unrenewed, and refuses new runs', async () => {
    const started = recorder();
    const held = recorder();
    const running = groups.track(await runner.prepare(runRequest('./sleeper.sh'), started));
    const waiting = groups.track(await runner.prepare(runRequest('./success.sh'), held));
    running.start();
    runner.fenceAt(new Date(Date.now() + 600));
    const [a, b] = await Promise.all([running.outcome, waiting.outcome]);

    expect(a).toMatchObject({ result: 'aborted', reason: 'fenced', killed: false });
    expect(b).toMatchObject({ result: 'aborted', reason: 'fenced', durationMs: 0 });
    expect(started.signals.map((s) => [s.signal, s.reason])).toEqual([['SIGUSR2', 'fenced']]);
    expect(held.lines).toEqual([]);
    // Refused as stopped (not merely unavailable) across the launcher's channel: the run is no failure of its job.
    await expect(runner.prepare(runRequest('./success.sh'), recorder())).rejects.toThrow(RunnerStoppedError);

    runner.fenceAt(new Date(Date.now() + 60_000));
    const again = groups.track(await runner.prepare(runRequest('./success.sh'), recorder()));
    again.start();
    expect((await again.outcome).result).toBe('succeeded');
  });

  it('keeps runs going while the fence is renewed in time', async () => {
    const run = groups.track(await runner.prepare(runRequest('./sleeper.sh'), recorder()));
    let settled: RunOutcome | undefined;
    void run.outcome.then((outcome) => (settled = outcome));
    run.start();
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      runner.fenceAt(new Date(Date.now() + 1000));
      await delay(100);
    }
    expect(settled).toBeUndefined();
    expect(groupAlive(run.pid)).toBe(true);
    runner.fenceAt(null);
    run.abort('abort');
    expect((await run.outcome).result).toBe('aborted');
  });

  it('shutdown() takes every run down with the ladder and resolves once all groups are gone', async () => {
    const pidsFile = join(dir.path, `pids-${Date.now()}`);
    const logs = [recorder(), recorder()];
    const stubborn = groups.track(await runner.prepare(runRequest(`./ignore-usr2.sh '${pidsFile}'`, { graceMs: 500 }), logs[0]!));
    const sleeper = groups.track(await runner.prepare(runRequest('./sleeper.sh'), logs[1]!));
    stubborn.start();
    sleeper.start();
    await eventually(() => existsSync(pidsFile) && readFileSync(pidsFile, 'utf8').trim().split('\n').length === 2);
    let outcomes: RunOutcome[] = [];
    void Promise.all([stubborn.outcome, sleeper.outcome]).then((all) => (outcomes = all));
    await runner.shutdown('shutdown');

    expect(groupAlive(stubborn.pid) || groupAlive(sleeper.pid)).toBe(false);
    await eventually(() => outcomes.length === 2);
    expect(outcomes[0]).toMatchObject({ result: 'aborted', reason: 'shutdown', killed: true });
    expect(outcomes[1]).toMatchObject({ result: 'aborted', reason: 'shutdown', killed: false });
    expect(logs[0]!.signals.map((s) => s.signal)).toEqual(['SIGUSR2', 'SIGKILL']);
  });

  it('a process that left the group (setsid) holding the pipes does not keep the run from ending', async () => {
    const pidFile = join(dir.path, `escapee-${Date.now()}`);
    const script = `setsid sh -c 'echo $$ > "$0"; exec sleep 30' '${pidFile}' & echo started`;
    const run = groups.track(await runner.prepare(runRequest(script), recorder()));
    run.start();
    const outcome = await run.outcome;
    const escapee = await eventually(() => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8').trim()));
    try {
      expect(outcome.result).toBe('succeeded');
      // It is outside the run's group: out of the runner's reach, and no longer its business.
      expect(readStat(escapee)?.pgrp).toBe(escapee);
    } finally {
      process.kill(escapee, 'SIGKILL');
    }
  });
});
