import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watch } from 'chokidar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchJobsFolder, type JobsDiff, type JobsWatcher, type WatchJobsOptions } from '../../../src/config/watcher.js';
import type { JobSpec } from '../../../src/domain/job-spec.js';
import { eventually } from '../../support/eventually.js';
import { job, writeJobPackage, writeTimecloud } from '../../support/job-packages.js';
import { tempDir } from '../../support/temp-dir.js';

/** Applies diffs the way the supervisor will, and keeps them for assertions. */
class Recorder {
  readonly diffs: JobsDiff[] = [];
  readonly jobs = new Map<string, JobSpec>();
  readonly onChange = (diff: JobsDiff): void => {
    this.diffs.push(diff);
    for (const spec of diff.registered) this.jobs.set(spec.id, spec);
    for (const { spec } of diff.updated) this.jobs.set(spec.id, spec);
    for (const { jobId } of diff.removed) this.jobs.delete(jobId);
  };
  all<K extends keyof JobsDiff>(kind: K): JobsDiff[K] {
    const items: unknown[] = this.diffs.flatMap((diff) => diff[kind] as unknown[]);
    return items as JobsDiff[K];
  }
  ids(): string[] {
    return [...this.jobs.keys()].sort();
  }
}

let root: { path: string; remove: () => Promise<void> };
let watcher: JobsWatcher | undefined;
const errors: unknown[] = [];

beforeEach(async () => {
  root = await tempDir();
  errors.length = 0;
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await root.remove();
});

function start(recorder: Recorder, options: WatchJobsOptions = {}, dir = root.path): JobsWatcher {
  watcher = watchJobsFolder(dir, recorder.onChange, {
    debounceMs: 50,
    pollIntervalMs: 100,
    onError: (error) => errors.push(error),
    ...options,
  });
  return watcher;
}

