import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateReport } from '../../../src/config/validate-report.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { tempDir } from '../../support/temp-dir.js';

let root: { path: string; remove: () => Promise<void> };
let good: string;
let mixed: string;
const now = new Date('2025-03-29T12:00:00Z');

beforeAll(async () => {
  root = await tempDir();
  good = await writeJobPackage(root.path, 'good', {
    packageJson: { name: '@acme/good', scripts: { start: 'node x.js' } },
    timecloud: {
      jobs: [
        job('berlin', { script: 'npm start', schedule: '0 30 2 * * *', timezone: 'Europe/Berlin' }),
        job('legacy', { schedule: '0 0 9 1 0 *', timezone: 'Asia/Shanghai', cronDialect: 'timecloud-v1', enabled: false }),
      ],
    },
  });
  mixed = await writeJobPackage(root.path, 'mixed', {
    timecloud: { jobs: [job('fine', { timezone: 'UTC' }), job('broken', { schedule: '0 0 0 31 2 *' }), job('local')] },
  });
  await writeJobPackage(root.path, 'unparseable', { timecloud: '{"jobs": [}' });
});
afterAll(() => root.remove());

describe('validateReport', () => {
  it('shows each job with id, schedule, zone, dialect and the next 5 fire times with offsets and UTC', async () => {
    const report = await validateReport({ paths: [join(good, 'timecloud.json')], now });
    expect(report.ok).toBe(true);
    const expected = [
      `${join(good, 'timecloud.json')}  (package @acme/good)`,
      '  ok     @acme/good/berlin',
      '         schedule  0 30 2 * * *  (dialect croner)',
      '         timezone  Europe/Berlin',
      '         next      2025-03-30 03:00:00 +02:00 Sun   2025-03-30T01:00:00Z',
      '                   2025-03-31 02:30:00 +02:00 Mon   2025-03-31T00:30:00Z',
      '                   2025-04-01 02:30:00 +02:00 Tue   2025-04-01T00:30:00Z',
      '                   2025-04-02 02:30:00 +02:00 Wed   2025-04-02T00:30:00Z',
      '                   2025-04-03 02:30:00 +02:00 Thu   2025-04-03T00:30:00Z',
      '  ok     @acme/good/legacy',
      '         schedule  0 0 9 1 0 *  (dialect timecloud-v1)',
      '         timezone  Asia/Shanghai',
      '         disabled  "enabled": false — it is registered but never fires',
      '         next      2026-01-01 09:00:00 +08:00 Thu   2026-01-01T01:00:00Z',
    ].join('\n');
    expect(report.text).toContain(expected);
    expect(report.text).toContain('Next fire times after 2025-03-29T12:00:00Z');
    expect(report.text.trimEnd().split('\n').at(-1)).toBe('OK: 2 valid jobs, 0 problems in 1 file');
  });

  it('lists every problem with file, job and field, next to the valid jobs of the same file', async () => {
    const report = await validateReport({ paths: [mixed], now, count: 2 });
    expect(report.ok).toBe(false);
    expect(report.text).toContain('  ok     mixed/fine\n');
    expect(report.text).toContain('  ok     mixed/local\n');
    expect(report.text).toMatch(/ {9}timezone {2}\S+ \(the node's zone; none set\)/);
    expect(report.text).toContain(
      '  error  jobs[1].schedule (job "broken"): schedule "0 0 0 31 2 *" never fires: no date matches it (such as February 31)',
    );
    expect(report.text.trimEnd().split('\n').at(-1)).toBe('INVALID: 2 valid jobs, 1 problem in 1 file');
  });

  it('validates a whole jobs folder, a broken file included', async () => {
    const report = await validateReport({ paths: [root.path], now, count: 1 });
    expect(report.ok).toBe(false);
    expect(report.text).toContain(`${join(root.path, 'unparseable', 'timecloud.json')}  (package unparseable)\n  error  (file): not valid JSON: line 1, column 11:`);
    expect(report.text.trimEnd().split('\n').at(-1)).toBe('INVALID: 4 valid jobs, 2 problems in 3 files');
  });

  it('fails for a path that does not exist or holds no job file, with relative paths from cwd', async () => {
    await writeJobPackage(root.path, 'empty/inner', { packageJson: { name: 'inner' } });
    const report = await validateReport({ paths: ['good', 'nope', 'empty'], now, cwd: root.path });
    expect(report.ok).toBe(false);
    expect(report.text).toContain(`error  ${join(root.path, 'nope')}: does not exist`);
    expect(report.text).toContain(`error  ${join(root.path, 'empty')}: no timecloud.json here nor in its package folders`);
    expect(report.text.trimEnd().split('\n').at(-1)).toBe('INVALID: 2 valid jobs, 0 problems in 1 file, 2 paths missing or without job files');
  });
});
