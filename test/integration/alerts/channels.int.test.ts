import { afterEach, describe, expect, it } from 'vitest';
import type { AppChannelConfig, RobotChannelConfig } from '../../../src/alerts/alert-config.js';
import type { AlertContent } from '../../../src/alerts/alert-message.js';
import type { ChannelMessage } from '../../../src/alerts/channels/channel.js';
import { WebhookChannel } from '../../../src/alerts/channels/webhook.channel.js';
import { WecomAppChannel } from '../../../src/alerts/channels/wecom-app.channel.js';
import { WecomRobotChannel } from '../../../src/alerts/channels/wecom-robot.channel.js';
import { Secret } from '../../../src/alerts/secret.js';
import { systemClock } from '../../../src/clock.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startWecomServer, type WecomServer } from '../../support/wecom-server.js';

const KEY = 'robot-key-77c1e0';
const SECRET = 'app-secret-9d2b41';
const APP = { corpId: 'ww5e1f', secret: SECRET, agentId: 1000002, users: ['ZhangSan', 'bob'] };

let server: WecomServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const content: AlertContent = {
  kind: 'failure',
  headline: '❌ shop/report failed (exit code 1)',
  facts: [{ label: 'Job', value: 'shop/report' }],
  link: 'http://dash.example/runs/r1',
  stderrTail: 'boom',
  maintainers: ['alice', 'bob'],
  jobId: 'shop/report',
  runId: 'r1',
  failures: 1,
};
const message = (wecom: string[] = ['ZhangSan', 'bob'], mobiles: string[] = []): ChannelMessage => ({ content, recipients: { wecom, mobiles } });

function robot(url: string, overrides: Partial<RobotChannelConfig> = {}) {
  return new WecomRobotChannel(
    { name: 'ops', type: 'wecom-robot', baseUrl: url, key: new Secret(KEY), format: 'markdown', rateLimit: 18, rateWindow: 60_000, ...overrides },
    { timeoutMs: 5000 },
  );
}

function app(url: string, overrides: Partial<AppChannelConfig> = {}, clock = systemClock) {
  return new WecomAppChannel(
    {
      name: 'app',
      type: 'wecom-app',
      baseUrl: url,
      corpId: APP.corpId,
      secret: new Secret(SECRET),
      agentId: APP.agentId,
      format: 'markdown',
      rateLimit: 18,
      rateWindow: 60_000,
      ...overrides,
    },
    { timeoutMs: 5000, clock },
  );
}

describe('robot channel', () => {
  it('sends markdown with <@id> mentions, or text with mentioned_list, as the server checks them', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    expect(await robot(server.url).send(message())).toEqual({ ok: true });
    expect(await robot(server.url, { format: 'text' }).send(message(['ZhangSan'], ['13800001111']))).toEqual({ ok: true });
    expect(server.messages.map((m) => [m.msgtype, m.mentions, m.mentionedMobiles])).toEqual([
      ['markdown', ['ZhangSan', 'bob'], []],
      ['text', ['ZhangSan'], ['13800001111']],
    ]);
    expect(server.requests.filter((r) => r.problem)).toEqual([]);
  });

  it('tells retryable answers from permanent ones, and never shows the key', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    server.script('robot', { errcode: 45009 }, { errcode: -1 }, { status: 502 }, { drop: true });
    const channel = robot(server.url, { rateWindow: 1234 });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await channel.send(message()));
    expect(answers.map((a) => ('retryable' in a ? `retry ${a.errcode ?? ''} ${a.retryAfterMs ?? ''}`.trim() : a.ok ? 'ok' : 'permanent'))).toEqual([
      'retry 45009 1234',
      'retry -1',
      'retry',
      'retry',
      'ok',
    ]);
    const wrongKey = await robot(server.url, { key: new Secret('not-a-key-123') }).send(message());
    expect(wrongKey).toMatchObject({ ok: false, permanent: true, errcode: 93000 });
    const closed = await startWecomServer();
    await closed.close();
    const refused = await robot(closed.url).send(message());
    expect(refused).toMatchObject({ ok: false, retryable: true });
    for (const answer of [...answers, wrongKey, refused]) {
      if (!answer.ok) {
        expect(answer.message).not.toContain(KEY);
        expect(answer.message).not.toContain('not-a-key-123');
      }
    }
    expect((refused as { message: string }).message).toMatch(/key=redacted.*ECONNREFUSED/);
  });

  it('is refused by the server beyond 20 messages a minute', async () => {
    server = await startWecomServer({ robotKeys: [KEY] });
    const channel = robot(server.url);
    const answers = await Promise.all(Array.from({ length: 22 }, () => channel.send(message())));
    expect(answers.filter((a) => a.ok)).toHaveLength(20);
    expect(answers.filter((a) => !a.ok && a.errcode === 45009)).toHaveLength(2);
  });
});

