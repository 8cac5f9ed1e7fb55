/**
 * The job decider: `decide(command, state)` → events. Pure; every rule about when a job runs,
 * skips, retries or stops lives here, and the job actor only performs what these events imply.
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type {
  JobEvent,
  RetryScheduled,
  RunAborted,
  RunAbandoned,
  RunFailed,
  RunScheduled,
  RunSucceeded,
  RunTimedOut,
} from './events.js';
import { retryRunId, tickRunId } from './ids.js';
import type { JobCommand, RunResult } from './job-commands.js';
import { changedFields, type JobSpec } from './job-spec.js';
import { activeRunIds, type JobState, type OpenRun } from './job-state.js';
import { retryDelayMs } from './retry-policy.js';
import type { Schedule } from './schedule.js';
import { planTicks } from './tick-plan.js';

export interface DecideContext {
  /** The compiled schedule of a spec (pure: same spec, same fire times). */
  scheduleOf(spec: JobSpec): Schedule;
}

function requireRegistered(state: JobState): JobSpec {
  if (!state.registered || !state.spec) throw new NotFoundError(`job "${state.jobId}" is not registered`);
  if (state.removed) throw new NotFoundError(`job "${state.jobId}" was removed`);
  return state.spec;
}

function requireOpenRun(state: JobState, runId: string): OpenRun {
  const run = state.openRuns[runId];
  if (!run) throw new ConflictError(`run ${runId} of job "${state.jobId}" is not open (already finished or unknown)`);
  return run;
}

function scheduled(
  state: JobState,
  fields: Pick<RunScheduled['data'], 'runId' | 'rootRunId' | 'attempt' | 'scheduledFor' | 'reason' | 'by'>,
  at: string,
): RunScheduled {
  return { type: 'RunScheduled', data: { jobId: state.jobId, ...fields, at } };
}

/** Why a new run may not start now under `overlap: skip`, or `undefined` if it may. */
function overlapBlocker(state: JobState): string | undefined {
  return activeRunIds(state)[0];
}

function decideTick(state: JobState, now: string, aheadMs: number, ctx: DecideContext): JobEvent[] {
  if (!state.registered || state.removed || !state.enabled || !state.spec) return [];
  const spec = state.spec;
  const plan = planTicks({
    schedule: ctx.scheduleOf(spec),
    cursor: new Date(state.tickCursor ?? now),
    now: new Date(Date.parse(now) + aheadMs),
    catchUp: spec.catchUp,
    catchUpLimit: spec.catchUpLimit,
  });
  const blocker = overlapBlocker(state);
  // Whether a run still going blocks a tick is known only at the tick: a job with a run
  // open decides its coming ticks when they are due, not ahead of them.
  if (blocker !== undefined && plan.fire.some((tick) => tick.scheduledFor.getTime() > Date.parse(now))) return [];
  const events: JobEvent[] = plan.missed.map((range) => ({
    type: 'RunMissed' as const,
    data: {
      jobId: state.jobId,
      scheduledFor: range.from.toISOString(),
      count: range.count,
      ...(range.count > 1 ? { until: range.until.toISOString() } : {}),
      reason: 'no node could fire it in time (downtime or failover)',
      at: now,
    },
  }));
  // Several fires in one decision (catchUp "all") never skip each other: the job actor runs
  // them one after another (see `dispatchable`). Only a run from before blocks them.
  for (const tick of plan.fire) {
    const scheduledFor = tick.scheduledFor.toISOString();
    if (spec.overlap === 'skip' && blocker !== undefined) {
      events.push({
        type: 'RunSkipped',
        data: {
          jobId: state.jobId,
          scheduledFor,
          reason: `run ${blocker} is still in progress (overlap: skip)`,
          blockingRunId: blocker,
          at: now,
        },
      });
      continue;
    }
    const runId = tickRunId(state.jobId, scheduledFor);
    events.push(scheduled(state, { runId, rootRunId: runId, attempt: 1, scheduledFor, reason: tick.reason }, now));
  }
  return events;
}

