import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFileRejection, parseJobFile, type ParsedJobFile } from '../../../src/config/job-file.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { tempDir } from '../../support/temp-dir.js';

let root: { path: string; remove: () => Promise<void> };
let pkg: string;

beforeAll(async () => {
  root = await tempDir();
  pkg = await writeJobPackage(root.path, 'reports', {
    packageJson: { name: '@acme/reports', scripts: { start: 'node index.js', build: 'tsc', nightly: 'node nightly.js' } },
    executables: { 'bin/start': '#!/bin/sh\nexit 0\n', 'bin/update': '#!/bin/sh\nexit 0\n' },
  });
  await writeJobPackage(root.path, 'reports/bin/not-executable', { packageJson: null });
});
afterAll(() => root.remove());

function parse(content: unknown, packageScripts?: Record<string, string> | null): ParsedJobFile {
  return parseJobFile({
    file: join(pkg, 'timecloud.json'),
    text: typeof content === 'string' ? content : JSON.stringify(content, null, 2),
    packageDir: pkg,
    packageName: '@acme/reports',
    ...(packageScripts === undefined ? {} : { packageScripts }),
  });
}

function messagesOf(result: ParsedJobFile): string[] {
  return result.rejections.map((r) => `${r.field ?? '(file)'}: ${r.message}`);
}

describe('parseJobFile: the seed format', () => {
  it('accepts the original README example and fills every default', () => {
    const result = parse({
      jobs: [
        { name: 'npm', script: 'npm start', maintainer: 'user', timeout: 5000, schedule: '*/30 * * * * *' },
        { name: 'start', script: './bin/start', maintainer: 'user', timeout: 30000, schedule: '0 * * * * *' },
        { name: 'update', script: './bin/update', maintainer: ['user1', 'user2'], timeout: 40000, schedule: '0 0 * * * *' },
      ],
    });
    expect(result.rejections).toEqual([]);
    expect(result.fileOk).toBe(true);
    expect(result.jobs.map((j) => j.id)).toEqual(['@acme/reports/npm', '@acme/reports/start', '@acme/reports/update']);
    expect(result.jobs[2]).toEqual({
      id: '@acme/reports/update',
      package: '@acme/reports',
      name: 'update',
      dir: pkg,
      file: join(pkg, 'timecloud.json'),
      script: './bin/update',
      maintainers: ['user1', 'user2'],
      timeout: 40000,
      schedule: '0 0 * * * *',
      cronDialect: 'croner',
      retries: 2,
      retryDelay: 5000,
      grace: 5000,
      overlap: 'skip',
      catchUp: 'latest',
      catchUpLimit: 10,
      env: {},
      enabled: true,
    });
  });

  it('takes every optional field as written, and the file-level dialect as the jobs\' default', () => {
    const result = parse({
      $schema: './node_modules/timecloud/schema/timecloud.schema.json',
      cronDialect: 'timecloud-v1',
      jobs: [
        job('a', {
          timezone: 'Asia/Shanghai',
          retries: 0,
          retryDelay: 100,
          grace: 0,
          overlap: 'queue',
          catchUp: 'all',
          catchUpLimit: 3,
          env: { MODE: 'full', _X1: '' },
          enabled: false,
        }),
        job('b', { cronDialect: 'croner' }),
      ],
    });
    expect(result.rejections).toEqual([]);
    expect(result.jobs[0]).toMatchObject({
      timezone: 'Asia/Shanghai',
      retries: 0,
      retryDelay: 100,
      grace: 0,
      overlap: 'queue',
      catchUp: 'all',
      catchUpLimit: 3,
      env: { MODE: 'full', _X1: '' },
      enabled: false,
      cronDialect: 'timecloud-v1',
    });
    expect(result.jobs[1]!.cronDialect).toBe('croner');
    expect(result.jobs[1]).not.toHaveProperty('timezone');
  });
});

