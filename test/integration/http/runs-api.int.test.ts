import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobsResponse, ApiError, RunResponse, RunsResponse, TriggerResponse } from '../../../src/http/api-types.js';
import { eventually } from '../../support/eventually.js';
import { apiOf, errorOf, encodeJob, type Api } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { startTestNode, type TestNode } from '../../support/test-node.js';

let t: TestNode;
let api: Api;
const YEARLY = '0 0 0 1 1 *';

async function trigger(jobId: string): Promise<string> {
  const response = await api.post(`/api/jobs/${encodeJob(jobId)}/trigger`);
  expect(response.status).toBe(202);
  return ((await response.json()) as TriggerResponse).runId;
}

async function runStatus(runId: string): Promise<string> {
  return (await api.json<RunResponse>(`/api/runs/${runId}`)).run.status;
}

beforeAll(async () => {
  t = await startTestNode({ slots: 4 });
  api = apiOf(t.node);
  await writeJobPackage(t.jobsDir, 'app', {
    timecloud: {
      jobs: [
        job('sleepy', { script: './bin/sleepy', schedule: YEARLY, timeout: 120_000, grace: 2000, retries: 0 }),
        job('flaky', { script: './bin/flaky', schedule: YEARLY, retries: 1, retryDelay: 100 }),
        job('lines', { script: './bin/lines', schedule: YEARLY }),
      ],
    },
    executables: {
      'bin/sleepy': '#!/bin/sh\necho "sleeping"\nsleep 300\n',
      'bin/flaky': '#!/bin/sh\necho "trying"\necho "no database" >&2\nexit 2\n',
      'bin/lines': '#!/bin/sh\nfor i in 1 2 3 4 5; do echo "line $i"; done\n',
    },
  });
  await eventually(async () => (await api.json<JobsResponse>('/api/jobs')).jobs.length === 3);
});
afterAll(() => t?.cleanup());

