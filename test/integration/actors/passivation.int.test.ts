/**
 * An idle job's actor is stopped after `idleActorMs` and started again when a message must reach
 * the job: against a real SQLite store, real job actors, the real tick batcher and timer queue on
 * a manual clock, and a dispatcher that runs every order at once. The job keeps ticking while it
 * has no actor, each new actor starts from the state in memory (its stream is not read again),
 * and an actor with a message waiting does not stop.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { JobCell } from '../../../actors/job-cell.js';
import { jobActorSpawner, jobStream, startJob } from '../../../actors/job.actor.js';
import type { DispatcherMsg, JobMsg } from '../../../actors/messages.js';
import { dispatch, query, spawnActor, startSystem, stopActor, type SystemRef } from '../../../actors/nact.js';
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

const QUERY_MS = 10_000;
const IDLE_MS = 1_000;
const START = Date.parse('2026-12-01T10:00:00.250Z');

let store: EventStore;
let system: SystemRef;
let clock: ManualClock;
let timers: TimerQueue;
let cleanup: () => Promise<void>;
let spawned = 0;
/** Reads of the job stream from its start (a recovery that replays it), and all its reads. */
let replays = 0;
let reads = 0;
let cell: JobCell;
/** While true, started runs are not finished until `release` is called. */
let holdRuns = false;
let held: (() => void)[] = [];
const JOB = 'pkg/every-5s';

async function readStream(stream: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of store.readStream(stream)) events.push(event);
  return events;
}

beforeEach(async () => {
  spawned = replays = reads = 0;
  holdRuns = false;
  held = [];
  const tmp = await tempDir('timecloud-passivation-');
  store = await openStore(join(tmp.path, 'timecloud.db'));
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === 'readStream') {
        const readStream: EventStore['readStream'] = (stream, options) => {
          if (stream === jobStream(JOB)) reads += 1;
          if (stream === jobStream(JOB) && (options?.fromRevision ?? 0n) === 0n && options?.direction !== 'backwards') replays += 1;
          return target.readStream(stream, options);
        };
        return readStream;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const engine = new StorePersistenceEngine(counted, { snapshotVersion: JOB_SNAPSHOT_VERSION });
  system = startSystem(`passivation-${Date.now()}`, engine);
  clock = new ManualClock(START);
  timers = new TimerQueue(clock);
  // Every order runs at once and succeeds: the job is idle again right after each run.
  const dispatcher = spawnActor<object, DispatcherMsg>(
    system,
    async (state, message) => {
      if (message.type !== 'Enqueue') return state;
      const { order, job } = message;
      const answer = await query<JobMsg, { go: boolean }>(
        job,
        { type: 'Started', runId: order.runId, pid: 1, slot: 0, process: job as never },
        QUERY_MS,
      );
      const finish = () => dispatch(job, { type: 'Finished', runId: order.runId, outcome: { result: 'succeeded', durationMs: 1 } });
      if (answer.go) {
        if (holdRuns) held.push(finish);
        else finish();
      }
      return state;
    },
    'dispatcher',
    { initialState: {}, onCrash: (_m, _e, ctx) => ctx.resume },
  );
  const deps = testJobActorDeps({ engine, timers, ticks: new TickBatcher(engine), clock, dispatcher, idleActorMs: IDLE_MS });
  const spawner = jobActorSpawner(system, actorNameFor);
  cell = startJob(JOB, deps, (job) => {
    spawned += 1;
    return spawner(job);
  });
  const spec = jobSpec({ package: 'pkg', name: 'every-5s', schedule: '*/5 * * * * *', overlap: 'skip' });
  await query(cell.ref(), { type: 'Command', command: { type: 'Register', spec, at: new Date(START).toISOString() } }, QUERY_MS);
  await query(cell.ref(), { type: 'Activate' }, QUERY_MS);
  cleanup = async () => {
    stopActor(system);
    timers.close();
    await store.close();
    await tmp.remove();
  };
});

afterEach(async () => cleanup());

