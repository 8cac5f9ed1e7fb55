/**
 * A process slot: executes one run at a time through the runner. It prepares the process held,
 * has the job actor record `RunStarted` (with the pid) before releasing it, streams its output
 * to the run log, forwards signals and the outcome, then frees its slot.
 *
 * The slot is free once the run's process group is gone, while its result is still being
 * recorded: the next run's shell is spawned held meanwhile, and its `RunStarted` is asked
 * for only after the previous result is acknowledged. So a slot never runs two jobs' scripts
 * at once and the trail never shows more runs started than slots, yet the fork of the next
 * run overlaps the commit of the last one (bench/throughput.bench.ts, the burst case).
 */
import type { Clock } from '../src/clock.js';
import { RunnerStoppedError } from '../src/errors.js';
import type { Logger } from '../src/log.js';
import type { RunHandle, Runner } from '../src/runner/runner.js';
import { RunLogWriter, type LiveLogBus } from '../src/runlog/run-log-writer.js';
import type { EventStore } from '../src/store/event-store.js';
import { MAX_DECIDE_AHEAD_MS } from '../src/config/node-config.keys.js';
import type { DispatcherMsg, JobMsg, ProcessMsg, RunOrder, SlotOutcome } from './messages.js';
import { dispatch, query, spawnActor, type ActorRef, type CrashPolicy } from './nact.js';

export interface ProcessDeps {
  runner: Runner;
  store: EventStore;
  clock: Clock;
  log: Logger;
  live?: LiveLogBus;
  logLimitBytes: number;
  /** False when this node may not write (lost lease). */
  canWrite(): boolean;
  /** How long to wait for the job actor to record the start. @defaultValue 30000 */
  startTimeoutMs?: number;
  /** Results being recorded after their slot was freed; a stopping node waits for them. */
  recording: Set<Promise<void>>;
  onCrash: CrashPolicy;
}

interface Current {
  order: RunOrder;
  job: ActorRef<JobMsg>;
  handle?: RunHandle;
  writer: RunLogWriter;
}

interface ProcessState {
  current?: Current;
  /** The previous run's result, until its job actor has acknowledged it. */
  recorded?: Promise<void>;
}

function failure(message: string): SlotOutcome {
  return { result: 'failed', exitCode: null, signal: null, stderrTail: message, durationMs: 0 };
}

export function spawnProcessSlot(
  dispatcher: ActorRef<DispatcherMsg>,
  slot: number,
  deps: ProcessDeps,
): ActorRef<ProcessMsg> {
  const finish = (self: ActorRef<ProcessMsg>, runId: string, outcome: SlotOutcome) =>
    dispatch(self, { type: 'Done', runId, outcome });

  return spawnActor<ProcessState, ProcessMsg>(
    dispatcher,
    async (state, message, ctx) => {
      switch (message.type) {
        case 'Execute': {
          const { order, job } = message;
          const writer = new RunLogWriter(order.runId, order.jobId, {
            store: deps.store,
            clock: deps.clock,
            log: deps.log,
            live: deps.live,
            canWrite: deps.canWrite,
          });
          const current: Current = { order, job, writer };
          let handle: RunHandle;
          try {
            handle = await deps.runner.prepare(
              { ...order, logLimitBytes: deps.logLimitBytes },
              {
                onLog: (lines) => writer.add(lines),
                onSignal: (s) => dispatch(job, { type: 'Signalled', runId: order.runId, signal: s.signal, reason: s.reason }),
              },
            );
          } catch (error) {
            const message = (error as Error).message;
            // Nothing ran: a node that is stopping or fenced is no failure of the job (and no alert).
            const outcome = error instanceof RunnerStoppedError ? { result: 'cancelled' as const, durationMs: 0, refused: message } : failure(`could not start: ${message}`);
            finish(ctx.self, order.runId, outcome);
            return { ...state, current };
          }
          current.handle = handle;
          await state.recorded;
          // A tick decided ahead (`decideAheadMs`) is released at its time, not before, and its
          // RunStarted says so. An Abort sent meanwhile waits in the mailbox: nact handles one
          // message at a time.
          const askedAt = deps.clock.now();
          const releaseAtMs = Math.min(Date.parse(order.scheduledFor), askedAt + MAX_DECIDE_AHEAD_MS);
          const releaseAt = releaseAtMs > askedAt ? { releaseAt: new Date(releaseAtMs).toISOString() } : {};
          let go = false;
          try {
            const answer = await query<JobMsg, { go?: boolean }>(
              job,
              { type: 'Started', runId: order.runId, pid: handle.pid, slot, process: ctx.self, ...releaseAt },
              deps.startTimeoutMs ?? 30_000,
            );
            go = answer.go === true;
          } catch (error) {
            deps.log.warn({ err: error, runId: order.runId }, 'start not recorded in time; the run will not execute');
          }
          if (!go) {
            await handle.cancel();
            finish(ctx.self, order.runId, { result: 'cancelled', durationMs: 0 });
            return { ...state, current };
          }
          const early = releaseAtMs - deps.clock.now();
          if (early > 0) await new Promise<void>((resolve) => deps.clock.setTimeout(resolve, early));
          handle.start();
          void handle.outcome.then(async (outcome) => {
            await writer.finish(outcome);
            finish(ctx.self, order.runId, outcome.result === 'cancelled' ? { result: 'cancelled', durationMs: 0 } : outcome);
          });
          return { ...state, current };
        }
        case 'Abort': {
          const current = state.current;
          if (current?.order.runId === message.runId) current.handle?.abort(message.reason);
          return state;
        }
        case 'Done': {
          const current = state.current;
          if (current?.order.runId !== message.runId) return state;
          const { runId, outcome } = message;
          const recorded = query<JobMsg, unknown>(current.job, { type: 'Finished', runId, outcome }, deps.startTimeoutMs ?? 30_000).then(
            () => undefined,
            (error: unknown) => deps.log.warn({ err: error, runId }, 'result not acknowledged by its job'),
          );
          deps.recording.add(recorded);
          void recorded.finally(() => deps.recording.delete(recorded));
          // The job's processes are gone: the slot may prepare the next run while this result is written.
          dispatch(dispatcher, { type: 'SlotFree', slot, runId });
          return { recorded };
        }
        default: {
          const unknown: never = message;
          return unknown;
        }
      }
    },
    `slot-${slot}`,
    { initialState: {}, onCrash: deps.onCrash },
  );
}
