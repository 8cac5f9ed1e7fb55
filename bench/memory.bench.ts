/**
 * A node with 10,000 registered jobs: its RSS, how long it takes to register them (first
 * start: every `JobRegistered` durable) and to come back on the same store (restart: every
 * job actor recovered and answering), and whether its run rate depends on its size — it
 * should not: the launcher spawns, not the node. Spawning from this (big) process is measured
 * next to it to show the difference.
 *
 * RSS and the first start are measured on a node in its own process (`timecloud start`,
 * compiled if `npm run build` was run, else through tsx), next to an idle node with no jobs;
 * run rates and the restart on a node inside this process (the CLI has no trigger yet).
 *
 * The jobs are yearly (January 1st, 03:xx) so that none fires while this runs; `patterns`
 * distinct cron patterns are spread over them (each distinct pattern is one croner instance).
 *
 * Run: node --import tsx bench/memory.bench.ts [jobs=10000] [patterns=100] [runs=300] [rounds=3]
 */
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IDLE_ACTOR_MS } from '../actors/job.actor.js';
import { openStore } from '../src/store/open-store.js';
import { tempDir } from '../test/support/temp-dir.js';
import { startBenchNode, RunEnds, tapAppends, writeBenchJobs, type BenchNode } from './support/bench-node.js';
import { childrenOf, nodeProcessMode, rssOf, startNodeProcess } from './support/node-process.js';
import { closedLoop, machineLine, median, mib, percent, sampleLoad } from './support/figures.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const PATTERNS = Number(process.argv[3] ?? 100);
const RUNS = Number(process.argv[4] ?? 300);
const ROUNDS = Number(process.argv[5] ?? 3);
const SLOTS = 8;
/** Seconds after the last registration at which the node's RSS is read. */
const SETTLE_SAMPLES_S = [15, 30, 45, 60, 75, 90];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledMemory(): { rss: number; heap: number } {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

function rawSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true');
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

const jobFields = (index: number) => ({
  script: 'true',
  // Distinct patterns: the second and minute of a yearly fire time.
  schedule: `${index % PATTERNS % 60} ${Math.floor((index % PATTERNS) / 60) % 60} 3 1 1 *`,
  timeout: 60_000,
  overlap: 'allow',
  retries: 0,
});

/** Time until `count` JobRegistered events are stored, read through a subscription. */
async function registered(bench: BenchNode, count: number): Promise<void> {
  const subscription = bench.node.store.subscribeToAll({ filter: { eventTypes: ['JobRegistered'] } });
  let seen = 0;
  for await (const _event of subscription) {
    if (++seen >= count) break;
  }
  await subscription.close();
}

/** Runs/s of `true` through a node, 8 callers each waiting for its run's final event. */
function nodeRate(bench: BenchNode, ends: RunEnds, jobIds: string[]): Promise<number> {
  let next = 0;
  return closedLoop(RUNS, SLOTS, async () => {
    const { runId } = await bench.node.trigger(jobIds[next++ % jobIds.length]!, 'bench');
    await ends.run(runId);
  });
}

console.log(machineLine());
console.log(`${JOBS} jobs, ${PATTERNS} distinct cron patterns, ${SLOTS} slots; run rate: ${ROUNDS} rounds of ${RUNS} runs, 8 callers`);

/** Waits until `count` events of `type` are in the store file `file` (written by another process). */
async function storedInFile(file: string, type: string, count: number): Promise<void> {
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 20));
  const store = await openStore(file);
  const subscription = store.subscribeToAll({ filter: { eventTypes: [type] } });
  let seen = 0;
  for await (const _event of subscription) {
    if (++seen >= count) break;
  }
  await subscription.close();
  await store.close();
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

/** RSS of a node process and of its launcher, once it has settled. */
async function processRss(pid: number): Promise<{ node: number; launcher: number }> {
  await settle();
  return { node: rssOf(pid), launcher: childrenOf(pid).reduce((sum, child) => sum + rssOf(child), 0) };
}

