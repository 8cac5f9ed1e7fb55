/**
 * The zod schema of the `alerts` section of the node's config file, and what each field must
 * be in words, for messages that name the path of every problem.
 */
import { z } from 'zod';
import { ALERT_POLICY_EXPECTATIONS, alertPolicySchema, CHANNEL_NAME_PATTERN } from './alert-policy.schema.js';

const MAX_MS = 2_147_483_647;
export const WECOM_BASE_URL = 'https://qyapi.weixin.qq.com';
/** WeCom user ids: 1 to 64 letters, digits, `_`, `-`, `@` or `.`. */
export const WECOM_USER_ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
/** The variable that alone defines the `default` robot channel. */
export const DEFAULT_WEBHOOK_ENV = 'TIMECLOUD_WECOM_WEBHOOK';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
export const httpUrl = z.url({ protocol: /^https?$/ });
const ms = (min: number) => z.number().int().min(min).max(MAX_MS);
const limits = { rateWindow: ms(100).optional() };

const robotSchema = z.strictObject({
  type: z.literal('wecom-robot'),
  keyEnv: envName,
  baseUrl: httpUrl.optional(),
  format: z.enum(['markdown', 'text']).optional(),
  rateLimit: z.number().int().min(1).max(20).optional(),
  ...limits,
});
const appSchema = z.strictObject({
  type: z.literal('wecom-app'),
  corpId: z.string().min(1),
  secretEnv: envName,
  agentId: z.number().int().min(0),
  baseUrl: httpUrl.optional(),
  format: z.enum(['markdown', 'text']).optional(),
  rateLimit: z.number().int().min(1).max(1000).optional(),
  ...limits,
  fallback: z
    .strictObject({ touser: z.string().min(1).optional(), toparty: z.string().min(1).optional(), totag: z.string().min(1).optional() })
    .optional(),
});
const webhookSchema = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl.optional(),
  urlEnv: envName.optional(),
  tokenEnv: envName.optional(),
  rateLimit: z.number().int().min(1).max(10_000).optional(),
  ...limits,
});

export const alertsSchema = z.strictObject({
  dashboardUrl: httpUrl.optional(),
  timezone: z.string().min(1).optional(),
  channels: z.record(z.string().regex(CHANNEL_NAME_PATTERN), z.discriminatedUnion('type', [robotSchema, appSchema, webhookSchema])).optional(),
  users: z
    .record(
      z.string().min(1),
      z.strictObject({ wecom: z.string().regex(WECOM_USER_ID_PATTERN).optional(), mobile: z.string().regex(/^\+?[0-9][0-9-]{4,19}$/).optional() }),
    )
    .optional(),
  policy: alertPolicySchema.optional(),
  delivery: z
    .strictObject({
      timeout: ms(100).optional(),
      retryDelay: ms(1).optional(),
      maxRetryDelay: ms(1).optional(),
      attempts: z.number().int().min(1).max(100).optional(),
    })
    .optional(),
  firstStartWindow: ms(0).optional(),
});

export const ALERTS_EXPECTATIONS: Record<string, string> = {
  ...ALERT_POLICY_EXPECTATIONS,
  type: '"wecom-robot", "wecom-app" or "webhook"',
  keyEnv: 'the name of the environment variable holding the robot key',
  secretEnv: "the name of the environment variable holding the app's secret",
  urlEnv: 'the name of the environment variable holding the URL',
  tokenEnv: 'the name of the environment variable holding the bearer token',
  baseUrl: 'an http(s) URL such as "https://qyapi.weixin.qq.com"',
  url: 'an http(s) URL',
  dashboardUrl: 'the http(s) URL of the dashboard, such as "https://cron.example.com"',
  timezone: 'an IANA time zone such as "Asia/Shanghai"',
  format: '"markdown" or "text"',
  rateLimit: 'a whole number of messages per window (a WeCom robot takes at most 20 a minute)',
  rateWindow: 'a whole number of milliseconds from 100',
  corpId: 'the WeCom corp id (a non-empty string)',
  agentId: "the app's agent id, a whole number",
  wecom: 'a WeCom user id (letters, digits, "_", "-", "@" or ".")',
  mobile: 'a mobile number',
  timeout: 'a whole number of milliseconds from 100',
  retryDelay: 'a whole number of milliseconds from 1',
  maxRetryDelay: 'a whole number of milliseconds from 1',
  attempts: 'a whole number from 1 to 100',
  firstStartWindow: 'a whole number of milliseconds from 0',
  channels: 'an object of channel names (letters, digits, "_" or "-") to channel settings',
  users: 'an object of maintainer names to {"wecom": "<user id>"}',
};
export const ALERTS_KNOWN_FIELDS = [
  ...Object.keys(ALERTS_EXPECTATIONS),
  'policy',
  'delivery',
  'fallback',
  'touser',
  'toparty',
  'totag',
];