describe('parseJobFile: broken jobs', () => {
  it('keeps the valid jobs of a file that has a broken one, and names the broken field', () => {
    const result = parse({ jobs: [job('first'), job('second', { schedule: '0 0 25 * * *' }), job('third')] });
    expect(result.jobs.map((j) => j.name)).toEqual(['first', 'third']);
    expect(result.jobIndexes).toEqual([0, 2]);
    expect(result.rejections).toHaveLength(1);
    expect(result.rejections[0]).toMatchObject({
      file: join(pkg, 'timecloud.json'),
      job: 'second',
      jobId: '@acme/reports/second',
      field: 'jobs[1].schedule',
    });
    expect(result.rejections[0]!.message).toMatch(/^schedule "0 0 25 \* \* \*" is not a valid cron expression: /);
    expect(isFileRejection(result.rejections[0]!)).toBe(false);
  });

  it('suggests the field meant by a near-miss unknown field', () => {
    const { schedule, ...rest } = job('typo');
    const result = parse({ jobs: [{ ...rest, shedule: schedule }] });
    expect(result.jobs).toEqual([]);
    expect(messagesOf(result)).toContain('jobs[0].shedule: unknown field "shedule" — did you mean "schedule"?');
    expect(messagesOf(result)).toContain('jobs[0].schedule: "schedule" is missing — expected a cron expression such as "0 */5 * * * *"');
    expect(messagesOf(parse({ jobs: [job('x', { colour: 'red' })] }))).toEqual([
      expect.stringMatching(/^jobs\[0\]\.colour: unknown field "colour" — expected one of: name, script, maintainer, timeout, schedule/),
    ]);
  });

  it('rejects the later of two jobs with the same name, naming both indexes', () => {
    const result = parse({ jobs: [job('dup'), job('other'), job('dup', { timeout: 1 })] });
    expect(result.jobs.map((j) => [j.name, j.timeout])).toEqual([
      ['dup', 5000],
      ['other', 5000],
    ]);
    expect(messagesOf(result)).toEqual([
      'jobs[2].name: duplicate job name "dup" — jobs[0] and jobs[2] both use it; jobs[2] is ignored',
    ]);
  });

  it.each([
    [0, 'got 0'],
    [-1, 'got -1'],
    [1.5, 'got 1.5'],
    ['5000', 'got "5000"'],
    [2 ** 31, `got ${2 ** 31}`],
  ])('rejects timeout %j with what was found and what is expected', (timeout, found) => {
    expect(messagesOf(parse({ jobs: [job('t', { timeout })] }))).toEqual([
      `jobs[0].timeout: timeout: expected a positive whole number of milliseconds (at most 2147483647), ${found}`,
    ]);
  });

  it('rejects an unknown zone with a suggestion, and a schedule that never fires', () => {
    expect(messagesOf(parse({ jobs: [job('z', { timezone: 'Asia/Shangai' })] }))).toEqual([
      'jobs[0].timezone: unknown timezone "Asia/Shangai" — did you mean "Asia/Shanghai"?',
    ]);
    expect(messagesOf(parse({ jobs: [job('both', { timezone: 'Mars/Olympus', schedule: '0 0 0 30 2 *' })] }))).toEqual([
      expect.stringMatching(/^jobs\[0\]\.timezone: unknown timezone "Mars\/Olympus" — expected an IANA time zone/),
      expect.stringMatching(/^jobs\[0\]\.schedule: schedule "0 0 0 30 2 \*" never fires/),
    ]);
    expect(messagesOf(parse({ jobs: [job('feb31', { schedule: '0 0 0 31 2 *' })] }))).toEqual([
      expect.stringMatching(/^jobs\[0\]\.schedule: schedule "0 0 0 31 2 \*" never fires/),
    ]);
    expect(messagesOf(parse({ cronDialect: 'timecloud-v1', jobs: [job('dec', { schedule: '0 0 0 1 12 *' })] }))).toEqual([
      expect.stringMatching(/^jobs\[0\]\.schedule: month field "12" has "12" — the timecloud-v1 dialect expects months 0–11/),
    ]);
  });

  it('rejects every problem of one job at once, and non-object entries', () => {
    const result = parse({
      jobs: [
        { name: 'a/b', script: '', maintainer: [], timeout: 10, schedule: '* * *', overlap: 'never', env: { 'A-B': 'x', N: 1, TIMECLOUD_JOB: 'x' } },
        'not a job',
      ],
    });
    expect(result.jobs).toEqual([]);
    expect(messagesOf(result)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^jobs\[0\]\.name: name: expected a non-empty name without "\/".*got "a\/b"$/),
        expect.stringMatching(/^jobs\[0\]\.script: script: expected a non-empty shell command/),
        'jobs[0].maintainer: maintainer: expected a WeCom user id or a non-empty list of them, got an empty array',
        expect.stringMatching(/^jobs\[0\]\.schedule: schedule "\* \* \*" has 3 fields/),
        'jobs[0].overlap: overlap: expected "skip", "queue" or "allow", got "never"',
        expect.stringMatching(/^jobs\[0\]\.env\["A-B"\]: name "A-B" in env is not allowed — expected a variable name/),
        'jobs[0].env.N: env.N: expected a string value, got 1',
        expect.stringMatching(/^jobs\[0\]\.env\.TIMECLOUD_JOB: name "TIMECLOUD_JOB" in env is not allowed/),
        'jobs[1]: expected a job object with name, script, maintainer, timeout and schedule, got "not a job"',
      ]),
    );
    expect(result.rejections.filter((r) => r.field?.startsWith('jobs[0]')).every((r) => r.job === 'a/b' && r.jobId === undefined)).toBe(true);
  });
});

