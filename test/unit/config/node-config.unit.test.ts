import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeConfig, NODE_CONFIG_KEYS, nodeConfigTableMarkdown, NodeConfigError, type LoadNodeConfigInput } from '../../../src/config/node-config.js';
import { ensureNodeId } from '../../../src/config/node-id.js';
import { ConfigError } from '../../../src/errors.js';
import { tempDir } from '../../support/temp-dir.js';

let root: { path: string; remove: () => Promise<void> };
const cwd = '/srv/app';
const home = '/home/ops';

beforeAll(async () => {
  root = await tempDir();
  await mkdir(join(root.path, 'etc'));
  await writeFile(
    join(root.path, 'etc', 'config.json'),
    JSON.stringify({ jobs: '../jobs', port: 8080, slots: 3, logLevel: 'debug', alerts: { wecom: { webhook: 'x' } } }),
  );
});
afterAll(() => root.remove());

function load(input: LoadNodeConfigInput): ReturnType<typeof loadNodeConfig> {
  return loadNodeConfig({ env: {}, cwd, homedir: home, cpuCount: 4, ...input });
}

function problemsOf(input: LoadNodeConfigInput): string[] {
  try {
    load(input);
  } catch (error) {
    expect(error).toBeInstanceOf(NodeConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    return (error as NodeConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadNodeConfig', () => {
  it('fills every default', () => {
    expect(load({})).toEqual({
      jobs: '/home/ops/npm',
      data: '/srv/app/data',
      store: '/srv/app/data/timecloud.db',
      port: 19031,
      host: '127.0.0.1',
      slots: 4,
      leaseTtl: 1500,
      decideAhead: 200,
      logLimit: 1048576,
      logLevel: 'info',
      alerts: undefined,
      sources: Object.fromEntries(
        ['jobs', 'data', 'store', 'port', 'host', 'slots', 'leaseTtl', 'decideAhead', 'logLimit', 'logLevel'].map((k) => [k, 'default']),
      ),
    });
  });

  it('takes flag over variable over file over default', () => {
    const configFile = join(root.path, 'etc', 'config.json');
    const config = load({
      flags: { port: '9000', nodeId: 'from-flag' },
      env: { TIMECLOUD_PORT: '9001', TIMECLOUD_SLOTS: '7', TIMECLOUD_NODE_ID: 'from-env', TIMECLOUD_DATA: '~/state' },
      configFile,
    });
    expect(config).toMatchObject({
      port: 9000,
      nodeId: 'from-flag',
      slots: 7,
      logLevel: 'debug',
      jobs: join(root.path, 'jobs'),
      data: '/home/ops/state',
      store: '/home/ops/state/timecloud.db',
      host: '127.0.0.1',
      alerts: { wecom: { webhook: 'x' } },
      configFile,
    });
    expect(config.sources).toMatchObject({ port: 'flag', nodeId: 'flag', slots: 'env', data: 'env', logLevel: 'file', jobs: 'file', host: 'default' });
  });

  it('reads the config file named by --config or TIMECLOUD_CONFIG, relative to cwd', () => {
    expect(load({ flags: { config: 'etc/config.json' }, cwd: root.path }).port).toBe(8080);
    expect(load({ env: { TIMECLOUD_CONFIG: 'etc/config.json' }, cwd: root.path }).slots).toBe(3);
  });

  it('keeps store URLs and resolves store files', () => {
    expect(load({ flags: { store: 'kurrentdb://db:2113?tls=false' } }).store).toBe('kurrentdb://db:2113?tls=false');
    expect(load({ env: { TIMECLOUD_STORE: 'esdb+discover://a,b' } }).store).toBe('esdb+discover://a,b');
    expect(load({ flags: { store: 'shared/events.db' } }).store).toBe('/srv/app/shared/events.db');
  });

  it('treats an empty variable as unset', () => {
    expect(load({ env: { TIMECLOUD_SLOTS: '' } }).slots).toBe(4);
  });

  it('names the source of every bad value, all at once', () => {
    expect(
      problemsOf({
        flags: { port: '99999', logLevel: 'loud' },
        env: { TIMECLOUD_SLOTS: 'abc', TIMECLOUD_LEASE_TTL: '10', TIMECLOUD_NODE_ID: 'has space', TIMECLOUD_STORE: 'mysql://x' },
      }),
    ).toEqual([
      'TIMECLOUD_STORE: unsupported store URL scheme "mysql://" — expected a file path or a kurrentdb://, kurrentdb+discover://, esdb://, esdb+discover:// URL',
      '--port: expected a port number from 0 to 65535, got "99999"',
      'TIMECLOUD_SLOTS: expected a positive integer (at most 1024), got "abc"',
      'TIMECLOUD_NODE_ID: expected letters, digits, ".", "_" or "-" (1 to 64 characters), got "has space"',
      'TIMECLOUD_LEASE_TTL: expected a whole number of milliseconds from 1000 to 2147483647, got "10"',
      '--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
    expect(problemsOf({ env: { TIMECLOUD_SLOTS: '1.5' } })).toEqual(['TIMECLOUD_SLOTS: expected a positive integer (at most 1024), got "1.5"']);
    expect(problemsOf({ env: { TIMECLOUD_SLOTS: '0' } })).toEqual(['TIMECLOUD_SLOTS: expected a positive integer (at most 1024), got "0"']);
  });

  it('names the config file in its problems: unknown keys, wrong types, bad JSON, missing file', async () => {
    const bad = join(root.path, 'etc', 'bad.json');
    await writeFile(bad, JSON.stringify({ prot: 1, port: 'eighty', slots: 2.5 }));
    expect(problemsOf({ configFile: bad })).toEqual([
      `${bad}: unknown field "prot" — did you mean "port"?`,
      `${bad}: port: expected a port number from 0 to 65535, got "eighty"`,
      `${bad}: slots: expected a positive integer (at most 1024), got 2.5`,
    ]);
    const broken = join(root.path, 'etc', 'broken.json');
    await writeFile(broken, '{\n  "port": 1,\n}');
    expect(problemsOf({ configFile: broken })).toEqual([`${broken}: not valid JSON: line 3, column 1: expected double-quoted property name`]);
    expect(problemsOf({ flags: { config: 'nope.json' } })).toEqual(['--config: nope.json does not exist']);
    expect(problemsOf({ env: { TIMECLOUD_CONFIG: '/nope.json' } })).toEqual(['TIMECLOUD_CONFIG: /nope.json does not exist']);
  });

  it('exports one row per key for --help and the README', () => {
    expect(NODE_CONFIG_KEYS.map((k) => k.env)).toEqual([
      'TIMECLOUD_JOBS',
      'TIMECLOUD_DATA',
      'TIMECLOUD_STORE',
      'TIMECLOUD_PORT',
      'TIMECLOUD_HOST',
      'TIMECLOUD_SLOTS',
      'TIMECLOUD_NODE_ID',
      'TIMECLOUD_LEASE_TTL',
      'TIMECLOUD_DECIDE_AHEAD',
      'TIMECLOUD_LOG_LIMIT',
      'TIMECLOUD_LOG_LEVEL',
    ]);
    const table = nodeConfigTableMarkdown().split('\n');
    expect(table).toHaveLength(2 + NODE_CONFIG_KEYS.length + 1);
    expect(table).toContain(
      '| `slots` | `--slots <n>` | `TIMECLOUD_SLOTS` | the CPU count | How many runs may go at once on this node; the rest wait in a queue. |',
    );
  });
});

describe('ensureNodeId', () => {
  it('creates an id from the host name once and keeps it', async () => {
    const data = join(root.path, 'data-a');
    const id = ensureNodeId(data, 'web 01.example');
    expect(id).toMatch(/^web-01\.example-[0-9a-f]{6}$/);
    expect(ensureNodeId(data, 'other-host')).toBe(id);
    expect((await readFile(join(data, 'node-id'), 'utf8')).trim()).toBe(id);
    expect(ensureNodeId(join(root.path, 'data-b'), 'web 01.example')).not.toBe(id);
  });

  it('rejects a stored id that is not one', async () => {
    const data = join(root.path, 'data-c');
    await mkdir(data);
    await writeFile(join(data, 'node-id'), 'two words\n');
    expect(() => ensureNodeId(data)).toThrow(/node-id: expected a node id .*got "two words"/);
  });
});
