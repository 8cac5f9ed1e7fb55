/**
 * A real node whose idle job actors stop after 300 ms: jobs keep firing on time with exactly one
 * attempt per tick, and an idle job still answers the API (trigger, disable, enable) and its
 * edits, each through a new actor. `timecloud_job_actors` shows how many jobs have one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TriggerResponse } from '../../../src/http/api-types.js';
import { eventually } from '../../support/eventually.js';
import { apiOf, encodeJob, type Api } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, jobEventTypes, startTestNode, type TestNode } from '../../support/test-node.js';

const YEARLY = '0 0 0 1 1 *';
let t: TestNode;
let api: Api;

async function gauge(name: string): Promise<number> {
  const text = await (await api.fetch('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

beforeAll(async () => {
  t = await startTestNode({ slots: 2, node: { idleActorMs: 300 } });
  api = apiOf(t.node);
  await writeJobPackage(t.jobsDir, 'app', {
    timecloud: { jobs: [job('tick', { schedule: '*/2 * * * * *', retries: 0 }), job('idle', { schedule: YEARLY })] },
  });
  await eventually(async () => (await t.node.jobIds()).length === 2, { message: 'both jobs registered' });
});
afterAll(async () => t.cleanup());

it('stops the actors of idle jobs and keeps firing the others exactly once per tick', async () => {
  await eventually(async () => (await gauge('timecloud_job_actors')) === 0, { message: 'both actors stopped between runs', timeout: 20_000 });
  expect(await gauge('timecloud_jobs')).toBe(2);
  await eventually(async () => (await jobEventTypes(t.node.store, 'app/tick')).filter((type) => type === 'RunSucceeded').length >= 4, {
    message: 'four runs of the two-second job',
    timeout: 30_000,
  });
  const events = await jobEvents(t.node.store, 'app/tick');
  const scheduled = events.filter((event) => event.type === 'RunScheduled').map((event) => event.data as { runId: string; scheduledFor: string });
  const ticks = scheduled.map((run) => run.scheduledFor);
  expect(new Set(ticks).size).toBe(ticks.length); // no tick decided twice
  for (let i = 1; i < ticks.length; i++) expect(Date.parse(ticks[i]!) - Date.parse(ticks[i - 1]!)).toBe(2000); // none missed
  const finished = scheduled.slice(0, -1); // the last may still run
  for (const { runId } of finished) {
    const ofRun = events.filter((event) => (event.data as { runId?: string }).runId === runId).map((event) => event.type);
    expect(ofRun.filter((type) => type === 'RunStarted')).toHaveLength(1);
    expect(ofRun.filter((type) => type === 'RunSucceeded')).toHaveLength(1);
  }
});

it('an idle job answers the API and picks up its edits', async () => {
  await eventually(async () => (await gauge('timecloud_job_actors')) === 0, { message: 'the actors stopped', timeout: 20_000 });
  const id = encodeJob('app/idle');
  const response = await api.post(`/api/jobs/${id}/trigger`);
  expect(response.status).toBe(202);
  const { runId } = (await response.json()) as TriggerResponse;
  await eventually(async () => (await jobEvents(t.node.store, 'app/idle')).some((e) => e.type === 'RunSucceeded' && (e.data as { runId: string }).runId === runId), {
    message: 'the triggered run of the idle job to succeed',
  });

  await eventually(async () => (await gauge('timecloud_job_actors')) === 0, { message: 'the actors stopped again', timeout: 20_000 });
  expect((await api.post(`/api/jobs/${id}/disable`)).status).toBe(204);
  await eventually(async () => (await gauge('timecloud_job_actors')) === 0, { message: 'and again', timeout: 20_000 });
  expect((await api.post(`/api/jobs/${id}/enable`)).status).toBe(204);

  await eventually(async () => (await gauge('timecloud_job_actors')) === 0, { message: 'and once more', timeout: 20_000 });
  await writeJobPackage(t.jobsDir, 'app', {
    timecloud: { jobs: [job('tick', { schedule: '*/2 * * * * *', retries: 0 }), job('idle', { schedule: YEARLY, timeout: 7000 })] },
  });
  await eventually(async () => (await jobEventTypes(t.node.store, 'app/idle')).includes('JobUpdated'), { message: 'the edit recorded' });
  const types = await jobEventTypes(t.node.store, 'app/idle');
  expect(types.filter((type) => type === 'JobDisabled')).toHaveLength(1);
  expect(types.filter((type) => type === 'JobEnabled')).toHaveLength(1);
  expect((await t.node.inspectJob('app/idle')).state.spec?.timeout).toBe(7000);
});