describe('app channel', () => {
  it('fetches one token for many sends, even concurrent ones, and sends to the maintainers with an integer agentid', async () => {
    server = await startWecomServer({ apps: [APP] });
    const channel = app(server.url);
    const answers = await Promise.all(Array.from({ length: 5 }, () => channel.send(message())));
    expect(answers).toEqual(Array(5).fill({ ok: true }));
    expect(await channel.send(message())).toEqual({ ok: true });
    expect(server.tokensIssued).toBe(1);
    expect(server.messages.map((m) => [m.touser, m.agentid, m.msgtype])).toEqual(Array(6).fill(['ZhangSan|bob', 1000002, 'markdown']));
    expect(server.requests.filter((r) => r.problem)).toEqual([]);
  });

  it('fetches a new token when WeCom says it expired (42001) or is invalid (40014), and resends once', async () => {
    server = await startWecomServer({ apps: [APP] });
    const channel = app(server.url);
    expect(await channel.send(message())).toEqual({ ok: true });
    server.expireTokens();
    expect(await channel.send(message())).toEqual({ ok: true });
    server.script('send', { errcode: 40014 });
    expect(await channel.send(message())).toEqual({ ok: true });
    expect(server.tokensIssued).toBe(3);
    expect(server.requests.map((r) => `${r.endpoint} ${r.answer}`)).toEqual([
      'gettoken ok',
      'send ok',
      'send 42001',
      'gettoken ok',
      'send ok',
      'send 40014',
      'gettoken ok',
      'send ok',
    ]);
  });

  it('refreshes a token once its expires_in has passed', async () => {
    server = await startWecomServer({ apps: [APP], tokenTtl: 7200 });
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const channel = app(server.url, {}, clock);
    await channel.send(message());
    clock.advance(7200_000 - 400_000);
    await channel.send(message());
    expect(server.tokensIssued).toBe(1);
    clock.advance(200_000); // within the last 5 minutes of the token's life
    await channel.send(message());
    expect(server.tokensIssued).toBe(2);
  });

  it('reports users WeCom does not know, and uses the fallback when no maintainer has an id', async () => {
    server = await startWecomServer({ apps: [APP] });
    expect(await app(server.url).send(message(['ZhangSan', 'ghost']))).toEqual({ ok: true, invalidUsers: ['ghost'] });
    expect(await app(server.url).send(message(['ghost']))).toMatchObject({ ok: false, permanent: true, errcode: 81013 });
    expect(await app(server.url).send(message([]))).toMatchObject({ ok: false, permanent: true });
    expect(await app(server.url, { fallback: { toparty: '2' } }).send(message([]))).toEqual({ ok: true });
    expect(server.messages.at(-1)?.body).toMatchObject({ toparty: '2', agentid: 1000002 });
  });

  it('treats a wrong secret as permanent and a busy gettoken as retryable, without showing the secret', async () => {
    server = await startWecomServer({ apps: [APP] });
    const wrong = await app(server.url, { secret: new Secret('wrong-secret-1') }).send(message());
    expect(wrong).toMatchObject({ ok: false, permanent: true, errcode: 40001 });
    server.script('gettoken', { errcode: -1 });
    const busy = await app(server.url).send(message());
    expect(busy).toMatchObject({ ok: false, retryable: true, errcode: -1 });
    server.script('send', { drop: true });
    const dropped = await app(server.url).send(message());
    expect(dropped).toMatchObject({ ok: false, retryable: true });
    for (const answer of [wrong, busy, dropped]) {
      expect(JSON.stringify(answer)).not.toMatch(/wrong-secret-1|app-secret-9d2b41/);
    }
  });
});

describe('webhook channel', () => {
  it('posts the alert as JSON with the bearer token, and retries 5xx but not 4xx', async () => {
    server = await startWecomServer();
    const channel = new WebhookChannel(
      { name: 'hook', type: 'webhook', url: new Secret(`${server.url}/hook/x`), token: new Secret('tok-123'), rateLimit: 60, rateWindow: 60_000 },
      { timeoutMs: 5000 },
    );
    expect(await channel.send(message())).toEqual({ ok: true });
    expect(server.messages[0]?.body).toMatchObject({ kind: 'failure', jobId: 'shop/report', runId: 'r1', recipients: ['ZhangSan', 'bob'] });
    expect(server.messages[0]?.headers.authorization).toBe('Bearer tok-123');
    server.script('hook', { status: 503 }, { status: 400 });
    expect(await channel.send(message())).toMatchObject({ ok: false, retryable: true });
    expect(await channel.send(message())).toMatchObject({ ok: false, permanent: true });
  });
});
