/**
 * Failover time: SIGKILL of the leader → the first tick fired (RunScheduled durable) and the first
 * run started by the new leader; p50/p99/max over KILLS kills, for a store with a short and a long
 * history (snapshots every 200 events per job, as a leader writes them). Takeover time must not
 * grow with history.
 *
 *   node --import tsx bench/failover.bench.ts [kills=20] [histories=10000,1000000]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOB_DEFAULTS, type JobSpec } from '../src/domain/job-spec.js';
import type { JobEvent } from '../src/domain/events.js';
import { tickRunId } from '../src/domain/ids.js';
import { evolve, initialJobState, type JobState } from '../src/domain/job-state.js';
import type { EventStore, StoredEvent } from '../src/store/event-store.js';
import { StorePersistenceEngine } from '../src/store/nact-persistence.js';
import { JOB_SNAPSHOT_VERSION } from '../src/store/job-streams.js';
import { openStore } from '../src/store/open-store.js';
import { startNodeProcess, type NodeProcess } from '../test/support/node-process.js';

const KILLS = Number(process.argv[2] ?? 20);
const HISTORIES = (process.argv[3] ?? '10000,1000000').split(',').map(Number);
const JOBS = 50;
const SNAPSHOT_EVERY = 200;
const TTL = 1500;

function spec(dir: string, index: number): JobSpec {
  return {
    ...JOB_DEFAULTS,
    id: `bench/j${index}`,
    package: 'bench',
    name: `j${index}`,
    dir,
    file: join(dir, 'timecloud.json'),
    script: 'true',
    maintainers: ['ops'],
    timeout: 10_000,
    schedule: '* * * * * *',
    env: {},
  };
}

/** Writes `total` events of past runs over JOBS jobs, snapshotting like a leader would. */
async function generateHistory(store: EventStore, dir: string, total: number): Promise<void> {
  const engine = new StorePersistenceEngine(store, { snapshotVersion: JOB_SNAPSHOT_VERSION });
  const perJob = Math.floor(total / JOBS);
  const start = Date.now() - perJob * 1000;
  for (let j = 0; j < JOBS; j++) {
    const jobSpec = spec(dir, j);
    const stream = `job-${jobSpec.id}`;
    let state: JobState = initialJobState(jobSpec.id);
    let batch: JobEvent[] = [{ type: 'JobRegistered', data: { jobId: jobSpec.id, spec: jobSpec, at: new Date(start - 1000).toISOString() } }];
    let revision = -1n;
    let sinceSnapshot = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const result = await store.append(stream, batch.map((e) => ({ type: e.type, data: e.data, metadata: { nodeId: 'history', epoch: 0 } })));
      for (const e of batch) state = evolve(state, e);
      revision = result.nextRevision;
      sinceSnapshot += batch.length;
      batch = [];
      if (sinceSnapshot >= SNAPSHOT_EVERY) {
        await engine.saveSnapshot(stream, revision, state);
        sinceSnapshot = 0;
      }
    };
    for (let n = 1; n * 3 < perJob; n++) {
      const at = new Date(start + n * 1000).toISOString();
      const runId = tickRunId(jobSpec.id, at);
      const ref = { jobId: jobSpec.id, runId, attempt: 1 };
      batch.push(
        { type: 'RunScheduled', data: { ...ref, rootRunId: runId, scheduledFor: at, reason: 'cron', at } },
        { type: 'RunStarted', data: { ...ref, pid: 1, slot: 0, nodeId: 'history', host: 'history', at } },
        { type: 'RunSucceeded', data: { ...ref, exitCode: 0, durationMs: 3, at } },
      );
      if (batch.length >= 198) await flush();
    }
    await flush();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function firstByEpoch(store: EventStore, from: bigint, epoch: number, type: string): Promise<StoredEvent> {
  for (;;) {
    for await (const event of store.readAll({ fromPosition: from, filter: { eventTypes: [type] } })) {
      if (event.metadata.epoch === epoch) return event;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The first lease taken after `epoch`; the stream keeps its last 100 events, seconds of renewals. */
async function leaderAfter(store: EventStore, epoch: number): Promise<{ nodeId: string; epoch: number; at: string; position: bigint }> {
  for (;;) {
    for await (const event of store.readStream('leader', { direction: 'backwards', maxCount: 100 })) {
      const data = event.data as { nodeId: string; epoch: number; at: string };
      if (event.type === 'LeaseAcquired' && data.epoch > epoch) return { ...data, position: event.position };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The holder of the newest lease event (renewals carry the epoch too). */
async function currentLeader(store: EventStore): Promise<{ nodeId: string; epoch: number }> {
  for await (const event of store.readStream('leader', { direction: 'backwards', maxCount: 1 })) {
    const { nodeId, epoch } = event.data as { nodeId: string; epoch: number };
    return { nodeId, epoch };
  }
  throw new Error('no lease yet');
}

async function measure(total: number): Promise<void> {
  const root = join(tmpdir(), `timecloud-failover-${process.pid}-${total}`);
  await rm(root, { recursive: true, force: true });
  const jobsDir = join(root, 'jobs', 'bench');
  await mkdir(jobsDir, { recursive: true });
  await writeFile(join(jobsDir, 'package.json'), JSON.stringify({ name: 'bench' }));
  await writeFile(
    join(jobsDir, 'timecloud.json'),
    JSON.stringify({ jobs: Array.from({ length: JOBS }, (_, i) => ({ name: `j${i}`, script: 'true', maintainer: 'ops', timeout: 10_000, schedule: '* * * * * *' })) }),
  );
  const storeFile = join(root, 'store.db');
  const store = await openStore(storeFile);
  const generated = Date.now();
  await generateHistory(store, jobsDir, total);
  console.log(`history of ${total.toLocaleString('en')} events over ${JOBS} jobs written in ${((Date.now() - generated) / 1000).toFixed(1)} s`);

  const nodes = new Map<string, NodeProcess>();
  const killed = new Set<NodeProcess>();
  const start = (nodeId: string) => {
    const node = startNodeProcess({ jobs: join(root, 'jobs'), data: join(root, `data-${nodeId}`), store: storeFile, nodeId, leaseTtl: TTL, slots: 8 });
    nodes.set(nodeId, node);
    // A node that dies on its own makes the run meaningless: say why and stop.
    void node.exited.then(({ code, signal }) => {
      if (killed.has(node) || stopping) return;
      console.error(`node ${nodeId} exited by itself (code ${code}, signal ${signal}); its last output:\n${node.output().slice(-4000)}`);
      process.exit(1);
    });
  };
  let stopping = false;
  start('a');
  let leader = await leaderAfter(store, 0);
  start('b');
  const leases: number[] = [];
  const fires: number[] = [];
  const starts: number[] = [];
  /** A standby is warm once its job states and its projections have caught up with the store. */
  const warm = async (nodeId: string) => {
    const node = nodes.get(nodeId)!;
    while (!/timecloud node started/.test(node.output()) || !/projections caught up/.test(node.output())) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  for (let kill = 0; kill < KILLS; kill++) {
    await Promise.all([...nodes.keys()].map(warm));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // and has seen a few renewals
    // Whoever leads now: leadership may have moved while standbys caught up.
    const current = await currentLeader(store);
    if (current.epoch !== leader.epoch) {
      console.log(`  (leadership moved before kill ${kill + 1}: epoch ${leader.epoch} → ${current.epoch}, node ${current.nodeId})`);
      for (const [nodeId, node] of nodes) {
        for (const line of node.output().split('\n').filter((l) => /lost the leader lease/.test(l))) console.log(`    ${nodeId}: ${line}`);
      }
      leader = { ...leader, ...current };
    }
    const victim = nodes.get(leader.nodeId)!;
    const killedAt = Date.now();
    killed.add(victim);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const next = await leaderAfter(store, leader.epoch);
    leases.push(Date.parse(next.at) - killedAt);
    const fired = await firstByEpoch(store, next.position, next.epoch, 'RunScheduled');
    fires.push(Date.parse((fired.data as { at: string }).at) - killedAt);
    const startedEvent = await firstByEpoch(store, next.position, next.epoch, 'RunStarted');
    starts.push(Date.parse((startedEvent.data as { at: string }).at) - killedAt);
    start(leader.nodeId);
    leader = next;
    process.stdout.write(`  kill ${kill + 1}: new lease ${leases.at(-1)} ms, first tick ${fires.at(-1)} ms\n`);
  }
  stopping = true;
  await Promise.all([...nodes.values()].map((node) => node.stop()));
  await store.close();
  await rm(root, { recursive: true, force: true });
  const line = (label: string, values: number[]) =>
    `  ${label.padEnd(28)} p50 ${percentile(values, 50)} ms   p99 ${percentile(values, 99)} ms   max ${Math.max(...values)} ms`;
  console.log(`history ${total.toLocaleString('en')} events, ${KILLS} kills, lease ttl ${TTL} ms:`);
  console.log(line('kill → new lease', leases));
  console.log(line('kill → first RunScheduled', fires));
  console.log(line('kill → first RunStarted', starts));
}

for (const total of HISTORIES) await measure(total);
