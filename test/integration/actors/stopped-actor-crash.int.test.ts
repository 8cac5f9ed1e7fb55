/**
 * A node that stops leading stops its job actors while their appends may still be in flight.
 * When such an append then fails (the new leader wrote first), the stopped actor's crash must
 * end quietly: nact escalated it to a parent it had already dropped and the whole process died.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { dispatch, spawnActor, startSystem, stopActor, type ActorRef, type SystemRef } from '../../../actors/nact.js';
import { eventually } from '../../support/eventually.js';

let system: SystemRef;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  system = startSystem(`crash-${Date.now()}`);
});
afterEach(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  stopActor(system);
});

/**
 * A parent that resets a crashed child, and under it a child that escalates its crashes; both
 * note what they were asked. `stopped` counts the child's stops (a crash after its stop ends
 * it once more).
 */
function spawnFamily(handler: (state: object) => object | Promise<object>) {
  const decisions: string[] = [];
  const family = { decisions, stopped: 0, child: undefined as unknown as ActorRef<'go'> };
  const parent = spawnActor<object, 'spawn'>(system, (state) => state, 'parent', {
    initialState: {},
    onCrash: (_m, _e, ctx) => {
      decisions.push('parent asked');
      return ctx.resetChild;
    },
  });
  family.child = spawnActor<object, 'go'>(parent, handler, 'child', {
    initialState: {},
    onCrash: (_m, _e, ctx) => {
      decisions.push('child crashed');
      return ctx.escalate;
    },
    afterStop: () => {
      family.stopped += 1;
    },
  });
  return family;
}

it('a handler that fails after its actor was stopped neither escalates nor crashes the process', async () => {
  let fail!: (error: Error) => void;
  const pending = new Promise<never>((_, reject) => (fail = reject));
  let started = false;
  const family = spawnFamily(async (state) => {
    started = true;
    await pending; // an append in flight
    return state;
  });
  dispatch(family.child, 'go');
  await eventually(() => started);
  stopActor(family.child);
  await eventually(() => family.stopped === 1);
  fail(new Error('append to "job-x" expected revision 3 but the stream is at revision 5'));
  // The failure ends the stopped actor once more; before the fix it escalated to no parent and threw.
  await eventually(() => family.stopped === 2, { timeout: 3_000 });
  expect(uncaught).toEqual([]);
  // The stopped actor's own policy was not consulted and nothing reached its former parent.
  expect(family.decisions).toEqual([]);
});

it('a live actor still escalates its crash to its parent', async () => {
  const family = spawnFamily(() => {
    throw new Error('boom');
  });
  dispatch(family.child, 'go');
  await eventually(() => family.decisions.length === 2);
  expect(family.decisions).toEqual(['child crashed', 'parent asked']);
  expect(uncaught).toEqual([]);
});
