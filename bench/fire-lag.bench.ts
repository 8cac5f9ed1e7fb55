/**
 * Fire lag: how late after its cron tick a run's decision is durable (tick → `RunScheduled`
 * append resolved) and its process is spawned (tick → `RunStarted` append resolved: the
 * process exists, held, when `RunStarted` is stored). Two loads:
 *
 * - steady: 1,000 jobs firing every second for ~30 s (p50/p99/max of every tick after a warm-up);
 * - herd: 5,000 jobs all due in the same second, at :00, :20 and :40 of each minute (the
 *   minute boundary is one of them): time until all 5,000 `RunScheduled` are durable.
 *
 * References in the same run: bare croner timers (one `new Cron(pattern, cb)` per job) and one
 * bare `setTimeout` over a sorted queue, each recording when its callbacks ran.
 *
 * What runs (every job has `overlap: skip`; a tick whose previous run is still open records
 * `RunSkipped`, which counts as its decision):
 * - `runner=hold` (the default): runs go to a runner that starts no process and keeps each run
 *   going until the node stops, so every tick after a job's first is a pure decision
 *   (`RunSkipped`): the decision lag without any run work competing with it;
 * - `runner=inert`: the same runner, but each run succeeds as soon as it starts: the whole
 *   pipeline (RunScheduled, RunStarted, RunSucceeded, all durable, through the actors,
 *   dispatcher and 64 slots) at 1,000 runs a second, without spawning 1,000 processes a second
 *   (more than these 2 cores can: ~300–450/s);
 * - `runner=launcher`: the real launcher runs `true` in 8 slots; spawning saturates the machine.
 *
 * `decideAhead` is the node's `--decide-ahead` (its default, 200, when left out; 0 decides at
 * the tick): idle jobs decide (and spawn held) that many ms before the tick, and the slot
 * releases the script at the tick. Under
 * `runner=hold` every job has a run open, so each decides at its tick; `runner=inert` shows
 * the effect, and also the lag from the tick to the release of the script (`start()`).
 *
 * Run: node --import tsx bench/fire-lag.bench.ts [runner=hold|inert|launcher] [jobs=1000] [seconds=30] [herd=5000] [herds=3] [decideAhead]
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Cron } from 'croner';
import { openStore } from '../src/store/open-store.js';
import { tempDir } from '../test/support/temp-dir.js';
import { InertRunner } from './support/inert-runner.js';
import { startBenchNode, tapAppends, wallNow } from './support/bench-node.js';
import { machineLine, max, ms, percent, percentile, sampleLoad } from './support/figures.js';

const RUNNER = process.argv[2] ?? 'hold';
const JOBS = Number(process.argv[3] ?? 1000);
const SECONDS = Number(process.argv[4] ?? 30);
const HERD = Number(process.argv[5] ?? 5000);
const HERDS = Number(process.argv[6] ?? 3);
/** `--decide-ahead`; unset: the node's default. */
const DECIDE_AHEAD = process.argv[7] === undefined ? undefined : Number(process.argv[7]);
const WARM_UP_MS = 3000;
const HERD_PERIOD_MS = 20_000;

if (!['hold', 'inert', 'launcher'].includes(RUNNER)) throw new Error(`runner must be hold, inert or launcher, got ${RUNNER}`);
const inert = RUNNER !== 'launcher';
const slots = inert ? 64 : 8;

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

function report(name: string, lags: number[], extra = ''): void {
  console.log(
    `  ${name.padEnd(52)} n ${String(lags.length).padStart(6)}  p50 ${ms(percentile(lags, 50)).padStart(6)}  ` +
      `p99 ${ms(percentile(lags, 99)).padStart(6)}  max ${ms(max(lags)).padStart(7)} ms${extra}`,
  );
}

/** Lag of each callback of `count` croner jobs on `pattern`, for `durationMs`, after a warm-up. */
async function bareCroner(count: number, pattern: string, periodMs: number, durationMs: number): Promise<number[]> {
  const lags: number[] = [];
  const from = Date.now() + WARM_UP_MS;
  const record = () => {
    const now = wallNow();
    if (now >= from) lags.push(now - Math.round(now / periodMs) * periodMs);
  };
  const jobs = Array.from({ length: count }, () => new Cron(pattern, record));
  await sleep(WARM_UP_MS + durationMs);
  for (const job of jobs) job.stop();
  return lags;
}

