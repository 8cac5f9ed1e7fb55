/**
 * examples/systemd/timecloud.service, run as systemd would run it: its ExecStart, Environment and
 * WorkingDirectory (paths moved into a temp dir), then a stop as its KillMode says — SIGTERM to
 * the node alone. A running job must get SIGUSR2 and its grace, and the node must exit 0 well
 * within TimeoutStopSec.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { jobEventTypes } from '../../support/test-node.js';
import { tempDir } from '../../support/temp-dir.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixtures = join(root, 'test/fixtures/jobs');
const unitText = readFileSync(join(root, 'examples/systemd/timecloud.service'), 'utf8');

/** `[Service]` of the unit: each key with its values, in order (Environment repeats). */
function serviceSection(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      section = line;
      continue;
    }
    if (section !== '[Service]') continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(at + 1)]);
  }
  return keys;
}

const dir = await tempDir('timecloud-unit-');
afterAll(() => dir.remove());

it('starts from the unit as written, and on SIGTERM to the node alone lets a running job clean up on SIGUSR2', async () => {
  expect(existsSync(join(root, 'dist/src/cli.js')), 'ExecStart runs the built CLI: npm run build first').toBe(true);
  const unit = serviceSection(unitText);
  expect(unit.get('KillMode')).toEqual(['mixed']); // SIGTERM reaches the node alone, as below
  const stopTimeoutMs = Number(unit.get('TimeoutStopSec')![0]) * 1000;
  const place = (value: string) =>
    value
      .replaceAll('/opt/timecloud', root)
      .replaceAll('/srv/npm', join(dir.path, 'npm'))
      .replaceAll('/var/lib/timecloud', join(dir.path, 'lib'))
      .replace(/^\/usr\/bin\/node(?= )/, process.execPath);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir.path, TIMECLOUD_PORT: '0', TIMECLOUD_TOKEN: 'unit-test-admin-token' };
  for (const assignment of unit.get('Environment') ?? []) {
    const at = assignment.indexOf('=');
    env[assignment.slice(0, at)] = place(assignment.slice(at + 1));
  }
  const jobs = env.TIMECLOUD_JOBS!;
  const data = env.TIMECLOUD_DATA!;
  await mkdir(place(unit.get('WorkingDirectory')![0]!), { recursive: true });
  const started = join(dir.path, 'started');
  const marker = join(dir.path, 'cleaned-up');
  await writeJobPackage(jobs, 'app', {
    timecloud: {
      jobs: [job('cleaner', { schedule: '* * * * * *', script: `touch '${started}' && ${join(fixtures, 'trap-usr2.sh')} '${marker}'`, timeout: 600_000, grace: 5000 })],
    },
  });

  const [command, ...args] = place(unit.get('ExecStart')![0]!).split(' ');
  const node = spawn(command!, args, { cwd: place(unit.get('WorkingDirectory')![0]!), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  node.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  node.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => node.once('exit', (code) => resolve(code)));
  try {
    await eventually(() => existsSync(started), { timeout: 20_000, message: 'the job to start' }).catch((error: Error) => {
      throw new Error(`${error.message}\nthe node said:\n${output}`);
    });

    const stopAt = Date.now();
    node.kill('SIGTERM');
    const code = await exited;
    expect(code, output).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(stopTimeoutMs);
    expect(readFileSync(marker, 'utf8')).toBe('cleaned up\n');
  } finally {
    node.kill('SIGKILL');
  }
  const store = await openStore(join(data, 'timecloud.db'));
  try {
    const types = await jobEventTypes(store, 'app/cleaner');
    expect(types).toContain('RunSignalled');
    expect(types).toContain('RunAborted');
  } finally {
    await store.close();
  }
}, 60_000);
