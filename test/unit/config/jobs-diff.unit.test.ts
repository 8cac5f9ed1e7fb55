import { describe, expect, it } from 'vitest';
import { JOB_DEFAULTS, type JobSpec } from '../../../src/domain/job-spec.js';
import type { Rejection } from '../../../src/config/job-file.js';
import { diffScan, type DiffResult } from '../../../src/config/jobs-diff.js';
import type { FileScan, JobsFolderScan } from '../../../src/config/scanner.js';

function spec(pkg: string, name: string, overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    ...JOB_DEFAULTS,
    id: `${pkg}/${name}`,
    package: pkg,
    name,
    dir: `/jobs/${pkg}`,
    file: `/jobs/${pkg}/timecloud.json`,
    script: 'true',
    maintainers: ['ops'],
    timeout: 1000,
    schedule: '0 * * * * *',
    env: {},
    ...overrides,
  };
}

function file(folder: string, jobs: JobSpec[], rejections: Omit<Rejection, 'file'>[] = [], fileOk = true): FileScan {
  const path = `/jobs/${folder}/timecloud.json`;
  return {
    file: path,
    packageDir: `/jobs/${folder}`,
    packageName: jobs[0]?.package ?? folder,
    jobs,
    jobIndexes: jobs.map((_, i) => i),
    rejections: rejections.map((r) => ({ file: path, ...r })),
    fileOk,
  };
}

function scan(...files: FileScan[]): JobsFolderScan {
  return {
    jobs: new Map(files.flatMap((f) => f.jobs.map((j) => [j.id, j] as const))),
    rejections: files.flatMap((f) => f.rejections),
    files,
  };
}

function state(...specs: JobSpec[]): Map<string, JobSpec> {
  return new Map(specs.map((s) => [s.id, s]));
}

const a = spec('pkg', 'a');
const b = spec('pkg', 'b');

describe('diffScan', () => {
  it('registers new jobs, updates changed ones with the changed fields, and ignores unchanged ones', () => {
    const changedB = spec('pkg', 'b', { schedule: '0 0 * * * *', timeout: 5 });
    const c = spec('pkg', 'c');
    const { diff, jobs } = diffScan(state(a, b), scan(file('pkg', [a, changedB, c])), new Set());
    expect(diff).toEqual({ registered: [c], updated: [{ spec: changedB, changed: ['schedule', 'timeout'] }], removed: [], rejected: [] });
    expect([...jobs.values()]).toEqual([a, changedB, c]);
  });

  it('keeps the last valid definition of a job that became invalid', () => {
    const rejection = { job: 'b', jobId: 'pkg/b', field: 'jobs[1].timeout', message: 'timeout: bad' };
    const { diff, jobs } = diffScan(state(a, b), scan(file('pkg', [a], [rejection])), new Set());
    expect(diff.removed).toEqual([]);
    expect(diff.rejected).toEqual([{ file: '/jobs/pkg/timecloud.json', ...rejection, keptPrevious: true }]);
    expect(jobs.get('pkg/b')).toBe(b);
  });

  it('keeps every job of a file that became unreadable', () => {
    const { diff, jobs } = diffScan(state(a, b), scan(file('pkg', [], [{ message: 'not valid JSON' }], false)), new Set());
    expect(diff.removed).toEqual([]);
    expect(diff.rejected).toEqual([{ file: '/jobs/pkg/timecloud.json', message: 'not valid JSON', keptPrevious: true }]);
    expect([...jobs.values()]).toEqual([a, b]);
  });

  it('keeps jobs missing from a file that has an entry it cannot identify (a broken name)', () => {
    const { diff, jobs } = diffScan(state(a, b), scan(file('pkg', [a], [{ field: 'jobs[1].name', message: 'name: bad' }])), new Set());
    expect(diff.removed).toEqual([]);
    expect(diff.rejected[0]!.keptPrevious).toBe(true);
    expect(jobs.has('pkg/b')).toBe(true);
  });

  it('says keptPrevious false for a job that never was valid', () => {
    const rejection = { job: 'new', jobId: 'pkg/new', field: 'jobs[2].schedule', message: 'bad' };
    const { diff } = diffScan(state(a), scan(file('pkg', [a], [rejection])), new Set());
    expect(diff.rejected).toEqual([{ file: '/jobs/pkg/timecloud.json', ...rejection, keptPrevious: false }]);
  });

  it('removes the jobs of a deleted file, and a job deleted from a valid file', () => {
    const other = spec('other', 'x');
    const { diff, jobs } = diffScan(state(a, b, other), scan(file('pkg', [a])), new Set());
    expect(diff.removed).toEqual([
      { jobId: 'pkg/b', file: '/jobs/pkg/timecloud.json', reason: 'job "b" is no longer defined in /jobs/pkg/timecloud.json' },
      { jobId: 'other/x', file: '/jobs/other/timecloud.json', reason: '/jobs/other/timecloud.json was removed (or its package folder /jobs/other)' },
    ]);
    expect([...jobs.keys()]).toEqual(['pkg/a']);
  });

  it('turns a package rename into remove + register', () => {
    const renamed = spec('new-name', 'a', { dir: '/jobs/pkg', file: '/jobs/pkg/timecloud.json' });
    const { diff } = diffScan(state(a), scan(file('pkg', [renamed])), new Set());
    expect(diff.registered).toEqual([renamed]);
    expect(diff.removed).toEqual([
      { jobId: 'pkg/a', file: '/jobs/pkg/timecloud.json', reason: 'package renamed from "pkg" to "new-name" in package.json (the job is now new-name/a)' },
    ]);
  });

  it('removes everything when the jobs folder is gone, saying so', () => {
    const { diff } = diffScan(state(a), { ...scan(), folderProblem: 'jobs folder /jobs does not exist' }, new Set());
    expect(diff.removed).toEqual([{ jobId: 'pkg/a', file: a.file, reason: 'jobs folder /jobs does not exist' }]);
  });

  it('tells each rejection once while it lasts, and again after it was fixed and came back', () => {
    const rejection = { job: 'b', jobId: 'pkg/b', field: 'jobs[1].timeout', message: 'bad' };
    const broken = scan(file('pkg', [a], [rejection]));
    const first: DiffResult = diffScan(state(a, b), broken, new Set());
    expect(first.diff.rejected).toHaveLength(1);
    const second = diffScan(first.jobs, broken, first.reported);
    expect(second.diff).toEqual({ registered: [], updated: [], removed: [], rejected: [] });
    const fixed = diffScan(second.jobs, scan(file('pkg', [a, b])), second.reported);
    expect(fixed.diff.rejected).toEqual([]);
    expect(diffScan(fixed.jobs, broken, fixed.reported).diff.rejected).toHaveLength(1);
  });
});
