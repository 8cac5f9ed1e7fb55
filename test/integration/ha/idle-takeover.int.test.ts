/**
 * Two real nodes on one store, both stopping idle job actors after 300 ms. The leader stops
 * cleanly while its jobs have no actors; the standby takes over, and its own idle actors stop
 * in turn. Across both leaders every tick of the two-second job is decided once, every run
 * started once, and the idle job still answers a trigger on the new leader.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadNodeConfig } from '../../../src/config/node-config.js';
import type { TriggerResponse } from '../../../src/http/api-types.js';
import { silentLogger } from '../../../src/log.js';
import { startNode, type TimecloudNode } from '../../../src/main.js';
import { eventually } from '../../support/eventually.js';
import { apiOf, encodeJob, type Api } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEvents, startTestNode, type TestNode } from '../../support/test-node.js';

const TOKEN = 'shared-cluster-token-0123456789';
const IDLE_MS = 300;
let leader: TestNode;
let standby: TimecloudNode;
let onLeader: Api;
let onStandby: Api;

async function jobActors(api: Api): Promise<number> {
  const text = await (await api.fetch('/metrics')).text();
  return Number(text.split('\n').find((line) => line.startsWith('timecloud_job_actors '))?.split(' ')[1] ?? NaN);
}

const succeeded = async (node: TimecloudNode, jobId: string) =>
  (await jobEvents(node.store, jobId)).filter((event) => event.type === 'RunSucceeded').length;

beforeAll(async () => {
  leader = await startTestNode({ nodeId: 'node-a', node: { token: TOKEN, idleActorMs: IDLE_MS } });
  await writeJobPackage(leader.jobsDir, 'ha', {
    timecloud: { jobs: [job('tick', { schedule: '*/2 * * * * *', retries: 0 }), job('idle', { schedule: '0 0 0 1 1 *' })] },
  });
  await eventually(async () => (await leader.node.jobIds()).length === 2);
  const config = loadNodeConfig({
    flags: { jobs: leader.jobsDir, data: join(leader.dataDir, '..', 'standby'), store: leader.config.store, port: 0, slots: 2, nodeId: 'node-b', leaseTtl: 1500 },
    env: {},
  });
  standby = await startNode({ config, log: silentLogger(), token: TOKEN, idleActorMs: IDLE_MS });
  onLeader = apiOf(leader.node, TOKEN);
  onStandby = apiOf(standby, TOKEN);
});
afterAll(async () => {
  await standby?.stop();
  await leader?.cleanup();
});

it('a standby takes over from a leader whose jobs had no actors, and no tick or run is doubled', async () => {
  await eventually(async () => (await succeeded(leader.node, 'ha/tick')) >= 2, { message: 'runs on the first leader', timeout: 30_000 });
  await eventually(async () => (await jobActors(onLeader)) === 0, { message: "the leader's actors stopped" });
  await leader.node.stop();
  await standby.leading();
  const before = await succeeded(standby, 'ha/tick');
  await eventually(async () => (await succeeded(standby, 'ha/tick')) >= before + 2, { message: 'runs on the new leader', timeout: 30_000 });
  await eventually(async () => (await jobActors(onStandby)) === 0, { message: "the new leader's actors stopped" });

  const response = await onStandby.post(`/api/jobs/${encodeJob('ha/idle')}/trigger`);
  expect(response.status).toBe(202);
  const { runId } = (await response.json()) as TriggerResponse;
  await eventually(async () => (await jobEvents(standby.store, 'ha/idle')).some((e) => e.type === 'RunSucceeded' && (e.data as { runId: string }).runId === runId), {
    message: 'the idle job triggered on the new leader',
  });

  const events = await jobEvents(standby.store, 'ha/tick');
  const scheduled = events.filter((event) => event.type === 'RunScheduled').map((event) => event.data as { runId: string; scheduledFor: string });
  const ticks = scheduled.map((run) => run.scheduledFor);
  expect(new Set(ticks).size).toBe(ticks.length);
  for (const { runId } of scheduled.slice(0, -1)) {
    const started = events.filter((event) => event.type === 'RunStarted' && (event.data as { runId: string }).runId === runId);
    expect(started.length).toBeLessThanOrEqual(1);
  }
  const starts = events.filter((event) => event.type === 'RunStarted').map((event) => (event.data as { runId: string }).runId);
  expect(new Set(starts).size).toBe(starts.length);
});
