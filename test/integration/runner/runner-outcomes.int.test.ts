// Each job fixture, run as a real process group through the launcher and through the
// in-process runner, ends with the outcome and the signals it should.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStat } from '../../../src/runner/process-group.js';
import { createLocalRunner, type Runner, startLauncher } from '../../../src/runner/runner.js';
import { eventually } from '../../support/eventually.js';
import { GroupTracker, recorder, runRequest } from '../../support/runner-fixtures.js';
import { tempDir } from '../../support/temp-dir.js';

const runners: Array<[string, () => Promise<Runner>]> = [
  ['launcher', () => startLauncher()],
  ['in-process', async () => createLocalRunner()],
];

function isGone(pid: number): boolean {
  const stat = readStat(pid);
  return stat === undefined || stat.state === 'Z' || stat.state === 'X';
}

describe.each(runners)('%s runner: job outcomes', (_kind, makeRunner) => {
  let runner: Runner;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const groups = new GroupTracker();

  beforeAll(async () => {
    runner = await makeRunner();
    dir = await tempDir('timecloud-runner-');
  });
  afterAll(async () => {
    await runner?.close();
    await dir?.remove();
  });
  afterEach(() => groups.expectAllGone());

  it('success.sh succeeds with its lines on both streams and sees end of input on stdin', async () => {
    const log = recorder();
    const run = groups.track(await runner.prepare(runRequest('./success.sh', { jobId: 'fixtures/success' }), log));
    run.start();
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({ result: 'succeeded', exitCode: 0, droppedBytes: 0, droppedLines: 0 });
    expect(log.stdout()).toEqual(['hello from fixtures/success']);
    expect(log.lines.filter((line) => line.stream === 'stderr')).toEqual([{ stream: 'stderr', text: 'a note on stderr' }]);
    expect(outcome.loggedBytes).toBe('hello from fixtures/success\n'.length + 'a note on stderr\n'.length);
    expect(outcome.stderrTail).toBe('a note on stderr\n');
    expect(log.signals).toEqual([]);
  });

  it('fail.sh fails with exit code 1 and keeps the tail of its stderr', async () => {
    const log = recorder();
    const run = groups.track(await runner.prepare(runRequest('./fail.sh'), log));
    run.start();
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({ result: 'failed', exitCode: 1, signal: null });
    expect(outcome.stderrTail).toBe('could not reach the database\n');
    expect(log.stdout()).toEqual(['connecting']);
    expect(log.signals).toEqual([]);
  });

  it('sleeper.sh times out: SIGUSR2 to the group ends it within the grace', async () => {
    const log = recorder();
    const run = groups.track(await runner.prepare(runRequest('./sleeper.sh', { timeoutMs: 500, graceMs: 10_000 }), log));
    run.start();
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({ result: 'timed_out', killed: false, exitCode: null, signal: 'SIGUSR2' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(500);
    expect(outcome.durationMs).toBeLessThan(10_000);
    expect(log.signals.map((s) => [s.signal, s.reason])).toEqual([['SIGUSR2', 'timeout']]);
    expect(log.stdout()).toEqual(['sleeping']);
  });

  it('trap-usr2.sh cleans up after a timeout: the run lasts until it is done and is timed out, not killed', async () => {
    const marker = join(dir.path, `cleaned-${Date.now()}`);
    const log = recorder();
    const request = runRequest(`./trap-usr2.sh '${marker}'`, { timeoutMs: 1000, graceMs: 10_000 });
    const run = groups.track(await runner.prepare(request, log));
    run.start();
    const outcome = await run.outcome;
    // Read at once: the outcome must not come before the job has finished cleaning up.
    const cleanedUp = existsSync(marker) ? readFileSync(marker, 'utf8') : 'no marker';

    expect(cleanedUp).toBe('cleaned up\n');
    expect(outcome).toMatchObject({ result: 'timed_out', killed: false, signal: 'SIGUSR2' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1000 + 300);
    expect(log.signals.map((s) => [s.signal, s.reason])).toEqual([['SIGUSR2', 'timeout']]);
  });

  it('ignore-usr2.sh and the grandchild it forked are SIGKILLed once the grace has passed', async () => {
    const pidsFile = join(dir.path, `pids-${Date.now()}`);
    const log = recorder();
    const run = groups.track(await runner.prepare(runRequest(`./ignore-usr2.sh '${pidsFile}'`, { graceMs: 700 }), log));
    run.start();
    const pids = await eventually(() => {
      const found = existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number) : [];
      return found.length === 2 && found;
    });
    run.abort('abort');
    const outcome = await run.outcome;

    expect(outcome).toMatchObject({ result: 'aborted', reason: 'abort', killed: true });
    expect(log.signals.map((s) => [s.signal, s.reason])).toEqual([
      ['SIGUSR2', 'abort'],
      ['SIGKILL', 'abort'],
    ]);
    const [usr2, kill] = log.signals;
    expect(kill!.at.getTime() - usr2!.at.getTime()).toBeGreaterThanOrEqual(700 - 5);
    expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
  });

  it('background-child.sh: the run lasts until the child it left behind has ended', async () => {
    const marker = join(dir.path, `background-${Date.now()}`);
    const run = groups.track(await runner.prepare(runRequest(`./background-child.sh 1 '${marker}'`), recorder()));
    run.start();
    const outcome = await run.outcome;
    const childDone = existsSync(marker);

    expect(childDone).toBe(true);
    expect(outcome).toMatchObject({ result: 'succeeded', exitCode: 0 });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1000);
  });

  it('a background child that outlives the timeout is ended by the ladder, not orphaned', async () => {
    const marker = join(dir.path, `background-${Date.now()}`);
    const log = recorder();
    const request = runRequest(`./background-child.sh 300 '${marker}'`, { timeoutMs: 700, graceMs: 5000 });
    const run = groups.track(await runner.prepare(request, log));
    run.start();
    const outcome = await run.outcome;

    // The shell had exited 0 long before: the run is still timed out, because its group was not gone.
    expect(outcome).toMatchObject({ result: 'timed_out', killed: false, exitCode: 0, signal: null });
    expect(log.signals.map((s) => [s.signal, s.reason])).toEqual([['SIGUSR2', 'timeout']]);
    expect(existsSync(marker)).toBe(false);
  });
});
