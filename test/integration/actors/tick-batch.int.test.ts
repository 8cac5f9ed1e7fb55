/**
 * Ticks that fall due together are decided in one pass by the tick batcher, against a real
 * SQLite store, real job actors and a real timer queue on a manual clock. Each job's stream
 * still has one writer at a time: a job actor busy with its own message gets its tick as a
 * message, and a message that arrives while a tick of its job is being stored waits for it.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { jobActorSpawner, jobStream, startJob } from '../../../actors/job.actor.js';
import type { DispatcherMsg, JobMsg } from '../../../actors/messages.js';
import { query, spawnActor, startSystem, stopActor, type ActorRef, type SystemRef } from '../../../actors/nact.js';
import { actorNameFor } from '../../../actors/supervisor.actor.js';
import { TickBatcher } from '../../../actors/tick-batch.js';
import type { EventStore, StoredEvent } from '../../../src/store/event-store.js';
import { JOB_SNAPSHOT_VERSION } from '../../../src/store/job-streams.js';
import { StorePersistenceEngine } from '../../../src/store/nact-persistence.js';
import { openStore } from '../../../src/store/open-store.js';
import { TimerQueue } from '../../../src/timer-queue.js';
import { eventually } from '../../support/eventually.js';
import { testJobActorDeps } from '../../support/job-actor-deps.js';
import { jobSpec } from '../../support/job-spec.js';
import { ManualClock } from '../../support/manual-clock.js';
import { tempDir } from '../../support/temp-dir.js';

const JOBS = 40;
/** Decisions per append: a pass of 40 is stored in 3 parts. */
const STORE_EVERY = 16;
const QUERY_MS = 10_000;
const START = Date.parse('2026-12-01T10:00:00.250Z');

let store: EventStore;
let system: SystemRef;
let cleanup: () => Promise<void>;
let clock: ManualClock;
let timers: TimerQueue;
let ticks: TickBatcher;
let jobs: { id: string; ref: ActorRef<JobMsg> }[];
/** Appends to these streams wait until `openGate` is called. */
const gated = new Set<string>();
let gate: Promise<void> | undefined;
let openGate: () => void = () => undefined;
let waitingAtGate = 0;
/** Sizes of the `appendMany` calls, in order. */
let appendManySizes: number[] = [];

async function readStream(stream: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of store.readStream(stream)) events.push(event);
  return events;
}

const tickKeysArmed = () => jobs.every(({ id }) => timers.has(`tick:${id}`));

