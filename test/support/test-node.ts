/**
 * Starts a real timecloud node for a test: its own jobs folder and data folder in a temp dir, a
 * real SQLite store file, a real launcher and real job processes. Also reads the store the way a
 * test asserts on it: the events of a job, of a run, of everything.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNodeConfig, type NodeConfig } from '../../src/config/node-config.js';
import type { JobEvent } from '../../src/domain/events.js';
import { silentLogger, createLogger } from '../../src/log.js';
import { startNode, type StartNodeOptions, type TimecloudNode } from '../../src/main.js';
import type { EventStore, StoredEvent } from '../../src/store/event-store.js';
import { tempDir } from './temp-dir.js';

export interface TestNodeOptions {
  /** An existing jobs folder; by default `<tmp>/jobs` (created empty). */
  jobsDir?: string;
  /** An existing data folder (to restart a node on the same store); by default `<tmp>/data`. */
  dataDir?: string;
  slots?: number;
  nodeId?: string;
  leaseTtl?: number;
  logLimit?: number;
  /** `--decide-ahead` in ms. @defaultValue the node's own default */
  decideAhead?: number;
  /** Anything else of `startNode`'s options (clock, runner, snapshotEvery). */
  node?: Omit<StartNodeOptions, 'config'>;
  /** Log to stderr at this level instead of staying silent (for debugging a test). */
  logLevel?: string;
  /** The config file's `alerts` section; written to `<tmp>/node.json` and read through `--config`. */
  alerts?: unknown;
  /** Environment for alert secrets. @defaultValue {} (a developer's TIMECLOUD_WECOM_WEBHOOK never reaches a test) */
  env?: Record<string, string | undefined>;
  /** Where log lines go when `logLevel` is set. @defaultValue process.stderr */
  logDestination?: NodeJS.WritableStream;
}

export interface TestNode {
  node: TimecloudNode;
  config: NodeConfig;
  jobsDir: string;
  dataDir: string;
  /** Stops the node (idempotent) and removes the temp dir unless the data folder was given. */
  cleanup(): Promise<void>;
}

export async function startTestNode(options: TestNodeOptions = {}): Promise<TestNode> {
  const tmp = await tempDir('timecloud-node-');
  const jobsDir = options.jobsDir ?? join(tmp.path, 'jobs');
  const dataDir = options.dataDir ?? join(tmp.path, 'data');
  await mkdir(jobsDir, { recursive: true });
  let configFile: string | undefined;
  if (options.alerts !== undefined) {
    configFile = join(tmp.path, 'node.json');
    await writeFile(configFile, JSON.stringify({ alerts: options.alerts }, null, 2));
  }
  const config = loadNodeConfig({
    ...(configFile ? { configFile } : {}),
    flags: {
      jobs: jobsDir,
      data: dataDir,
      port: 0,
      slots: options.slots ?? 2,
      ...(options.nodeId ? { nodeId: options.nodeId } : {}),
      leaseTtl: options.leaseTtl ?? 1500,
      logLimit: options.logLimit ?? 1_048_576,
      ...(options.decideAhead === undefined ? {} : { decideAhead: options.decideAhead }),
    },
    env: {},
  });
  const log = options.logLevel
    ? createLogger({ level: options.logLevel, destination: options.logDestination ?? process.stderr })
    : silentLogger();
  const node = await startNode({ config, log, env: options.env ?? {}, ...options.node });
  return {
    node,
    config,
    jobsDir,
    dataDir,
    async cleanup() {
      await node.stop();
      await tmp.remove();
    },
  };
}

/** Every stored event, optionally only those of streams starting with `prefix`. */
export async function allEvents(store: EventStore, prefix?: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of store.readAll(prefix ? { filter: { streamPrefixes: [prefix] } } : {})) events.push(event);
  return events;
}

/** The domain events of one job's stream, in order. */
export async function jobEvents(store: EventStore, jobId: string): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  for await (const event of store.readStream(`job-${jobId}`)) events.push({ type: event.type, data: event.data } as JobEvent);
  return events;
}

/** The events of one job that concern `runId`. */
export async function runEvents(store: EventStore, jobId: string, runId: string): Promise<JobEvent[]> {
  return (await jobEvents(store, jobId)).filter((e) => (e.data as { runId?: string }).runId === runId);
}

/** The types of a job's events, for compact assertions. */
export async function jobEventTypes(store: EventStore, jobId: string): Promise<string[]> {
  return (await jobEvents(store, jobId)).map((e) => e.type);
}

/** The text a run logged, stdout and stderr in order of storage. */
export async function runLog(store: EventStore, runId: string): Promise<string> {
  const parts: string[] = [];
  for await (const event of store.readStream(`runlog-${runId}`)) {
    if (event.type === 'LogChunk') parts.push((event.data as { text: string }).text);
  }
  return parts.join('\n');
}
