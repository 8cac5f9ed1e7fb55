// A job that prints 100 MiB: the log is capped, what was dropped is counted exactly, and
// neither this process nor the launcher grows with the output.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LauncherRunner, startLauncher } from '../../../src/runner/runner.js';
import { GroupTracker, recorder, runRequest } from '../../support/runner-fixtures.js';

const MiB = 1024 * 1024;
const TOTAL = 100 * MiB;
const LINES = TOTAL / 100;
const STDERR_LINE = `flood done: ${TOTAL} bytes\n`;

function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

describe('launcher: a job that floods its output', () => {
  let runner: LauncherRunner;
  const groups = new GroupTracker();

  beforeAll(async () => {
    runner = await startLauncher();
  });
  afterAll(async () => {
    await runner?.close();
    groups.expectAllGone();
  });

  it('forwards whole lines up to the cap, counts the rest, and keeps both processes flat', async () => {
    // Warm both sides up with a small run first, so the baselines include the code paths.
    const warm = groups.track(await runner.prepare(runRequest('./success.sh'), recorder()));
    warm.start();
    await warm.outcome;
    const baseline = { node: process.memoryUsage.rss(), launcher: rssOf(runner.launcherPid) };
    const peak = { ...baseline };
    const sample = setInterval(() => {
      peak.node = Math.max(peak.node, process.memoryUsage.rss());
      peak.launcher = Math.max(peak.launcher, rssOf(runner.launcherPid));
    }, 20);

    const log = recorder();
    const run = groups.track(await runner.prepare(runRequest('node ./flood.mjs', { logLimitBytes: MiB }), log));
    run.start();
    const outcome = await run.outcome;
    clearInterval(sample);

    const keptLines = Math.floor(MiB / 100);
    expect(outcome).toMatchObject({
      result: 'succeeded',
      loggedBytes: keptLines * 100,
      droppedBytes: TOTAL - keptLines * 100 + STDERR_LINE.length,
      droppedLines: LINES - keptLines + 1,
      stderrTail: STDERR_LINE,
    });
    expect(log.lines).toHaveLength(keptLines);
    expect(log.lines.every((line) => line.stream === 'stdout' && line.text === 'x'.repeat(99))).toBe(true);
    // Batches, not a message per line.
    expect(log.batches).toBeLessThan(keptLines / 50);

    const growth = { node: peak.node - baseline.node, launcher: peak.launcher - baseline.launcher };
    console.log(`flood: RSS growth node ${(growth.node / MiB).toFixed(1)} MiB, launcher ${(growth.launcher / MiB).toFixed(1)} MiB`);
    expect(growth.node).toBeLessThan(64 * MiB);
    expect(growth.launcher).toBeLessThan(64 * MiB);
  });
});
