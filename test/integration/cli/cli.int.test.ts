/**
 * The `timecloud` command as users run it: a real process, its output and exit code.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, startTestNode, type TestNode } from '../../support/test-node.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

async function timecloud(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('timecloud validate', () => {
  it('accepts the bundled examples and prints each job with its next fire times', async () => {
    const result = await timecloud('validate', 'examples');
    expect(result.code).toBe(0);
    for (const id of ['demo-app/npm', 'demo-app/start', 'demo-app/update', 'flaky-report/report', 'slow-sync/sync']) {
      expect(result.stdout).toContain(id);
    }
    expect(result.stdout).toMatch(/OK: 5 valid jobs/);
    expect(result.stdout.match(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g)?.length).toBeGreaterThanOrEqual(25);
  });

  it('exits 1 and names the file, job and field of every problem', async () => {
    const node = await startTestNode();
    try {
      await writeJobPackage(node.jobsDir, 'broken', {
        timecloud: { jobs: [job('ok'), job('late', { schedule: '0 0 25 * * *' }), job('zone', { timezone: 'Nowhere/City' })] },
      });
      const result = await timecloud('validate', join(node.jobsDir, 'broken'));
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('broken/timecloud.json');
      expect(result.stdout).toMatch(/error\s+jobs\[1\]\.schedule \(job "late"\): .*hour: 25/);
      expect(result.stdout).toMatch(/error\s+jobs\[2\]\.timezone \(job "zone"\): unknown timezone "Nowhere\/City"/);
      expect(result.stdout).toContain('broken/ok');
    } finally {
      await node.cleanup();
    }
  });
});

describe('timecloud history and status', () => {
  let node: TestNode;
  let runId: string;
  let brokenRunId: string;
  const nextNewYear = `${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`;

  beforeAll(async () => {
    node = await startTestNode();
    await writeJobPackage(node.jobsDir, 'app', {
      timecloud: {
        jobs: [
          job('once', { schedule: '0 0 0 1 1 *', timezone: 'UTC', script: 'echo hi' }),
          job('broken', { schedule: '0 0 0 1 1 *', timezone: 'UTC', script: 'exit 3', retries: 0 }),
        ],
      },
    });
    await eventually(async () => (await node.node.jobIds()).includes('app/broken'));
    ({ runId } = await node.node.trigger('app/once', 'cli-test'));
    ({ runId: brokenRunId } = await node.node.trigger('app/broken', 'cli-test'));
    await eventually(async () => (await jobEvents(node.node.store, 'app/once')).some((e) => e.type === 'RunSucceeded'));
    await eventually(async () => (await jobEvents(node.node.store, 'app/broken')).some((e) => e.type === 'RunFailed'));
  });
  afterAll(async () => node.cleanup());

  it('prints the trail as JSON lines with decimal revisions and positions', async () => {
    const result = await timecloud('history', '--data', node.dataDir, '--json', '--job', 'app/once');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['JobRegistered', 'RunScheduled', 'RunStarted', 'RunSucceeded']);
    for (const [index, line] of lines.entries()) {
      expect(line).toMatchObject({ stream: 'job-app/once', revision: String(index), position: expect.stringMatching(/^\d+$/) });
      expect(Date.parse(line.created as string)).not.toBeNaN();
    }
  });

  it('prints one run readably, and its output with --logs', async () => {
    const result = await timecloud('history', '--data', node.dataDir, '--run', runId, '--logs');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/RunScheduled .*reason=manual .*by=cli-test/);
    expect(result.stdout).toMatch(/RunSucceeded/);
    expect(result.stdout).toMatch(/runlog-.*LogChunk/);
    expect(result.stdout).not.toMatch(/JobRegistered/);
  });

  it('prints the leader and the jobs', async () => {
    const result = await timecloud('status', '--data', node.dataDir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`leader: ${node.node.nodeId} \\(epoch 1, lease held`));
    expect(result.stdout).toMatch(/jobs: 2\n\s+app\/once\s+enabled/);
  });

  it('prints when each job fires next and how its last run ended', async () => {
    const result = await timecloud('status', '--data', node.dataDir);
    expect(result.code).toBe(0);
    const block = (jobId: string) => result.stdout.slice(result.stdout.indexOf(`  ${jobId} `)).split(/\n {2}(?=\S)/)[0]!;
    expect(block('app/once')).toMatch(new RegExp(`0 0 0 1 1 \\* \\(UTC\\)\\s+next ${nextNewYear}`));
    expect(block('app/once')).toMatch(new RegExp(`last RunSucceeded at \\S+\\s+run=${runId.slice(0, 8)} attempt=1 ms=\\d+`));
    expect(block('app/broken')).toMatch(new RegExp(`last RunFailed at \\S+\\s+run=${brokenRunId.slice(0, 8)} attempt=1 exit=3 ms=\\d+`));
  });

  it('gives the same report as JSON', async () => {
    const result = await timecloud('status', '--data', node.dataDir, '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { leader: { nodeId: string }; jobs: Array<Record<string, unknown>> };
    expect(report.leader).toMatchObject({ nodeId: node.node.nodeId, lease: 'held' });
    expect(report.jobs).toEqual([
      expect.objectContaining({ jobId: 'app/once', status: 'enabled', next: nextNewYear, last: expect.objectContaining({ type: 'RunSucceeded', runId }) }),
      expect.objectContaining({
        jobId: 'app/broken',
        next: nextNewYear,
        last: expect.objectContaining({ type: 'RunFailed', runId: brokenRunId, attempt: 1 }),
        runs: [],
        retries: [],
      }),
    ]);
  });
});

describe('bad input', () => {
  it('names an unknown store URL and the accepted forms', async () => {
    const result = await timecloud('history', '--store', 'mongodb://localhost/timecloud');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--store: unsupported store URL scheme "mongodb:\/\/" — expected a file path or a kurrentdb:\/\//);
  });

  it('names a bad setting and where it came from', async () => {
    const result = await timecloud('start', '--slots', 'many', '--jobs', 'examples', '--data', '/tmp/never-created');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--slots.*positive integer.*"many"/);
  });
});
