/**
 * Completed runs per second of a whole node — SQLite store with every event durable, the
 * launcher, the actors — running `true` in 8 slots, against bare execa and raw spawn at 8 in
 * flight measured in the same round. Also shows where a run's time goes: events, appends and
 * SQLite commits per run, CPU per run in each process, and the latency of each step.
 *
 * Cases, each round:
 * - `spawn`, `execa` in a small separate Node process (the launcher's size class: fork copies
 *   the parent's memory map, so spawning gets slower as the spawning process grows), and the
 *   same from this process, which also hosts the node;
 * - `node, 8 callers`: 8 callers each trigger a run and wait for its final event, then the
 *   next (no queue: every run finds a free slot);
 * - `node, burst`: all the round's runs triggered at once (the queue is deep, so most runs
 *   also record `RunQueued`).
 *
 * Run: node --import tsx bench/throughput.bench.ts [runsPerCase=400] [rounds=5] [jobs=16]
 * As users run it (built JavaScript, no tsx loader in the node, the launcher or the small
 * process): npm run build && node dist/bench/throughput.bench.js [same arguments]. The tsx
 * loader adds ~35 MiB to every process, which makes each fork dearer, and bare execa loses
 * more by it than the node does, so the built figure is the one that counts.
 */
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { startLauncher } from '../src/runner/runner.js';
import { BaselineChild } from './support/baseline-child.js';
import { processCpuMs, RunEnds, RunTimeline, startBenchNode, tapAppends, tapCommits, wallNow } from './support/bench-node.js';
import { closedLoop, machineLine, median, ms, percent, percentile, sampleLoad, type LoadSample } from './support/figures.js';

const SLOTS = 8;
const RUNS = Number(process.argv[2] ?? 400);
const ROUNDS = Number(process.argv[3] ?? 5);
const JOBS = Number(process.argv[4] ?? 16);

function rawSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true');
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

console.log(machineLine());
console.log(
  import.meta.url.endsWith('.ts')
    ? 'from sources through tsx (the node, its launcher and the small process alike); the built figure: npm run build && node dist/bench/throughput.bench.js'
    : 'built JavaScript from dist/, as users run it (the node, its launcher and the small process alike)',
);
console.log(`${ROUNDS} rounds of ${RUNS} runs per case, ${SLOTS} slots / in flight, ${JOBS} jobs (overlap: allow, retries: 0)`);

