/** Queries over the run history: one run, a run family, pages of runs, duration percentiles. */
import type { LiveRunStatus, RunSummary } from '../src/http/api-types.js';
import type { RunHistoryState, RunRecord } from './run-history.projection.js';

function isFinal(status: LiveRunStatus): boolean {
  return status !== 'scheduled' && status !== 'queued' && status !== 'running';
}

/** The public shape of a record: the summary without the projection's bookkeeping. */
export function toSummary(record: RunRecord): RunSummary {
  const { seq: _seq, revision: _revision, ...summary } = record;
  return summary;
}

export function findRun(state: RunHistoryState, runId: string): RunRecord | undefined {
  return state.runs[runId];
}

/** The job of a run, or of a pending retry known by its future run id. */
export function jobOfRun(state: RunHistoryState, runId: string): string | undefined {
  const run = state.runs[runId] ?? state.runs[state.retries[runId] ?? ''];
  return run?.jobId;
}

/** Every kept attempt of the run's family, oldest first. */
export function runFamily(state: RunHistoryState, run: RunRecord): RunSummary[] {
  const ids = state.byJob[run.jobId] ?? [];
  return ids.map((id) => state.runs[id]!).filter((r) => r.rootRunId === run.rootRunId).map(toSummary);
}

export interface RunQuery {
  jobId?: string;
  statuses?: readonly LiveRunStatus[];
  limit: number;
  /** Only runs older than this cursor (a `next` of an earlier page). */
  before?: number;
}

/** Index of the last entry with seq < `before` in an ascending list, or the last index. */
function startIndex(length: number, seqAt: (i: number) => number, before: number | undefined): number {
  if (before === undefined) return length - 1;
  let low = 0;
  let high = length; // first index with seq >= before
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (seqAt(mid) < before) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** Newest first; `next` is the cursor of the next (older) page when there is one. */
export function listRuns(state: RunHistoryState, query: RunQuery): { runs: RunSummary[]; next?: number } {
  const wanted = query.statuses && query.statuses.length > 0 ? new Set(query.statuses) : undefined;
  const ids = query.jobId === undefined ? state.order.ids : (state.byJob[query.jobId] ?? []);
  const seqAt = query.jobId === undefined ? (i: number) => state.order.seqs[i]! : (i: number) => state.runs[ids[i]!]!.seq;
  const runs: RunSummary[] = [];
  let lastSeq: number | undefined;
  const first = query.jobId === undefined ? state.order.head : 0;
  for (let i = startIndex(ids.length, seqAt, query.before); i >= first; i--) {
    const run = state.runs[ids[i]!];
    if (!run || run.seq !== seqAt(i)) continue; // evicted (lazily dropped from the global order)
    if (wanted && !wanted.has(run.status)) continue;
    if (runs.length === query.limit) return { runs, next: lastSeq! };
    runs.push(toSummary(run));
    lastSeq = run.seq;
  }
  return { runs };
}

/** The newest `limit` runs of a job, newest first. */
export function recentRuns(state: RunHistoryState, jobId: string, limit: number): RunSummary[] {
  return listRuns(state, { jobId, limit }).runs;
}

function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** p50 and p95 of the durations of the kept runs of a job that ran to an end. */
export function durationPercentiles(state: RunHistoryState, jobId: string): { p50?: number; p95?: number } {
  const durations: number[] = [];
  for (const id of state.byJob[jobId] ?? []) {
    const run = state.runs[id]!;
    if (run.startedAt !== undefined && isFinal(run.status) && run.durationMs !== undefined) durations.push(run.durationMs);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 50), p95: percentile(durations, 95) };
}
