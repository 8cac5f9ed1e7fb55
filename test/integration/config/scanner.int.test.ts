import { chmod, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanJobsFolder } from '../../../src/config/scanner.js';
import { job, writeJobPackage } from '../../support/job-packages.js';
import { tempDir } from '../../support/temp-dir.js';

let root: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  root = await tempDir();
});
afterEach(() => root.remove());

/** Every path under `dir` with its size and mtime, to show a scan changed nothing. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(
    entries.sort().map(async (entry) => {
      const info = await stat(join(dir, entry));
      return `${entry} ${info.size} ${info.mtimeMs}`;
    }),
  );
}

describe('scanJobsFolder', () => {
  it('finds timecloud.json in package folders and scoped folders, naming packages by package.json', async () => {
    await writeJobPackage(root.path, 'billing', { packageJson: { name: 'billing-jobs' }, timecloud: { jobs: [job('invoice')] } });
    await writeJobPackage(root.path, 'plain', { packageJson: null, timecloud: { jobs: [job('tick')] } });
    await writeJobPackage(root.path, '@acme/reports', { packageJson: { name: '@acme/reports' }, timecloud: { jobs: [job('daily')] } });
    await writeJobPackage(root.path, '@acme/unnamed', { packageJson: null, timecloud: { jobs: [job('weekly')] } });
    await writeJobPackage(root.path, 'no-jobs', { packageJson: { name: 'no-jobs' } });

    const scan = await scanJobsFolder(root.path);
    expect(scan.rejections).toEqual([]);
    expect([...scan.jobs.keys()].sort()).toEqual(['@acme/reports/daily', '@acme/unnamed/weekly', 'billing-jobs/invoice', 'plain/tick']);
    expect(scan.jobs.get('billing-jobs/invoice')).toMatchObject({
      package: 'billing-jobs',
      dir: join(root.path, 'billing'),
      file: join(root.path, 'billing', 'timecloud.json'),
    });
    expect(scan.files.map((f) => f.file)).toEqual([
      join(root.path, '@acme/reports/timecloud.json'),
      join(root.path, '@acme/unnamed/timecloud.json'),
      join(root.path, 'billing/timecloud.json'),
      join(root.path, 'plain/timecloud.json'),
    ]);
  });

  it('never looks into node_modules, dot folders or deeper folders', async () => {
    await writeJobPackage(root.path, 'node_modules/dep', { timecloud: { jobs: [job('hidden')] } });
    await writeJobPackage(root.path, 'app/node_modules/dep', { timecloud: { jobs: [job('hidden')] } });
    await writeJobPackage(root.path, '.cache/pkg', { timecloud: { jobs: [job('hidden')] } });
    await writeJobPackage(root.path, '.git', { timecloud: { jobs: [job('hidden')] } });
    await writeJobPackage(root.path, 'app/nested', { timecloud: { jobs: [job('hidden')] } });
    await writeJobPackage(root.path, 'app', { timecloud: { jobs: [job('visible')] } });
    const scan = await scanJobsFolder(root.path);
    expect([...scan.jobs.keys()]).toEqual(['app/visible']);
  });

  it('follows a symlinked package folder', async () => {
    const elsewhere = await tempDir();
    try {
      await writeJobPackage(elsewhere.path, 'linked', { timecloud: { jobs: [job('remote')] } });
      await symlink(join(elsewhere.path, 'linked'), join(root.path, 'linked'));
      const scan = await scanJobsFolder(root.path);
      expect([...scan.jobs.keys()]).toEqual(['linked/remote']);
    } finally {
      await elsewhere.remove();
    }
  });

  it('reports broken files and jobs while keeping the valid ones, and changes no file', async () => {
    await writeJobPackage(root.path, 'good', { timecloud: { jobs: [job('a'), job('b')] } });
    await writeJobPackage(root.path, 'bad-json', { timecloud: '{"jobs": [' });
    await writeJobPackage(root.path, 'bad-job', { timecloud: { jobs: [job('ok'), job('bad', { timeout: 0 })] } });
    await mkdir(join(root.path, 'bad-package'));
    await writeFile(join(root.path, 'bad-package', 'package.json'), '{ name: nope }');
    await writeFile(join(root.path, 'bad-package', 'timecloud.json'), JSON.stringify({ jobs: [job('x')] }));
    const before = await snapshot(root.path);

    const scan = await scanJobsFolder(root.path);
    expect([...scan.jobs.keys()].sort()).toEqual(['bad-job/ok', 'good/a', 'good/b']);
    expect(scan.rejections).toEqual([
      { file: join(root.path, 'bad-job/timecloud.json'), job: 'bad', jobId: 'bad-job/bad', field: 'jobs[1].timeout', message: expect.stringMatching(/got 0$/) },
      { file: join(root.path, 'bad-json/timecloud.json'), message: 'not valid JSON: line 1, column 11: unexpected end of JSON input' },
      { file: join(root.path, 'bad-package/timecloud.json'), message: expect.stringMatching(/bad-package\/package\.json is not valid JSON/) },
    ]);
    expect(scan.files.find((f) => f.file.includes('bad-json'))?.fileOk).toBe(false);
    expect(await snapshot(root.path)).toEqual(before);
  });

  it('keeps a job id in one package when two folders have the same package name', async () => {
    await writeJobPackage(root.path, 'a-copy', { packageJson: { name: 'shared' }, timecloud: { jobs: [job('other'), job('nightly')] } });
    await writeJobPackage(root.path, 'b-copy', { packageJson: { name: 'shared' }, timecloud: { jobs: [job('nightly')] } });
    const first = await scanJobsFolder(root.path);
    expect(first.jobs.get('shared/nightly')?.dir).toBe(join(root.path, 'a-copy'));
    expect(first.rejections).toEqual([
      {
        file: join(root.path, 'b-copy/timecloud.json'),
        job: 'nightly',
        jobId: 'shared/nightly',
        field: 'jobs[0].name',
        message: expect.stringMatching(/^job id "shared\/nightly" is already defined in .*a-copy\/timecloud\.json — both package folders are named "shared"/),
      },
    ]);
    const owned = await scanJobsFolder(root.path, { owners: new Map([['shared/nightly', join(root.path, 'b-copy/timecloud.json')]]) });
    expect(owned.jobs.get('shared/nightly')?.dir).toBe(join(root.path, 'b-copy'));
    expect(owned.rejections[0]).toMatchObject({ file: join(root.path, 'a-copy/timecloud.json'), field: 'jobs[1].name' });
  });

  it('rescans an unchanged file without parsing it again, but checks its scripts again every time', async () => {
    const dir = await writeJobPackage(root.path, 'app', {
      packageJson: { name: 'app', scripts: {} },
      executables: { 'bin/update': '#!/bin/sh\n' },
      timecloud: { jobs: [job('update', { script: './bin/update' }), job('serve', { script: 'npm start' })] },
    });
    await writeFile(join(dir, 'server.js'), '');
    const first = await scanJobsFolder(root.path);
    expect(first.rejections).toEqual([]);
    const again = await scanJobsFolder(root.path);
    expect(again.jobs.get('app/update')).toBe(first.jobs.get('app/update')); // the same parse

    await chmod(join(dir, 'bin/update'), 0o644);
    await rm(join(dir, 'server.js'));
    const broken = await scanJobsFolder(root.path);
    expect([...broken.jobs.keys()]).toEqual([]);
    expect(broken.rejections.map((r) => `${r.field}: ${r.message}`)).toEqual([
      expect.stringMatching(/^jobs\[0\]\.script: .* is not executable — run chmod \+x on it$/),
      expect.stringMatching(/^jobs\[1\]\.script: .* has no "start" script/),
    ]);

    await chmod(join(dir, 'bin/update'), 0o755);
    expect([...(await scanJobsFolder(root.path)).jobs.keys()]).toEqual(['app/update']);
    await writeJobPackage(root.path, 'app', { packageJson: { name: 'app', scripts: { start: 'node x.js' } } });
    expect([...(await scanJobsFolder(root.path)).jobs.keys()].sort()).toEqual(['app/serve', 'app/update']);
  });

  it('settles duplicate ids the same way on every rescan', async () => {
    await writeJobPackage(root.path, 'a-copy', { packageJson: { name: 'shared' }, timecloud: { jobs: [job('nightly')] } });
    await writeJobPackage(root.path, 'b-copy', { packageJson: { name: 'shared' }, timecloud: { jobs: [job('nightly'), job('extra')] } });
    for (let scan = 0; scan < 3; scan++) {
      const result = await scanJobsFolder(root.path);
      expect([...result.jobs.keys()].sort()).toEqual(['shared/extra', 'shared/nightly']);
      expect(result.jobs.get('shared/nightly')?.dir).toBe(join(root.path, 'a-copy'));
      expect(result.rejections).toHaveLength(1);
    }
  });

  it('says when the jobs folder is missing or not a folder', async () => {
    expect(await scanJobsFolder(join(root.path, 'absent'))).toEqual({
      jobs: new Map(),
      rejections: [],
      files: [],
      folderProblem: `jobs folder ${join(root.path, 'absent')} does not exist`,
    });
    await writeFile(join(root.path, 'file'), '');
    expect((await scanJobsFolder(join(root.path, 'file'))).folderProblem).toMatch(/is not a folder$/);
  });
});
