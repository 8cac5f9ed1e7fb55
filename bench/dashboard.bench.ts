/**
 * The dashboard's backend under a long history: API latency (p50/p99 of `GET /api/jobs` and
 * `GET /api/runs`) with 100k runs in the store, how soon a node serves them (first start
 * rebuilding its projections, then a restart from their checkpoint), and the server's RSS while
 * 50 WebSocket clients follow a chatty job. The node runs in a child process; the clients here.
 *
 *   node --import tsx bench/dashboard.bench.ts [runs=100000] [jobs=100] [requests=2000] [clients=50]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { scanJobsFolder } from '../src/config/scanner.js';
import type { JobEvent } from '../src/domain/events.js';
import { randomId } from '../src/domain/ids.js';
import { evolve, initialJobState, type JobState } from '../src/domain/job-state.js';
import type { JobSpec } from '../src/domain/job-spec.js';
import type { EventStore } from '../src/store/event-store.js';
import { JOB_SNAPSHOT_VERSION } from '../src/store/job-streams.js';
import { StorePersistenceEngine } from '../src/store/nact-persistence.js';
import { openStore } from '../src/store/open-store.js';

const RUNS = Number(process.argv[2] ?? 100_000);
const JOBS = Number(process.argv[3] ?? 100);
const REQUESTS = Number(process.argv[4] ?? 2000);
const CLIENTS = Number(process.argv[5] ?? 50);
const TOKEN = 'bench-token-0123456789abcdef';
const NEVER = '0 0 0 29 2 *'; // 29 February: nothing falls due while the bench runs

async function writeJobs(jobsDir: string): Promise<Map<string, JobSpec>> {
  const dir = join(jobsDir, 'bench');
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'bench' }));
  const jobs = Array.from({ length: JOBS }, (_, i) => ({ name: `j${i}`, script: 'true', maintainer: 'ops', timeout: 10_000, schedule: NEVER }));
  jobs.push({ name: 'chatty', script: './bin/chatty', maintainer: 'ops', timeout: 120_000, schedule: NEVER });
  await writeFile(join(dir, 'timecloud.json'), JSON.stringify({ jobs }));
  // 100 lines a second for 30 seconds.
  await writeFile(join(dir, 'bin', 'chatty'), '#!/bin/sh\ni=0\nwhile [ $i -lt 3000 ]; do i=$((i+1)); echo "line $i of a chatty job"; sleep 0.01; done\n', { mode: 0o755 });
  return (await scanJobsFolder(jobsDir)).jobs;
}

/** RUNS runs spread over the jobs (one in ten failing), snapshotted every 200 events as a leader would. */
async function writeHistory(store: EventStore, specs: JobSpec[]): Promise<number> {
  const engine = new StorePersistenceEngine(store, { snapshotVersion: JOB_SNAPSHOT_VERSION });
  const perJob = Math.ceil(RUNS / JOBS);
  const start = Date.now() - (perJob + 10) * 60_000;
  let events = 0;
  for (const spec of specs) {
    const stream = `job-${spec.id}`;
    let state: JobState = initialJobState(spec.id);
    let batch: JobEvent[] = [{ type: 'JobRegistered', data: { jobId: spec.id, spec, at: new Date(start).toISOString() } }];
    let sinceSnapshot = 0;
    const flush = async () => {
      const result = await store.append(stream, batch.map((e) => ({ type: e.type, data: e.data, metadata: { nodeId: 'history', epoch: 0 } })));
      for (const e of batch) state = evolve(state, e);
      events += batch.length;
      sinceSnapshot += batch.length;
      batch = [];
      if (sinceSnapshot >= 200) {
        await engine.saveSnapshot(stream, result.nextRevision, state);
        sinceSnapshot = 0;
      }
    };
    for (let n = 1; n <= perJob; n++) {
      const at = new Date(start + n * 60_000).toISOString();
      const end = new Date(start + n * 60_000 + 1500).toISOString();
      const runId = randomId();
      const ref = { jobId: spec.id, runId, attempt: 1 };
      batch.push(
        { type: 'RunScheduled', data: { ...ref, rootRunId: runId, scheduledFor: at, reason: 'manual', by: 'bench', at } },
        { type: 'RunStarted', data: { ...ref, pid: 1000 + n, slot: n % 4, nodeId: 'history', host: 'history', at } },
        n % 10 === 0
          ? { type: 'RunFailed', data: { ...ref, exitCode: 1, signal: null, durationMs: 1500, stderrTail: 'database unreachable', at: end } }
          : { type: 'RunSucceeded', data: { ...ref, exitCode: 0, durationMs: 1500, at: end } },
      );
      if (batch.length >= 198) await flush();
    }
    if (batch.length > 0) await flush();
  }
  return events;
}