function decideTrigger(state: JobState, runId: string, by: string, at: string): JobEvent[] {
  const spec = requireRegistered(state);
  if (state.openRuns[runId] || state.lastRunId === runId) return []; // the same request again
  const blocker = overlapBlocker(state);
  if (spec.overlap === 'skip' && blocker !== undefined) {
    throw new ConflictError(`job "${state.jobId}" is already running (run ${blocker}); its overlap policy is "skip"`);
  }
  return [scheduled(state, { runId, rootRunId: runId, attempt: 1, scheduledFor: at, reason: 'manual', by }, at)];
}

/** The final event of an attempt, plus a retry when the policy allows one. */
function decideResult(state: JobState, run: OpenRun, outcome: RunResult, by: string | undefined, at: string): JobEvent[] {
  const ref = { jobId: state.jobId, runId: run.runId, attempt: run.attempt };
  const { durationMs } = outcome;
  let final: RunSucceeded | RunFailed | RunTimedOut | RunAborted;
  switch (outcome.result) {
    case 'succeeded':
      return [{ type: 'RunSucceeded', data: { ...ref, exitCode: 0, durationMs, at } }];
    case 'failed':
      final = {
        type: 'RunFailed',
        data: { ...ref, exitCode: outcome.exitCode, signal: outcome.signal, durationMs, stderrTail: outcome.stderrTail, at },
      };
      break;
    case 'timed_out':
      final = {
        type: 'RunTimedOut',
        data: {
          ...ref,
          timeoutMs: state.spec?.timeout ?? 0,
          durationMs,
          killed: outcome.killed,
          exitCode: outcome.exitCode,
          signal: outcome.signal,
          at,
        },
      };
      break;
    case 'aborted': {
      const reasons = {
        abort: 'aborted on request',
        fenced: 'the node lost its leader lease',
        shutdown: 'the node shut down',
        launcher: "the node's launcher process died",
        timeout: 'timed out',
      } as const;
      const { exitCode, signal, killed } = outcome;
      final = {
        type: 'RunAborted',
        data: { ...ref, by: by ?? outcome.reason, reason: reasons[outcome.reason], durationMs, killed, exitCode, signal, at },
      };
      // A run aborted on request is not retried: somebody wanted it stopped.
      if (outcome.reason === 'abort') return [final];
      break;
    }
    default: {
      const unknown: never = outcome;
      return unknown;
    }
  }
  return [final, ...retryAfter(state, run, at)];
}

function retryAfter(state: JobState, run: OpenRun, at: string): RetryScheduled[] {
  const spec = state.spec;
  if (!spec || state.removed || !state.enabled || run.attempt > spec.retries) return [];
  const nextAttempt = run.attempt + 1;
  const nextRunId = retryRunId(run.rootRunId, nextAttempt);
  const delayMs = retryDelayMs(spec.retryDelay, nextAttempt, nextRunId);
  return [
    {
      type: 'RetryScheduled',
      data: {
        jobId: state.jobId,
        runId: run.runId,
        attempt: run.attempt,
        rootRunId: run.rootRunId,
        scheduledFor: run.scheduledFor,
        nextRunId,
        nextAttempt,
        delayMs,
        dueAt: new Date(Date.parse(at) + delayMs).toISOString(),
        at,
      },
    },
  ];
}

function decideAbort(state: JobState, runId: string, by: string, at: string): JobEvent[] {
  const retry = Object.values(state.pendingRetries).find((r) => r.nextRunId === runId || r.failedRunId === runId);
  if (retry) {
    return [
      {
        type: 'RunAborted',
        data: {
          jobId: state.jobId,
          runId: retry.nextRunId,
          attempt: retry.nextAttempt,
          by,
          reason: 'pending retry cancelled on request',
          durationMs: 0,
          killed: false,
          at,
        },
      },
    ];
  }
  const run = state.openRuns[runId];
  if (!run) throw new NotFoundError(`run ${runId} of job "${state.jobId}" is not in progress`);
  if (run.phase === 'running') return []; // signals end it; the result records the abort
  const aborted: RunAborted = {
    type: 'RunAborted',
    data: { jobId: state.jobId, runId, attempt: run.attempt, by, reason: 'aborted before it started', durationMs: 0, killed: false, at },
  };
  return [aborted];
}