describe('watchJobsFolder', () => {
  it('reports the jobs present at start once ready', async () => {
    await writeJobPackage(root.path, 'billing', { timecloud: { jobs: [job('invoice'), job('dunning')] } });
    const recorder = new Recorder();
    const w = start(recorder);
    await w.ready;
    expect(w.mode()).toBe('watching');
    expect(recorder.diffs).toHaveLength(1);
    expect(recorder.all('registered').map((s) => s.id).sort()).toEqual(['billing/dunning', 'billing/invoice']);
    expect([...w.jobs().keys()].sort()).toEqual(['billing/dunning', 'billing/invoice']);
  });

  it('follows adding, changing, removing a job, deleting the file and deleting the folder', async () => {
    const recorder = new Recorder();
    await start(recorder).ready;
    expect(recorder.diffs).toEqual([]);

    const dir = await writeJobPackage(root.path, 'reports', { timecloud: { jobs: [job('daily'), job('hourly')] } });
    await eventually(() => expect(recorder.ids()).toEqual(['reports/daily', 'reports/hourly']));

    await writeTimecloud(dir, { jobs: [job('daily', { schedule: '0 0 6 * * *' }), job('hourly')] });
    await eventually(() => expect(recorder.all('updated')).toEqual([{ spec: expect.objectContaining({ id: 'reports/daily' }), changed: ['schedule'] }]));
    expect(recorder.jobs.get('reports/daily')?.schedule).toBe('0 0 6 * * *');

    await writeTimecloud(dir, { jobs: [job('daily', { schedule: '0 0 6 * * *' })] });
    await eventually(() => expect(recorder.ids()).toEqual(['reports/daily']));
    expect(recorder.all('removed')).toEqual([
      { jobId: 'reports/hourly', file: join(dir, 'timecloud.json'), reason: `job "hourly" is no longer defined in ${join(dir, 'timecloud.json')}` },
    ]);

    await rm(join(dir, 'timecloud.json'));
    await eventually(() => expect(recorder.ids()).toEqual([]));

    const other = await writeJobPackage(root.path, 'other', { timecloud: { jobs: [job('x')] } });
    await eventually(() => expect(recorder.ids()).toEqual(['other/x']));
    await rm(other, { recursive: true });
    await eventually(() => expect(recorder.ids()).toEqual([]));
    expect(recorder.all('removed').map((r) => r.jobId)).toEqual(['reports/hourly', 'reports/daily', 'other/x']);
    expect(recorder.all('rejected')).toEqual([]);
  });

  it('keeps the last valid definition when a job or the whole file breaks, and takes the fix', async () => {
    const dir = await writeJobPackage(root.path, 'pkg', { timecloud: { jobs: [job('a'), job('b')] } });
    const recorder = new Recorder();
    await start(recorder).ready;
    const original = recorder.jobs.get('pkg/b');

    await writeTimecloud(dir, { jobs: [job('a'), job('b', { schedule: '0 0 0 31 2 *' })] });
    await eventually(() =>
      expect(recorder.all('rejected')).toEqual([
        expect.objectContaining({ jobId: 'pkg/b', field: 'jobs[1].schedule', keptPrevious: true }),
      ]),
    );
    expect(recorder.jobs.get('pkg/b')).toEqual(original);

    await writeTimecloud(dir, '{ "jobs": [ ');
    await eventually(() => expect(recorder.all('rejected')).toHaveLength(2));
    expect(recorder.all('rejected')[1]).toEqual({
      file: join(dir, 'timecloud.json'),
      message: expect.stringMatching(/^not valid JSON: line 1, column 13/),
      keptPrevious: true,
    });
    expect(recorder.ids()).toEqual(['pkg/a', 'pkg/b']);

    await writeTimecloud(dir, { jobs: [job('a'), job('b', { timeout: 9 })] });
    await eventually(() => expect(recorder.all('updated')).toEqual([{ spec: expect.objectContaining({ id: 'pkg/b' }), changed: ['timeout'] }]));
    expect(recorder.all('removed')).toEqual([]);
    expect(watcher!.rejections()).toEqual([]);
  });

  it('rejects the later of two jobs with the same name and registers the first', async () => {
    const recorder = new Recorder();
    await start(recorder).ready;
    await writeJobPackage(root.path, 'dup', { timecloud: { jobs: [job('same', { timeout: 1 }), job('same', { timeout: 2 })] } });
    await eventually(() => expect(recorder.all('rejected')).toHaveLength(1));
    expect(recorder.all('rejected')[0]).toMatchObject({
      jobId: 'dup/same',
      field: 'jobs[1].name',
      message: 'duplicate job name "same" — jobs[0] and jobs[1] both use it; jobs[1] is ignored',
    });
    await eventually(() => expect(recorder.jobs.get('dup/same')?.timeout).toBe(1));
  });

  it('keeps reporting valid jobs valid while many invalid files come and go', async () => {
    for (const name of ['one', 'two', 'three']) await writeJobPackage(root.path, name, { timecloud: { jobs: [job('job')] } });
    const recorder = new Recorder();
    await start(recorder).ready;
    const valid = ['one/job', 'three/job', 'two/job'];
    expect(recorder.ids()).toEqual(valid);

    for (let i = 0; i < 25; i++) {
      const broken = i % 3 === 0 ? '{ not json' : { jobs: [job(`j${i}`, { schedule: 'every day' })] };
      await writeJobPackage(root.path, `broken-${i}`, { timecloud: broken });
    }
    await eventually(() => expect(watcher!.rejections()).toHaveLength(25));
    await writeJobPackage(root.path, 'four', { timecloud: { jobs: [job('job')] } });
    await eventually(() => expect(recorder.ids()).toEqual(['four/job', ...valid]));
    for (let i = 0; i < 25; i += 2) await rm(join(root.path, `broken-${i}`), { recursive: true });
    await eventually(() => expect(watcher!.rejections()).toHaveLength(12));

    expect(recorder.all('removed')).toEqual([]);
    expect(recorder.all('rejected').every((r) => !r.keptPrevious && r.file.includes('broken-'))).toBe(true);
    expect(new Set(recorder.all('rejected').map((r) => r.file)).size).toBe(25);
    expect([...watcher!.jobs().keys()].sort()).toEqual(['four/job', ...valid]);
  });

  it('turns a package rename in package.json into remove + register', async () => {
    const dir = await writeJobPackage(root.path, 'folder', { packageJson: { name: 'old-name' }, timecloud: { jobs: [job('task')] } });
    const recorder = new Recorder();
    await start(recorder).ready;
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'new-name' }));
    await eventually(() => expect(recorder.ids()).toEqual(['new-name/task']));
    expect(recorder.all('removed')).toEqual([
      { jobId: 'old-name/task', file: join(dir, 'timecloud.json'), reason: expect.stringMatching(/^package renamed from "old-name" to "new-name"/) },
    ]);
  });

  it('keeps the id when the folder is renamed but package.json is not', async () => {
    await writeJobPackage(root.path, 'before', { packageJson: { name: 'stable' }, timecloud: { jobs: [job('task')] } });
    const recorder = new Recorder();
    await start(recorder).ready;
    await rename(join(root.path, 'before'), join(root.path, 'after'));
    await eventually(() => expect(recorder.jobs.get('stable/task')?.dir).toBe(join(root.path, 'after')));
    expect(recorder.all('updated')).toEqual([{ spec: expect.objectContaining({ id: 'stable/task' }), changed: ['dir', 'file'] }]);
    expect(recorder.all('removed')).toEqual([]);
  });

  it('waits for a jobs folder that does not exist yet, and notices it vanish and come back', async () => {
    const jobsDir = join(root.path, 'later', 'jobs');
    const recorder = new Recorder();
    const w = start(recorder, {}, jobsDir);
    await w.ready;
    expect(w.mode()).toBe('waiting-for-folder');

    await writeJobPackage(jobsDir, 'pkg', { timecloud: { jobs: [job('a')] } });
    await eventually(() => expect(recorder.ids()).toEqual(['pkg/a']));
    await eventually(() => expect(w.mode()).toBe('watching'));

    await rm(jobsDir, { recursive: true });
    await eventually(() => expect(recorder.ids()).toEqual([]));
    expect(recorder.all('removed')[0]?.reason).toMatch(/does not exist|was removed/);

    await mkdir(jobsDir, { recursive: true });
    await writeJobPackage(jobsDir, 'pkg', { timecloud: { jobs: [job('a')] } });
    await eventually(() => expect(recorder.ids()).toEqual(['pkg/a']));
    await writeJobPackage(jobsDir, 'pkg2', { timecloud: { jobs: [job('b')] } });
    await eventually(() => expect(recorder.ids()).toEqual(['pkg/a', 'pkg2/b']));
  });

  it('falls back to periodic rescans when watching fails', async () => {
    await writeJobPackage(root.path, 'pkg', { timecloud: { jobs: [job('a')] } });
    const recorder = new Recorder();
    const w = start(recorder, {
      createWatcher: (dir, options) => {
        const real = watch(dir, options);
        // The way inotify running out of watches shows up: an error event after start.
        real.once('ready', () => real.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' })));
        return real;
      },
    });
    await w.ready;
    await eventually(() => expect(w.mode()).toBe('polling'));
    expect(String(errors[0])).toMatch(/rescanning it periodically instead: .*ENOSPC/);

    await writeJobPackage(root.path, 'added', { timecloud: { jobs: [job('b')] } });
    await eventually(() => expect(recorder.ids()).toEqual(['added/b', 'pkg/a']));
  });

  it('diffs the first scan against a given initial state', async () => {
    const dir = await writeJobPackage(root.path, 'pkg', { timecloud: { jobs: [job('a'), job('b')] } });
    const first = new Recorder();
    const w1 = start(first);
    await w1.ready;
    const known = [...w1.jobs().values()];
    await w1.close();

    await writeTimecloud(dir, { jobs: [job('a'), job('b', { timeout: 0 })] });
    const gone = { ...known[0]!, id: 'gone/x', package: 'gone', name: 'x', dir: join(root.path, 'gone'), file: join(root.path, 'gone', 'timecloud.json') };
    const second = new Recorder();
    await start(second, { initial: [...known, gone] }).ready;
    expect(second.diffs).toHaveLength(1);
    expect(second.diffs[0]).toEqual({
      registered: [],
      updated: [],
      removed: [{ jobId: 'gone/x', file: gone.file, reason: expect.stringMatching(/was removed/) }],
      rejected: [expect.objectContaining({ jobId: 'pkg/b', field: 'jobs[1].timeout', keptPrevious: true })],
    });
    expect([...watcher!.jobs().keys()].sort()).toEqual(['pkg/a', 'pkg/b']);
  });

  it('retries a diff whose onChange failed, against the same state', async () => {
    await writeJobPackage(root.path, 'pkg', { timecloud: { jobs: [job('a')] } });
    const recorder = new Recorder();
    let failures = 1;
    const w = start({
      ...recorder,
      onChange: (diff: JobsDiff) => {
        if (failures-- > 0) throw new Error('store unavailable');
        recorder.onChange(diff);
      },
    } as Recorder);
    await w.ready;
    expect(String(errors[0])).toMatch(/store unavailable/);
    await eventually(() => expect(recorder.ids()).toEqual(['pkg/a']));
    expect(recorder.diffs).toHaveLength(1);
  });
});