{
  const tmp = await tempDir('timecloud-bench-memory-');
  const jobsDir = join(tmp.path, 'jobs');
  const emptyJobs = join(tmp.path, 'empty');
  await writeBenchJobs(jobsDir, { count: JOBS, fields: jobFields });
  await writeBenchJobs(emptyJobs, { count: 0, fields: jobFields });
  console.log(`
# a node in its own process (${nodeProcessMode()}: ${nodeProcessMode() === 'compiled' ? 'dist/, as users run it' : 'sources through tsx; run `npm run build` first for the compiled figure'})`);
  const idle = startNodeProcess(emptyJobs, join(tmp.path, 'data-empty'), SLOTS);
  await storedInFile(join(tmp.path, 'data-empty', 'timecloud.db'), 'LeaseAcquired', 1);
  const idleRss = await processRss(idle.pid);
  await idle.stop();
  console.log(`no jobs:      node RSS ${mib(idleRss.node).padStart(4)} MiB, launcher ${mib(idleRss.launcher)} MiB`);

  const load = sampleLoad();
  const started = performance.now();
  const full = startNodeProcess(jobsDir, join(tmp.path, 'data'), SLOTS);
  await storedInFile(join(tmp.path, 'data', 'timecloud.db'), 'JobRegistered', JOBS);
  const firstStart = performance.now() - started;
  const busy = load().machineBusy;
  const fullRss = await processRss(full.pid);
  // Idle job actors stop after IDLE_ACTOR_MS and V8 gives memory back once allocation calms
  // down: the node's RSS over its first minutes, from the moment every job is registered.
  const samples: string[] = [];
  for (const at of SETTLE_SAMPLES_S) {
    await new Promise((resolve) => setTimeout(resolve, at * 1000 - (performance.now() - started - firstStart)));
    samples.push(`${at} s ${mib(rssOf(full.pid))}`);
  }
  const settledRss = rssOf(full.pid);
  await full.stop();
  console.log(
    `${JOBS} jobs:  node RSS ${mib(fullRss.node).padStart(4)} MiB 3 s after the last registration, ` +
      `${mib(settledRss)} MiB settled (target ≤ 150), launcher ${mib(fullRss.launcher)} MiB; ` +
      `settled ${((settledRss - idleRss.node) / JOBS / 1024).toFixed(1)} KiB per job over the idle node`,
  );
  console.log(`  RSS (MiB) after the last registration: ${samples.join(', ')} (idle actors stop after ${IDLE_ACTOR_MS / 1000} s)`);
  console.log(
    `first start: process spawned → every JobRegistered durable in ${firstStart.toFixed(0)} ms ` +
      `(${((JOBS / firstStart) * 1000).toFixed(0)} jobs/s; machine busy ${percent(busy)})`,
  );
  await tmp.remove();
}

console.log('\n# a node inside this process');
const base = settledMemory();
console.log(`this process before any node: RSS ${mib(base.rss)} MiB, heap ${mib(base.heap)} MiB`);

// A small node first: its run rate is the reference.
const small = await startBenchNode({ slots: SLOTS, jobs: { count: 16, fields: jobFields } });
await registered(small, small.jobIds.length); // the first trigger needs its job registered
const smallEnds = new RunEnds();
tapAppends(small.node.store, smallEnds.tap);
await nodeRate(small, smallEnds, small.jobIds); // warm-up
const withSmall = settledMemory();
console.log(`with a 16-job node running:  RSS ${mib(withSmall.rss)} MiB, heap ${mib(withSmall.heap)} MiB`);

const rates = { spawnBefore: [] as number[], smallBefore: [] as number[], spawnAfter: [] as number[], smallAfter: [] as number[], big: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  rates.spawnBefore.push(await closedLoop(RUNS, SLOTS, rawSpawn));
  rates.smallBefore.push(await nodeRate(small, smallEnds, small.jobIds));
}

// The big node, first start: every job is new.
const load = sampleLoad();
const started = performance.now();
const big = await startBenchNode({ slots: SLOTS, jobs: { count: JOBS, fields: jobFields } });
const startResolved = performance.now() - started;
await registered(big, JOBS);
const firstStart = performance.now() - started;
const firstLoad = load();
const bigEnds = new RunEnds();
tapAppends(big.node.store, bigEnds.tap);
const afterRegister = settledMemory();
console.log(
  `\nfirst start, ${JOBS} new jobs: startNode resolved in ${startResolved.toFixed(0)} ms, every JobRegistered durable after ` +
    `${firstStart.toFixed(0)} ms (${((JOBS / firstStart) * 1000).toFixed(0)} jobs/s; machine busy ${percent(firstLoad.machineBusy)})`,
);
console.log(
  `with both nodes: RSS ${mib(afterRegister.rss)} MiB, heap ${mib(afterRegister.heap)} MiB → the ${JOBS}-job node adds ` +
    `${mib(afterRegister.rss - withSmall.rss)} MiB RSS, ${mib(afterRegister.heap - withSmall.heap)} MiB heap ` +
    `(${((afterRegister.heap - withSmall.heap) / JOBS / 1024).toFixed(1)} KiB heap per job)`,
);

