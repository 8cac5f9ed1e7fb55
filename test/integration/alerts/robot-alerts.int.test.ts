import { writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertsResponse } from '../../../src/http/api-types.js';
import { alertEvents, alertTypes, waitForAlerts, writeFailingJob } from '../../support/alert-kit.js';
import { eventually } from '../../support/eventually.js';
import { apiOf } from '../../support/http-client.js';
import { allEvents, jobEvents, startTestNode, type TestNode } from '../../support/test-node.js';
import { startWecomServer, type WecomServer } from '../../support/wecom-server.js';

const KEY = 'robot-key-4f9a2c';
let current: TestNode | undefined;
let server: WecomServer | undefined;
afterEach(async () => {
  await current?.cleanup();
  await server?.close();
  current = undefined;
  server = undefined;
});

function robotAlerts(url: string, extra: Record<string, unknown> = {}) {
  return {
    dashboardUrl: 'http://dash.example/',
    timezone: 'Asia/Shanghai',
    channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_ROBOT_KEY', baseUrl: url } },
    users: { alice: { wecom: 'ZhangSan' }, carol: {} },
    delivery: { retryDelay: 100, maxRetryDelay: 500 },
    ...extra,
  };
}

describe('WeCom robot alerts from a real node', () => {
  it('sends one markdown message for a final failure, mentioning its maintainers, then a recovery notice', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    const lines: string[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    current = await startTestNode({ alerts: robotAlerts(server.url), env: { OPS_ROBOT_KEY: KEY }, logLevel: 'debug', logDestination: capture });
    const { node } = current;
    const { jobId, marker } = await writeFailingJob(current, 'shop', 'report', { maintainer: ['alice', 'bob', 'carol'], retries: 1, retryDelay: 100 });

    await node.trigger(jobId);
    const [notified] = await waitForAlerts(node.store, jobId, 'AlertNotified');
    const final = (await jobEvents(node.store, jobId)).filter((e) => e.type === 'RunFailed').at(-1);
    if (final?.type !== 'RunFailed') throw new Error('no RunFailed');
    expect(final.data.attempt).toBe(2); // the first attempt was retried, and not alerted

    // Recovery: the job succeeds again. The channel delivers in order, so once the recovery
    // notice is there, any duplicate of the failure notice would be there too.
    await writeFile(marker, 'ok');
    await node.trigger(jobId);
    await waitForAlerts(node.store, jobId, 'AlertNotified', 2);
    expect(server.messages).toHaveLength(2);
    expect(await alertTypes(node.store, jobId)).toEqual(['AlertRaised', 'AlertNotified', 'AlertResolved', 'AlertNotified']);

    const [failure, recovery] = server.messages;
    expect(failure).toMatchObject({ endpoint: 'robot', key: KEY, msgtype: 'markdown', mentions: ['ZhangSan', 'bob'] });
    expect(failure!.content).toContain(`${jobId} failed (exit code 2)`);
    expect(failure!.content).toContain(`${final.data.runId} (attempt 2)`);
    expect(failure!.content).toContain(`http://dash.example/runs/${final.data.runId}`);
    expect(failure!.content).toContain('could not reach the database');
    expect(notified?.data).toMatchObject({ channel: 'ops', recipients: ['ZhangSan', 'bob'], failures: 1 });
    expect(recovery!.content).toContain(`${jobId} recovered`);
    expect(recovery!.content).toMatch(/> Failures: 1× since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00/);
    expect(recovery!.mentions).toEqual(['ZhangSan', 'bob']);

    // The alert's history is in the API: one resolved alert, one failure, its two deliveries.
    const api = apiOf(node);
    const history = await eventually(async () => {
      const body = await api.json<AlertsResponse>(`/api/alerts?job=${encodeURIComponent(jobId)}`);
      return body.alerts[0]?.status === 'resolved' && body.alerts[0].deliveries.length === 2 ? body : undefined;
    }, { message: 'the resolved alert in /api/alerts' });
    expect(history.alerts).toHaveLength(1);
    expect(history.alerts[0]).toMatchObject({ jobId, failures: 1, lastRunId: final.data.runId, pendingChannels: [] });
    expect((await api.fetch('/api/alerts?limit=0')).status).toBe(400);
    expect((await api.fetch('/api/alerts?job=nobody%2Fnothing')).status).toBe(404);

    // The key is in no event and no log line.
    const stored = JSON.stringify(await allEvents(node.store), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(stored).not.toContain(KEY);
    expect(lines.join('')).toContain('alert decision');
    expect(lines.join('')).not.toContain(KEY);
    expect(server.requests.filter((r) => r.problem)).toEqual([]);
  });

  it('says a run timed out, with its stderr', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    current = await startTestNode({ alerts: robotAlerts(server.url), env: { OPS_ROBOT_KEY: KEY } });
    await writeFailingJob(current, 'etl', 'load', { script: 'echo "waiting for the lock" >&2; sleep 30', timeout: 300, grace: 200 });
    const { runId } = await current.node.trigger('etl/load');
    await waitForAlerts(current.node.store, 'etl/load', 'AlertNotified');
    const [raised] = await alertEvents(current.node.store, 'etl/load');
    expect(raised).toMatchObject({ type: 'AlertRaised', data: { outcome: 'timed_out', timeoutMs: 300, runId } });
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]!.content).toContain('etl/load timed out after 300 ms');
    expect(server.messages[0]!.content).toContain('waiting for the lock');
  });

  it('closes the alert without a recovery message when the job turns recovery notices off', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    current = await startTestNode({ alerts: robotAlerts(server.url), env: { OPS_ROBOT_KEY: KEY } });
    const { node } = current;
    const { jobId, marker } = await writeFailingJob(current, 'shop', 'quiet', { alerts: { recovery: false } });
    await node.trigger(jobId);
    await waitForAlerts(node.store, jobId, 'AlertNotified');
    await writeFile(marker, 'ok');
    await node.trigger(jobId);
    const [resolved] = await waitForAlerts(node.store, jobId, 'AlertResolved');
    expect(resolved?.data).toMatchObject({ notify: false, failures: 1 });
    // A second failure opens a new alert: its message is the next one the channel sends.
    await writeFailingJob(current, 'shop', 'quiet', { alerts: { recovery: false }, script: 'exit 5' });
    await node.trigger(jobId);
    await waitForAlerts(node.store, jobId, 'AlertNotified', 2);
    expect(server.messages.map((m) => m.content.split('\n')[0])).toEqual([
      `**❌ ${jobId} failed (exit code 2)**`,
      `**❌ ${jobId} failed (exit code 5)**`,
    ]);
  });
});