describe('watchJobsFolder: what it watches', () => {
  it('watches package folders and their two files, never node_modules or source folders', async () => {
    await writeJobPackage(root.path, 'app', {
      timecloud: { jobs: [job('a')] },
      executables: { 'src/deep/tool.sh': '#!/bin/sh\n', 'node_modules/dep/timecloud.json': JSON.stringify({ jobs: [job('dep')] }) },
    });
    await writeJobPackage(root.path, '@scope/lib', { timecloud: { jobs: [job('b')] } });
    await writeJobPackage(root.path, 'node_modules/top', { timecloud: { jobs: [job('c')] } });
    let chokidar: ReturnType<typeof watch> | undefined;
    const recorder = new Recorder();
    await start(recorder, {
      createWatcher: (dir, options) => (chokidar = watch(dir, options)),
    }).ready;
    expect(recorder.ids()).toEqual(['@scope/lib/b', 'app/a']);
    const watched = chokidar!.getWatched();
    const paths = Object.entries(watched).flatMap(([dir, names]) => names.map((name) => join(dir, name)));
    expect(paths.filter((p) => p.includes('node_modules') || p.includes('src'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining([join(root.path, 'app', 'timecloud.json'), join(root.path, '@scope', 'lib', 'timecloud.json')]));

    await writeFile(join(root.path, 'app', 'node_modules', 'dep', 'timecloud.json'), JSON.stringify({ jobs: [job('dep2')] }));
    await writeTimecloud(join(root.path, 'app'), { jobs: [job('a'), job('a2')] });
    await eventually(() => expect(recorder.ids()).toEqual(['@scope/lib/b', 'app/a', 'app/a2']));
  });
});
