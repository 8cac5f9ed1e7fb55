/**
 * Every fact timecloud records, as plain data. Names and fields are a public contract
 * (DESIGN.md, "Events and streams"): change them only deliberately.
 * Times are ISO-8601 strings with milliseconds, kept in `data` because some stores drop
 * milliseconds from their own `created` timestamps.
 */
import type { JobSpec } from './job-spec.js';

export interface Event<Type extends string, Data> {
  type: Type;
  data: Data;
}

/** Why a run exists. */
export type RunReason = 'cron' | 'manual' | 'retry' | 'catch-up' | 'recovery';

export interface RunRef {
  jobId: string;
  runId: string;
  attempt: number;
}

// ---- job lifecycle ------------------------------------------------------------------------

export type JobRegistered = Event<'JobRegistered', { jobId: string; spec: JobSpec; at: string }>;
export type JobUpdated = Event<'JobUpdated', { jobId: string; spec: JobSpec; changed: string[]; at: string }>;
export type JobRemoved = Event<'JobRemoved', { jobId: string; file: string; reason: string; at: string }>;
/**
 * A file or job that could not be read. `jobId`/`job` are absent when the file itself is
 * broken. A job that was valid before keeps running its last valid definition.
 */
export type JobRejected = Event<
  'JobRejected',
  { jobId?: string; file: string; job?: string; field?: string; message: string; keptPrevious: boolean; at: string }
>;
export type JobEnabled = Event<'JobEnabled', { jobId: string; by: string; at: string }>;
export type JobDisabled = Event<'JobDisabled', { jobId: string; by: string; at: string }>;

// ---- runs -----------------------------------------------------------------------------------

export type RunScheduled = Event<
  'RunScheduled',
  RunRef & {
    /** The tick (or trigger/retry due time) this run is for. */
    scheduledFor: string;
    reason: RunReason;
    /** runId of attempt 1; equals runId for attempt 1. */
    rootRunId: string;
    /** Who asked, for manual runs. */
    by?: string;
    at: string;
  }
>;
export type RunSkipped = Event<
  'RunSkipped',
  { jobId: string; scheduledFor: string; reason: string; blockingRunId?: string; at: string }
>;
/**
 * Ticks that were due while no node could fire them and that `catchUp` did not fire.
 * One event per tick; a long gap of a frequent job ends with one event covering the rest
 * (`count` ticks from `scheduledFor` to `until`).
 */
export type RunMissed = Event<
  'RunMissed',
  { jobId: string; scheduledFor: string; count: number; until?: string; reason: string; at: string }
>;
export type RunQueued = Event<'RunQueued', RunRef & { position: number; reason: string; at: string }>;
export type RunStarted = Event<
  'RunStarted',
  RunRef & { pid: number; slot: number; nodeId: string; host: string; at: string }
>;
export type RunSignalled = Event<
  'RunSignalled',
  RunRef & { signal: 'SIGUSR2' | 'SIGKILL'; reason: 'timeout' | 'abort' | 'fenced' | 'shutdown'; at: string }
>;
export type RunSucceeded = Event<'RunSucceeded', RunRef & { exitCode: 0; durationMs: number; at: string }>;
export type RunFailed = Event<
  'RunFailed',
  RunRef & { exitCode: number | null; signal: string | null; durationMs: number; stderrTail: string; at: string }
>;
export type RunTimedOut = Event<
  'RunTimedOut',
  RunRef & {
    timeoutMs: number;
    durationMs: number;
    /** True when the group outlived the grace and had to be SIGKILLed. */
    killed: boolean;
    exitCode: number | null;
    signal: string | null;
    at: string;
  }
>;
export type RunAborted = Event<
  'RunAborted',
  RunRef & {
    by: string;
    reason: string;
    durationMs: number;
    killed: boolean;
    exitCode?: number | null;
    signal?: string | null;
    at: string;
  }
>;
export type RunAbandoned = Event<
  'RunAbandoned',
  RunRef & { nodeId: string; epoch: number; reason: string; at: string }
