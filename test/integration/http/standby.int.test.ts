import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeConfig } from '../../../src/config/node-config.js';
import type { HealthResponse, JobsResponse, NodesResponse, RunsResponse, TriggerResponse } from '../../../src/http/api-types.js';
import { silentLogger } from '../../../src/log.js';
import { startNode, type TimecloudNode } from '../../../src/main.js';
import { eventually } from '../../support/eventually.js';
import { apiOf, errorOf, encodeJob, WsProbe, type Api } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { startTestNode, type TestNode } from '../../support/test-node.js';

const TOKEN = 'shared-cluster-token-0123456789';
const YEARLY = '0 0 0 1 1 *';
let leader: TestNode;
let standby: TimecloudNode;
let onLeader: Api;
let onStandby: Api;

beforeAll(async () => {
  leader = await startTestNode({ nodeId: 'node-a', node: { token: TOKEN } });
  await writeJobPackage(leader.jobsDir, 'ha', {
    timecloud: { jobs: [job('echo', { script: 'echo hi', schedule: YEARLY }), job('chatty', { script: './bin/chatty', schedule: YEARLY })] },
    executables: { 'bin/chatty': '#!/bin/sh\ni=0\nwhile [ $i -lt 30 ]; do i=$((i+1)); echo "line $i"; sleep 0.1; done\n' },
  });
  await eventually(async () => (await leader.node.jobIds()).length === 2);
  const config = loadNodeConfig({
    flags: { jobs: leader.jobsDir, data: join(leader.dataDir, '..', 'standby'), store: leader.config.store, port: 0, slots: 1, nodeId: 'node-b', leaseTtl: 1500 },
    env: {},
  });
  standby = await startNode({ config, log: silentLogger(), token: TOKEN });
  onLeader = apiOf(leader.node, TOKEN);
  onStandby = apiOf(standby, TOKEN);
});
afterAll(async () => {
  await standby?.stop();
  await leader?.cleanup();
});

describe('a standby node', () => {
  it('serves reads from its own projections and names the leader', async () => {
    const health = await onStandby.json<HealthResponse>('/healthz');
    expect(health).toMatchObject({ nodeId: 'node-b', role: 'standby' });
    await eventually(async () => (await onStandby.json<JobsResponse>('/api/jobs')).jobs.length === 2);
    const nodes = await onStandby.json<NodesResponse>('/api/nodes');
    expect(nodes.leader).toMatchObject({ nodeId: 'node-a', url: onLeader.url });
    expect(nodes.nodes.map((n) => [n.nodeId, n.role, n.self])).toEqual([
      ['node-a', 'leader', false],
      ['node-b', 'standby', true],
    ]);
  });

  it('forwards changes to the leader with the caller\'s token and passes the answer back', async () => {
    const response = await onStandby.post(`/api/jobs/${encodeJob('ha/echo')}/trigger`);
    expect(response.status).toBe(202);
    expect(response.headers.get('x-timecloud-leader')).toBe('node-a');
    const { runId } = (await response.json()) as TriggerResponse;
    await eventually(async () => (await onStandby.json<RunsResponse>('/api/runs')).runs.some((r) => r.runId === runId && r.status === 'succeeded'));
    const disable = await onStandby.post(`/api/jobs/${encodeJob('ha/echo')}/disable`);
    expect(disable.status).toBe(204);
    await eventually(async () => !(await onLeader.json<JobsResponse>('/api/jobs')).jobs.find((j) => j.id === 'ha/echo')!.enabled);
    const wrong = await fetch(`${onStandby.url}/api/jobs/${encodeJob('ha/echo')}/enable`, { method: 'POST', headers: { authorization: 'Bearer not-the-cluster-token' } });
    expect(wrong.status).toBe(401);
  });

  it('follows the stored log of a run the leader executes', async () => {
    const p = new WsProbe(onStandby.url, { token: TOKEN });
    await p.opened;
    const response = await onStandby.post(`/api/jobs/${encodeJob('ha/chatty')}/trigger`);
    const { runId } = (await response.json()) as TriggerResponse;
    p.send({ follow: runId });
    await p.waitFor((m) => m.type === 'log' && m.text === 'line 30', 'the last line through the standby');
    const numbers = p.of('log').map((l) => Number(l.text.replace('line ', '')));
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers[0]! + i));
    await p.close();
  });

  it('does not forward a forwarded request again, and answers 503 with the reason when the leader does not answer', async () => {
    const loop = await onStandby.post(`/api/jobs/${encodeJob('ha/echo')}/enable`, { headers: { 'X-Timecloud-Forwarded-By': 'node-c' } });
    expect(loop.status).toBe(503);
    expect((await errorOf(loop))).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/node node-b is not the leader either/) });
    await leader.node.http.close();
    const down = await onStandby.post(`/api/jobs/${encodeJob('ha/echo')}/enable`);
    expect(down.status).toBe(503);
    expect((await errorOf(down)).message).toMatch(/^the leader node-a at http:\/\/127\.0\.0\.1:\d+ did not answer/);
  });
});