describe('the runs API', () => {
  it('aborts a long run; a second trigger meanwhile is a conflict; aborting it again is one too', async () => {
    const runId = await trigger('app/sleepy');
    await eventually(async () => (await runStatus(runId)) === 'running', { message: 'the run to start' });
    const again = await api.post(`/api/jobs/${encodeJob('app/sleepy')}/trigger`);
    expect(again.status).toBe(409);
    expect((await errorOf(again))).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already running/) });
    const abort = await api.post(`/api/runs/${runId}/abort`);
    expect(abort.status).toBe(202);
    const run = await eventually(async () => {
      const { run: r } = await api.json<RunResponse>(`/api/runs/${runId}`);
      return r.status === 'aborted' && r;
    }, { message: 'the run to be aborted' });
    expect(run).toMatchObject({ by: 'api', note: 'aborted on request' });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    const twice = await api.post(`/api/runs/${runId}/abort`);
    expect(twice.status).toBe(409);
    expect((await errorOf(twice)).message).toMatch(/is over \(aborted\)/);
  });

  it('shows the attempts of a failing run family and filters and pages runs', async () => {
    const first = await trigger('app/flaky');
    const runs = await eventually(async () => {
      const page = await api.json<RunsResponse>(`/api/runs?job=${encodeJob('app/flaky')}&status=failed`);
      return page.runs.length === 2 && page.runs;
    }, { message: 'both attempts to fail' });
    expect(runs.map((r) => r.attempt)).toEqual([2, 1]);
    expect(runs[1]).toMatchObject({ runId: first, stderrTail: expect.stringContaining('no database'), exitCode: 2, retry: { nextRunId: runs[0]!.runId } });
    const detail = await api.json<RunResponse>(`/api/runs/${runs[0]!.runId}`);
    expect(detail.attempts.map((a) => [a.attempt, a.status, a.reason])).toEqual([
      [1, 'failed', 'manual'],
      [2, 'failed', 'retry'],
    ]);
    expect(detail.run.rootRunId).toBe(first);
    const firstDetail = await api.json<RunResponse>(`/api/runs/${first}`);
    expect(firstDetail.events.map((e) => e.type)).toEqual(['RunScheduled', 'RunStarted', 'RunFailed', 'RetryScheduled']);

    const page1 = await api.json<RunsResponse>('/api/runs?limit=1&status=failed,aborted');
    expect(page1.runs).toHaveLength(1);
    expect(page1.next).toMatch(/^\d+$/);
    const page2 = await api.json<RunsResponse>(`/api/runs?limit=1&status=failed,aborted&before=${page1.next}`);
    expect(page2.runs).toHaveLength(1);
    expect(page2.runs[0]!.runId).not.toBe(page1.runs[0]!.runId);
    const all = await api.json<RunsResponse>('/api/runs?limit=1000');
    expect(all.next).toBeUndefined();
    expect(all.runs.map((r) => r.scheduledAt)).toEqual([...all.runs.map((r) => r.scheduledAt)].sort().reverse());
  });

  it('serves the log as text: all of it, its tail, or as a download', async () => {
    const runId = await trigger('app/lines');
    await eventually(async () => (await (await api.fetch(`/api/runs/${runId}/log`)).text()).includes('line 5'));
    const whole = await api.fetch(`/api/runs/${runId}/log`);
    expect(whole.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(whole.headers.get('content-disposition')).toBeNull();
    expect(await whole.text()).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(await (await api.fetch(`/api/runs/${runId}/log?tail=2`)).text()).toBe('line 4\nline 5\n');
    expect(await (await api.fetch(`/api/runs/${runId}/log?tail=100`)).text()).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    const download = await api.fetch(`/api/runs/${runId}/log?download=1`);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="app_lines-${runId}.log"`);
    expect(await download.text()).toContain('line 1');
  });

  it('answers 400 naming the parameter for bad input, and 404 for unknown runs', async () => {
    const cases: [string, RegExp][] = [
      ['/api/runs?limit=0', /^limit: expected an integer from 1 to 1000, got "0"$/],
      ['/api/runs?limit=1001', /^limit: expected an integer from 1 to 1000/],
      ['/api/runs?limit=ten', /^limit: expected an integer/],
      ['/api/runs?limit=1&limit=2', /^query parameter "limit" is given 2 times/],
      ['/api/runs?status=done', /^status: expected one or more of scheduled, queued, running/],
      ['/api/runs?status=failed,nope', /^status: expected/],
      ['/api/runs?before=-1', /^before: expected the "next" value of an earlier page/],
      ['/api/runs?job=nojob', /^job: expected a job id/],
      ['/api/runs?stauts=failed', /^unknown query parameter "stauts" — did you mean "status"\?$/],
      ['/api/runs/not-a-uuid', /^run id: expected a run id \(a UUID\), got "not-a-uuid"$/],
      ['/api/runs/not-a-uuid/log', /^run id: expected a run id/],
      ['/api/runs/00000000-0000-4000-8000-000000000000/log?tail=0', /^tail: expected a number of lines from 1 to 100000/],
      ['/api/runs/00000000-0000-4000-8000-000000000000/log?download=yes', /^download: expected 1, 0, true or false/],
    ];
    for (const [path, message] of cases) {
      const response = await api.fetch(path);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as ApiError;
      expect(body.error.code, path).toBe('VALIDATION');
      expect(body.error.message, path).toMatch(message);
    }
    const notFound = ['/api/runs/00000000-0000-4000-8000-000000000000', '/api/runs/00000000-0000-4000-8000-000000000000/log', `/api/runs?job=${encodeJob('app/none')}`];
    for (const path of notFound) expect((await api.fetch(path)).status, path).toBe(404);
    expect((await api.post('/api/runs/00000000-0000-4000-8000-000000000000/abort')).status).toBe(404);
  });
});