beforeEach(async () => {
  const tmp = await tempDir('timecloud-tick-batch-');
  store = await openStore(join(tmp.path, 'timecloud.db'));
  const gatedStore = new Proxy(store, {
    get(target, property) {
      if (property === 'append') {
        const append: EventStore['append'] = async (stream, events, expected) => {
          if (gated.has(stream) && gate) {
            waitingAtGate += 1;
            await gate;
          }
          return target.append(stream, events, expected);
        };
        return append;
      }
      if (property === 'appendMany') {
        const appendMany: EventStore['appendMany'] = async (requests) => {
          appendManySizes.push(requests.length);
          if (gate && requests.some(({ stream }) => gated.has(stream))) {
            waitingAtGate += 1;
            await gate;
          }
          return target.appendMany(requests);
        };
        return appendMany;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const engine = new StorePersistenceEngine(gatedStore, { snapshotVersion: JOB_SNAPSHOT_VERSION });
  system = startSystem(`tick-batch-${Date.now()}`, engine);
  clock = new ManualClock(START);
  timers = new TimerQueue(clock);
  ticks = new TickBatcher(engine, { storeEvery: STORE_EVERY });
  // Runs are handed over and never started: every tick after a job's first is skipped.
  const dispatcher = spawnActor<object, DispatcherMsg>(system, (state) => state, 'dispatcher', {
    initialState: {},
    onCrash: (_m, _e, ctx) => ctx.stop,
  });
  const deps = testJobActorDeps({ engine, timers, ticks, clock, dispatcher });
  const spawner = jobActorSpawner(system, actorNameFor);
  jobs = Array.from({ length: JOBS }, (_, index) => {
    const id = `pkg${index}/every-second`;
    return { id, ref: startJob(id, deps, spawner).ref() };
  });
  const at = new Date(START).toISOString();
  await Promise.all(
    jobs.map(async ({ id, ref }) => {
      const spec = jobSpec({ package: id.split('/')[0], name: 'every-second', schedule: '* * * * * *', overlap: 'skip' });
      await query(ref, { type: 'Command', command: { type: 'Register', spec, at } }, QUERY_MS);
      await query(ref, { type: 'Activate' }, QUERY_MS);
    }),
  );
  expect(tickKeysArmed()).toBe(true);
  cleanup = async () => {
    stopActor(system);
    timers.close();
    await store.close();
    await tmp.remove();
  };
});

afterEach(async () => {
  openGate();
  gated.clear();
  gate = undefined;
  waitingAtGate = 0;
  appendManySizes = [];
  await cleanup();
});

/** Moves the clock to the next whole second (firing its ticks) and waits until every job re-armed. */
async function nextSecond(): Promise<void> {
  clock.advance(1000);
  await eventually(tickKeysArmed, { message: 'every job to arm its next tick' });
}

it('decides the ticks due at the same instant in one pass, one decision per job and tick', async () => {
  appendManySizes = [];
  await nextSecond(); // 10:00:01: every job schedules a run
  await nextSecond(); // 10:00:02: that run is still open, so every job skips
  await nextSecond(); // 10:00:03

  expect(ticks.counts).toEqual({ batches: 3, decided: 3 * JOBS, handedOver: 0 });
  // Each pass went to the store in parts while it was still deciding.
  expect(appendManySizes).toEqual([16, 16, 8, 16, 16, 8, 16, 16, 8]);
  for (const { id } of jobs) {
    const events = await readStream(jobStream(id));
    expect(events.map((event) => event.type)).toEqual(['JobRegistered', 'RunScheduled', 'RunSkipped', 'RunSkipped']);
    const ticksDecided = events.slice(1).map((event) => (event.data as { scheduledFor: string }).scheduledFor);
    expect(ticksDecided).toEqual(['2026-12-01T10:00:01.000Z', '2026-12-01T10:00:02.000Z', '2026-12-01T10:00:03.000Z']);
    expect(events.map((event) => event.revision)).toEqual([0n, 1n, 2n, 3n]);
  }
  // The job actors answer from the state the batches left.
  const inspection = await query<JobMsg, { state: { tickCursor?: string } }>(jobs[0]!.ref, { type: 'Inspect' }, QUERY_MS);
  expect(inspection.state.tickCursor).toBe('2026-12-01T10:00:03.000Z');
});

it('hands the tick to a job actor busy with its own message; the actor decides it after', async () => {
  const busy = jobs[0]!;
  gated.add(jobStream(busy.id));
  gate = new Promise((resolve) => (openGate = resolve));
  const triggered = query<JobMsg, { ok: boolean }>(
    busy.ref,
    { type: 'Command', command: { type: 'Trigger', runId: '0a4a3b55-0f67-4d8f-8c7a-8d4f57a0c001', by: 'test', at: new Date(START).toISOString() } },
    QUERY_MS,
  );
  await eventually(() => waitingAtGate === 1, { message: 'the trigger to be stuck in its append' });

  clock.advance(1000); // 10:00:01, while the busy job's actor is still storing its trigger
  await eventually(() => jobs.slice(1).every(({ id }) => timers.has(`tick:${id}`)), { message: 'the other jobs to re-arm' });
  expect(ticks.counts).toEqual({ batches: 1, decided: JOBS - 1, handedOver: 1 });

  openGate();
  expect((await triggered).ok).toBe(true);
  await eventually(() => timers.has(`tick:${busy.id}`), { message: 'the busy job to decide its tick and re-arm' });
  const events = await readStream(jobStream(busy.id));
  expect(events.map((event) => `${event.type} ${(event.data as { reason?: string }).reason ?? ''}`.trim())).toEqual([
    'JobRegistered',
    'RunScheduled manual',
    'RunSkipped run 0a4a3b55-0f67-4d8f-8c7a-8d4f57a0c001 is still in progress (overlap: skip)',
  ]);
});

it('a message that arrives while its job’s tick is being stored waits for it and sees its result', async () => {
  const target = jobs[1]!;
  gated.add(jobStream(target.id));
  gate = new Promise((resolve) => (openGate = resolve));

  clock.advance(1000); // the batch takes every job, then waits on the gated append of `target`
  await eventually(() => waitingAtGate === 1, { message: 'the batched tick to be stuck in its append' });
  const triggered = query<JobMsg, { ok: boolean; code?: string; message?: string }>(
    target.ref,
    { type: 'Command', command: { type: 'Trigger', runId: '0a4a3b55-0f67-4d8f-8c7a-8d4f57a0c002', by: 'test', at: new Date(clock.now()).toISOString() } },
    QUERY_MS,
  );
  gated.clear(); // the trigger's own append must not wait at the gate
  openGate();
  // The tick's run is open when the trigger is decided: overlap "skip" refuses it.
  const answer = await triggered;
  expect(answer).toMatchObject({ ok: false, code: 'CONFLICT' });
  expect(ticks.counts).toEqual({ batches: 1, decided: JOBS, handedOver: 0 });
  await eventually(tickKeysArmed);
  const events = await readStream(jobStream(target.id));
  expect(events.map((event) => event.type)).toEqual(['JobRegistered', 'RunScheduled']);
});

it('a stopped job actor’s ticks are not decided', async () => {
  const stopped = jobs[2]!;
  stopActor(stopped.ref);
  await eventually(() => !timers.has(`tick:${stopped.id}`), { message: 'the stopped actor to disarm' });
  clock.advance(1000);
  await eventually(() => jobs.filter((job) => job !== stopped).every(({ id }) => timers.has(`tick:${id}`)));
  const events = await readStream(jobStream(stopped.id));
  expect(events.map((event) => event.type)).toEqual(['JobRegistered']);
  expect(ticks.counts.decided).toBe(JOBS - 1);
});
