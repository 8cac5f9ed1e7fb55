/**
 * The run history as its checkpoint stores it: each run as one array (a bitmask of the fields it
 * has, then their values), in creation order, without the indexes that can be rebuilt from it.
 * Half the size of plain JSON objects, so a restart with 100,000 runs parses it in a fraction of
 * the time. The encoding is also the canonical form that compares two histories.
 */
import type { RunHistoryState, RunRecord } from './run-history.projection.js';

/** Field order of the encoding. Append new fields at the end only (and bump the projection version). */
const FIELDS = [
  'runId',
  'jobId',
  'rootRunId',
  'attempt',
  'status',
  'reason',
  'scheduledFor',
  'scheduledAt',
  'queuedAt',
  'queueReason',
  'startedAt',
  'finishedAt',
  'durationMs',
  'exitCode',
  'signal',
  'killed',
  'nodeId',
  'pid',
  'slot',
  'by',
  'stderrTail',
  'retry',
  'logTruncated',
  'note',
  'missed',
  'seq',
  'revision',
] as const satisfies readonly (keyof RunRecord)[];

export interface EncodedRunHistory {
  seq: number;
  retries: Record<string, string>;
  /** Oldest first. */
  runs: unknown[][];
}

function encodeRun(run: RunRecord): unknown[] {
  const values: unknown[] = [0];
  let mask = 0;
  FIELDS.forEach((field, bit) => {
    const value = run[field];
    if (value === undefined) return;
    mask |= 1 << bit;
    values.push(value);
  });
  values[0] = mask;
  return values;
}

function decodeRun(values: unknown[]): RunRecord {
  const mask = values[0] as number;
  const run: Record<string, unknown> = {};
  let next = 1;
  FIELDS.forEach((field, bit) => {
    if (mask & (1 << bit)) run[field] = values[next++];
  });
  return run as unknown as RunRecord;
}

export function encodeRunHistory(state: RunHistoryState): EncodedRunHistory {
  const runs = Object.values(state.runs).sort((a, b) => a.seq - b.seq);
  return { seq: state.seq, retries: state.retries, runs: runs.map(encodeRun) };
}

export function decodeRunHistory(data: EncodedRunHistory): RunHistoryState {
  const state: RunHistoryState = { seq: data.seq, runs: {}, byJob: {}, order: { ids: [], seqs: [], head: 0 }, retries: data.retries, count: 0 };
  for (const values of data.runs) {
    const run = decodeRun(values);
    state.runs[run.runId] = run;
    (state.byJob[run.jobId] ??= []).push(run.runId);
    state.order.ids.push(run.runId);
    state.order.seqs.push(run.seq);
    state.count += 1;
  }
  return state;
}
