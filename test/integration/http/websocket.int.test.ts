import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobsResponse, StoredEventJson, TriggerResponse, WsServerMessage } from '../../../src/http/api-types.js';
import type { NewEvent } from '../../../src/store/event-store.js';
import { PROJECTED_EVENT_TYPES } from '../../../projections/projection.js';
import { eventually } from '../../support/eventually.js';
import { apiOf, encodeJob, WsProbe, type Api } from '../../support/http-client.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { allEvents, startTestNode, type TestNode } from '../../support/test-node.js';

let t: TestNode;
let api: Api;
const YEARLY = '0 0 0 1 1 *';
const MAX_BUFFERED = 64 * 1024;
const probes: WsProbe[] = [];

function probe(): WsProbe {
  const p = new WsProbe(api.url, { token: api.token });
  probes.push(p);
  return p;
}

async function trigger(jobId: string): Promise<string> {
  const response = await api.post(`/api/jobs/${encodeJob(jobId)}/trigger`);
  expect(response.status).toBe(202);
  return ((await response.json()) as TriggerResponse).runId;
}

const eventsOf = (p: WsProbe): StoredEventJson[] => p.of('event').map((m) => m.event);
const isFinalOf = (runId: string) => (m: WsServerMessage) =>
  m.type === 'event' && m.event.type === 'RunSucceeded' && (m.event.data as { runId: string }).runId === runId;

beforeAll(async () => {
  t = await startTestNode({ node: { http: { ws: { maxBufferedBytes: MAX_BUFFERED } } } });
  api = apiOf(t.node);
  await writeJobPackage(t.jobsDir, 'ws', {
    timecloud: {
      jobs: [
        job('a', { script: 'echo a', schedule: YEARLY }),
        job('b', { script: 'echo b', schedule: YEARLY }),
        job('chatty', { script: './bin/chatty', schedule: YEARLY, timeout: 60_000 }),
      ],
    },
    executables: { 'bin/chatty': '#!/bin/sh\ni=0\nwhile [ $i -lt 40 ]; do i=$((i+1)); echo "tick $i"; sleep 0.05; done\necho "bye" >&2\n' },
  });
  // Seen by the projections (and so by the feed), not only by the job actors.
  await eventually(async () => (await api.json<JobsResponse>('/api/jobs')).jobs.length === 3);
});
afterAll(async () => {
  await Promise.all(probes.map((p) => p.close()));
  await t?.cleanup();
});