/** Lag of each entry of one `setTimeout` over a sorted queue of `count` entries, each due every `periodMs`. */
async function bareQueue(count: number, periodMs: number, durationMs: number): Promise<number[]> {
  const lags: number[] = [];
  const from = Date.now() + WARM_UP_MS;
  const until = from + durationMs;
  const first = Math.ceil(Date.now() / periodMs) * periodMs;
  // Every entry is due at the same instants, so the queue is a sorted array of equal times.
  let queue = Array.from({ length: count }, () => first);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const head = queue[0];
    if (head === undefined || head > until) return;
    timer = setTimeout(fire, Math.max(0, head - Date.now()));
  };
  const fire = () => {
    const now = Date.now();
    let due = 0;
    while (due < queue.length && queue[due]! <= now) due++;
    const fired = queue.slice(0, due);
    for (const at of fired) {
      const lag = wallNow() - at;
      if (at >= from) lags.push(lag);
    }
    queue = [...queue.slice(due), ...fired.map((at) => at + periodMs)];
    arm();
  };
  arm();
  await sleep(until - Date.now() + 100);
  clearTimeout(timer);
  return lags;
}

/**
 * The store's own floor: `count` one-event appends, each to its own stream at its expected
 * revision, handed to the embedded store at once (one `appendMany`, as the node does for a
 * tick), every `periodMs`: time from the call until all are durable. No node can do better.
 */
async function bareStore(count: number, rounds: number, periodMs: number): Promise<number[]> {
  const tmp = await tempDir('timecloud-bench-store-');
  const store = await openStore(join(tmp.path, 'timecloud.db'));
  const revisions = new Map<string, bigint>();
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const at = new Date().toISOString();
    const requests = Array.from({ length: count }, (_, index) => {
      const stream = `job-p${index}/j${index}`;
      const data = { jobId: `p${index}/j${index}`, scheduledFor: at, reason: `run ${randomUUID()} is still in progress (overlap: skip)`, at };
      return { stream, events: [{ id: randomUUID(), type: 'RunSkipped', data, metadata: { nodeId: 'bench', epoch: 1 } }], expected: revisions.get(stream) ?? ('no_stream' as const) };
    });
    const started = wallNow();
    const results = await store.appendMany(requests);
    times.push(wallNow() - started);
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') revisions.set(requests[index]!.stream, result.value.nextRevision);
    });
    await sleep(periodMs);
  }
  await store.close();
  await tmp.remove();
  return times;
}

interface NodeLags {
  decided: number[];
  started: number[];
  skipped: number;
  /** Per herd: tick → the last decision durable. */
  herdAll: number[];
  /** Decisions per tick (a herd counts only when all its jobs decided). */
  perTick: number[];
  busy: number;
  /** Tick → the slot released the run (inert and hold runners only). */
  released: number[];
}

/** Which ticks count (from `from`, before `to`), and when to stop. */
type Plan = (startedAt: number) => { from: number; to: number; until: number };

/** Runs a node with `count` jobs on `schedule`, recording the lags of the ticks the plan says. */
async function nodeLags(count: number, schedule: string, plan: Plan): Promise<NodeLags> {
  const lags: NodeLags = { decided: [], started: [], released: [], skipped: 0, herdAll: [], perTick: [], busy: 0 };
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  const onStart = (request: { scheduledFor: string }, at: number) => {
    const tick = Date.parse(request.scheduledFor);
    if (tick >= from && tick < to) lags.released.push(at - tick);
  };
  const bench = await startBenchNode({
    slots,
    decideAhead: DECIDE_AHEAD,
    jobs: {
      count,
      fields: () => ({ script: 'true', schedule, timeout: 60_000, overlap: 'skip', retries: 0 }),
    },
    node: inert ? { runner: new InertRunner({ hold: RUNNER === 'hold', onStart }) } : {},
  });
  const perTick = new Map<number, { last: number; n: number }>();
  tapAppends(bench.node.store, (_stream, events, at) => {
    for (const event of events) {
      const data = event.data as { scheduledFor?: string; reason?: string };
      if (!data.scheduledFor) continue;
      const tick = Date.parse(data.scheduledFor);
      if (tick < from || tick >= to) continue;
      if (event.type === 'RunScheduled' && data.reason === 'cron') lags.decided.push(at - tick);
      else if (event.type === 'RunSkipped') {
        lags.decided.push(at - tick);
        lags.skipped++;
      } else continue;
      const seen = perTick.get(tick) ?? { last: 0, n: 0 };
      perTick.set(tick, { last: Math.max(seen.last, at - tick), n: seen.n + 1 });
    }
  });
  // RunStarted carries no tick: its run's RunScheduled does.
  const tickOfRun = new Map<string, number>();
  tapAppends(bench.node.store, (_stream, events, at) => {
    for (const event of events) {
      const data = event.data as { runId: string; scheduledFor?: string };
      if (event.type === 'RunScheduled') tickOfRun.set(data.runId, Date.parse(data.scheduledFor!));
      if (event.type !== 'RunStarted') continue;
      const tick = tickOfRun.get(data.runId);
      tickOfRun.delete(data.runId);
      if (tick !== undefined && tick >= from && tick < to) lags.started.push(at - tick);
    }
  });
  const load = sampleLoad();
  const window = plan(Date.now());
  from = window.from;
  to = window.to;
  await sleep(window.until - Date.now());
  lags.busy = load().machineBusy;
  const ticks = [...perTick.values()].filter((tick) => tick.n === count);
  lags.herdAll = ticks.map((tick) => tick.last);
  lags.perTick = [...perTick.values()].map((tick) => tick.n);
  await bench.stop();
  return lags;
}

