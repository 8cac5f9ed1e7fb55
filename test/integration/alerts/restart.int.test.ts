import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertTypes, waitForAlerts, writeFailingJob } from '../../support/alert-kit.js';
import { eventually } from '../../support/eventually.js';
import { jobEvents, startTestNode, type TestNode, type TestNodeOptions } from '../../support/test-node.js';
import { tempDir } from '../../support/temp-dir.js';
import { startWecomServer, type WecomServer } from '../../support/wecom-server.js';

const KEY = 'robot-key-5b0e9a';
let current: TestNode | undefined;
let standby: TestNode | undefined;
let server: WecomServer | undefined;
let removeTmp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await current?.cleanup();
  await standby?.cleanup();
  await server?.close();
  standby = undefined;
  await removeTmp?.();
  current = undefined;
  server = undefined;
});

describe('alerts across restarts', () => {
  it('delivers a failure exactly once whether the node stopped before deciding or before delivering', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    const tmp = await tempDir('timecloud-alert-restart-');
    removeTmp = tmp.remove;
    const jobsDir = join(tmp.path, 'jobs');
    const dataDir = join(tmp.path, 'data');
    await mkdir(jobsDir);
    const withAlerts: TestNodeOptions = {
      jobsDir,
      dataDir,
      alerts: { channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_ROBOT_KEY', baseUrl: server.url } }, delivery: { retryDelay: 100, maxRetryDelay: 200 } },
      env: { OPS_ROBOT_KEY: KEY },
    };

    // 1. A node without alerts records the failure: nobody has decided about it yet.
    current = await startTestNode({ jobsDir, dataDir });
    const { jobId } = await writeFailingJob(current, 'shop', 'nightly');
    await current.node.trigger(jobId);
    await eventually(async () => (await jobEvents(current!.node.store, jobId)).some((e) => e.type === 'RunFailed'));
    await current.cleanup();

    // 2. A node with alerts decides, but WeCom answers 502 until it stops.
    server.always('robot', { status: 502 });
    current = await startTestNode(withAlerts);
    await waitForAlerts(current.node.store, jobId, 'AlertRaised');
    await eventually(() => server!.requests.length >= 2, { message: 'delivery attempts' });
    await current.cleanup();
    expect(server.messages).toEqual([]);

    // 3. The next node delivers it, once.
    server.always('robot', undefined);
    current = await startTestNode(withAlerts);
    await waitForAlerts(current.node.store, jobId, 'AlertNotified');
    // The maintainer fixes the job; the next run succeeds and the recovery notice follows.
    await writeFailingJob(current, 'shop', 'nightly', { script: 'echo fixed' });
    await current.node.trigger(jobId);
    await waitForAlerts(current.node.store, jobId, 'AlertNotified', 2);
    expect(server.messages.map((m) => m.content.split('\n')[0])).toEqual([`**❌ ${jobId} failed (exit code 2)**`, `**✅ ${jobId} recovered**`]);
    await current.cleanup();

    // 4. Another restart sends nothing again: the next message is about a new failure.
    current = await startTestNode(withAlerts);
    await writeFailingJob(current, 'shop', 'nightly', { script: 'exit 5' });
    await current.node.trigger(jobId);
    await waitForAlerts(current.node.store, jobId, 'AlertNotified', 3);
    expect(server.messages).toHaveLength(3);
    expect(server.messages[2]!.content.split('\n')[0]).toBe(`**❌ ${jobId} failed (exit code 5)**`);
    expect(await alertTypes(current.node.store, jobId)).toEqual([
      'AlertRaised',
      'AlertNotified',
      'AlertResolved',
      'AlertNotified',
      'AlertRaised',
      'AlertNotified',
    ]);
  });

  it('hands a notice the leader could not deliver to the standby that takes over', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    const tmp = await tempDir('timecloud-alert-handoff-');
    removeTmp = tmp.remove;
    const jobsDir = join(tmp.path, 'jobs');
    const dataDir = join(tmp.path, 'data');
    await mkdir(jobsDir);
    const shared: TestNodeOptions = {
      jobsDir,
      dataDir,
      alerts: { channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_ROBOT_KEY', baseUrl: server.url } }, delivery: { retryDelay: 100, maxRetryDelay: 200 } },
      env: { OPS_ROBOT_KEY: KEY },
    };
    server.always('robot', { status: 502 });
    current = await startTestNode({ ...shared, nodeId: 'node-a' });
    const { jobId } = await writeFailingJob(current, 'shop', 'handoff');
    standby = await startTestNode({ ...shared, nodeId: 'node-b' });
    expect(current.node.lease.isLeader).toBe(true);
    expect(standby.node.lease.isLeader).toBe(false);
    await current.node.trigger(jobId);
    await waitForAlerts(current.node.store, jobId, 'AlertRaised');
    await eventually(() => server!.requests.length >= 2, { message: 'delivery attempts by the leader' });

    await current.cleanup();
    current = undefined;
    const attemptsByLeader = server.requests.length;
    await eventually(() => standby!.node.lease.isLeader, { message: 'the standby takes over' });
    server.always('robot', undefined);
    const [notified] = await waitForAlerts(standby.node.store, jobId, 'AlertNotified');
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]!.at).toBeGreaterThan(server.requests[attemptsByLeader - 1]!.at);
    expect(notified?.data).toMatchObject({ channel: 'ops', failures: 1 });

    // The new leader goes on alerting: the next failure is the next message, not a repeat.
    await writeFailingJob(standby, 'shop', 'handoff', { script: 'exit 7' });
    await standby.node.trigger(jobId);
    await waitForAlerts(standby.node.store, jobId, 'AlertNotified', 2);
    expect(server.messages.map((m) => m.content.split('\n')[0])).toEqual([
      `**❌ ${jobId} failed (exit code 2)**`,
      `**❌ ${jobId} failed (exit code 7)**`,
    ]);
  });
});