interface NodeChild {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
}

let running: ChildProcess | undefined;

async function startChild(jobsDir: string, dataDir: string): Promise<NodeChild> {
  const child = (running = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'dashboard-node.ts'), jobsDir, dataDir], {
    env: { ...process.env, TIMECLOUD_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  }));
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push({ ...(JSON.parse(line) as Record<string, unknown>), receivedAt: performance.now() }));
  while (!lines.some((l) => l.event === 'started')) {
    if (child.exitCode !== null) throw new Error('the node process exited');
    await sleep(20);
  }
  return { child, url: lines.find((l) => l.event === 'started')!.url as string, lines };
}

async function stopChild(node: NodeChild): Promise<void> {
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const headers = { authorization: `Bearer ${TOKEN}` };

async function get(url: string): Promise<unknown> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Polls until the node serves every job and the newest runs (the dashboard is usable); the time
 * counts from the moment the node's code was loaded (tsx transpiling is not the node's doing).
 */
async function untilServing(node: NodeChild): Promise<number> {
  for (;;) {
    try {
      const jobs = (await get(`${node.url}/api/jobs`)) as { jobs: unknown[] };
      const runs = (await get(`${node.url}/api/runs?limit=1`)) as { runs: unknown[] };
      if (jobs.jobs.length >= JOBS && runs.runs.length === 1) {
        return performance.now() - (node.lines.find((l) => l.event === 'imported')!.receivedAt as number);
      }
    } catch {
      // not yet
    }
    await sleep(5);
  }
}

/** Waits until the node leads and its projections are caught up, then a moment for the actors to settle. */
async function untilQuiet(node: NodeChild): Promise<void> {
  while (!node.lines.some((l) => l.event === 'caughtUp')) await sleep(20);
  while (((await get(`${node.url}/healthz`)) as { role: string }).role !== 'leader') await sleep(50);
  await sleep(2000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Client-observed latency, and the node's own time from its `Server-Timing` header. */
async function latency(label: string, url: string): Promise<void> {
  for (let i = 0; i < 100; i++) await get(url);
  const times: number[] = [];
  const server: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    bytes = (await response.arrayBuffer()).byteLength;
    times.push(performance.now() - started);
    server.push(Number(/dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1]));
  }
  times.sort((a, b) => a - b);
  server.sort((a, b) => a - b);
  const f = (ms: number) => ms.toFixed(2).padStart(6);
  console.log(
    `  ${label.padEnd(28)} p50 ${f(percentile(times, 50))} ms  p99 ${f(percentile(times, 99))} ms  max ${f(times.at(-1)!)} ms` +
      `  | in the node p50 ${f(percentile(server, 50))} p99 ${f(percentile(server, 99))} ms  (${bytes} bytes)`,
  );
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) / 1024;
}