const types = async () => (await readStream(jobStream(JOB))).map((event) => event.type);

it('stops an idle actor; the job keeps firing, each run gets an actor that starts from memory', async () => {
  expect(spawned).toBe(1);
  expect(replays).toBe(1); // the first actor recovered from the (empty) stream
  const readsBefore = reads;
  clock.advance(IDLE_MS);
  await eventually(() => !cell.hasActor, { message: 'the idle actor to stop' });

  for (let run = 1; run <= 3; run++) {
    clock.advance(5000); // a tick: decided by the batcher; its run needs the job's actor
    await eventually(async () => (await types()).filter((type) => type === 'RunSucceeded').length === run, {
      message: `run ${run} to succeed`,
    });
    await eventually(() => cell.state?.effects?.idle(cell.state.job) === true, { message: 'the job to be idle' });
    clock.advance(IDLE_MS);
    await eventually(() => !cell.hasActor, { message: `the actor of run ${run} to stop` });
  }
  expect(spawned).toBe(4);
  expect(reads).toBe(readsBefore); // later actors read nothing of the stream
  const stream = await readStream(jobStream(JOB));
  expect(stream.map((event) => event.type)).toEqual([
    'JobRegistered',
    ...Array.from({ length: 3 }, () => ['RunScheduled', 'RunStarted', 'RunSucceeded']).flat(),
  ]);
  expect(stream.map((event) => event.revision)).toEqual(stream.map((_, index) => BigInt(index)));
  // A new actor answers from the state the last one left.
  const inspection = await query<JobMsg, { state: { openRuns: object; tickCursor?: string }; active: boolean }>(cell.ref(), { type: 'Inspect' }, QUERY_MS);
  expect(inspection.active).toBe(true);
  expect(inspection.state.openRuns).toEqual({});
  expect(inspection.state.tickCursor).toBe('2026-12-01T10:00:15.000Z');
});

it('does not stop an actor with a message waiting; it stops once idle again', async () => {
  const ref = cell.ref();
  dispatch(ref, { type: 'Passivate' });
  const answer = query<JobMsg, { state: { registered: boolean } }>(ref, { type: 'Inspect' }, QUERY_MS);
  expect((await answer).state.registered).toBe(true);
  expect(spawned).toBe(1);
  expect(cell.hasActor).toBe(true);
  clock.advance(IDLE_MS);
  await eventually(() => !cell.hasActor, { message: 'the actor to stop once idle' });
});

it('keeps the actor of a job whose run is in flight, and stops it once the run is over', async () => {
  holdRuns = true;
  const runId = '00000000-0000-4000-8000-000000000001';
  const trigger = { type: 'Trigger' as const, runId, by: 'test', at: new Date(clock.now()).toISOString() };
  await query(cell.ref(), { type: 'Command', command: trigger }, QUERY_MS);
  await eventually(() => held.length === 1, { message: 'the run to start' });
  dispatch(cell.ref(), { type: 'Passivate' });
  clock.advance(IDLE_MS * 5);
  const inspection = await query<JobMsg, { inFlight: string[] }>(cell.ref(), { type: 'Inspect' }, QUERY_MS);
  expect(inspection.inFlight).toEqual([runId]);
  expect(spawned).toBe(1); // the same actor all along
  held.shift()!();
  await eventually(async () => (await types()).includes('RunSucceeded'), { message: 'the run to succeed' });
  clock.advance(IDLE_MS);
  await eventually(() => !cell.hasActor, { message: 'the actor to stop once the job is idle' });
});

it('never starts an actor for a job the node let go (a late timer after it stopped leading)', async () => {
  cell.retire();
  const before = spawned;
  // A store-retry or tick timer of the old leader firing now must not bring the job back.
  dispatch(cell.ref(), { type: 'TickDue' });
  clock.advance(IDLE_MS * 3);
  await new Promise((resolve) => setImmediate(resolve));
  expect(spawned).toBe(before);
  expect(cell.hasActor).toBe(false);
  expect(timers.has(`tick:${JOB}`)).toBe(false);
});
