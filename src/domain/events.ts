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
  RunRef & {
    pid: number;
    slot: number;
    nodeId: string;
    host: string;
    at: string;
    /** Not released before this (a tick decided ahead, `--decide-ahead`, starts at its time); absent: at once. */
    releaseAt?: string;
  }
>;
/** Why a run's ladder began (`launcher`: the launcher process died, and the node took the run down). */
export type LadderReason = 'timeout' | 'abort' | 'fenced' | 'shutdown' | 'launcher';
export type RunSignalled = Event<'RunSignalled', RunRef & { signal: 'SIGUSR2' | 'SIGKILL'; reason: LadderReason; at: string }>;
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
/** `url` and `ttl` repeat the acquisition's, so a node that joins after it was trimmed knows the holder. */
export type LeaseRenewed = Event<'LeaseRenewed', { nodeId: string; epoch: number; url?: string; ttl?: number; at: string }>;
export type LeaseReleased = Event<'LeaseReleased', { nodeId: string; epoch: number; at: string }>;
export type LeaderEvent = LeaseAcquired | LeaseRenewed | LeaseReleased;

// ---- alerts --------------------------------------------------------------------------------
// One `alert-<jobId>` stream per job. An alert (`alertId`) is one incident: it opens with the
// first counted failure and closes with `AlertResolved`. Within it, each `AlertRaised` (and a
// notifying `AlertResolved`) is a notice (`noticeId`) to deliver to each of its `channels`;
// `AlertNotified`/`AlertDeliveryFailed` settle a notice and every earlier notice of the same
// alert on that channel (a later notice carries the newer count). Decisions name the `$all`
// `position` of the run outcome they handled: a restarted subscriber skips what it decided.

/** What kind of failure an alert is about. */
export type AlertOutcome = 'failed' | 'timed_out' | 'abandoned';

/** A counted failure that is to be notified. */
export type AlertRaised = Event<
  'AlertRaised',
  {
    alertId: string;
    noticeId: string;
    jobId: string;
    runId: string;
    attempt: number;
    outcome: AlertOutcome;
    /** Counted failures of this alert, this one included. */
    failures: number;
    /** Time of the alert's first failure. */
    since: string;
    /** `$all` position (decimal) of the run outcome this decision handled. */
    position: string;
    /** WeCom user ids or names as the job lists them; resolved to mentions at delivery. */
    maintainers: string[];
    /** Channel names to deliver to. */
    channels: string[];
    exitCode?: number | null;
    signal?: string | null;
    timeoutMs?: number;
    /** Why the run was abandoned. */
    reason?: string;
    stderrTail?: string;
    /** Delivery waits until then so that failures in the grouping window join this notice. */
    notBefore?: string;
    at: string;
  }
>;
/** Failures that join an alert and are counted, but not notified on their own. */
export type AlertSuppressed = Event<
  'AlertSuppressed',
  {
    alertId: string;
    jobId: string;
    runId: string;
    outcome: AlertOutcome;
    /** `grouped` (inside the grouping window), `repeat-interval`, `repeat-once`. */
    reason: string;
    failures: number;
    since: string;
    position: string;
    at: string;
  }
>;
export type AlertNotified = Event<
  'AlertNotified',
  {
    alertId: string;
    noticeId: string;
    jobId: string;
    channel: string;
    /** WeCom ids mentioned or addressed; empty when the message went to the channel's group only. */
    recipients: string[];
    /** The count the message showed. */
    failures: number;
    /** Recipients WeCom did not know (`invaliduser`). */
    invalidUsers?: string[];
    at: string;
  }
>;
export type AlertDeliveryFailed = Event<
  'AlertDeliveryFailed',
  {
    alertId: string;
    noticeId: string;
    jobId: string;
    channel: string;
    errcode?: number;
    /** Secrets redacted. */
    message: string;
    /** True when retrying cannot help (bad key, unknown channel); false when retries ran out. */
    permanent: boolean;
    /** Requests made for this notice. */
    attempts: number;
    at: string;
  }
>;
export type AlertResolved = Event<
  'AlertResolved',
  {
    alertId: string;
    jobId: string;
    /** The run that succeeded. */
    runId: string;
    failures: number;
    since: string;
    position: string;
    /** True when a recovery notice is to be delivered (then `noticeId`, `channels` are set). */
    notify: boolean;
    noticeId?: string;
    maintainers: string[];
    channels: string[];
    at: string;
  }
>;
export type AlertEvent = AlertRaised | AlertNotified | AlertSuppressed | AlertDeliveryFailed | AlertResolved;

/**
 * Where the alert subscriber stands in `$all` (stream `alertcheckpoint-<name>`), and which jobs
 * had notices waiting then. Only a shortcut: decisions carry their own positions.
 */
export type AlertCheckpointed = Event<'AlertCheckpointed', { position: string; pendingJobs: string[]; at: string }>;

export type TimecloudEvent = JobEvent | RunLogEvent | LeaderEvent | AlertEvent | AlertCheckpointed;
export type TimecloudEventType = TimecloudEvent['type'];

/** Stream names: `<category>-<id>`, no dash in the category. */
export const streams = {
  job: (jobId: string) => `job-${jobId}`,
  runLog: (runId: string) => `runlog-${runId}`,
  leader: 'leader',
  alert: (jobId: string) => `alert-${jobId}`,
  alertCheckpoint: (name: string) => `alertcheckpoint-${name}`,
  /** File-level problems (a `timecloud.json` that is not JSON) that belong to no job. */
  config: (pkg: string) => `config-${pkg}`,
} as const;

/** The category of a stream name: the part before the first dash. */
export function streamCategory(stream: string): string {
  const dash = stream.indexOf('-');
  return dash === -1 ? stream : stream.slice(0, dash);
}