export function decide(command: JobCommand, state: JobState, ctx: DecideContext): JobEvent[] {
  const jobId = state.jobId;
  switch (command.type) {
    case 'Register': {
      if (command.spec.id !== jobId) throw new ValidationError(`spec for "${command.spec.id}" sent to job "${jobId}"`);
      if (!state.registered || state.removed || !state.spec) {
        return [{ type: 'JobRegistered', data: { jobId, spec: command.spec, at: command.at } }];
      }
      const changed = changedFields(state.spec, command.spec);
      if (changed.length === 0) return [];
      return [{ type: 'JobUpdated', data: { jobId, spec: command.spec, changed, at: command.at } }];
    }
    case 'Reject': {
      const { file, job, field, message, at } = command;
      const same = state.lastRejection?.message === message && state.lastRejection.field === field;
      if (same) return []; // the same broken file seen again at start-up or by the watcher
      const keptPrevious = state.registered && !state.removed;
      return [{ type: 'JobRejected', data: { jobId, file, job, field, message, keptPrevious, at } }];
    }
    case 'Remove':
      if (!state.registered || state.removed) return [];
      return [{ type: 'JobRemoved', data: { jobId, file: command.file, reason: command.reason, at: command.at } }];
    case 'Enable':
      requireRegistered(state);
      return state.enabled ? [] : [{ type: 'JobEnabled', data: { jobId, by: command.by, at: command.at } }];
    case 'Disable':
      requireRegistered(state);
      return state.enabled ? [{ type: 'JobDisabled', data: { jobId, by: command.by, at: command.at } }] : [];
    case 'Tick':
      return decideTick(state, command.now, command.aheadMs ?? 0, ctx);
    case 'Trigger':
      return decideTrigger(state, command.runId, command.by, command.at);
    case 'RecordQueued': {
      const run = requireOpenRun(state, command.runId);
      if (run.phase === 'running') return [];
      const { position, reason, at } = command;
      return [{ type: 'RunQueued', data: { jobId, runId: run.runId, attempt: run.attempt, position, reason, at } }];
    }
    case 'RecordStarted': {
      const run = requireOpenRun(state, command.runId);
      if (run.phase === 'running') throw new ConflictError(`run ${run.runId} has already started on ${run.nodeId}`);
      const { pid, slot, nodeId, host, at, releaseAt } = command;
      const release = releaseAt !== undefined && releaseAt > at ? { releaseAt } : {};
      return [{ type: 'RunStarted', data: { jobId, runId: run.runId, attempt: run.attempt, pid, slot, nodeId, host, at, ...release } }];
    }
    case 'RecordSignalled': {
      const run = requireOpenRun(state, command.runId);
      const { signal, reason, at } = command;
      return [{ type: 'RunSignalled', data: { jobId, runId: run.runId, attempt: run.attempt, signal, reason, at } }];
    }
    case 'RecordResult': {
      const run = requireOpenRun(state, command.runId);
      return decideResult(state, run, command.outcome, command.by, command.at);
    }
    case 'RetryDue': {
      const retry = Object.values(state.pendingRetries).find((r) => r.nextRunId === command.nextRunId);
      if (!retry) return []; // cancelled, or already scheduled
      const { nextRunId: runId, rootRunId, nextAttempt: attempt, scheduledFor } = retry;
      return [scheduled(state, { runId, rootRunId, attempt, scheduledFor, reason: 'retry' }, command.at)];
    }
    case 'Abort':
      return decideAbort(state, command.runId, command.by, command.at);
    case 'Abandon': {
      const run = requireOpenRun(state, command.runId);
      const abandoned: RunAbandoned = {
        type: 'RunAbandoned',
        data: {
          jobId,
          runId: run.runId,
          attempt: run.attempt,
          nodeId: command.nodeId,
          epoch: command.epoch,
          reason: command.reason,
          at: command.at,
        },
      };
      return [abandoned, ...retryAfter(state, run, command.at)];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
