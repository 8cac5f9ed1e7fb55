/**
 * Loads the node's settings: CLI flag > TIMECLOUD_* variable > config file > default. Every
 * problem is collected and reported at once, each naming where the bad value came from.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, homedir as osHomedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeValue } from './issue-message.js';
import { parseJsonText } from './json-text.js';
import { CONFIG_FILE_KEY, LOG_LEVELS, NODE_CONFIG_KEYS, STORE_URL_SCHEMES, type NodeConfigKey } from './node-config.keys.js';
import { unknownFieldMessage } from './suggest.js';

export { NODE_CONFIG_KEYS, nodeConfigTableMarkdown, type NodeConfigKey } from './node-config.keys.js';

/** Where a setting's value came from. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

const nodeConfigSchema = z.object({
  jobs: z.string().min(1),
  data: z.string().min(1),
  store: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  slots: z.number().int().min(1),
  /** Undefined: the caller derives one (see `ensureNodeId`). */
  nodeId: z.string().min(1).optional(),
  leaseTtl: z.number().int().positive(),
  decideAhead: z.number().int().min(0),
  logLimit: z.number().int().positive(),
  logLevel: z.enum(LOG_LEVELS),
  /** The config file's `alerts` section, as written; validated by the alerts module. */
  alerts: z.unknown(),
  /** Absolute path of the config file read, if any. */
  configFile: z.string().optional(),
  sources: z.record(z.string(), z.enum(['flag', 'env', 'file', 'default'])),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export interface LoadNodeConfigInput {
  /** Commander's options (camelCase names: `nodeId`, `leaseTtl`, `config`). @defaultValue {} */
  flags?: Record<string, unknown>;
  /** @defaultValue process.env */
  env?: Record<string, string | undefined>;
  /** Config file path; overrides `flags.config` and TIMECLOUD_CONFIG. @defaultValue none */
  configFile?: string;
  /** Base of relative paths from flags and variables. @defaultValue process.cwd() */
  cwd?: string;
  /** What `~` means. @defaultValue os.homedir() */
  homedir?: string;
  /** Default for `slots`. @defaultValue os.availableParallelism() */
  cpuCount?: number;
}