describe('parseJobFile: scripts', () => {
  it('rejects a path that does not exist, naming the path it checked', () => {
    expect(messagesOf(parse({ jobs: [job('s', { script: './bin/missing --fast' })] }))).toEqual([
      `jobs[0].script: script "./bin/missing --fast": ${join(pkg, 'bin/missing')} does not exist — expected an executable file in the package folder`,
    ]);
    expect(messagesOf(parse({ jobs: [job('s', { script: '/nonexistent/timecloud/run' })] }))).toEqual([
      expect.stringContaining('/nonexistent/timecloud/run does not exist'),
    ]);
  });

  it('rejects a folder and a file that is not executable', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(pkg, 'bin/plain'), '#!/bin/sh\n');
    expect(messagesOf(parse({ jobs: [job('s', { script: './bin/plain' })] }))).toEqual([
      `jobs[0].script: script "./bin/plain": ${join(pkg, 'bin/plain')} is not executable — run chmod +x on it`,
    ]);
    expect(messagesOf(parse({ jobs: [job('s', { script: './bin/not-executable' })] }))).toEqual([
      `jobs[0].script: script "./bin/not-executable": ${join(pkg, 'bin/not-executable')} is not a file`,
    ]);
  });

  it('checks npm scripts against package.json', () => {
    expect(parse({ jobs: [job('a', { script: 'npm run nightly -- --full' }), job('b', { script: 'npm run --silent build' })] }).rejections).toEqual([]);
    expect(messagesOf(parse({ jobs: [job('a', { script: 'npm run nightyl' })] }))).toEqual([
      `jobs[0].script: script "npm run nightyl": ${join(pkg, 'package.json')} has no "nightyl" script — did you mean "nightly"?`,
    ]);
    expect(messagesOf(parse({ jobs: [job('a', { script: 'npm test' })] }))).toEqual([
      `jobs[0].script: script "npm test": ${join(pkg, 'package.json')} has no "test" script — it has: start, build, nightly`,
    ]);
    expect(messagesOf(parse({ jobs: [job('a', { script: 'npm start' })] }, {}))).toEqual([
      `jobs[0].script: script "npm start": ${join(pkg, 'package.json')} has no "start" script — it has no scripts`,
    ]);
    expect(messagesOf(parse({ jobs: [job('a', { script: 'npm start' })] }, null))).toEqual([
      `jobs[0].script: script "npm start": there is no package.json in ${pkg} to find the npm script "start" in`,
    ]);
  });

  it('accepts npm start without a start script when server.js is there (npm runs node server.js)', async () => {
    const dir = await writeJobPackage(root.path, 'server', { packageJson: { name: 'server' } });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'server.js'), '');
    const result = parseJobFile({
      file: join(dir, 'timecloud.json'),
      text: JSON.stringify({ jobs: [job('a', { script: 'npm start' })] }),
      packageDir: dir,
      packageName: 'server',
    });
    expect(result.rejections).toEqual([]);
  });
});

describe('parseJobFile: the file as a whole', () => {
  it('rejects bad JSON once, with line and column', () => {
    const result = parse('{\n  "jobs": [\n    { "name": "a", }\n  ]\n}');
    expect(result).toEqual({
      jobs: [],
      jobIndexes: [],
      fileOk: false,
      rejections: [{ file: join(pkg, 'timecloud.json'), message: 'not valid JSON: line 3, column 20: expected double-quoted property name' }],
    });
    expect(isFileRejection(result.rejections[0]!)).toBe(true);
    expect(messagesOf(parse('{"jobs": [ nope ]}'))).toEqual(["(file): not valid JSON: line 1, column 13: unexpected token 'o'"]);
    expect(messagesOf(parse(''))).toEqual([expect.stringMatching(/^\(file\): the file is empty — expected an object like/)]);
  });

  it('rejects a top level that is not the expected object, naming the field', () => {
    expect(messagesOf(parse([]))).toEqual([expect.stringMatching(/^\(file\): expected an object like \{"jobs": .*, got an array$/)]);
    expect(messagesOf(parse({ job: [] }))).toEqual([
      'jobs: "jobs" is missing — expected an array of jobs',
      'job: unknown field "job" — did you mean "jobs"?',
    ]);
    const dialect = parse({ cronDialect: 'v1', jobs: [job('a')] });
    expect(dialect.jobs).toEqual([]);
    expect(dialect.fileOk).toBe(false);
    expect(messagesOf(dialect)).toEqual(['cronDialect: cronDialect: expected "croner" or "timecloud-v1", got "v1"']);
  });
});
