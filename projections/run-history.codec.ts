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
  runs: unknown[][] | EncodedList;
}

/**
 * A list encoded on demand, a slice at a time: the checkpoint writer serialises it in slices
 * (see `checkpointTextInSlices`), and `JSON.stringify` sees a plain array through `toJSON`.
 */
export class EncodedList {
  constructor(
    readonly length: number,
    private readonly encodeSlice: (start: number, end: number) => unknown[],
  ) {}

  slice(start: number, end: number): unknown[] {
    return this.encodeSlice(start, Math.min(end, this.length));
  }

  toJSON(): unknown[] {
    return this.slice(0, this.length);
  }
}

function encodeRun(run: RunRecord): unknown[] {
  const values: unknown[] = [0];
  let mask = 0;
  for (let bit = 0; bit < FIELDS.length; bit++) {
    const value = run[FIELDS[bit]!];
    if (value === undefined) continue;
    mask |= 1 << bit;
    values.push(value);
  }
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

/** Encodes lazily: the state must stay as it is until the result has been serialised. */
export function encodeRunHistory(state: RunHistoryState): EncodedRunHistory {
  const kept: RunRecord[] = [];
  const { ids, seqs, head } = state.order;
  // The order holds every kept run in creation order (and entries of evicted ones, skipped).
  for (let i = head; i < ids.length; i++) {
    const run = state.runs[ids[i]!];
    if (run !== undefined && run.seq === seqs[i]) kept.push(run);
  }
  return { seq: state.seq, retries: { ...state.retries }, runs: new EncodedList(kept.length, (start, end) => kept.slice(start, end).map(encodeRun)) };
}

export function decodeRunHistory(data: EncodedRunHistory): RunHistoryState {
  const state: RunHistoryState = { seq: data.seq, runs: {}, byJob: {}, order: { ids: [], seqs: [], head: 0 }, retries: data.retries, count: 0 };
  const runs = Array.isArray(data.runs) ? data.runs : data.runs.toJSON();
  for (const values of runs as unknown[][]) {
    const run = decodeRun(values);
    state.runs[run.runId] = run;
    (state.byJob[run.jobId] ??= []).push(run.runId);
    state.order.ids.push(run.runId);
    state.order.seqs.push(run.seq);
    state.count += 1;
  }
  return state;
}