async function websockets(node: NodeChild): Promise<void> {
  const trigger = await fetch(`${node.url}/api/jobs/${encodeURIComponent('bench/chatty')}/trigger`, { method: 'POST', headers });
  if (trigger.status !== 202) throw new Error(`trigger of bench/chatty: ${trigger.status} ${await trigger.text()}`);
  const { runId } = (await trigger.json()) as { runId: string };
  const before = rssMiB(node.child.pid!);
  const received: number[] = Array.from({ length: CLIENTS }, () => 0);
  const sockets = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${node.url.replace('http', 'ws')}/ws`, { headers });
      ws.on('open', () => {
        ws.send(JSON.stringify({ follow: runId }));
        resolve(ws);
      });
      ws.on('message', (data) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'log') received[i]! += 1;
      });
      ws.on('error', reject);
    })),
  );
  let peak = before;
  const samples: number[] = [];
  for (let s = 0; s < 40; s++) {
    await sleep(500);
    const rss = rssMiB(node.child.pid!);
    samples.push(rss);
    peak = Math.max(peak, rss);
  }
  const lines = received.reduce((a, b) => a + b, 0) / CLIENTS;
  console.log(`  ${CLIENTS} clients following a job printing 100 lines/s, for 20 s: ${lines.toFixed(0)} lines per client on average`);
  console.log(`  server RSS: ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB, last ${samples.at(-1)!.toFixed(0)} MiB (first 10 s avg ${avg(samples.slice(0, 20)).toFixed(0)}, last 10 s avg ${avg(samples.slice(20)).toFixed(0)})`);
  for (const ws of sockets) ws.close();
  await fetch(`${node.url}/api/runs/${runId}/abort`, { method: 'POST', headers });
}

const avg = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

const root = await mkdtemp(join(tmpdir(), 'timecloud-dashboard-bench-'));
try {
  const jobsDir = join(root, 'jobs');
  const dataDir = join(root, 'data');
  // The chatty job has no history: the node registers it at start, and so runs it.
  const specs = [...(await writeJobs(jobsDir)).values()].filter((spec) => spec.name !== 'chatty');
  const store = await openStore(join(dataDir, 'timecloud.db'));
  const started = performance.now();
  const events = await writeHistory(store, specs);
  await store.close();
  console.log(`history: ${RUNS} runs of ${JOBS} jobs, ${events} job events, written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  console.log('first start (no checkpoint: projections rebuilt from the store)');
  let node = await startChild(jobsDir, dataDir);
  let serving = await untilServing(node);
  await untilQuiet(node);
  const first = node.lines.find((l) => l.event === 'started')!;
  const caughtUp = node.lines.find((l) => l.event === 'caughtUp')!;
  console.log(`  code loaded → API serves all jobs and runs: ${serving.toFixed(0)} ms (startNode returned after ${first.startNodeMs} ms, projections caught up after ${caughtUp.sinceStartNodeMs} ms)`);
  console.log(`  server RSS settled: ${rssMiB(node.child.pid!).toFixed(0)} MiB`);
  console.log('API latency, sequential requests over keep-alive:');
  await latency('GET /api/jobs', `${node.url}/api/jobs`);
  await latency('GET /api/runs', `${node.url}/api/runs`);
  await latency('GET /api/runs?job=<id>', `${node.url}/api/runs?job=${encodeURIComponent('bench/j7')}`);
  await latency('GET /api/runs?status=failed', `${node.url}/api/runs?status=failed`);
  await latency('GET /api/jobs/<id>', `${node.url}/api/jobs/${encodeURIComponent('bench/j7')}`);
  console.log(`  server RSS after the requests: ${rssMiB(node.child.pid!).toFixed(0)} MiB`);
  console.log('WebSocket fan-out');
  await websockets(node);
  await stopChild(node);

  console.log('restart (projections from their checkpoint)');
  node = await startChild(jobsDir, dataDir);
  serving = await untilServing(node);
  const second = node.lines.find((l) => l.event === 'started')!;
  console.log(`  code loaded → API serves all jobs and runs: ${serving.toFixed(0)} ms (checkpoint ${second.startedFrom === 'checkpoint' ? `loaded in ${second.checkpointLoadMs} ms` : 'not used'}, startNode returned after ${second.startNodeMs} ms)`);
  await stopChild(node);
} finally {
  if (running && running.exitCode === null) running.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
}