for (let round = 0; round < ROUNDS; round++) {
  rates.spawnAfter.push(await closedLoop(RUNS, SLOTS, rawSpawn));
  rates.smallAfter.push(await nodeRate(small, smallEnds, small.jobIds));
  rates.big.push(await nodeRate(big, bigEnds, big.jobIds));
}
const rssNow = process.memoryUsage.rss();
console.log(`\nruns/s (median of ${ROUNDS} rounds), 8 in flight:`);
console.log(`  raw spawn('true') from this process, before the big node   ${median(rates.spawnBefore).toFixed(0).padStart(5)}`);
console.log(`  raw spawn('true') from this process, with it (RSS ${mib(rssNow)} MiB) ${median(rates.spawnAfter).toFixed(0).padStart(5)}`);
console.log(`  16-job node, before the big node                            ${median(rates.smallBefore).toFixed(0).padStart(5)}`);
console.log(`  16-job node, with it                                        ${median(rates.smallAfter).toFixed(0).padStart(5)}`);
console.log(`  ${JOBS}-job node                                              ${median(rates.big).toFixed(0).padStart(5)}`);

// Restart the big node on the same store and jobs: every job actor recovers from its stream.
await big.node.stop();
const restartLoad = sampleLoad();
const restartStarted = performance.now();
const again = await startBenchNode({
  slots: SLOTS,
  jobs: { count: JOBS, fields: jobFields },
  dataDir: big.dataDir,
  jobsDir: big.jobsDir,
});
const restartResolved = performance.now() - restartStarted;
// Job actors are spawned in registration order and recover concurrently: the last one
// answering, then a sample of the others, tells that they all have. Asking all 10,000 would
// measure something else: every message to the supervisor copies its map of children (nact's
// createContext), so 10,000 queries through it cost O(jobs²).
while ((await again.node.jobIds()).length < JOBS) await new Promise((resolve) => setTimeout(resolve, 20));
await again.node.inspectJob(big.jobIds[JOBS - 1]!);
for (let i = 0; i < JOBS; i += Math.ceil(JOBS / 50)) await again.node.inspectJob(big.jobIds[i]!);
const restart = performance.now() - restartStarted;
console.log(
  `\nrestart on the same store: startNode resolved in ${restartResolved.toFixed(0)} ms, all ${JOBS} job actors ` +
    `recovered and answering after ${restart.toFixed(0)} ms (machine busy ${percent(restartLoad().machineBusy)})`,
);
const asked = performance.now();
for (let i = 0; i < 200; i++) await again.node.inspectJob(big.jobIds[i]!);
console.log(`one inspectJob on a node of ${JOBS} job actors: ${((performance.now() - asked) / 200).toFixed(2)} ms`);
const afterRestart = settledMemory();
console.log(`after the restart: RSS ${mib(afterRestart.rss)} MiB, heap ${mib(afterRestart.heap)} MiB`);

// The recovered actors were all active at about the same time, so they fall idle together and
// stop in one burst IDLE_ACTOR_MS later: how long does that hold up this process's event loop
// (where ticks fire)? Sampled until no more than 1 % of them is left, or 20 s after the timeout.
const actorGauge = () => again.node.http.metrics.registry.getSingleMetric('timecloud_job_actors');
const runningActors = async () => (await actorGauge()!.get()).values[0]?.value ?? Number.NaN;
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
const burstWatch = performance.now();
let burstStart: number | undefined;
loopDelay.enable();
for (;;) {
  const running = await runningActors();
  if (burstStart === undefined && running < JOBS) burstStart = performance.now();
  if (running <= JOBS / 100 || performance.now() - restartStarted > IDLE_ACTOR_MS + 20_000) {
    loopDelay.disable();
    const lasted = burstStart === undefined ? Number.NaN : performance.now() - burstStart;
    console.log(
      `idle actors stopping after the restart: ${JOBS - running} of ${JOBS} stopped over ${lasted.toFixed(0)} ms; ` +
        `event-loop delay while watched (${((performance.now() - burstWatch) / 1000).toFixed(0)} s): ` +
        `p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
    );
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}

console.log(`\nat the end: ${machineLine()}`);
await again.stop();
await small.stop();
