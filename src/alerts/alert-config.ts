/**
 * The `alerts` section of the node's config file, checked once at start-up: channels, users,
 * the default policy, delivery settings. Secrets come only from environment variables that the
 * config names (`keyEnv`, `secretEnv`, `urlEnv`, `tokenEnv`); `TIMECLOUD_WECOM_WEBHOOK` alone
 * defines a robot channel named `default`. Every problem is reported at once, with its path.
 */
import type { z } from 'zod';
import type { AlertPolicy } from '../domain/alert-policy.js';
import { ALERT_POLICY_DEFAULTS } from '../domain/alert-policy.js';
import { ConfigError } from '../errors.js';
import { redactUrl } from '../log.js';
import { describeValue } from '../config/issue-message.js';
import { closest } from '../config/suggest.js';
import { isKnownTimeZone, unknownTimeZoneMessage } from '../config/timezone.js';
import {
  ALERTS_EXPECTATIONS,
  ALERTS_KNOWN_FIELDS,
  alertsSchema,
  DEFAULT_WEBHOOK_ENV,
  httpUrl,
  WECOM_BASE_URL,
} from './alert-config.schema.js';
import { describeIssues } from './config-issues.js';
import { Secret } from './secret.js';

export { DEFAULT_WEBHOOK_ENV, WECOM_BASE_URL, WECOM_USER_ID_PATTERN } from './alert-config.schema.js';

interface Limits {
  /** Messages per `rateWindow`. */
  rateLimit: number;
  /** Milliseconds of the rate window; also how long a WeCom 45009 answer makes the channel wait. */
  rateWindow: number;
}

export interface RobotChannelConfig extends Limits {
  name: string;
  type: 'wecom-robot';
  baseUrl: string;
  key: Secret;
  format: 'markdown' | 'text';
}

export interface AppChannelConfig extends Limits {
  name: string;
  type: 'wecom-app';
  baseUrl: string;
  corpId: string;
  secret: Secret;
  agentId: number;
  format: 'markdown' | 'text';
  /** Where a message goes when no maintainer has a WeCom id. */
  fallback?: { touser?: string; toparty?: string; totag?: string };
}

export interface WebhookChannelConfig extends Limits {
  name: string;
  type: 'webhook';
  url: Secret;
  token?: Secret;
}

export type ChannelConfig = RobotChannelConfig | AppChannelConfig | WebhookChannelConfig;

export interface DeliveryOptions {
  /** Milliseconds one request may take. @defaultValue 10000 */
  timeout: number;
  /** First delay before retrying a failed request, doubled each time. @defaultValue 1000 */
  retryDelay: number;
  /** @defaultValue 60000 */
  maxRetryDelay: number;
  /** Requests per notice before it is recorded as failed. @defaultValue 8 */
  attempts: number;
}

export interface UserContact {
  wecom?: string;
  mobile?: string;
}

export interface AlertsConfig {
  channels: Record<string, ChannelConfig>;
  /** Maintainer name → WeCom contact. A maintainer not listed is taken as a WeCom id as written. */
  users: Record<string, UserContact>;
  policy: AlertPolicy;
  delivery: DeliveryOptions;
  dashboardUrl?: string;
  /** Zone that times in messages are shown in. @defaultValue the node's zone */
  timezone?: string;
  /**
   * On a store alerting has never run against, outcomes older than this (ms) are not alerted,
   * so that switching alerts on does not page people about last year. @defaultValue 3600000
   */
  firstStartWindow: number;
}

export const DELIVERY_DEFAULTS: DeliveryOptions = { timeout: 10_000, retryDelay: 1000, maxRetryDelay: 60_000, attempts: 8 };
const RATE_DEFAULTS = { 'wecom-robot': 18, 'wecom-app': 18, webhook: 60 } as const;