/** Invalid settings; `problems` has one line per problem, each naming its source. */
export class NodeConfigError extends ConfigError {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const FILE_KEYS = [...NODE_CONFIG_KEYS.map((key) => key.name), 'alerts'];

interface Raw {
  value: unknown;
  source: ConfigSource;
  /** `--slots`, `TIMECLOUD_SLOTS`, `config.json: slots`. */
  label: string;
  /** Base folder of relative paths. */
  base: string;
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** Reads one raw value as its key says; returns an error message instead when it is wrong. */
function coerce(key: NodeConfigKey, raw: Raw, home: string): { value: string | number } | { error: string } {
  const { value } = raw;
  const wrong = { error: `${raw.label}: expected ${key.expected}, got ${describeValue(value)}` };
  const spec = key.value;
  if (spec.kind === 'integer') {
    const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < spec.min || number > spec.max) return wrong;
    return { value: number };
  }
  if (typeof value !== 'string' || value.trim() === '') return wrong;
  const text = value.trim();
  switch (spec.kind) {
    case 'choice':
      return spec.choices.includes(text) ? { value: text } : wrong;
    case 'string':
      return spec.pattern.test(text) ? { value: text } : wrong;
    case 'store': {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
      if (scheme === undefined) return { value: resolve(raw.base, expandHome(text, home)) };
      return (STORE_URL_SCHEMES as readonly string[]).includes(scheme.toLowerCase())
        ? { value: text }
        : { error: `${raw.label}: unsupported store URL scheme "${scheme}://" — expected ${key.expected}` };
    }
    case 'path':
      return { value: resolve(raw.base, expandHome(text, home)) };
  }
}

/** @param shown the path as the user wrote it, used in messages */
function readConfigFile(path: string, shown: string, label: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(`${label}: ${shown} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`}`);
    return {};
  }
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    problems.push(`${shown}: not valid JSON: ${(error as Error).message}`);
    return {};
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    problems.push(`${shown}: expected a JSON object of settings, got ${describeValue(json)}`);
    return {};
  }
  for (const key of Object.keys(json)) {
    if (!FILE_KEYS.includes(key) && key !== '$schema') problems.push(`${shown}: ${unknownFieldMessage(key, FILE_KEYS)}`);
  }
  return json as Record<string, unknown>;
}

/** The first source that has a value: flag, then variable, then file. */
function rawValue(
  key: NodeConfigKey,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
  file: Record<string, unknown>,
  filePath: string | undefined,
  cwd: string,
): Raw | undefined {
  const flagName = key.flag.split(' ')[0]!;
  if (flags[key.name] !== undefined) return { value: flags[key.name], source: 'flag', label: flagName, base: cwd };
  const fromEnv = env[key.env];
  // An empty variable counts as unset, as shells make it easy to leave one empty.
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'env', label: key.env, base: cwd };
  if (file[key.name] !== undefined && filePath !== undefined) {
    return { value: file[key.name], source: 'file', label: `${filePath}: ${key.name}`, base: dirname(resolve(cwd, filePath)) };
  }
  return undefined;
}

/**
 * Loads and checks the node settings. Relative paths from flags and variables are resolved
 * against `cwd`; those in the config file against the file's folder.
 * @throws NodeConfigError listing every problem, each with its source.
 */
export function loadNodeConfig(input: LoadNodeConfigInput = {}): NodeConfig {
  const flags = input.flags ?? {};
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const home = input.homedir ?? osHomedir();
  const problems: string[] = [];

  const fileFrom: [string | undefined, string] =
    input.configFile !== undefined
      ? [input.configFile, CONFIG_FILE_KEY.flag.split(' ')[0]!]
      : flags.config !== undefined
        ? [String(flags.config), CONFIG_FILE_KEY.flag.split(' ')[0]!]
        : [env[CONFIG_FILE_KEY.env] || undefined, CONFIG_FILE_KEY.env];
  const [filePath, fileLabel] = fileFrom;
  const configFile = filePath === undefined ? undefined : resolve(cwd, expandHome(filePath, home));
  const file = configFile === undefined ? {} : readConfigFile(configFile, filePath!, fileLabel, problems);

  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const key of NODE_CONFIG_KEYS) {
    const raw = rawValue(key, flags, env, file, filePath, cwd);
    if (raw === undefined) continue;
    const result = coerce(key, raw, home);
    if ('error' in result) problems.push(result.error);
    else {
      values[key.name] = result.value;
      sources[key.name] = raw.source;
    }
  }
  if (problems.length > 0) throw new NodeConfigError(problems);

  const data = (values.data as string | undefined) ?? resolve(cwd, 'data');
  const defaults: Record<string, unknown> = {
    jobs: resolve(home, 'npm'),
    data,
    store: join(data, 'timecloud.db'),
    port: 19031,
    host: '127.0.0.1',
    slots: input.cpuCount ?? availableParallelism(),
    leaseTtl: 1_500,
    // A durable append takes 25–40 ms here (p50–p99, fsync): deciding at the tick, RunScheduled
    // cannot be durable within 10 ms of it. With 1,000 jobs a second, the appends of the runs
    // already going share the writer and a second's decisions took up to 118 ms to be durable
    // (bench/fire-lag.bench.ts): 200 ms ahead keeps them durable before the tick with room to
    // spare, and shells wait held at most that long.
    decideAhead: 200,
    logLimit: 1024 * 1024,
    logLevel: 'info',
  };
  for (const [name, value] of Object.entries(defaults)) {
    if (values[name] === undefined) {
      values[name] = value;
      sources[name] = 'default';
    }
  }
  return nodeConfigSchema.parse({
    ...values,
    alerts: file.alerts,
    ...(configFile === undefined ? {} : { configFile }),
    sources,
  });
}
