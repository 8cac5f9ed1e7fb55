/**
 * A real timecloud node for a benchmark: a jobs folder of generated packages, a SQLite store
 * file, the launcher (or a given runner), the actors — everything `startNode` builds. Also a
 * tap on the store's appends, so a benchmark can see when an event became durable (the
 * append resolved) without the core having to know about benchmarks.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNodeConfig } from '../../src/config/node-config.js';
import { silentLogger } from '../../src/log.js';
import { startNode, type StartNodeOptions, type TimecloudNode } from '../../src/main.js';
import type { EventStore, NewEvent } from '../../src/store/event-store.js';
import { tempDir } from '../../test/support/temp-dir.js';

export interface BenchJobs {
  /** How many jobs. */
  count: number;
  /** Jobs per package folder. @defaultValue 100 */
  perPackage?: number;
  /** The job's fields besides its name; `schedule` may depend on the job's index. */
  fields(index: number): Record<string, unknown>;
}

/** Writes `count` jobs as packages `p0000`, `p0001`… under `jobsDir`; returns their ids in order. */
export async function writeBenchJobs(jobsDir: string, jobs: BenchJobs): Promise<string[]> {
  const perPackage = jobs.perPackage ?? 100;
  const ids: string[] = [];
  for (let first = 0; first < jobs.count; first += perPackage) {
    const name = `p${String(first / perPackage).padStart(4, '0')}`;
    const dir = join(jobsDir, name);
    await mkdir(dir, { recursive: true });
    const entries = [];
    for (let index = first; index < Math.min(jobs.count, first + perPackage); index++) {
      entries.push({ name: `j${index}`, maintainer: 'bench', ...jobs.fields(index) });
      ids.push(`${name}/j${index}`);
    }
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name }));
    await writeFile(join(dir, 'timecloud.json'), JSON.stringify({ jobs: entries }));
  }
  return ids;
}

export interface BenchNode {
  node: TimecloudNode;
  jobIds: string[];
  jobsDir: string;
  dataDir: string;
  /** Milliseconds `startNode` took to resolve. */
  startMs: number;
  stop(): Promise<void>;
}

export interface BenchNodeOptions {
  jobs: BenchJobs;
  slots: number;
  /** Reuse this data folder (a restart); by default a fresh temp folder. */
  dataDir?: string;
  jobsDir?: string;
  /** `--decide-ahead` in ms. @defaultValue the node's own default */
  decideAhead?: number;
  node?: Omit<StartNodeOptions, 'config'>;
}

/** Writes the jobs (unless `jobsDir` is given) and starts a node on them. */
export async function startBenchNode(options: BenchNodeOptions): Promise<BenchNode> {
  const tmp = await tempDir('timecloud-bench-');
  const jobsDir = options.jobsDir ?? join(tmp.path, 'jobs');
  const dataDir = options.dataDir ?? join(tmp.path, 'data');
  const jobIds = options.jobsDir ? [] : await writeBenchJobs(jobsDir, options.jobs);
  const config = loadNodeConfig({
    flags: {
      jobs: jobsDir,
      data: dataDir,
      port: 0,
      slots: options.slots,
      leaseTtl: 10_000,
      ...(options.decideAhead === undefined ? {} : { decideAhead: options.decideAhead }),
    },
    env: {},
  });
  const started = performance.now();
  const node = await startNode({ config, log: silentLogger(), ...options.node });
  const startMs = performance.now() - started;
  return {
    node,
    jobIds,
    jobsDir,
    dataDir,
    startMs,
    async stop() {
      await node.stop();
      if (!options.dataDir) await tmp.remove();
    },
  };
}

/**
 * Wall-clock time in ms, the clock of the scheduler's deadlines and of event timestamps. Not
 * `performance.timeOrigin + performance.now()`: that is the wall clock at process start plus
 * monotonic time, and on these machines the two clocks drift apart by 5 ms every second
 * (measured), so a lag taken a minute into a benchmark was off by 300 ms.
 */
export function wallNow(): number {
  return Date.now();
}

/** Called after an append resolved, with the events it stored. */
export type AppendTap = (stream: string, events: readonly NewEvent[], durableAt: number) => void;

/**
 * Wraps `store.append` and `store.appendMany` of this store object so that `tap` hears of every
 * append once it is durable. The persistence engine and the run log writer hold the same
 * object, so every write of the node passes here.
 */
