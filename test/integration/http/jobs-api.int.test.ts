import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, JobResponse, JobsResponse, RunResponse, RunsResponse, TriggerResponse } from '../../../src/http/api-types.js';
import { eventually } from '../../support/eventually.js';
import { apiOf, errorOf, encodeJob, type Api } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, startTestNode, type TestNode } from '../../support/test-node.js';

let t: TestNode;
let api: Api;
const YEARLY = '0 0 0 1 1 *';

beforeAll(async () => {
  t = await startTestNode();
  api = apiOf(t.node);
  await writeJobPackage(t.jobsDir, 'app', {
    timecloud: { jobs: [job('hello', { script: './bin/hello', schedule: YEARLY, maintainer: ['ann', 'bo'] })] },
    executables: { 'bin/hello': '#!/bin/sh\necho "hello from $TIMECLOUD_RUN_ID"\necho "a note" >&2\n' },
  });
  await writeJobPackage(t.jobsDir, 'broken', { timecloud: '{ "jobs": [ not json' });
  await writeJobPackage(t.jobsDir, 'half', { timecloud: { jobs: [job('bad', { timeout: 'soon' })] } });
  await eventually(async () => (await api.json<JobsResponse>('/api/jobs')).jobs.length === 1 && (await api.json<JobsResponse>('/api/jobs')).problems.length === 2);
});
afterAll(() => t?.cleanup());

describe('the jobs API', () => {
  it('lists jobs with their schedule, maintainers, state and next fire times, and the files it could not read', async () => {
    const { jobs, problems } = await api.json<JobsResponse>('/api/jobs');
    expect(jobs[0]).toMatchObject({
      id: 'app/hello',
      package: 'app',
      name: 'hello',
      schedule: YEARLY,
      cronDialect: 'croner',
      maintainers: ['ann', 'bo'],
      enabled: true,
      removed: false,
      status: 'idle',
      runningRuns: 0,
      queuedRuns: 0,
      consecutiveFailures: 0,
      file: `${t.jobsDir}/app/timecloud.json`,
    });
    expect(jobs[0]!.nextFires).toHaveLength(3);
    expect(jobs[0]!.nextFires[0]!.at).toMatch(/-01-01T/);
    expect(Date.parse(jobs[0]!.nextFires[0]!.at)).toBeGreaterThan(Date.now());
    expect(problems.map((p) => p.file).sort()).toEqual([`${t.jobsDir}/broken/timecloud.json`, `${t.jobsDir}/half/timecloud.json`]);
    expect(problems.find((p) => p.jobId === 'half/bad')?.message).toMatch(/timeout/);
  });

  it('shows one job with its definition, ten fire times and statistics', async () => {
    const { job: detail } = await api.json<JobResponse>(`/api/jobs/${encodeJob('app/hello')}`);
    expect(detail.spec).toMatchObject({ id: 'app/hello', script: './bin/hello', timeout: 5000 });
    expect(detail.nextFires).toHaveLength(10);
    expect(detail.stats).toMatchObject({ runs: expect.any(Number), succeeded: expect.any(Number), failed: 0 });
  });

  it('answers 404 for an unknown job and 400 for what is not a job id or an unknown parameter', async () => {
    const unknown = await api.fetch(`/api/jobs/${encodeJob('app/nope')}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no job "app/nope"' } } satisfies ApiError);
    const bad = await api.fetch('/api/jobs/no-slash');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad))).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/^job id: expected a job id/) });
    const unencoded = await api.fetch('/api/jobs/app/hello');
    expect(unencoded.status).toBe(404);
    expect((await errorOf(unencoded)).message).toMatch(/%2F/);
    const param = await api.fetch('/api/jobs?limt=3');
    expect(param.status).toBe(400);
    expect((await errorOf(param)).message).toBe('unknown query parameter "limt" — this route takes none');
    const trigger = await api.post(`/api/jobs/${encodeJob('app/nope')}/trigger`);
    expect(trigger.status).toBe(404);
    const method = await api.fetch(`/api/jobs/${encodeJob('app/hello')}/trigger`);
    expect(method.status).toBe(405);
    expect((await errorOf(method)).code).toBe('METHOD_NOT_ALLOWED');
  });

  it('triggers a run that then shows in /api/runs, with its events and its log', async () => {
    const response = await api.post(`/api/jobs/${encodeJob('app/hello')}/trigger`);
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as TriggerResponse;
    const run = await eventually(async () => {
      const { runs } = await api.json<RunsResponse>(`/api/runs?job=${encodeJob('app/hello')}`);
      return runs.find((r) => r.runId === runId && r.status === 'succeeded');
    }, { message: 'the triggered run to succeed' });
    expect(run).toMatchObject({ jobId: 'app/hello', reason: 'manual', by: 'api', attempt: 1, exitCode: 0, rootRunId: runId });
    const detail = await api.json<RunResponse>(`/api/runs/${runId}`);
    expect(detail.events.map((e) => e.type)).toEqual(['RunScheduled', 'RunStarted', 'RunSucceeded']);
    expect(detail.attempts.map((a) => a.runId)).toEqual([runId]);
    const log = await eventually(async () => {
      const text = await (await api.fetch(`/api/runs/${runId}/log`)).text();
      return text.includes('a note') && text;
    });
    expect(log).toBe(`hello from ${runId}\na note\n`);
    const { job: after } = await api.json<JobResponse>(`/api/jobs/${encodeJob('app/hello')}`);
    expect(after.lastRun?.runId).toBe(runId);
    expect(after.recentRuns[0]?.runId).toBe(runId);
  });

  it('disables and enables a job; the job shows it and the trail records who did', async () => {
    const disable = await api.post(`/api/jobs/${encodeJob('app/hello')}/disable`);
    expect(disable.status).toBe(204);
    const disabled = await eventually(async () => {
      const { job: j } = await api.json<JobResponse>(`/api/jobs/${encodeJob('app/hello')}`);
      return !j.enabled && j;
    });
    expect(disabled).toMatchObject({ status: 'disabled', nextFires: [] });
    expect((await api.post(`/api/jobs/${encodeJob('app/hello')}/enable`)).status).toBe(204);
    await eventually(async () => (await api.json<JobResponse>(`/api/jobs/${encodeJob('app/hello')}`)).job.enabled);
    const events = (await jobEvents(t.node.store, 'app/hello')).slice(-2);
    expect(events.map((e) => [e.type, (e.data as { by?: string }).by])).toEqual([
      ['JobDisabled', 'api'],
      ['JobEnabled', 'api'],
    ]);
  });
});
