/**
 * The state of one job, rebuilt from its `job-<id>` stream by `evolve`. Pure: no I/O, no clock.
 * It holds only what decisions need; read models for people live in `projections/`.
 */
import type { JobEvent, RunReason } from './events.js';
import type { JobSpec } from './job-spec.js';

export type RunPhase = 'scheduled' | 'queued' | 'running';

/** An attempt that has not reached a final event yet. */
export interface OpenRun {
  runId: string;
  rootRunId: string;
  attempt: number;
  scheduledFor: string;
  reason: RunReason;
  phase: RunPhase;
  /** Set once started: where it runs. */
  pid?: number;
  nodeId?: string;
  host?: string;
  startedAt?: string;
  /** Leader term under which the run started (from event metadata). */
  epoch?: number;
  /** True once a SIGUSR2/SIGKILL was sent for it. */
  signalled?: boolean;
}

/** A retry decided but not scheduled yet (`RetryScheduled` without its `RunScheduled`). */
export interface PendingRetry {
  failedRunId: string;
  rootRunId: string;
  nextRunId: string;
  nextAttempt: number;
  scheduledFor: string;
  dueAt: string;
}

export interface JobState {
  jobId: string;
  /** The last valid definition; absent until the job has been registered. */
  spec?: JobSpec;
  registered: boolean;
  removed: boolean;
  enabled: boolean;
  /**
   * Every cron tick up to and including this time has been accounted for (scheduled, skipped
   * or missed). Ticks after it are due. ISO string.
   */
  tickCursor?: string;
  openRuns: Record<string, OpenRun>;
  pendingRetries: Record<string, PendingRetry>;
  /** Runs ever scheduled, for idempotent manual triggers. Only the ids of open or recent runs matter. */
  lastRunId?: string;
  lastRejection?: { message: string; field?: string; at: string };
}

/**
 * The empty record every job without open runs or pending retries shares (most jobs, most of
 * the time: 10,000 jobs held 20,000 empty objects). Frozen: state is never changed in place.
 */
const NO_RECORDS: Record<string, never> = Object.freeze({});

export function initialJobState(jobId: string): JobState {
  // Every field present from the start: V8 gives each object made by spreading a state and
  // adding a field it lacked a hidden class of its own (10,000 jobs: ~4 MiB of shapes).
  return {
    jobId,
    registered: false,
    removed: false,
    enabled: false,
    openRuns: NO_RECORDS,
    pendingRetries: NO_RECORDS,
    spec: undefined,
    tickCursor: undefined,
    lastRejection: undefined,
  };
}