describe('the WebSocket feed', () => {
  it('says hello, then sends only the events its filter matches', async () => {
    const all = probe();
    const onlyA = probe();
    const finals = probe();
    await Promise.all([all.opened, onlyA.opened, finals.opened]);
    const hello = await onlyA.waitFor((m) => m.type === 'hello', 'hello');
    expect(hello).toEqual({ type: 'hello', nodeId: t.node.nodeId, role: 'leader', position: expect.stringMatching(/^\d+$/) });
    onlyA.send({ filter: { streamPrefixes: ['job-ws/a'] } });
    finals.send({ filter: { eventTypes: ['RunSucceeded'] } });
    await eventually(() => onlyA.of('hello').length === 2 && finals.of('hello').length === 2);
    const runA = await trigger('ws/a');
    const runB = await trigger('ws/b');
    await all.waitFor(isFinalOf(runA), 'run a to succeed');
    await all.waitFor(isFinalOf(runB), 'run b to succeed');
    await onlyA.waitFor(isFinalOf(runA), 'run a on the filtered client');
    await finals.waitFor(isFinalOf(runB), 'run b on the finals client');
    expect(new Set(eventsOf(all).map((e) => e.stream))).toEqual(new Set(['job-ws/a', 'job-ws/b']));
    expect(eventsOf(all).map((e) => e.type)).not.toContain('LeaseRenewed');
    expect(eventsOf(onlyA).every((e) => e.stream === 'job-ws/a')).toBe(true);
    expect(eventsOf(onlyA).map((e) => e.type)).toEqual(['RunScheduled', 'RunStarted', 'RunSucceeded']);
    expect(eventsOf(finals).map((e) => e.type)).toEqual(['RunSucceeded', 'RunSucceeded']);
  });

  it('streams the live log lines of a followed run, in order', async () => {
    const p = probe();
    await p.opened;
    const runId = await trigger('ws/chatty');
    p.send({ follow: runId });
    await p.waitFor((m) => m.type === 'log' && m.text === 'bye', 'the last line of the run');
    const lines = p.of('log');
    expect(lines.every((l) => l.runId === runId)).toBe(true);
    expect(lines.at(-1)).toEqual({ type: 'log', runId, stream: 'stderr', text: 'bye' });
    const ticks = lines.filter((l) => l.stream === 'stdout').map((l) => Number(l.text.replace('tick ', '')));
    expect(ticks.at(-1)).toBe(40);
    // Lines before the follow are not sent again; from the first one on, none is missing.
    expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => ticks[0]! + i));
    expect(ticks.length).toBeGreaterThan(10);
    p.send({ unfollow: runId });
  });

  it('resumes after a reconnect: the events stored meanwhile first, then live ones, none lost or repeated', async () => {
    const first = probe();
    await first.opened;
    const before = await trigger('ws/a');
    await first.waitFor(isFinalOf(before), 'a run seen before the disconnect');
    const position = eventsOf(first).at(-1)!.position;
    await first.close();

    const missed = [await trigger('ws/a'), await trigger('ws/b')];
    await eventually(async () => (await allEvents(t.node.store, 'job-ws/')).filter((e) => e.type === 'RunSucceeded').length >= 5);

    const second = probe();
    await second.opened;
    second.send({ resume: position });
    for (const runId of missed) await second.waitFor(isFinalOf(runId), `missed run ${runId}`);
    const live = await trigger('ws/b');
    await second.waitFor(isFinalOf(live), 'a live run after the replay');

    const stored = (await allEvents(t.node.store)).filter(
      (e) => e.position > BigInt(position) && PROJECTED_EVENT_TYPES.includes(e.type) && e.type !== 'LeaseRenewed',
    );
    const received = eventsOf(second);
    const upTo = BigInt(received.at(-1)!.position);
    expect(received.map((e) => e.id)).toEqual(stored.filter((e) => e.position <= upTo).map((e) => e.id));
  });

  it('stops feeding a client that does not read, keeps its buffer bounded, and lets it resume without loss', async () => {
    const slow = probe();
    const fast = probe();
    await Promise.all([slow.opened, fast.opened]);
    await slow.waitFor((m) => m.type === 'hello', 'hello');
    // The slow browser: its socket stops reading, so the server's writes back up.
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();

    const burst = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 100) {
        const events: NewEvent[] = Array.from({ length: 100 }, (_, k) => ({
          type: 'AlertRaised',
          data: {
            alertId: `alert-${i + k}`,
            noticeId: `notice-${i + k}`,
            jobId: 'ws/x',
            runId: 'r',
            attempt: 1,
            outcome: 'failed',
            failures: 1,
            since: '2026-01-01T00:00:00.000Z',
            position: '0',
            maintainers: [],
            channels: [],
            stderrTail: 'x'.repeat(2000),
            at: '2026-01-01T00:00:00.000Z',
          },
        }));
        await t.node.store.append('alert-ws/x', events);
      }
    };
    await burst(0, 8000);
    const slowState = () => t.node.http.hub.stats().clients.find((c) => c.mode === 'overflowed');
    const overflowed = await eventually(slowState, { message: 'the slow client to overflow' });
    // Bounded: the limit, plus the message that crossed it, plus the overflow notice.
    expect(overflowed.bufferedAmount).toBeLessThan(MAX_BUFFERED + 8 * 1024);
    await eventually(() => fast.of('event').filter((m) => m.event.type === 'AlertRaised').length === 8000, { message: 'the fast client to get all' });
    await burst(8000, 2000);
    await eventually(() => fast.of('event').filter((m) => m.event.type === 'AlertRaised').length === 10_000);
    expect(slowState()!.bufferedAmount).toBe(overflowed.bufferedAmount); // nothing more was queued for it

    socket.resume();
    const notice = await slow.waitFor((m): m is Extract<WsServerMessage, { type: 'overflow' }> => m.type === 'overflow', 'the overflow notice');
    expect(slow.of('overflow')).toHaveLength(1);
    slow.send({ resume: notice.position });
    await eventually(() => slow.of('event').filter((m) => m.event.type === 'AlertRaised').length >= 10_000, { message: 'the slow client to catch up' });
    const ids = slow.of('event').filter((m) => m.event.type === 'AlertRaised').map((m) => (m.event.data as { alertId: string }).alertId);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
    const positions = slow.of('event').map((m) => BigInt(m.event.position));
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
    // Back on the live feed.
    const runId = await trigger('ws/a');
    await slow.waitFor(isFinalOf(runId), 'a live event after catching up');
  });

  it('closes a connection that sends what it may not', async () => {
    const p = probe();
    await p.opened;
    p.send({ follow: 'not-a-run' });
    await eventually(() => p.closeCode !== undefined);
    expect(p.closeCode).toBe(1008);
    expect(p.closeReason).toBe('bad message: expected {follow}, {unfollow}, {filter} or {resume}');
  });
});
