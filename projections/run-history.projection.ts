/**
 * Run history: one `RunSummary` per attempt (and per skipped or missed tick), per job and across
 * jobs, newest first, with paging. Memory is bounded: the newest `perJob` runs of each job and
 * `total` runs in all are kept (1,000 and 200,000 by default); older runs stay in the event trail.
 */
import type { RunSummary } from '../src/http/api-types.js';
import { tickRunId } from '../src/domain/ids.js';
import type { StoredEvent } from '../src/store/event-store.js';
import { domainEvent, type Projection } from './projection.js';
import { decodeRunHistory, encodeRunHistory, type EncodedRunHistory } from './run-history.codec.js';

/** A summary plus what the projection needs to page and to find the run's events. */
export interface RunRecord extends RunSummary {
  /** Order of creation across all jobs: the paging cursor. */
  seq: number;
  /** Revision of the run's first event in its job stream (decimal). */
  revision: string;
}

export interface RunHistoryState {
  /** Next `seq`. */
  seq: number;
  runs: Record<string, RunRecord>;
  /** Run ids per job, oldest first. */
  byJob: Record<string, string[]>;
  /**
   * Every kept run id across jobs in `seq` order. Entries of evicted runs are dropped lazily:
   * those before `head` are all gone, later ones are checked against `runs`.
   */
  order: { ids: string[]; seqs: number[]; head: number };
  /** Retries decided but not scheduled: next run id → the failed run id. */
  retries: Record<string, string>;
  /** Runs kept. */
  count: number;
}

export interface RunHistoryOptions {
  /** Runs kept per job. @defaultValue 1000 */
  perJob?: number;
  /** Runs kept in all. @defaultValue 200000 */
  total?: number;
}

function evict(state: RunHistoryState, runId: string): void {
  const run = state.runs[runId];
  if (!run) return;
  delete state.runs[runId];
  state.count -= 1;
  if (run.retry) delete state.retries[run.retry.nextRunId];
}

function isLive(state: RunHistoryState, index: number): boolean {
  return state.runs[state.order.ids[index]!]?.seq === state.order.seqs[index];
}

/** Compacts `order` when more than half of it is entries of evicted runs. */
function tidyOrder(state: RunHistoryState): void {
  const { order } = state;
  if (order.ids.length <= 2 * state.count + 1024) return;
  const ids: string[] = [];
  const seqs: number[] = [];
  for (let i = order.head; i < order.ids.length; i++) {
    const id = order.ids[i]!;
    if (state.runs[id]?.seq === order.seqs[i]) {
      ids.push(id);
      seqs.push(order.seqs[i]!);
    }
  }
  state.order = { ids, seqs, head: 0 };
}

function insert(state: RunHistoryState, record: Omit<RunRecord, 'seq'>, limits: Required<RunHistoryOptions>): void {
  if (state.runs[record.runId]) return; // the same fact delivered twice
  const run: RunRecord = { ...record, seq: state.seq++ };
  state.runs[run.runId] = run;
  state.count += 1;
  const list = (state.byJob[run.jobId] ??= []);
  list.push(run.runId);
  state.order.ids.push(run.runId);
  state.order.seqs.push(run.seq);
  while (list.length > limits.perJob) evict(state, list.shift()!);
  // The oldest run overall is also the oldest kept run of its own job.
  const { order } = state;
  while (state.count > limits.total && order.head < order.ids.length) {
    const index = order.head++;
    if (!isLive(state, index)) continue;
    const id = order.ids[index]!;
    const jobList = state.byJob[state.runs[id]!.jobId]!;
    if (jobList[0] === id) jobList.shift();
    else jobList.splice(jobList.indexOf(id), 1);
    evict(state, id);
  }
  tidyOrder(state);
}

function update(state: RunHistoryState, runId: string, patch: Partial<RunSummary>): void {
  const run = state.runs[runId];
  if (run) Object.assign(run, patch);
}

