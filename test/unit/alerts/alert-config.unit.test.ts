import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AlertsConfigError, loadAlertsConfig, parseRobotWebhook } from '../../../src/alerts/alert-config.js';
import { parseJobFile } from '../../../src/config/job-file.js';
import { job } from '../../support/job-packages.js';

function problems(raw: unknown, env: Record<string, string> = {}): string[] {
  try {
    loadAlertsConfig(raw, { env, label: 'node.json: alerts' });
  } catch (error) {
    if (error instanceof AlertsConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the alerts configuration to be rejected');
}

describe('alerts section of the node config', () => {
  it('reads channels, users and policy with defaults, the key from the variable the config names', () => {
    const config = loadAlertsConfig(
      {
        dashboardUrl: 'https://cron.example.com/',
        timezone: 'Asia/Shanghai',
        channels: {
          ops: { type: 'wecom-robot', keyEnv: 'OPS_KEY', baseUrl: 'http://127.0.0.1:9' },
          app: { type: 'wecom-app', corpId: 'ww1', secretEnv: 'APP_SECRET', agentId: 1000002, fallback: { toparty: '2' } },
          hook: { type: 'webhook', urlEnv: 'HOOK_URL', rateLimit: 5, rateWindow: 1000 },
        },
        users: { alice: { wecom: 'ZhangSan' } },
        policy: { repeat: 3_600_000, channels: ['ops'] },
        delivery: { attempts: 3 },
      },
      { env: { OPS_KEY: 'k-123', APP_SECRET: 's-456', HOOK_URL: 'https://hooks.example/x?token=t' } },
    );
    expect(config.dashboardUrl).toBe('https://cron.example.com');
    expect(config.timezone).toBe('Asia/Shanghai');
    expect(config.policy).toEqual({ enabled: true, notifyOn: 'final-failure', repeat: 3_600_000, recovery: true, groupWindow: 0, channels: ['ops'] });
    expect(config.delivery).toEqual({ timeout: 10_000, retryDelay: 1000, maxRetryDelay: 60_000, attempts: 3 });
    expect(config.users).toEqual({ alice: { wecom: 'ZhangSan' } });
    const ops = config.channels.ops;
    if (ops?.type !== 'wecom-robot') throw new Error('ops is not a robot');
    expect(ops).toMatchObject({ baseUrl: 'http://127.0.0.1:9', format: 'markdown', rateLimit: 18, rateWindow: 60_000 });
    expect(ops.key.reveal()).toBe('k-123');
    expect(config.channels.app).toMatchObject({ type: 'wecom-app', agentId: 1000002, baseUrl: 'https://qyapi.weixin.qq.com' });
    expect(config.channels.hook).toMatchObject({ rateLimit: 5, rateWindow: 1000 });
    // Secrets never print, whichever way the config is shown.
    const shown = [JSON.stringify(config), inspect(config, { depth: 10 }), String(ops.key)].join('\n');
    for (const secret of ['k-123', 's-456', 'token=t']) expect(shown).not.toContain(secret);
  });

  it('uses every channel when the policy names none, and TIMECLOUD_WECOM_WEBHOOK alone makes a default robot', () => {
    const config = loadAlertsConfig(undefined, {
      env: { TIMECLOUD_WECOM_WEBHOOK: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-def' },
    });
    expect(Object.keys(config.channels)).toEqual(['default']);
    expect(config.policy.channels).toEqual(['default']);
    const robot = config.channels.default;
    if (robot?.type !== 'wecom-robot') throw new Error('default is not a robot');
    expect(robot.baseUrl).toBe('https://qyapi.weixin.qq.com');
    expect(robot.key.reveal()).toBe('abc-def');
    expect(loadAlertsConfig({}, { env: {} }).channels).toEqual({});
    expect(parseRobotWebhook('http://127.0.0.1:4000/prefix/cgi-bin/webhook/send?key=k')).toEqual({
      baseUrl: 'http://127.0.0.1:4000/prefix',
      key: 'k',
    });
    expect(parseRobotWebhook('https://example.com/hook?key=k')).toBeUndefined();
  });

  it('names the path of every problem at once, with a suggestion for typos', () => {
    expect(
      problems({
        channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_KEY', rateLimit: 30, baseURL: 'http://x' } },
        policy: { repeat: 'daily', notifyOn: 'always' },
        delivery: { attempts: 0 },
      }),
    ).toEqual([
      'node.json: alerts.channels.ops.rateLimit: expected a whole number of messages per window (a WeCom robot takes at most 20 a minute), got 30',
      'node.json: alerts.channels.ops.baseURL: unknown field "baseURL" — did you mean "baseUrl"?',
      'node.json: alerts.policy.notifyOn: expected "final-failure" or "every-failure", got "always"',
      'node.json: alerts.policy.repeat: expected "every-failure", "once" or a whole number of milliseconds from 1000, got "daily"',
      'node.json: alerts.delivery.attempts: expected a whole number from 1 to 100, got 0',
    ]);
    expect(problems({ channels: { ops: { type: 'wecom-robt', keyEnv: 'K' } } })).toEqual([
      'node.json: alerts.channels.ops.type: expected "wecom-robot", "wecom-app" or "webhook", got "wecom-robt"',
    ]);
    expect(problems({ channels: { app: { type: 'wecom-app', corpId: 'ww1', secretEnv: 'S', agentId: '1000002' } } })).toEqual([
      `node.json: alerts.channels.app.agentId: expected the app's agent id, a whole number, got "1000002"`,
    ]);
    expect(problems('yes')).toEqual(['node.json: alerts: expected an object with "channels", "users", "policy" and "delivery", got "yes"']);
  });

  it('says which variable is missing and which channel a policy names wrongly, without showing secrets', () => {
    expect(
      problems(
        {
          channels: { ops: { type: 'wecom-robot', keyEnv: 'OPS_KEY' }, hook: { type: 'webhook', url: 'https://h.example', urlEnv: 'H' } },
          policy: { channels: ['opz'] },
          timezone: 'Asia/Shangai',
        },
        { TIMECLOUD_WECOM_WEBHOOK: 'https://example.com/not-a-robot?key=very-secret' },
      ),
    ).toEqual([
      'node.json: alerts.channels.ops.keyEnv: environment variable OPS_KEY is not set',
      'node.json: alerts.channels.hook: set exactly one of "url" and "urlEnv"',
      'TIMECLOUD_WECOM_WEBHOOK: expected a WeCom robot webhook URL such as https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, got "https://example.com/not-a-robot?key=redacted"',
      'node.json: alerts.timezone: unknown timezone "Asia/Shangai" — did you mean "Asia/Shanghai"?',
      'node.json: alerts.policy.channels[0]: no channel named "opz" — did you mean "ops"?',
    ]);
  });
});

describe('a job\'s "alerts" object in timecloud.json', () => {
  const parse = (alerts: unknown) =>
    parseJobFile({
      file: '/jobs/shop/timecloud.json',
      text: JSON.stringify({ jobs: [job('report', { alerts })] }),
      packageDir: '/jobs/shop',
      packageName: 'shop',
      packageScripts: null,
    });

  it('lands in the job spec as written', () => {
    const parsed = parse({ notifyOn: 'every-failure', repeat: 600_000, groupWindow: 30_000, channels: ['ops'] });
    expect(parsed.rejections).toEqual([]);
    expect(parsed.jobs[0]?.alerts).toEqual({ notifyOn: 'every-failure', repeat: 600_000, groupWindow: 30_000, channels: ['ops'] });
    expect(parse(undefined).jobs[0]).not.toHaveProperty('alerts');
  });

  it('rejects the job with the path and a suggestion', () => {
    const parsed = parse({ repeat: 'hourly', recovry: false });
    expect(parsed.jobs).toEqual([]);
    expect(parsed.rejections.map((r) => [r.field, r.message])).toEqual([
      ['jobs[0].alerts.repeat', 'alerts.repeat: expected "every-failure", "once" or a whole number of milliseconds from 1000, got "hourly"'],
      ['jobs[0].alerts.recovry', 'alerts.recovry: unknown field "recovry" — did you mean "recovery"?'],
    ]);
    expect(parse('yes').rejections.map((r) => r.message)).toEqual([
      'alerts: expected an object of alert settings such as {"notifyOn": "every-failure", "repeat": 3600000}, got "yes"',
    ]);
  });
});
