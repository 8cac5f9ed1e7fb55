/**
 * The dispatcher: `slots` process slots and one FIFO queue. A run goes to a free slot at once;
 * when every slot is busy it waits in the queue, and its job records `RunQueued` with the reason.
 * It holds no durable state: after a restart the job actors hand their open runs over again.
 */
import type { Logger } from '../src/log.js';
import type { DispatcherInspection, DispatcherLoad, DispatcherMsg, JobMsg, ProcessMsg, RunOrder } from './messages.js';
import { dispatch, reply, spawnActor, type ActorRef, type CrashPolicy } from './nact.js';

interface Waiting {
  order: RunOrder;
  job: ActorRef<JobMsg>;
}

interface DispatcherState {
  slots: ({ runId: string; jobId: string } | null)[];
  /**
   * The waiting runs by run id, in arrival order (a Map iterates in insertion order). Mutated in
   * place: a herd of ticks queues thousands of runs at once, and copying or scanning an array
   * on every message made that quadratic (bench/fire-lag.bench.ts). Null in the initial state,
   * which nact reuses on a reset: each incarnation makes its own.
   */
  queue: Map<string, Waiting> | null;
}

type LiveState = DispatcherState & { queue: Map<string, Waiting> };

export interface DispatcherDeps {
  slots: number;
  /** Spawns the process actor of slot `index` as a child of the dispatcher. */
  spawnSlot(parent: ActorRef<DispatcherMsg>, index: number): ActorRef<ProcessMsg>;
  log: Logger;
  onCrash: CrashPolicy;
  /**
   * Called whenever the queue or the slots change (metrics). Counts only: listing a herd's queue
   * on every message would make a herd quadratic again.
   */
  onChange?(load: DispatcherLoad): void;
}

export function spawnDispatcher(parent: ActorRef<unknown>, deps: DispatcherDeps): ActorRef<DispatcherMsg> {
  if (!Number.isInteger(deps.slots) || deps.slots < 1) {
    throw new RangeError(`slots must be an integer of at least 1, got ${deps.slots}`);
  }
  const processes: ActorRef<ProcessMsg>[] = [];

  function inspect(state: LiveState): DispatcherInspection {
    return { slots: state.slots, queue: [...state.queue.values()].map((w) => ({ runId: w.order.runId, jobId: w.order.jobId })) };
  }

  function assign(state: LiveState, slot: number, waiting: Waiting): LiveState {
    const slots = [...state.slots];
    slots[slot] = { runId: waiting.order.runId, jobId: waiting.order.jobId };
    dispatch(processes[slot], { type: 'Execute', order: waiting.order, job: waiting.job, slot });
    return { ...state, slots };
  }

  const ref = spawnActor<DispatcherState, DispatcherMsg>(
    parent,
    (initial, message, ctx) => {
      if (processes.length === 0) {
        for (let i = 0; i < deps.slots; i++) processes.push(deps.spawnSlot(ctx.self, i));
      }
      const state: LiveState = initial.queue ? (initial as LiveState) : { ...initial, queue: new Map() };
      let next: LiveState;
      switch (message.type) {
        case 'Enqueue': {
          const { runId } = message.order;
          const known = state.queue.has(runId) || state.slots.some((s) => s?.runId === runId);
          if (known) return state; // handed over twice (a job actor resumed): keep one
          const free = state.slots.indexOf(null);
          if (free !== -1) {
            next = assign(state, free, message);
          } else {
            state.queue.set(runId, message);
            next = state;
            const reason = `all ${deps.slots} slot${deps.slots === 1 ? '' : 's'} busy`;
            dispatch(message.job, { type: 'Queued', runId, position: state.queue.size, reason });
          }
          break;
        }
        case 'Dequeue':
          if (!state.queue.delete(message.runId)) return state;
          next = state;
          break;
        case 'SlotFree': {
          if (state.slots[message.slot]?.runId !== message.runId) return state;
          const slots = [...state.slots];
          slots[message.slot] = null;
          next = { ...state, slots };
          const first = state.queue.values().next();
          if (!first.done) {
            state.queue.delete(first.value.order.runId);
            next = assign(next, message.slot, first.value);
          }
          break;
        }
        case 'Clear':
          state.queue.clear();
          next = state;
          break;
        case 'Inspect':
          reply(ctx, inspect(state));
          return state;
        default: {
          const unknown: never = message;
          return unknown;
        }
      }
      deps.onChange?.({ queued: next.queue.size, busy: next.slots.reduce((n, slot) => (slot ? n + 1 : n), 0) });
      return next;
    },
    'dispatcher',
    {
      initialState: { slots: Array.from({ length: deps.slots }, () => null), queue: null },
      onCrash: deps.onCrash,
    },
  );
  return ref;
}
