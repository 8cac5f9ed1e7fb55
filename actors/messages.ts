/**
 * Messages the actors exchange. Plain data; references to other actors travel inside them.
 */
import type { JobCommand, RunResult } from '../src/domain/job-commands.js';
import type { JobEvent, LadderReason } from '../src/domain/events.js';
import type { JobState } from '../src/domain/job-state.js';
import type { JobSpec } from '../src/domain/job-spec.js';
import type { RunRequest } from '../src/runner/runner.js';
import type { ActorRef } from './nact.js';

/** What a process slot needs to execute one attempt: the runner's request but the node-wide log cap. */
export type RunOrder = Omit<RunRequest, 'logLimitBytes'>;

export type CommandReply = { ok: true; events: JobEvent[] } | { ok: false; code: string; message: string };

/**
 * A run attempt's end as the process slot saw it; `cancelled` means it never started.
 * `refused`: the runner took no new runs (the node is stopping or fenced), so the run waits.
 */
export type SlotOutcome = RunResult | { result: 'cancelled'; durationMs: number; refused?: string };

export type JobMsg =
  /** Replies `CommandReply` when sent as a query. */
  | { type: 'Command'; command: JobCommand }
  /** Recovery is over and this node leads: arm timers, resume open runs. */
  | { type: 'Activate' }
  /** This node no longer leads: disarm timers, dispatch nothing more. */
  | { type: 'Deactivate' }
  | { type: 'TickDue' }
  /**
   * Query from a process slot holding a started-but-held process: replies `{ go: boolean }`.
   * `releaseAt`: the slot releases the held script then (a tick decided ahead), not at once.
   */
  | { type: 'Started'; runId: string; pid: number; slot: number; process: ActorRef<ProcessMsg>; releaseAt?: string }
  | { type: 'Queued'; runId: string; position: number; reason: string }
  | { type: 'Signalled'; runId: string; signal: 'SIGUSR2' | 'SIGKILL'; reason: LadderReason }
  | { type: 'Finished'; runId: string; outcome: SlotOutcome }
  /** Replies the job's `JobState`. */
  | { type: 'Inspect' }
  /** Stop this actor if the job is still idle (see `JobCell`); sent by its idle timer. */
  | { type: 'Passivate' };

export interface JobInspection {
  state: JobState;
  active: boolean;
  inFlight: string[];
}

export type DispatcherMsg =
  | { type: 'Enqueue'; order: RunOrder; job: ActorRef<JobMsg> }
  | { type: 'Dequeue'; runId: string }
  | { type: 'SlotFree'; slot: number; runId: string }
  /** Leadership lost: forget the waiting runs (the next leader dispatches them again). */
  | { type: 'Clear' }
  /** Replies `DispatcherInspection`. */
  | { type: 'Inspect' };

export interface DispatcherLoad {
  queued: number;
  busy: number;
}

export interface DispatcherInspection {
  slots: ({ runId: string; jobId: string } | null)[];
  queue: { runId: string; jobId: string }[];
}

export type ProcessMsg =
  | { type: 'Execute'; order: RunOrder; job: ActorRef<JobMsg>; slot: number }
  | { type: 'Abort'; runId: string; reason: 'abort' | 'fenced' | 'shutdown' }
  | { type: 'Done'; runId: string; outcome: SlotOutcome };

/**
 * What the jobs folder says now compared with what the store knew (from the watcher): jobs whose
 * file is broken are in `rejected` and keep their last valid definition.
 */
export interface ConfigChange {
  /** Valid jobs, new or changed: each becomes `Register` (the decider tells new from changed). */
  upserted: JobSpec[];
  removed: { jobId: string; file: string; reason: string }[];
  rejected: { jobId?: string; file: string; job?: string; field?: string; message: string }[];
}

export type SupervisorMsg =
  /** Applied only while leading: the watcher of a leader reports here. */
  | { type: 'Config'; change: ConfigChange }
  /**
   * This node now leads: spawn (from warm state) and activate the actors of `jobIds`. Replies `true`.
   */
  | { type: 'Lead'; jobIds: string[] }
  /** This node lost the lease: stop every job actor (they may not write) and drop the queue. Replies `true`. */
  | { type: 'Follow' }
  /**
   * Graceful stop: no new ticks or dispatches (the queue is dropped; its runs stay open for the
   * next leader), but results of running jobs are still recorded. Replies `true`.
   */
  | { type: 'Quiesce' }
  /** Replies the dispatcher's reference. */
  | { type: 'Dispatcher' }
  /** Replies `true` once every message sent before it was handled (the directory is current). */
  | { type: 'Sync' };
