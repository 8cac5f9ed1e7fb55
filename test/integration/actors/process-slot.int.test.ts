/**
 * A process slot is freed once its run's processes are gone, while the result is still being
 * recorded: it spawns the next run held meanwhile, but asks for that run's `RunStarted` only
 * after the previous result is acknowledged. Real job processes through the local runner; the
 * job actors and the dispatcher are stand-ins whose replies the test holds back.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { spawnProcessSlot } from '../../../actors/process.actor.js';
import type { DispatcherMsg, JobMsg, ProcessMsg, RunOrder } from '../../../actors/messages.js';
import { dispatch, query, reply, spawnActor, startSystem, stopActor, type ActorRef, type SystemRef } from '../../../actors/nact.js';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/log.js';
import { createLocalRunner } from '../../../src/runner/local-runner.js';
import type { RunHandle, Runner } from '../../../src/runner/runner.js';
import type { EventStore } from '../../../src/store/event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { eventually } from '../../support/eventually.js';
import { runRequest } from '../../support/runner-fixtures.js';
import { tempDir } from '../../support/temp-dir.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let store: EventStore;
let system: SystemRef;
const local = createLocalRunner();

beforeEach(async () => {
  tmp = await tempDir('timecloud-slot-');
  store = await openStore(`${tmp.path}/store.db`);
  system = startSystem(`slot-${Date.now()}`);
});
afterEach(async () => {
  stopActor(system);
  await local.shutdown('shutdown');
  await store.close();
  await tmp.remove();
});

type Seen = { type: string; runId: string };
type StandIn = JobMsg | { type: 'Ping' };

/** A job actor that records what it is told, lets every run start, and acknowledges a result only once `release` resolves. */
function standInJob(name: string, seen: Seen[], release: Promise<void>): ActorRef<JobMsg> {
  const ref = spawnActor<null, StandIn>(
    system,
    async (state, message, ctx) => {
      if (message.type === 'Ping') reply(ctx, true);
      if (message.type === 'Started') {
        seen.push({ type: `${name}:Started`, runId: message.runId });
        reply(ctx, { go: true });
      }
      if (message.type === 'Finished') {
        seen.push({ type: `${name}:Finished`, runId: message.runId });
        await release;
        reply(ctx, true);
      }
      return state;
    },
    name,
    { initialState: null, onCrash: (_m, _e, c) => c.stop },
  );
  return ref as ActorRef<JobMsg>;
}

function order(script: string): RunOrder {
  const { logLimitBytes: _, ...rest } = runRequest(script);
  return rest;
}

it('spawns the next run held while the last result is recorded, and starts it only once that result is acknowledged', async () => {
  const seen: Seen[] = [];
  let releaseA!: () => void;
  const jobA = standInJob('a', seen, new Promise((resolve) => (releaseA = resolve)));
  const jobB = standInJob('b', seen, Promise.resolve());
  const first = order('./success.sh');
  const second = order('./success.sh');

  const prepared: string[] = [];
  const runner: Runner = {
    async prepare(request, callbacks): Promise<RunHandle> {
      const handle = await local.prepare(request, callbacks);
      prepared.push(request.runId);
      return handle;
    },
    fenceAt: (deadline) => local.fenceAt(deadline),
    shutdown: (reason) => local.shutdown(reason),
    close: () => local.close(),
  };

  const freed: string[] = [];
  const target: { slot?: ActorRef<ProcessMsg> } = {};
  const dispatcher = spawnActor<null, DispatcherMsg>(
    system,
    (state, message) => {
      if (message.type !== 'SlotFree') return state;
      freed.push(message.runId);
      if (message.runId === first.runId) dispatch(target.slot, { type: 'Execute', order: second, job: jobB, slot: 0 });
      return state;
    },
    'dispatcher',
    { initialState: null, onCrash: (_m, _e, c) => c.stop },
  );
  const recording = new Set<Promise<void>>();
  const slot = spawnProcessSlot(dispatcher, 0, {
    runner,
    store,
    clock: systemClock,
    log: silentLogger(),
    logLimitBytes: 1_000_000,
    canWrite: () => true,
    recording,
    onCrash: (_m, _e, c) => c.stop,
  });
  target.slot = slot;

  dispatch(slot, { type: 'Execute', order: first, job: jobA, slot: 0 });

  // The first run ended and its result waits at its job: the slot is free and the next shell spawned held.
  await eventually(() => prepared.includes(second.runId), { message: 'the second run prepared' });
  expect(freed).toEqual([first.runId]);
  expect(recording.size).toBe(1);
  await query(jobB as ActorRef<StandIn>, { type: 'Ping' }, 5000); // anything the slot sent b is handled by now
  expect(seen).toEqual([
    { type: 'a:Started', runId: first.runId },
    { type: 'a:Finished', runId: first.runId },
  ]);

  releaseA();
  await eventually(() => freed.includes(second.runId), { message: 'the second run done' });
  expect(seen.slice(2)).toEqual([
    { type: 'b:Started', runId: second.runId },
    { type: 'b:Finished', runId: second.runId },
  ]);
  await eventually(() => recording.size === 0, { message: 'no result left to record' });
});