>;
/** `runId`/`attempt` name the attempt that failed; the retry will be `nextRunId`. */
export type RetryScheduled = Event<
  'RetryScheduled',
  RunRef & {
    rootRunId: string;
    scheduledFor: string;
    nextRunId: string;
    nextAttempt: number;
    delayMs: number;
    dueAt: string;
    at: string;
  }
>;

export type JobEvent =
  | JobRegistered
  | JobUpdated
  | JobRemoved
  | JobRejected
  | JobEnabled
  | JobDisabled
  | RunScheduled
  | RunSkipped
  | RunMissed
  | RunQueued
  | RunStarted
  | RunSignalled
  | RunSucceeded
  | RunFailed
  | RunTimedOut
  | RunAborted
  | RunAbandoned
  | RetryScheduled;

export type JobEventType = JobEvent['type'];

/** The events that end a run attempt. */
export const FINAL_RUN_EVENTS = [
  'RunSucceeded',
  'RunFailed',
  'RunTimedOut',
  'RunAborted',
  'RunAbandoned',
] as const satisfies readonly JobEventType[];

// ---- run logs ------------------------------------------------------------------------------

export type LogChunk = Event<
  'LogChunk',
  { runId: string; jobId: string; stream: 'stdout' | 'stderr'; text: string; seq: number; at: string }
>;
export type LogTruncated = Event<
  'LogTruncated',
  { runId: string; jobId: string; keptBytes: number; droppedBytes: number; droppedLines: number; at: string }
>;
export type RunLogEvent = LogChunk | LogTruncated;

// ---- leadership ----------------------------------------------------------------------------

export type LeaseAcquired = Event<
  'LeaseAcquired',
  { nodeId: string; epoch: number; url: string; ttl: number; at: string; previousNodeId?: string }
>;
export type LeaseRenewed = Event<'LeaseRenewed', { nodeId: string; epoch: number; at: string }>;
export type LeaseReleased = Event<'LeaseReleased', { nodeId: string; epoch: number; at: string }>;
export type LeaderEvent = LeaseAcquired | LeaseRenewed | LeaseReleased;

// ---- alerts --------------------------------------------------------------------------------

export type AlertRaised = Event<
  'AlertRaised',
  { alertId: string; jobId: string; runId: string; outcome: string; failures: number; since: string; at: string }
>;
export type AlertNotified = Event<
  'AlertNotified',
  { alertId: string; jobId: string; channel: string; recipients: string[]; failures: number; invalidUsers?: string[]; at: string }
>;
export type AlertSuppressed = Event<
  'AlertSuppressed',
  { alertId: string; jobId: string; runId: string; reason: string; at: string }
>;
export type AlertDeliveryFailed = Event<
  'AlertDeliveryFailed',
  { alertId: string; jobId: string; channel: string; errcode?: number; message: string; permanent: boolean; at: string }
>;
export type AlertResolved = Event<
  'AlertResolved',
  { alertId: string; jobId: string; runId: string; failures: number; at: string }
>;
export type AlertEvent = AlertRaised | AlertNotified | AlertSuppressed | AlertDeliveryFailed | AlertResolved;

export type TimecloudEvent = JobEvent | RunLogEvent | LeaderEvent | AlertEvent;
export type TimecloudEventType = TimecloudEvent['type'];

/** Stream names: `<category>-<id>`, no dash in the category. */
export const streams = {
  job: (jobId: string) => `job-${jobId}`,
  runLog: (runId: string) => `runlog-${runId}`,
  leader: 'leader',
  alert: (jobId: string) => `alert-${jobId}`,
  /** File-level problems (a `timecloud.json` that is not JSON) that belong to no job. */
  config: (pkg: string) => `config-${pkg}`,
} as const;

/** The category of a stream name: the part before the first dash. */
export function streamCategory(stream: string): string {
  const dash = stream.indexOf('-');
  return dash === -1 ? stream : stream.slice(0, dash);
}