console.log(machineLine());
console.log(`runner: ${RUNNER} (${slots} slots, overlap: skip, script: true), --decide-ahead ${DECIDE_AHEAD ?? 'default'}`);
console.log('lags in ms from the tick (scheduledFor) to: a callback (references), an append resolved (node)');

console.log(`\n# steady: ${JOBS} jobs every second, ${SECONDS} s after a ${WARM_UP_MS / 1000} s warm-up`);
const steadyCroner = await bareCroner(JOBS, '* * * * * *', 1000, SECONDS * 1000);
report(`bare croner, ${JOBS} Cron timers: callback lag`, steadyCroner);
const steadyQueue = await bareQueue(JOBS, 1000, SECONDS * 1000);
report('bare setTimeout over a sorted queue: callback lag', steadyQueue);
report(`bare store: ${JOBS} appends at once, all durable (the floor)`, await bareStore(JOBS, Math.min(SECONDS, 30), 1000));
const steady = await nodeLags(JOBS, '* * * * * *', (startedAt) => {
  const from = Math.ceil((startedAt + WARM_UP_MS) / 1000) * 1000;
  return { from, to: from + SECONDS * 1000, until: from + SECONDS * 1000 + 1500 };
});
report('node: tick → decision durable (target p99 ≤ 10 ms)', steady.decided, `  (${steady.skipped} RunSkipped)`);
report('node: tick → RunStarted durable (process spawned)', steady.started);
if (inert) report('node: tick → script released (start())', steady.released);
console.log(`  machine busy during the node case: ${percent(steady.busy)}`);

console.log(`\n# herd: ${HERD} jobs due in the same second, ${HERDS} times (every ${HERD_PERIOD_MS / 1000} s)`);
const herdPattern = `*/${HERD_PERIOD_MS / 1000} * * * * *`;
const herdCroner = await bareCroner(HERD, herdPattern, HERD_PERIOD_MS, HERD_PERIOD_MS);
report(`bare croner, ${HERD} Cron timers: callback lag`, herdCroner);
const herdQueue = await bareQueue(HERD, HERD_PERIOD_MS, HERD_PERIOD_MS);
report('bare setTimeout over a sorted queue: callback lag', herdQueue);
report(`bare store: ${HERD} appends at once, all durable (the floor)`, await bareStore(HERD, HERDS + 2, 1000));
const herd = await nodeLags(HERD, herdPattern, (startedAt) => {
  // Registration of the jobs goes on after startNode resolves: skip the herds it may overlap.
  const from = Math.ceil((startedAt + 2 * WARM_UP_MS) / HERD_PERIOD_MS) * HERD_PERIOD_MS;
  return { from, to: from + HERDS * HERD_PERIOD_MS, until: from + (HERDS - 1) * HERD_PERIOD_MS + 5000 };
});
report('node: tick → each decision durable', herd.decided, `  (${herd.skipped} RunSkipped)`);
report('node: tick → all of a herd durable (target ≤ 500 ms)', herd.herdAll, `  (decisions per herd: ${herd.perTick.join(', ')})`);
report('node: tick → RunStarted durable (process spawned)', herd.started);
if (inert) report('node: tick → script released (start())', herd.released);
console.log(`  machine busy during the node case: ${percent(herd.busy)}`);
console.log(`\nat the end: ${machineLine()}`);
