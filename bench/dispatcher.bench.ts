/**
 * The dispatcher alone: how long `n` runs take to pass through it (Enqueue, Execute to a slot,
 * SlotFree) with 64 slots, when they all arrive at once — a herd of ticks. The slots are
 * actors that free themselves at once and the job is an actor that ignores `Queued`, so what
 * is timed is the dispatcher's own bookkeeping (and nact's message passing).
 *
 * Run: node --import tsx bench/dispatcher.bench.ts [rounds=3]
 */
import { spawnDispatcher } from '../actors/dispatcher.actor.js';
import type { DispatcherMsg, ProcessMsg } from '../actors/messages.js';
import { dispatch, query, spawnActor, startSystem, stopActor, type ActorRef } from '../actors/nact.js';
import { silentLogger } from '../src/log.js';
import { machineLine, median } from './support/figures.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const SLOTS = 64;

async function measure(runs: number): Promise<number> {
  const system = startSystem(`dispatcher-bench-${runs}`);
  const onCrash = (_message: unknown, _error: unknown, ctx: { stop: symbol }) => ctx.stop;
  let executed = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const job = spawnActor(system, (state: null) => state, 'job', { initialState: null, onCrash });
  const slot = (parent: ActorRef<DispatcherMsg>, index: number) =>
    spawnActor<null, ProcessMsg>(
      parent,
      (state, message) => {
        if (message.type !== 'Execute') return state;
        dispatch(parent, { type: 'SlotFree', slot: index, runId: message.order.runId });
        if (++executed === runs) done();
        return state;
      },
      `slot-${index}`,
      { initialState: null, onCrash },
    );
  const dispatcher = spawnDispatcher(system, { slots: SLOTS, log: silentLogger(), onCrash, spawnSlot: slot });
  await query(dispatcher, { type: 'Inspect' }, 5000);
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const order = { runId: `r${i}`, jobId: 'j', attempt: 1, scheduledFor: '', script: 'true', cwd: '/', env: {}, timeoutMs: 1, graceMs: 1 };
    dispatch(dispatcher, { type: 'Enqueue', job, order });
  }
  await all;
  const elapsed = performance.now() - started;
  stopActor(system);
  return elapsed;
}

console.log(machineLine());
for (const runs of [1000, 5000, 10_000]) {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) times.push(await measure(runs));
  console.log(`${String(runs).padStart(6)} runs at once, ${SLOTS} slots: ${median(times).toFixed(0).padStart(5)} ms (median of ${ROUNDS})`);
}