export function tapAppends(store: EventStore, tap: AppendTap): () => void {
  const append = store.append.bind(store);
  const appendMany = store.appendMany.bind(store);
  store.append = async (stream, events, expected) => {
    const result = await append(stream, events, expected);
    tap(stream, events, wallNow());
    return result;
  };
  store.appendMany = async (requests) => {
    const results = await appendMany(requests);
    const at = wallNow();
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') tap(requests[index]!.stream, requests[index]!.events, at);
    });
    return results;
  };
  return () => {
    store.append = append;
    store.appendMany = appendMany;
  };
}

export const TERMINAL = ['RunSucceeded', 'RunFailed', 'RunTimedOut', 'RunAborted', 'RunAbandoned'] as const;

/**
 * Waits for runs to end, by run id or by count, from the appends the node makes (no store
 * reads, so the watching costs the node nothing measurable).
 */
export class RunEnds {
  private readonly waiting = new Map<string, () => void>();
  private readonly ended = new Set<string>();
  private countWaiters: { count: number; resolve: () => void }[] = [];
  failures = 0;
  total = 0;

  readonly tap: AppendTap = (_stream, events) => {
    for (const event of events) {
      if (!(TERMINAL as readonly string[]).includes(event.type)) continue;
      if (event.type !== 'RunSucceeded') this.failures++;
      const runId = (event.data as { runId: string }).runId;
      this.total++;
      const resolve = this.waiting.get(runId);
      if (resolve) {
        this.waiting.delete(runId);
        resolve();
      } else {
        this.ended.add(runId);
      }
      this.countWaiters = this.countWaiters.filter((waiter) => {
        if (this.total < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    }
  };

  /** Resolves once run `runId` has a final event. */
  run(runId: string): Promise<void> {
    if (this.ended.delete(runId)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(runId, resolve));
  }

  /** Forgets runs that ended unwaited-for (after a burst), and restarts the count. */
  reset(): void {
    this.ended.clear();
    this.total = 0;
    this.failures = 0;
  }

  /** Resolves once `count` runs have ended since this object was made (or reset). */
  count(count: number): Promise<void> {
    if (this.total >= count) return Promise.resolve();
    return new Promise((resolve) => this.countWaiters.push({ count, resolve }));
  }
}

/** Transactions the SQLite writer committed, and the ops (appends, metadata) they carried. */
export interface CommitCounts {
  commits: number;
  ops: number;
}

/**
 * Counts the SQLite store's commits (each one transaction and one fsync) by wrapping its
 * writer. Reaches into private fields on purpose: a benchmark may look where the product
 * must not; returns undefined for a store that has no such writer.
 */
export function tapCommits(store: EventStore): CommitCounts | undefined {
  interface WriterLike {
    commit(ops: readonly unknown[]): Promise<unknown[]>;
  }
  const writer = (store as unknown as { committer?: { writer?: WriterLike } }).committer?.writer;
  if (!writer) return undefined;
  const counts: CommitCounts = { commits: 0, ops: 0 };
  const original = writer.commit.bind(writer);
  writer.commit = (ops) => {
    counts.commits++;
    counts.ops += ops.length;
    return original(ops);
  };
  return counts;
}

/** When each step of a run became durable (wall-clock ms), from the appends. */
export interface RunSteps {
  scheduled?: number;
  queued?: number;
  started?: number;
  ended?: number;
  /** The runner's own duration of the process (start → group gone). */
  durationMs?: number;
}

/** Collects `RunSteps` per run id while `recording` is true. */
export class RunTimeline {
  readonly runs = new Map<string, RunSteps>();
  recording = false;

  readonly tap: AppendTap = (_stream, events, at) => {
    if (!this.recording) return;
    for (const event of events) {
      const data = event.data as { runId?: string; durationMs?: number };
      if (!data.runId) continue;
      let steps = this.runs.get(data.runId);
      if (!steps) this.runs.set(data.runId, (steps = {}));
      if (event.type === 'RunScheduled') steps.scheduled = at;
      else if (event.type === 'RunQueued') steps.queued ??= at;
      else if (event.type === 'RunStarted') steps.started = at;
      else if ((TERMINAL as readonly string[]).includes(event.type)) {
        steps.ended = at;
        steps.durationMs = data.durationMs;
      }
    }
  };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc, with that of its reaped
 * children when `children` is set; 0 when unreadable.
 */
export function processCpuMs(pid: number, children = false): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields 14–17 of stat (utime, stime, cutime, cstime), counted after the comm field.
    let ticks = Number(fields[11]) + Number(fields[12]);
    if (children) ticks += Number(fields[13]) + Number(fields[14]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;
