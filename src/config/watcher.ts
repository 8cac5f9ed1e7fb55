/**
 * Watches a jobs folder and reports what changed against the last good state. Every change
 * (debounced) triggers a full rescan: simpler to get right than incremental bookkeeping, and
 * cheap, since only package.json and timecloud.json files are read.
 */
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import type { JobSpec } from '../domain/job-spec.js';
import type { Rejection } from './job-file.js';
import { diffScan, isEmptyDiff, type JobsDiff } from './jobs-diff.js';
import { JOB_FILE_NAME, scanJobsFolder } from './scanner.js';

export type { JobsDiff } from './jobs-diff.js';

export interface WatchJobsOptions {
  /** Quiet time after the last file event before rescanning. @defaultValue 200 */
  debounceMs?: number;
  /**
   * How often to check that the folder still exists (or has appeared), and to rescan when
   * watching failed. @defaultValue 2000
   */
  pollIntervalMs?: number;
  /**
   * A full rescan this often even while file events work: what is watched are `timecloud.json`
   * and `package.json`, so a script made executable (or deleted) is only noticed by a rescan.
   * @defaultValue 10000
   */
  rescanEveryMs?: number;
  /** The last good state known before (e.g. from the event store); the first diff is against it. @defaultValue none */
  initial?: Iterable<JobSpec>;
  /** Told about watch failures and a failing `onChange`. @defaultValue process.emitWarning */
  onError?: (error: unknown) => void;
  /** Creates the file watcher. @defaultValue chokidar's `watch` */
  createWatcher?: (dir: string, options: ChokidarOptions) => FSWatcher;
}

/** `watching` (chokidar), `polling` (watching failed: periodic rescans), `waiting-for-folder`. */
export type WatchMode = 'starting' | 'watching' | 'polling' | 'waiting-for-folder' | 'closed';

export interface JobsWatcher {
  /** Resolves after the first scan was reported. */
  readonly ready: Promise<void>;
  /** The last good state. */
  jobs(): ReadonlyMap<string, JobSpec>;
  /** Every current rejection (reported or not). */
  rejections(): readonly Rejection[];
  mode(): WatchMode;
  /** Rescans now; resolves when that scan was reported. */
  rescan(): Promise<void>;
  close(): Promise<void>;
}

/** Inode numbers are reused at once on some file systems; with the birth time they tell folders apart. */
function identity(stats: { ino: number; birthtimeMs: number }): string {
  return `${stats.ino}:${stats.birthtimeMs}`;
}

const RELEVANT_FILES = new Set([JOB_FILE_NAME, 'package.json']);

/** Only the jobs folder, package folders (scoped too) and their two files are watched. */
function ignoredBelow(root: string): (path: string, stats?: { isFile(): boolean }) => boolean {
  return (path, stats) => {
    const rel = relative(root, path);
    if (rel === '') return false;
    const parts = rel.split(sep);
    if (parts.some((part) => part === 'node_modules' || part.startsWith('.') || part === '..')) return true;
    const scoped = parts[0]!.startsWith('@');
    if (parts.length === 1 || (parts.length === 2 && scoped)) return stats?.isFile() ?? false;
    const fileName = parts.length === 2 ? parts[1]! : scoped && parts.length === 3 ? parts[2]! : undefined;
    return fileName === undefined || !RELEVANT_FILES.has(fileName);
  };
}

class JobsFolderWatcher implements JobsWatcher {
  readonly ready: Promise<void>;
  private state: Map<string, JobSpec>;
  private reported = new Set<string>();
  private current: Rejection[] = [];
  private currentMode: WatchMode = 'starting';
  private watcher: FSWatcher | undefined;
  private rootIdentity: string | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private debounceSince = 0;
  private readonly ticker: NodeJS.Timeout;
  private queued: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly dir: string;
  private readonly debounceMs: number;
  private readonly pollIntervalMs: number;
  private readonly rescanEveryMs: number;
  private lastRescanAt = Date.now();
  private retry: NodeJS.Timeout | undefined;
  private readonly onError: (error: unknown) => void;
  private readonly createWatcher: (dir: string, options: ChokidarOptions) => FSWatcher;

  constructor(
    dir: string,
    private readonly onChange: (diff: JobsDiff) => void | Promise<void>,
    options: WatchJobsOptions,
  ) {
    this.dir = resolve(dir);
    this.debounceMs = options.debounceMs ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.rescanEveryMs = options.rescanEveryMs ?? 10_000;
    this.onError = options.onError ?? ((error) => process.emitWarning(error instanceof Error ? error : String(error)));
    this.createWatcher = options.createWatcher ?? watch;
    this.state = new Map([...(options.initial ?? [])].map((spec) => [spec.id, spec]));
    this.ticker = setInterval(() => void this.tick(), this.pollIntervalMs);
    this.ticker.unref();
    this.ready = this.arm().then(() => this.rescan());
  }

  jobs(): ReadonlyMap<string, JobSpec> {
    return this.state;
  }

