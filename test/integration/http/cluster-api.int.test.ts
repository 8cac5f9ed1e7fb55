import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobsResponse, EventsResponse, NodesResponse, QueueResponse, RunsResponse, TriggerResponse } from '../../../src/http/api-types.js';
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

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

beforeAll(async () => {
  t = await startTestNode({ slots: 1 });
  api = apiOf(t.node);
  await writeJobPackage(t.jobsDir, 'q', {
    timecloud: {
      jobs: [
        job('long', { script: './bin/sleepy', schedule: YEARLY, timeout: 120_000, grace: 1000, retries: 0 }),
        job('next', { script: 'echo done', schedule: YEARLY }),
        job('tick', { script: 'true', schedule: '* * * * * *' }),
      ],
    },
    executables: { 'bin/sleepy': '#!/bin/sh\necho sleeping\nsleep 300\n' },
  });
  await eventually(async () => (await api.json<JobsResponse>('/api/jobs')).jobs.length === 3);
});
afterAll(() => t?.cleanup());

describe('queue, nodes, events and metrics', () => {
  it('shows what runs in which slot and what waits for a slot, and why', async () => {
    await eventually(async () => (await api.json<RunsResponse>(`/api/runs?job=${encodeJob('q/tick')}&status=succeeded`)).runs.length > 0);
    await t.node.disable('q/tick'); // keep the one slot for this test
    await eventually(async () => (await api.json<QueueResponse>('/api/queue')).running.length === 0);
    const long = await trigger('q/long');
    await eventually(async () => (await api.json<QueueResponse>('/api/queue')).running.some((r) => r.runId === long));
    const next = await trigger('q/next');
    const queue = await eventually(async () => {
      const q = await api.json<QueueResponse>('/api/queue');
      return q.waiting.some((w) => w.runId === next && w.reason === 'all 1 slot busy') && q;
    }, { message: 'the second run to wait for the slot' });
    expect(queue).toEqual({
      slots: 1,
      running: [{ runId: long, jobId: 'q/long', slot: 0, nodeId: t.node.nodeId, startedAt: expect.any(String), attempt: 1 }],
      waiting: [{ runId: next, jobId: 'q/next', attempt: 1, position: 1, reason: 'all 1 slot busy', since: expect.any(String) }],
    });
    const metrics = await (await api.fetch('/metrics')).text();
    expect(metric(metrics, 'timecloud_queue_depth')).toBe(1);
    expect(metric(metrics, 'timecloud_busy_slots')).toBe(1);
    expect((await api.post(`/api/runs/${long}/abort`)).status).toBe(202);
    await eventually(async () => {
      const q = await api.json<QueueResponse>('/api/queue');
      return q.running.length === 0 && q.waiting.length === 0;
    }, { message: 'the queue to drain' });
  });

  it('names this node as the leader', async () => {
    const nodes = await api.json<NodesResponse>('/api/nodes');
    expect(nodes.leader).toEqual({ nodeId: t.node.nodeId, epoch: 1, url: api.url, since: expect.any(String) });
    expect(nodes.nodes).toEqual([{ nodeId: t.node.nodeId, url: api.url, role: 'leader', epoch: 1, lastSeen: expect.any(String), self: true }]);
  });

  it('pages through the audit trail forwards and backwards, by stream or prefix', async () => {
    const first = await api.json<EventsResponse>('/api/events?limit=3');
    expect(first.events).toHaveLength(3);
    expect(first.events.map((e) => e.type)).not.toContain('LeaseRenewed');
    expect(first.events.every((e) => !e.stream.startsWith('runlog-') && !e.stream.startsWith('snapshot-'))).toBe(true);
    const second = await api.json<EventsResponse>(`/api/events?limit=3&from=${first.next}`);
    expect(BigInt(second.events[0]!.position)).toBeGreaterThan(BigInt(first.events[2]!.position));
    const stream = await api.json<EventsResponse>(`/api/events?stream=${encodeURIComponent('job-q/next')}&limit=1000`);
    expect(stream.events.map((e) => e.type).slice(0, 2)).toEqual(['JobRegistered', 'RunScheduled']);
    expect(stream.events.every((e) => e.stream === 'job-q/next')).toBe(true);
    expect(stream.next).toBeUndefined();
    const prefix = await api.json<EventsResponse>(`/api/events?stream=${encodeURIComponent('job-q/*')}&limit=1000`);
    expect(new Set(prefix.events.map((e) => e.stream))).toEqual(new Set(['job-q/long', 'job-q/next', 'job-q/tick']));
    const newest = await api.json<EventsResponse>('/api/events?direction=backwards&limit=2');
    expect(BigInt(newest.events[0]!.position)).toBeGreaterThan(BigInt(newest.events[1]!.position));
    const older = await api.json<EventsResponse>(`/api/events?direction=backwards&limit=2&from=${newest.next}`);
    expect(BigInt(older.events[0]!.position)).toBeLessThan(BigInt(newest.events[1]!.position));
    // Renewals come every third of the lease: wait for one rather than assume the test is slow enough.
    const leader = await eventually(async () => {
      const body = await api.json<EventsResponse>('/api/events?stream=leader&limit=1000');
      return body.events.some((e) => e.type === 'LeaseRenewed') ? body : undefined;
    }, { message: 'a lease renewal in the leader stream' });
    expect(leader.events[0]?.type).toBe('LeaseAcquired');
    for (const [query, message] of [
      ['from=-3', /^from: expected an event position/],
      ['direction=up', /^direction: expected "forwards" or "backwards"/],
      ['limit=5000', /^limit: expected an integer from 1 to 1000/],
    ] as const) {
      const response = await api.fetch(`/api/events?${query}`);
      expect(response.status, query).toBe(400);
      expect((await errorOf(response)).message, query).toMatch(message);
    }
  });

  it('exports run results, fire lag, slots, leadership and store latency to Prometheus', async () => {
    const response = await api.fetch('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = await response.text();
    expect(metric(text, 'timecloud_runs_total{result="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'timecloud_runs_total{result="aborted"}')).toBe(1);
    expect(metric(text, 'timecloud_fire_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'timecloud_leader')).toBe(1);
    expect(metric(text, 'timecloud_store_append_seconds_count')).toBeGreaterThan(5);
    expect(metric(text, 'timecloud_busy_slots')).toBe(0);
    expect(text).toContain('timecloud_process_resident_memory_bytes');
  });
});