// Our own launcher, so that its CPU time can be read; the node uses it as it would its own.
const launcher = await startLauncher();
const bench = await startBenchNode({
  slots: SLOTS,
  jobs: {
    count: JOBS,
    fields: () => ({ script: 'true', schedule: '0 0 0 1 1 *', timeout: 60_000, overlap: 'allow', retries: 0 }),
  },
  node: { runner: launcher },
});
const { node, jobIds } = bench;
const ends = new RunEnds();
const timeline = new RunTimeline();
const byType = new Map<string, number>();
let appends = 0;
tapAppends(node.store, (stream, events, at) => {
  appends++;
  for (const event of events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
  ends.tap(stream, events, at);
  timeline.tap(stream, events, at);
});
const commits = tapCommits(node.store);
const small = new BaselineChild();
let smallRss = 0;
const triggeredAt = new Map<string, number>();

async function inSmallProcess(kase: 'spawn' | 'execa'): Promise<number> {
  const answer = await small.measure(kase, RUNS, SLOTS);
  smallRss = answer.rssMiB;
  return answer.perSecond;
}

async function callers(): Promise<number> {
  let next = 0;
  return closedLoop(RUNS, SLOTS, async () => {
    const jobId = jobIds[next++ % jobIds.length]!;
    const at = wallNow();
    const { runId } = await node.trigger(jobId, 'bench');
    triggeredAt.set(runId, at);
    await ends.run(runId);
  });
}

async function burst(): Promise<number> {
  ends.reset();
  const started = performance.now();
  const done = ends.count(RUNS);
  await Promise.all(Array.from({ length: RUNS }, (_, i) => node.trigger(jobIds[i % jobIds.length]!, 'bench')));
  await done;
  return RUNS / ((performance.now() - started) / 1000);
}

/** CPU ms so far of: this process (node + writer thread), the launcher, the jobs it reaped, the small process and its children. */
function cpuNow(): number[] {
  const self = process.cpuUsage();
  return [
    (self.user + self.system) / 1000,
    processCpuMs(launcher.launcherPid),
    processCpuMs(launcher.launcherPid, true) - processCpuMs(launcher.launcherPid),
    processCpuMs(small.pid),
    processCpuMs(small.pid, true) - processCpuMs(small.pid),
  ];
}

interface Case {
  name: string;
  measure: () => Promise<number>;
  node?: boolean;
  small?: boolean;
}
const cases: Case[] = [
  { name: "child_process.spawn('true'), 8 in flight", measure: () => inSmallProcess('spawn'), small: true },
  { name: "execa('true'), 8 in flight", measure: () => inSmallProcess('execa'), small: true },
  { name: "  the same spawn, from this (node's) process", measure: () => closedLoop(RUNS, SLOTS, rawSpawn) },
  { name: "  the same execa, from this (node's) process", measure: () => closedLoop(RUNS, SLOTS, () => execa('true')) },
  { name: 'node, 8 callers (trigger → final event)', measure: callers, node: true },
  { name: `node, burst of ${RUNS} triggers`, measure: burst, node: true },
];

interface Figures {
  perSecond: number[];
  toRaw: number[];
  toExeca: number[];
  load: LoadSample[];
  appends: number;
  events: number;
  commits: number;
  runs: number;
  cpu: number[];
  types: Map<string, number>;
}
const figures: Figures[] = cases.map(() => ({
  perSecond: [],
  toRaw: [],
  toExeca: [],
  load: [],
  appends: 0,
  events: 0,
  commits: 0,
  runs: 0,
  cpu: [0, 0, 0, 0, 0],
  types: new Map(),
}));

await closedLoop(100, SLOTS, rawSpawn); // warm-ups, not reported
await small.measure('execa', 100, SLOTS);
await callers();
for (let round = 0; round < ROUNDS; round++) {
  const perSecond: number[] = [];
  for (const [index, item] of cases.entries()) {
    const f = figures[index]!;
    const appendsBefore = appends;
    const commitsBefore = commits?.commits ?? 0;
    const typesBefore = new Map(byType);
    const cpuBefore = cpuNow();
    timeline.recording = item.name.startsWith('node, 8 callers') && round > 0;
    const stop = sampleLoad();
    perSecond[index] = await item.measure();
    f.load.push(stop());
    timeline.recording = false;
    cpuNow().forEach((value, i) => (f.cpu[i]! += value - cpuBefore[i]!));
    f.runs += RUNS;
    f.perSecond.push(perSecond[index]!);
    f.toRaw.push(perSecond[index]! / perSecond[0]!);
    f.toExeca.push(perSecond[index]! / perSecond[1]!);
    if (item.node) {
      f.appends += appends - appendsBefore;
      f.commits += (commits?.commits ?? 0) - commitsBefore;
      for (const [type, count] of byType) {
        const delta = count - (typesBefore.get(type) ?? 0);
        f.events += delta;
        f.types.set(type, (f.types.get(type) ?? 0) + delta);
      }
    }
  }
}

console.log(`\n${'case'.padEnd(46)} ${'runs/s'.padStart(7)} ${'×execa'.padStart(7)} ${'×raw'.padStart(6)}  machine busy`);
for (const [index, item] of cases.entries()) {
  const f = figures[index]!;
  console.log(
    `${item.name.padEnd(46)} ${median(f.perSecond).toFixed(0).padStart(7)} ${median(f.toExeca).toFixed(2).padStart(7)} ` +
      `${median(f.toRaw).toFixed(2).padStart(6)}  ${percent(median(f.load.map((l) => l.machineBusy))).padStart(12)}`,
  );
}
console.log(
  `(runs/s: median of ${ROUNDS} rounds; ×execa and ×raw: median of the ratios within each round, against the small process; ` +
    `small process RSS ${smallRss.toFixed(0)} MiB, this process ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB)`,
);

console.log('\nCPU ms per run (all rounds):');
for (const [index, item] of cases.entries()) {
  const f = figures[index]!;
  const per = f.cpu.map((value) => (value / f.runs).toFixed(2));
  if (item.node) console.log(`  ${item.name}: node process ${per[0]} (main + writer thread), launcher ${per[1]}, job processes ${per[2]}`);
  else if (item.small) console.log(`  ${item.name}: spawning process ${per[3]}, children ${per[4]}`);
  else console.log(`  ${item.name}: this process ${per[0]}`);
}

console.log('\nwhat a run writes (all rounds):');
for (const [index, item] of cases.entries()) {
  const f = figures[index]!;
  if (!item.node) continue;
  const types = [...f.types]
    .filter(([, count]) => count > 0)
    .map(([type, count]) => `${type} ${(count / f.runs).toFixed(2)}`)
    .join(', ');
  console.log(
    `  ${item.name}: ${(f.events / f.runs).toFixed(2)} events in ${(f.appends / f.runs).toFixed(2)} appends, ` +
      `${(f.commits / f.runs).toFixed(2)} SQLite commits (${types})`,
  );
}

const steps = [...timeline.runs]
  .map(([runId, s]) => ({ ...s, triggered: triggeredAt.get(runId) }))
  .filter((s) => s.triggered && s.scheduled && s.started && s.ended);
const line = (name: string, values: number[]) =>
  console.log(`  ${name.padEnd(58)} p50 ${ms(percentile(values, 50)).padStart(6)}  p99 ${ms(percentile(values, 99)).padStart(6)} ms`);
console.log(`\nlatency of each step, 8 callers (${steps.length} runs, every round but the first):`);
line('trigger → RunScheduled durable', steps.map((s) => s.scheduled! - s.triggered!));
line('RunScheduled durable → RunStarted durable (spawned held)', steps.map((s) => s.started! - s.scheduled!));
line('RunStarted durable → final event durable', steps.map((s) => s.ended! - s.started!));
line('  of which the process ran (runner: start → group gone)', steps.map((s) => s.durationMs ?? Number.NaN));
line('trigger → final event durable', steps.map((s) => s.ended! - s.triggered!));

console.log(`\nruns that did not succeed: ${ends.failures}; at the end: ${machineLine()}`);
small.close();
await bench.stop();
await launcher.close();