/** The settings are wrong; `problems` has one line each, naming the path. */
export class AlertsConfigError extends ConfigError {
  constructor(readonly problems: string[]) {
    super(`invalid alerts configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface LoadAlertsConfigOptions {
  /** Where secrets are read. @defaultValue process.env */
  env?: Record<string, string | undefined>;
  /** Prefix of every path in messages, e.g. the config file. @defaultValue 'alerts' */
  label?: string;
}

type RawAlerts = z.infer<typeof alertsSchema>;
type RawChannel = NonNullable<RawAlerts['channels']>[string];

/** Splits a robot webhook URL into its base and key; `undefined` if it is not one. */
export function parseRobotWebhook(url: string): { baseUrl: string; key: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const key = parsed.searchParams.get('key');
  const suffix = '/cgi-bin/webhook/send';
  if (!/^https?:$/.test(parsed.protocol) || !key || !parsed.pathname.endsWith(suffix)) return undefined;
  return { baseUrl: `${parsed.origin}${parsed.pathname.slice(0, -suffix.length)}`, key };
}

function resolveChannel(
  name: string,
  raw: RawChannel,
  env: Record<string, string | undefined>,
  label: string,
  problems: string[],
): ChannelConfig | undefined {
  const path = `${label}.channels.${name}`;
  const secret = (field: string, variable: string): Secret | undefined => {
    const value = env[variable];
    if (value === undefined || value.trim() === '') {
      problems.push(`${path}.${field}: environment variable ${variable} is not set`);
      return undefined;
    }
    return new Secret(value.trim());
  };
  const rateWindow = raw.rateWindow ?? 60_000;
  const rateLimit = raw.rateLimit ?? RATE_DEFAULTS[raw.type];
  switch (raw.type) {
    case 'wecom-robot': {
      let key = secret('keyEnv', raw.keyEnv);
      // Accept the whole webhook URL in the variable too: that is what WeCom shows people.
      const fromUrl = key && parseRobotWebhook(key.reveal());
      if (fromUrl) key = new Secret(fromUrl.key);
      if (!key) return undefined;
      return { name, type: raw.type, baseUrl: raw.baseUrl ?? WECOM_BASE_URL, key, format: raw.format ?? 'markdown', rateLimit, rateWindow };
    }
    case 'wecom-app': {
      const appSecret = secret('secretEnv', raw.secretEnv);
      if (!appSecret) return undefined;
      return {
        name,
        type: raw.type,
        baseUrl: raw.baseUrl ?? WECOM_BASE_URL,
        corpId: raw.corpId,
        secret: appSecret,
        agentId: raw.agentId,
        format: raw.format ?? 'markdown',
        rateLimit,
        rateWindow,
        ...(raw.fallback ? { fallback: { ...raw.fallback } } : {}),
      };
    }
    case 'webhook': {
      if ((raw.url === undefined) === (raw.urlEnv === undefined)) {
        problems.push(`${path}: set exactly one of "url" and "urlEnv"`);
        return undefined;
      }
      let url: Secret | undefined = raw.url === undefined ? undefined : new Secret(raw.url);
      if (raw.urlEnv !== undefined) {
        url = secret('urlEnv', raw.urlEnv);
        if (url && !httpUrl.safeParse(url.reveal()).success) {
          problems.push(`${path}.urlEnv: environment variable ${raw.urlEnv} is not an http(s) URL`);
          return undefined;
        }
      }
      const token = raw.tokenEnv === undefined ? undefined : secret('tokenEnv', raw.tokenEnv);
      if (!url || (raw.tokenEnv !== undefined && !token)) return undefined;
      return { name, type: raw.type, url, ...(token ? { token } : {}), rateLimit, rateWindow };
    }
  }
}

/**
 * Checks the `alerts` section (as `loadNodeConfig` passed it through) and reads its secrets.
 * @throws AlertsConfigError naming every problem with its path
 */
export function loadAlertsConfig(raw: unknown, options: LoadAlertsConfigOptions = {}): AlertsConfig {
  const env = options.env ?? process.env;
  const label = options.label ?? 'alerts';
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw new AlertsConfigError([`${label}: expected an object with "channels", "users", "policy" and "delivery", got ${describeValue(raw)}`]);
  }
  const parsed = alertsSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new AlertsConfigError(describeIssues(parsed.error.issues, label, ALERTS_EXPECTATIONS, ALERTS_KNOWN_FIELDS).map((line) => line.message));
  }
  const problems: string[] = [];
  const channels: Record<string, ChannelConfig> = {};
  for (const [name, channel] of Object.entries(parsed.data.channels ?? {})) {
    const resolved = resolveChannel(name, channel, env, label, problems);
    if (resolved) channels[name] = resolved;
  }
  const webhook = env[DEFAULT_WEBHOOK_ENV]?.trim();
  if (webhook && !parsed.data.channels?.default) {
    const robot = parseRobotWebhook(webhook);
    if (!robot) {
      problems.push(
        `${DEFAULT_WEBHOOK_ENV}: expected a WeCom robot webhook URL such as ${WECOM_BASE_URL}/cgi-bin/webhook/send?key=…, got "${redactUrl(webhook)}"`,
      );
    } else {
      channels.default = {
        name: 'default',
        type: 'wecom-robot',
        baseUrl: robot.baseUrl,
        key: new Secret(robot.key),
        format: 'markdown',
        rateLimit: RATE_DEFAULTS['wecom-robot'],
        rateWindow: 60_000,
      };
    }
  }
  const zone = parsed.data.timezone;
  if (zone !== undefined && !isKnownTimeZone(zone)) problems.push(`${label}.timezone: ${unknownTimeZoneMessage(zone)}`);
  const names = [...Object.keys(parsed.data.channels ?? {}), ...(channels.default ? ['default'] : [])];
  (parsed.data.policy?.channels ?? []).forEach((name, index) => {
    if (names.includes(name)) return;
    const guess = closest(name, names);
    problems.push(
      `${label}.policy.channels[${index}]: no channel named "${name}"${guess ? ` — did you mean "${guess}"?` : names.length ? ` — channels are ${names.join(', ')}` : ' — no channels are configured'}`,
    );
  });
  if (problems.length > 0) throw new AlertsConfigError(problems);

  const policy = parsed.data.policy ?? {};
  return {
    channels,
    users: Object.fromEntries(Object.entries(parsed.data.users ?? {}).map(([name, contact]) => [name, { ...contact }])),
    policy: {
      enabled: policy.enabled ?? ALERT_POLICY_DEFAULTS.enabled,
      notifyOn: policy.notifyOn ?? ALERT_POLICY_DEFAULTS.notifyOn,
      repeat: policy.repeat ?? ALERT_POLICY_DEFAULTS.repeat,
      recovery: policy.recovery ?? ALERT_POLICY_DEFAULTS.recovery,
      groupWindow: policy.groupWindow ?? ALERT_POLICY_DEFAULTS.groupWindow,
      channels: policy.channels ?? Object.keys(channels),
    },
    delivery: { ...DELIVERY_DEFAULTS, ...parsed.data.delivery },
    ...(parsed.data.dashboardUrl ? { dashboardUrl: parsed.data.dashboardUrl.replace(/\/+$/, '') } : {}),
    ...(zone === undefined ? {} : { timezone: zone }),
    firstStartWindow: parsed.data.firstStartWindow ?? 3_600_000,
  };
}
