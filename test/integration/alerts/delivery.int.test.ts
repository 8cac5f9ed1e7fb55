import { afterEach, describe, expect, it } from 'vitest';
import { alertEvents, waitForAlerts, writeFailingJob } from '../../support/alert-kit.js';
import { eventually } from '../../support/eventually.js';
import { startTestNode, type TestNode } from '../../support/test-node.js';
import { startWecomServer, type WecomServer } from '../../support/wecom-server.js';

const KEY = 'robot-key-d31f07';
let current: TestNode | undefined;
let server: WecomServer | undefined;
afterEach(async () => {
  await current?.cleanup();
  await server?.close();
  current = undefined;
  server = undefined;
});

function alerts(url: string, robot: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_ROBOT_KEY', baseUrl: url, ...robot } },
    delivery: { retryDelay: 100, maxRetryDelay: 400 },
    ...extra,
  };
}

describe('delivery', () => {
  it('keeps a burst of 30 failures under the rate limit, later messages carrying the count', async () => {
    // The server refuses a 6th message in 3 s; the channel allows itself 4.
    server = await startWecomServer({ robotKeys: [KEY], rateLimit: 5, rateWindow: 3000 });
    current = await startTestNode({ alerts: alerts(server.url, { rateLimit: 4, rateWindow: 3000 }), env: { OPS_ROBOT_KEY: KEY }, slots: 4 });
    const { node } = current;
    const { jobId } = await writeFailingJob(current, 'shop', 'burst', { overlap: 'allow' });
    for (let i = 0; i < 30; i++) await node.trigger(jobId);

    const done = await eventually(
      async () => {
        const notified = (await alertEvents(node.store, jobId)).filter((e) => e.type === 'AlertNotified');
        return notified.some((e) => e.data.failures === 30) ? notified : undefined;
      },
      { timeout: 60_000, message: 'a notice with all 30 failures' },
    );
    const raised = (await alertEvents(node.store, jobId)).filter((e) => e.type === 'AlertRaised');
    expect(raised).toHaveLength(30);
    expect(server.requests.map((r) => r.answer).filter((a) => a !== 'ok')).toEqual([]);
    expect(server.messages.length).toBe(done.length);
    expect(server.messages.length).toBeLessThan(30);
    // Each message told the count at its time; the counts only grow.
    const counts = done.map((e) => e.data.failures);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(server.messages.at(-1)!.content).toContain('failed 30× since');
    expect(new Set(done.map((e) => e.data.alertId)).size).toBe(1);
  });

  it('holds a notice for the grouping window and sends the failures inside it as one message', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    current = await startTestNode({ alerts: alerts(server.url, {}, { policy: { groupWindow: 5000 } }), env: { OPS_ROBOT_KEY: KEY }, slots: 3 });
    const { node } = current;
    const { jobId } = await writeFailingJob(current, 'shop', 'grouped', { overlap: 'allow' });
    for (let i = 0; i < 3; i++) await node.trigger(jobId);
    const [notified] = await waitForAlerts(node.store, jobId, 'AlertNotified');
    const events = await alertEvents(node.store, jobId);
    expect(events.map((e) => e.type)).toEqual(['AlertRaised', 'AlertSuppressed', 'AlertSuppressed', 'AlertNotified']);
    expect(events.filter((e) => e.type === 'AlertSuppressed').map((e) => e.data.reason)).toEqual(['grouped', 'grouped']);
    const raised = events[0]!.type === 'AlertRaised' ? events[0]!.data : undefined;
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]!.at).toBeGreaterThanOrEqual(Date.parse(raised!.notBefore!));
    expect(server.messages[0]!.content).toContain('failed 3× since');
    expect(notified?.data.failures).toBe(3);
  });

  it('waits for the window after a 45009 and then delivers', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    server.script('robot', { errcode: 45009, errmsg: 'api freq out of limit' });
    current = await startTestNode({ alerts: alerts(server.url, { rateWindow: 1500 }), env: { OPS_ROBOT_KEY: KEY } });
    const { jobId } = await writeFailingJob(current, 'shop', 'limited');
    await current.node.trigger(jobId);
    await waitForAlerts(current.node.store, jobId, 'AlertNotified');
    expect(server.requests.map((r) => r.answer)).toEqual(['45009', 'ok']);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(1500);
    expect(server.messages).toHaveLength(1);
  });

  it('retries HTTP 502, busy (-1) and a dropped socket with backoff', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    server.script('robot', { status: 502 }, { errcode: -1 }, { drop: true });
    current = await startTestNode({ alerts: alerts(server.url), env: { OPS_ROBOT_KEY: KEY } });
    const { jobId } = await writeFailingJob(current, 'shop', 'flaky');
    await current.node.trigger(jobId);
    await waitForAlerts(current.node.store, jobId, 'AlertNotified');
    expect(server.requests.map((r) => r.answer)).toEqual(['HTTP 502', '-1', 'dropped', 'ok']);
    const gaps = server.requests.slice(1).map((r, i) => r.at - server!.requests[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(gaps[2]).toBeGreaterThanOrEqual(400);
  });

  it('records a bad key (93000) once per notice, without retrying', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    current = await startTestNode({ alerts: alerts(server.url), env: { OPS_ROBOT_KEY: 'some-other-key' } });
    const { jobId } = await writeFailingJob(current, 'shop', 'badkey');
    await current.node.trigger(jobId);
    const [first] = await waitForAlerts(current.node.store, jobId, 'AlertDeliveryFailed');
    expect(first?.data).toMatchObject({ channel: 'ops', errcode: 93000, permanent: true, attempts: 1 });
    expect(first?.data.message).not.toContain('some-other-key');
    // A retry of the first notice would come within its 100 ms backoff, long before this one.
    await current.node.trigger(jobId);
    await waitForAlerts(current.node.store, jobId, 'AlertDeliveryFailed', 2);
    expect(server.requests.map((r) => r.answer)).toEqual(['93000', '93000']);
    expect(server.messages).toEqual([]);
  });

  it('gives up after the configured attempts and records it as not permanent', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    server.always('robot', { status: 503 });
    current = await startTestNode({
      alerts: alerts(server.url, {}, { delivery: { retryDelay: 50, maxRetryDelay: 100, attempts: 3 } }),
      env: { OPS_ROBOT_KEY: KEY },
    });
    const { jobId } = await writeFailingJob(current, 'shop', 'down');
    await current.node.trigger(jobId);
    const [failed] = await waitForAlerts(current.node.store, jobId, 'AlertDeliveryFailed');
    expect(failed?.data).toMatchObject({ permanent: false, attempts: 3, message: 'HTTP 503 from the robot webhook' });
    expect(server.requests).toHaveLength(3);
  });

  it('fails the notices of a channel a job names but the node does not have, and still uses the others', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    current = await startTestNode({ alerts: alerts(server.url), env: { OPS_ROBOT_KEY: KEY } });
    const { jobId } = await writeFailingJob(current, 'shop', 'paged', { alerts: { channels: ['pager', 'ops'] } });
    await current.node.trigger(jobId);
    const [failed] = await waitForAlerts(current.node.store, jobId, 'AlertDeliveryFailed');
    await waitForAlerts(current.node.store, jobId, 'AlertNotified');
    expect(failed?.data).toMatchObject({ channel: 'pager', permanent: true, attempts: 0 });
    expect(failed?.data.message).toContain('no alert channel named "pager"');
    expect(server.messages).toHaveLength(1);
  });
});
