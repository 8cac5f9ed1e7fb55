/**
 * The JSON shapes of the HTTP API and the WebSocket (DESIGN.md, "Public contracts"). The Koa
 * routes return exactly these and the Vue dashboard imports them: one contract, checked by the
 * compiler on both sides. Times are ISO-8601 strings; revisions and positions decimal strings.
 */
import type { JobSpec } from '../domain/job-spec.js';

export type RunStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'aborted'
  | 'abandoned'
  | 'skipped'
  | 'missed';

/** `scheduled` = decided but not yet queued for a slot (a brief state). */
export type LiveRunStatus = RunStatus | 'scheduled';

export type JobStatus = 'idle' | 'running' | 'queued' | 'disabled' | 'removed' | 'failing';

export interface ApiError {
  error: { code: string; message: string };
}

export interface RunSummary {
  runId: string;
  jobId: string;
  /** runId of attempt 1 of this run family. */
  rootRunId: string;
  attempt: number;
  status: LiveRunStatus;
  reason: 'cron' | 'manual' | 'retry' | 'catch-up' | 'recovery';
  scheduledFor: string;
  /** When it was decided (RunScheduled). */
  scheduledAt: string;
  queuedAt?: string;
  /** Why it waited, from the last RunQueued. */
  queueReason?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  exitCode?: number | null;
  signal?: string | null;
  /** True when the group had to be SIGKILLed. */
  killed?: boolean;
  nodeId?: string;
  pid?: number;
  slot?: number;
  by?: string;
  /** Last ~2 KiB of stderr of a failed run. */
  stderrTail?: string;
  /** Set when a retry was scheduled after this attempt. */
  retry?: { nextRunId: string; dueAt: string };
  logTruncated?: { keptBytes: number; droppedBytes: number };
  /** Why a run was skipped, missed, aborted or abandoned, in words. */
  note?: string;
  /**
   * Set on a `missed` entry: how many ticks it stands for (a long outage is one entry) and the
   * last of them. A skipped or missed tick has no run of its own: its `runId` is the id the tick's
   * run would have had.
   */
  missed?: { count: number; until?: string };
}

export interface FireTime {
  /** The instant, UTC. */
  at: string;
  /** Wall-clock time in the job's zone, e.g. `2026-03-29 03:00:00`. */
  local: string;
  /** UTC offset in the job's zone at that instant, e.g. `+02:00`. */
  utcOffset: string;
}

export interface JobSummary {
  id: string;
  package: string;
  name: string;
  schedule: string;
  cronDialect: JobSpec['cronDialect'];
  /** The job's zone, or the node's when the job sets none. */
  timezone: string;
  maintainers: string[];
  enabled: boolean;
  removed: boolean;
  status: JobStatus;
  /** The next 3 fire times (empty when disabled or removed). */
  nextFires: FireTime[];
  lastRun?: RunSummary;
  runningRuns: number;
  queuedRuns: number;
  /** Failed attempts in a row up to the last run (0 after a success). */
  consecutiveFailures: number;
  /** The file's last problem, when the current definition could not be read. */
  rejection?: { message: string; field?: string; at: string };
  file: string;
}

export interface JobDetail extends JobSummary {
  spec: JobSpec;
  /** The next 10 fire times. */
  nextFires: FireTime[];
  recentRuns: RunSummary[];
  stats: { runs: number; succeeded: number; failed: number; p50DurationMs?: number; p95DurationMs?: number };
}

/** A `timecloud.json` (or one job in it) that could not be read and has no valid definition to fall back on. */
export interface ConfigProblem {
  file: string;
  /** Absent when the file as a whole is unreadable. */
  jobId?: string;
  field?: string;
  message: string;
  at: string;
}

export interface JobsResponse {
  jobs: JobSummary[];
  /** Files and jobs that could not be read (jobs that kept a previous definition show `rejection` instead). */
  problems: ConfigProblem[];
}

export interface JobResponse {
  job: JobDetail;
}

/**
 * `POST /api/jobs/:id/trigger` answers 202 with this. `enable` and `disable` answer 204, and
 * `POST /api/runs/:runId/abort` 202 (a running run stops through its signal ladder), without a body.
 */
export interface TriggerResponse {
  runId: string;
}

/**
 * `GET /api/runs?job=&status=&limit=&before=`, newest first. `status` takes one status or a
 * comma-separated list; `limit` is 1–1000 (default 50). The node keeps the newest 1,000 runs of
 * each job (and 200,000 in all) in memory; older runs are only in the event trail.
 */
export interface RunsResponse {
  runs: RunSummary[];
  /** Pass as `before` to get the next (older) page; absent on the last page. */
  next?: string;
}

export interface StoredEventJson {
  id: string;
  stream: string;
  revision: string;
  position: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  created: string;
}

export interface RunResponse {
  run: RunSummary;
  /** Every attempt of this run family, oldest first. */
  attempts: RunSummary[];
  /** The run's events from its job stream, in order: its timeline. */
  events: StoredEventJson[];
}

export interface QueueResponse {
  slots: number;
  running: { runId: string; jobId: string; slot?: number; nodeId?: string; startedAt?: string; attempt: number }[];
  waiting: { runId: string; jobId: string; attempt: number; position: number; reason?: string; since: string }[];
}

export interface NodeInfo {
  nodeId: string;
  url: string;
  role: 'leader' | 'standby' | 'gone';
  epoch?: number;
  /** Last lease event seen from this node. */
  lastSeen: string;
  /** True for the node answering this request. */
  self: boolean;
}

export interface NodesResponse {
  leader?: { nodeId: string; epoch: number; url: string; since: string };
  nodes: NodeInfo[];
}

/**
 * `GET /api/events?stream=&from=&limit=&direction=`: `stream` is one stream name, or a prefix
 * ending in `*` (`job-*`); without it run logs, snapshots and lease renewals are left out.
 * `from` is an inclusive `$all` position; `direction` is `forwards` (default) or `backwards`.
 */
export interface EventsResponse {
  events: StoredEventJson[];
  /** Position to pass as `from` for the next page; absent at the end. */
  next?: string;
}

export interface HealthResponse {
  status: 'ok';
  nodeId: string;
  role: 'leader' | 'standby';
  version: string;
}

// ---- WebSocket /ws ----------------------------------------------------------------------------

/** What a client may ask for. */
export type WsClientMessage =
  | { follow: string }
  | { unfollow: string }
  | { filter: WsFilter }
  /** Resume after a reconnect: events after this `$all` position are sent first. */
  | { resume: string };

export interface WsFilter {
  streamPrefixes?: string[];
  eventTypes?: string[];
}

export type WsServerMessage =
  | { type: 'event'; event: StoredEventJson }
  | { type: 'log'; runId: string; stream: 'stdout' | 'stderr'; text: string }
  /** Sent on connect and after a filter change: where the event feed stands. */
  | { type: 'hello'; nodeId: string; role: 'leader' | 'standby'; position: string }
  /** The client fell too far behind and was sent no more events until it resumes. */
  | { type: 'overflow'; position: string };