/** Metadata of the stored event that `evolve` may use. */
export interface EvolveMeta {
  epoch?: number;
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  if (Object.keys(record).length === 1) return NO_RECORDS;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

function laterOf(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Ends an attempt: an open run, or a pending retry that is cancelled before it was scheduled. */
function closeRun(state: JobState, runId: string): JobState {
  return {
    ...state,
    openRuns: withoutKey(state.openRuns, runId),
    pendingRetries: withoutKey(state.pendingRetries, runId),
  };
}

function updateRun(state: JobState, runId: string, patch: Partial<OpenRun>): JobState {
  const run = state.openRuns[runId];
  if (!run) return state;
  return { ...state, openRuns: { ...state.openRuns, [runId]: { ...run, ...patch } } };
}

export function evolve(state: JobState, event: JobEvent, meta: EvolveMeta = {}): JobState {
  switch (event.type) {
    case 'JobRegistered':
      return {
        ...state,
        spec: event.data.spec,
        registered: true,
        removed: false,
        enabled: event.data.spec.enabled,
        // A job never catches up on ticks from before it existed (or before it came back).
        tickCursor: laterOf(state.tickCursor, event.data.at),
        lastRejection: undefined,
      };
    case 'JobUpdated': {
      const scheduleChanged = event.data.changed.some((field) =>
        ['schedule', 'timezone', 'cronDialect'].includes(field),
      );
      return {
        ...state,
        spec: event.data.spec,
        enabled: event.data.changed.includes('enabled') ? event.data.spec.enabled : state.enabled,
        tickCursor: scheduleChanged ? laterOf(state.tickCursor, event.data.at) : state.tickCursor,
        lastRejection: undefined,
      };
    }
    case 'JobRemoved':
      return { ...state, removed: true, pendingRetries: NO_RECORDS };
    case 'JobRejected':
      return {
        ...state,
        lastRejection: { message: event.data.message, field: event.data.field, at: event.data.at },
      };
    case 'JobEnabled':
      // Ticks that fell while the job was disabled are not missed: they were not wanted.
      return { ...state, enabled: true, tickCursor: laterOf(state.tickCursor, event.data.at) };
    case 'JobDisabled':
      return { ...state, enabled: false };
    case 'RunScheduled': {
      const { runId, rootRunId, attempt, scheduledFor, reason } = event.data;
      const cursor =
        reason === 'cron' || reason === 'catch-up' ? laterOf(state.tickCursor, scheduledFor) : state.tickCursor;
      const pendingRetries =
        reason === 'retry'
          ? Object.fromEntries(Object.entries(state.pendingRetries).filter(([, r]) => r.nextRunId !== runId))
          : state.pendingRetries;
      return {
        ...state,
        tickCursor: cursor,
        pendingRetries,
        lastRunId: runId,
        openRuns: {
          ...state.openRuns,
          [runId]: { runId, rootRunId, attempt, scheduledFor, reason, phase: 'scheduled' },
        },
      };
    }
    case 'RunSkipped':
    case 'RunMissed': {
      const last = event.type === 'RunMissed' ? (event.data.until ?? event.data.scheduledFor) : event.data.scheduledFor;
      return { ...state, tickCursor: laterOf(state.tickCursor, last) };
    }
    case 'RunQueued':
      return updateRun(state, event.data.runId, { phase: 'queued' });
    case 'RunStarted': {
      const { runId, pid, nodeId, host, at } = event.data;
      return updateRun(state, runId, { phase: 'running', pid, nodeId, host, startedAt: at, epoch: meta.epoch });
    }
    case 'RunSignalled':
      return updateRun(state, event.data.runId, { signalled: true });
    case 'RunSucceeded':
    case 'RunFailed':
    case 'RunTimedOut':
    case 'RunAborted':
    case 'RunAbandoned':
      return closeRun(state, event.data.runId);
    case 'RetryScheduled': {
      const retry: PendingRetry = {
        failedRunId: event.data.runId,
        rootRunId: event.data.rootRunId,
        nextRunId: event.data.nextRunId,
        nextAttempt: event.data.nextAttempt,
        scheduledFor: event.data.scheduledFor,
        dueAt: event.data.dueAt,
      };
      return { ...closeRun(state, event.data.runId), pendingRetries: { ...state.pendingRetries, [retry.nextRunId]: retry } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** Runs of this job that hold it busy for overlap purposes: open attempts and pending retries. */
export function activeRunIds(state: JobState): string[] {
  return [...Object.keys(state.openRuns), ...Object.values(state.pendingRetries).map((r) => r.failedRunId)];
}

/**
 * Open runs that may be handed to the dispatcher now, oldest first, given the runs already
 * handed over (`inFlight`: dispatched, queued for a slot or running). With `overlap: allow`
 * every scheduled run may go; otherwise one run of the job at a time, so `queue` waits and
 * a catch-up batch runs in order.
 */
export function dispatchable(state: JobState, inFlight: ReadonlySet<string>): OpenRun[] {
  const waiting = Object.values(state.openRuns)
    .filter((run) => run.phase !== 'running' && !inFlight.has(run.runId))
    .sort((a, b) => Date.parse(a.scheduledFor) - Date.parse(b.scheduledFor) || a.attempt - b.attempt);
  if (state.spec?.overlap === 'allow') return waiting;
  const busy = Object.values(state.openRuns).some((run) => run.phase === 'running' || inFlight.has(run.runId));
  return busy ? [] : waiting.slice(0, 1);
}
