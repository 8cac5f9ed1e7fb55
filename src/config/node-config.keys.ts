/**
 * Every node setting in one table: its flag, its environment variable, its default and what it
 * is for. The loader, `--help` and the README all read this table.
 */
import { MAX_TIMER_MS } from './job-file.schema.js';

/** The most `--decide-ahead` may be: well under the second, the finest step of a cron schedule. */
export const MAX_DECIDE_AHEAD_MS = 500;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Store URL schemes the adapters understand; anything without `scheme://` is a file path. */
export const STORE_URL_SCHEMES = ['kurrentdb', 'kurrentdb+discover', 'esdb', 'esdb+discover'] as const;

/** How a raw value is read: a path (`~` expanded, resolved), the store, a whole number, a string, a choice. */
export type ValueKind =
  | { kind: 'path' }
  | { kind: 'store' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'string'; pattern: RegExp }
  | { kind: 'choice'; choices: readonly string[] };

export interface NodeConfigKey {
  /** Name in the config file and in commander's options. */
  name: 'jobs' | 'data' | 'store' | 'port' | 'host' | 'slots' | 'nodeId' | 'leaseTtl' | 'decideAhead' | 'logLimit' | 'logLevel';
  /** CLI flag with its value placeholder, e.g. `--slots <n>`. */
  flag: string;
  env: string;
  /** The default as people read it. */
  default: string;
  description: string;
  /** What a valid value is, in words ("expected …"). */
  expected: string;
  value: ValueKind;
}

export const NODE_CONFIG_KEYS: readonly NodeConfigKey[] = [
  {
    name: 'jobs',
    flag: '--jobs <dir>',
    env: 'TIMECLOUD_JOBS',
    default: '~/npm',
    description: 'Jobs folder: one package folder per project, each with a timecloud.json.',
    expected: 'a folder path',
    value: { kind: 'path' },
  },
  {
    name: 'data',
    flag: '--data <dir>',
    env: 'TIMECLOUD_DATA',
    default: './data',
    description: 'Data folder: the admin token, local checkpoints and, by default, the store file.',
    expected: 'a folder path',
    value: { kind: 'path' },
  },
  {
    name: 'store',
    flag: '--store <url|file>',
    env: 'TIMECLOUD_STORE',
    default: '<data>/timecloud.db',
    description: 'Event store: a SQLite file, or kurrentdb://host:2113?tls=false (esdb:// too).',
    expected: `a file path or a ${STORE_URL_SCHEMES.join('://, ')}:// URL`,
    value: { kind: 'store' },
  },
  {
    name: 'port',
    flag: '--port <n>',
    env: 'TIMECLOUD_PORT',
    default: '19031',
    description: 'HTTP port of the API and dashboard (0 picks a free one).',
    expected: 'a port number from 0 to 65535',
    value: { kind: 'integer', min: 0, max: 65535 },
  },
  {
    name: 'host',
    flag: '--host <address>',
    env: 'TIMECLOUD_HOST',
    default: '127.0.0.1',
    description: 'Address the HTTP server listens on.',
    expected: 'a host name or IP address',
    value: { kind: 'string', pattern: /^[A-Za-z0-9.:_[\]%-]+$/ },
  },
  {
    name: 'slots',
    flag: '--slots <n>',
    env: 'TIMECLOUD_SLOTS',
    default: 'the CPU count',
    description: 'How many runs may go at once on this node; the rest wait in a queue.',
    expected: 'a positive integer (at most 1024)',
    value: { kind: 'integer', min: 1, max: 1024 },
  },
  {
    name: 'nodeId',
    flag: '--node-id <id>',
    env: 'TIMECLOUD_NODE_ID',
    default: 'hostname + a suffix kept in <data>/node-id',
    description: 'Name of this node in events, leases and the dashboard.',
    expected: 'letters, digits, ".", "_" or "-" (1 to 64 characters)',
    value: { kind: 'string', pattern: /^[A-Za-z0-9._-]{1,64}$/ },
  },
  {
    name: 'leaseTtl',
    flag: '--lease-ttl <ms>',
    env: 'TIMECLOUD_LEASE_TTL',
    default: '1500',
    description: 'Leader lease in ms: renewed every third of it; a standby takes over 2/3 to 1 lease after the leader stops.',
    expected: `a whole number of milliseconds from 1000 to ${MAX_TIMER_MS}`,
    value: { kind: 'integer', min: 1000, max: MAX_TIMER_MS },
  },
  {
    name: 'decideAhead',
    flag: '--decide-ahead <ms>',
    env: 'TIMECLOUD_DECIDE_AHEAD',
    default: '200',
    description:
      "Decide each tick this many ms early, so its RunScheduled is durable and its shell spawned by the tick; the script still starts at the tick. Jobs with a run open decide at the tick. 0 decides at the tick.",
    expected: `a whole number of milliseconds from 0 to ${MAX_DECIDE_AHEAD_MS}`,
    value: { kind: 'integer', min: 0, max: MAX_DECIDE_AHEAD_MS },
  },
  {
    name: 'logLimit',
    flag: '--log-limit <bytes>',
    env: 'TIMECLOUD_LOG_LIMIT',
    default: '1048576',
    description: 'Most bytes of output kept per run; the rest is dropped and marked truncated.',
    expected: 'a whole number of bytes from 1024 to 1073741824',
    value: { kind: 'integer', min: 1024, max: 1024 ** 3 },
  },
  {
    name: 'logLevel',
    flag: '--log-level <level>',
    env: 'TIMECLOUD_LOG_LEVEL',
    default: 'info',
    description: "The node's own log level (JSON lines on stdout).",
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    value: { kind: 'choice', choices: LOG_LEVELS },
  },
];

/** The flag and variable that name the config file itself. */
export const CONFIG_FILE_KEY = {
  name: 'config',
  flag: '--config <file>',
  env: 'TIMECLOUD_CONFIG',
  default: 'none',
  description: 'JSON file with any of the keys above, and the "alerts" section.',
} as const;

/** The table as Markdown, for the README. */
export function nodeConfigTableMarkdown(): string {
  const rows = [...NODE_CONFIG_KEYS, CONFIG_FILE_KEY].map(
    (key) => `| \`${key.name}\` | \`${key.flag}\` | \`${key.env}\` | ${key.default} | ${key.description} |`,
  );
  return ['| key | flag | environment | default | description |', '|---|---|---|---|---|', ...rows].join('\n');
}
