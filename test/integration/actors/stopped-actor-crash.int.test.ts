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

it('a handler that fails after its actor was stopped neither escalates nor crashes the process', async () => {
  let fail!: (error: Error) => void;
  const pending = new Promise<never>((_, reject) => (fail = reject));
  const decisions: string[] = [];
  const parent = spawnActor<object, 'spawn'>(system, (state) => state, 'parent', {
    initialState: {},
    onCrash: (_m, _e, ctx) => {
      decisions.push('parent asked');
      return ctx.resetChild;
    },
  });
  let started = false;
  const child: ActorRef<'go'> = spawnActor<object, 'go'>(
    parent,
    async (state) => {
      started = true;
      await pending; // an append in flight
      return state;
    },
    'child',
    {
      initialState: {},
      onCrash: (_m, _e, ctx) => {
        decisions.push('child crashed');
        return ctx.escalate;
      },
    },
  );
  dispatch(child, 'go');
  await eventually(() => started);
  stopActor(child);
  fail(new Error('append to "job-x" expected revision 3 but the stream is at revision 5'));
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the failure travel through nact
  expect(uncaught).toEqual([]);
  // The stopped actor's own policy was not consulted and nothing reached its former parent.
  expect(decisions).toEqual([]);
});

it('a live actor still escalates its crash to its parent', async () => {
  const decisions: string[] = [];
  const parent = spawnActor<object, 'spawn'>(system, (state) => state, 'parent', {
    initialState: {},
    onCrash: (_m, _e, ctx) => {
      decisions.push('parent asked');
      return ctx.resetChild;
    },
  });
  const child = spawnActor<object, 'go'>(
    parent,
    () => {
      throw new Error('boom');
    },
    'child',
    {
      initialState: {},
      onCrash: (_m, _e, ctx) => {
        decisions.push('child crashed');
        return ctx.escalate;
      },
    },
  );
  dispatch(child, 'go');
  await eventually(() => decisions.length === 2);
  expect(decisions).toEqual(['child crashed', 'parent asked']);
  expect(uncaught).toEqual([]);
});