export function runHistoryProjection(options: RunHistoryOptions = {}): Projection<RunHistoryState> {
  const limits = { perJob: options.perJob ?? 1000, total: options.total ?? 200_000 };
  return {
    name: 'runs',
    version: 2,
    encode: encodeRunHistory,
    decode: (data) => decodeRunHistory(data as EncodedRunHistory),
    initial: () => ({ seq: 0, runs: {}, byJob: {}, order: { ids: [], seqs: [], head: 0 }, retries: {}, count: 0 }),
    evolve(state: RunHistoryState, stored: StoredEvent): RunHistoryState {
      const event = domainEvent(stored);
      const revision = stored.revision.toString();
      switch (event.type) {
        case 'RunScheduled': {
          const d = event.data;
          delete state.retries[d.runId];
          insert(state, {
            runId: d.runId,
            jobId: d.jobId,
            rootRunId: d.rootRunId,
            attempt: d.attempt,
            status: 'scheduled',
            reason: d.reason,
            scheduledFor: d.scheduledFor,
            scheduledAt: d.at,
            ...(d.by === undefined ? {} : { by: d.by }),
            revision,
          }, limits);
          break;
        }
        case 'RunSkipped':
        case 'RunMissed': {
          const d = event.data;
          const runId = tickRunId(d.jobId, d.scheduledFor);
          insert(state, {
            runId,
            jobId: d.jobId,
            rootRunId: runId,
            attempt: 1,
            status: event.type === 'RunSkipped' ? 'skipped' : 'missed',
            reason: 'cron',
            scheduledFor: d.scheduledFor,
            scheduledAt: d.at,
            finishedAt: d.at,
            note: d.reason,
            ...(event.type === 'RunMissed' ? { missed: { count: event.data.count, ...(event.data.until ? { until: event.data.until } : {}) } } : {}),
            revision,
          }, limits);
          break;
        }
        case 'RunQueued': {
          const run = state.runs[event.data.runId];
          if (run && (run.status === 'scheduled' || run.status === 'queued')) {
            run.status = 'queued';
            run.queuedAt ??= event.data.at;
            run.queueReason = event.data.reason;
          }
          break;
        }
        case 'RunStarted': {
          const { runId, at, releaseAt, pid, slot, nodeId } = event.data;
          // A tick decided ahead is recorded before its script starts: the run starts at its release.
          update(state, runId, { status: 'running', startedAt: releaseAt ?? at, pid, slot, nodeId });
          break;
        }
        case 'RunSucceeded':
          update(state, event.data.runId, { status: 'succeeded', finishedAt: event.data.at, durationMs: event.data.durationMs, exitCode: 0 });
          break;
        case 'RunFailed': {
          const { runId, at, durationMs, exitCode, signal, stderrTail } = event.data;
          update(state, runId, { status: 'failed', finishedAt: at, durationMs, exitCode, signal, stderrTail });
          break;
        }
        case 'RunTimedOut': {
          const { runId, at, durationMs, exitCode, signal, killed, timeoutMs } = event.data;
          update(state, runId, { status: 'timed_out', finishedAt: at, durationMs, exitCode, signal, killed, note: `timed out after ${timeoutMs} ms` });
          break;
        }
        case 'RunAborted': {
          const d = event.data;
          const failedRunId = state.retries[d.runId];
          const failed = failedRunId === undefined ? undefined : state.runs[failedRunId];
          if (!state.runs[d.runId] && failed) {
            // A pending retry cancelled before it was scheduled: it gets an entry of its own.
            insert(state, {
              runId: d.runId,
              jobId: d.jobId,
              rootRunId: failed.rootRunId,
              attempt: d.attempt,
              status: 'scheduled',
              reason: 'retry',
              scheduledFor: failed.scheduledFor,
              scheduledAt: d.at,
              revision,
            }, limits);
          }
          delete state.retries[d.runId];
          update(state, d.runId, {
            status: 'aborted',
            finishedAt: d.at,
            durationMs: d.durationMs,
            by: d.by,
            note: d.reason,
            killed: d.killed,
            ...(d.exitCode === undefined ? {} : { exitCode: d.exitCode }),
            ...(d.signal === undefined ? {} : { signal: d.signal }),
          });
          break;
        }
        case 'RunAbandoned': {
          const { runId, at, reason } = event.data;
          const startedAt = state.runs[runId]?.startedAt;
          const durationMs = startedAt === undefined ? undefined : Math.max(0, Date.parse(at) - Date.parse(startedAt));
          update(state, runId, { status: 'abandoned', finishedAt: at, note: reason, ...(durationMs === undefined ? {} : { durationMs }) });
          break;
        }
        case 'RetryScheduled': {
          const { runId, nextRunId, dueAt } = event.data;
          if (state.runs[runId]) {
            update(state, runId, { retry: { nextRunId, dueAt } });
            state.retries[nextRunId] = runId;
          }
          break;
        }
        case 'LogTruncated':
          update(state, event.data.runId, { logTruncated: { keptBytes: event.data.keptBytes, droppedBytes: event.data.droppedBytes } });
          break;
        default:
          break;
      }
      return state;
    },
  };
}
