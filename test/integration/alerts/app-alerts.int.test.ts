import { afterEach, describe, expect, it } from 'vitest';
import { waitForAlerts, writeFailingJob } from '../../support/alert-kit.js';
import { startTestNode, type TestNode } from '../../support/test-node.js';
import { startWecomServer, type WecomServer } from '../../support/wecom-server.js';

const SECRET = 'app-secret-0c4e7b';
const APP = { corpId: 'ww90ab', secret: SECRET, agentId: 1000007, users: ['ZhangSan', 'bob'] };
let current: TestNode | undefined;
let server: WecomServer | undefined;
afterEach(async () => {
  await current?.cleanup();
  await server?.close();
  current = undefined;
  server = undefined;
});

describe('WeCom app alerts from a real node', () => {
  it('caches the token, refreshes it on 42001, and records users WeCom does not know', async () => {
    server = await startWecomServer({ apps: [APP] });
    current = await startTestNode({
      alerts: {
        channels: { app: { type: 'wecom-app', corpId: APP.corpId, secretEnv: 'APP_SECRET', agentId: APP.agentId, baseUrl: server.url } },
        users: { alice: { wecom: 'ZhangSan' } },
        policy: { notifyOn: 'every-failure' },
        delivery: { retryDelay: 100 },
      },
      env: { APP_SECRET: SECRET },
    });
    const { node } = current;
    const { jobId } = await writeFailingJob(current, 'shop', 'sync', { maintainer: ['alice', 'ghost'] });

    await node.trigger(jobId);
    const [first] = await waitForAlerts(node.store, jobId, 'AlertNotified');
    expect(first?.data).toMatchObject({ channel: 'app', recipients: ['ZhangSan', 'ghost'], invalidUsers: ['ghost'] });

    await node.trigger(jobId);
    await waitForAlerts(node.store, jobId, 'AlertNotified', 2);
    expect(server.tokensIssued).toBe(1);

    server.expireTokens();
    await node.trigger(jobId);
    await waitForAlerts(node.store, jobId, 'AlertNotified', 3);
    expect(server.tokensIssued).toBe(2);
    expect(server.requests.map((r) => `${r.endpoint} ${r.answer}`)).toEqual([
      'gettoken ok',
      'send ok',
      'send ok',
      'send 42001',
      'gettoken ok',
      'send ok',
    ]);
    expect(server.messages.map((m) => [m.touser, m.agentid, m.msgtype])).toEqual(Array(3).fill(['ZhangSan|ghost', APP.agentId, 'markdown']));
    expect(server.messages[2]!.content).toContain('failed 3× since');
    expect(server.requests.filter((r) => r.problem)).toEqual([]);
  });
});