  rejections(): readonly Rejection[] {
    return this.current;
  }

  mode(): WatchMode {
    return this.currentMode;
  }

  rescan(): Promise<void> {
    if (this.currentMode === 'closed') return Promise.resolve();
    if (this.queued !== undefined) return this.queued;
    const run = this.chain.then(() => {
      this.queued = undefined;
      this.lastRescanAt = Date.now();
      return this.scanOnce();
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.currentMode = 'closed';
    clearInterval(this.ticker);
    clearTimeout(this.debounce);
    clearTimeout(this.retry);
    await this.stopWatching();
    await this.chain;
  }

  /** Starts chokidar when the folder exists; otherwise waits for it to appear. */
  private async arm(): Promise<void> {
    const stats = await stat(this.dir).catch(() => undefined);
    if (this.currentMode === 'closed' || this.currentMode === 'polling') return;
    if (stats === undefined || !stats.isDirectory()) {
      this.currentMode = 'waiting-for-folder';
      return;
    }
    this.rootIdentity = identity(stats);
    try {
      const watcher = this.createWatcher(this.dir, {
        ignoreInitial: true,
        depth: 2,
        ignored: ignoredBelow(this.dir),
      });
      this.watcher = watcher;
      watcher.on('all', () => this.schedule());
      watcher.on('error', (error) => void this.fallBack(error));
      await new Promise<void>((done) => {
        watcher.once('ready', done);
        watcher.once('error', () => done());
      });
      if (this.watcher === watcher && this.mode() === 'starting') this.currentMode = 'watching';
    } catch (error) {
      await this.fallBack(error);
    }
  }

  private async stopWatching(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close().catch((error: unknown) => this.onError(error));
  }

  /** Watching failed (too many watches, an unsupported file system): rescan periodically instead. */
  private async fallBack(error: unknown): Promise<void> {
    if (this.currentMode === 'closed' || this.currentMode === 'polling') return;
    this.onError(new Error(`watching ${this.dir} failed, rescanning it periodically instead: ${String(error)}`, { cause: error }));
    this.currentMode = 'polling';
    await this.stopWatching();
  }

  /** Periodic: rescan when polling; notice the folder appearing, vanishing or being replaced. */
  private async tick(): Promise<void> {
    if (this.currentMode === 'polling') {
      await this.rescan().catch(() => undefined);
      return;
    }
    if (this.currentMode !== 'watching' && this.currentMode !== 'waiting-for-folder') return;
    if (this.currentMode === 'watching' && Date.now() - this.lastRescanAt >= this.rescanEveryMs) {
      await this.rescan().catch(() => undefined);
    }
    const stats = await stat(this.dir).catch(() => undefined);
    const current = stats?.isDirectory() ? identity(stats) : undefined;
    const waiting = this.currentMode === 'waiting-for-folder';
    if (waiting ? current === undefined : current === this.rootIdentity) return;
    await this.stopWatching();
    if (this.mode() === 'closed') return;
    this.currentMode = 'starting';
    await this.arm();
    await this.rescan().catch(() => undefined);
  }

  /** Trailing debounce, but never postponed beyond ten quiet periods while events keep coming. */
  private schedule(): void {
    const now = Date.now();
    if (this.debounce === undefined) this.debounceSince = now;
    else if (now - this.debounceSince > this.debounceMs * 10) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.rescan().catch(() => undefined);
    }, this.debounceMs);
  }

  private async scanOnce(): Promise<void> {
    try {
      const owners = new Map([...this.state].map(([id, spec]) => [id, spec.file]));
      const scan = await scanJobsFolder(this.dir, { owners });
      if (this.currentMode === 'closed') return;
      if (scan.folderProblem !== undefined && this.currentMode === 'watching') {
        // The watched folder is gone; a new one by the same name needs a new watcher.
        await this.stopWatching();
        this.currentMode = 'waiting-for-folder';
      }
      const result = diffScan(this.state, scan, this.reported);
      if (!isEmptyDiff(result.diff)) await this.onChange(result.diff);
      // Committed only once told: a failed onChange is retried against the same state.
      this.state = result.jobs;
      this.reported = result.reported;
      this.current = scan.rejections;
    } catch (error) {
      this.onError(error);
      if (this.currentMode !== 'closed' && this.retry === undefined) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          void this.rescan().catch(() => undefined);
        }, this.pollIntervalMs);
      }
    }
  }
}

/**
 * Watches `dir` (chokidar, debounced) and calls `onChange` with each non-empty diff against
 * the last good state, one at a time, in order. A job that becomes invalid keeps its last valid
 * definition (`rejected` with `keptPrevious: true`); only a deleted file or folder, or a job
 * deleted from a valid file, removes jobs. A folder that does not exist yet is waited for.
 */
export function watchJobsFolder(
  dir: string,
  onChange: (diff: JobsDiff) => void | Promise<void>,
  options: WatchJobsOptions = {},
): JobsWatcher {
  return new JobsFolderWatcher(dir, onChange, options);
}
