import { describe, expect, it } from 'vitest';
import { tickRunId } from '../../../src/domain/ids.js';
import { runHistoryProjection, type RunHistoryOptions, type RunHistoryState } from '../../../projections/run-history.projection.js';
import { durationPercentiles, findRun, jobOfRun, listRuns, runFamily } from '../../../projections/run-history.queries.js';
import { jobSpec } from '../../support/job-spec.js';
import { at, ev, EventLog } from '../../support/projection-events.js';
import type { TimecloudEvent } from '../../../src/domain/events.js';

const JOB = 'demo/update';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function history(events: TimecloudEvent[], options?: RunHistoryOptions): RunHistoryState {
  const projection = runHistoryProjection(options);
  const log = new EventLog();
  return log.add(...events).reduce((state, event) => projection.evolve(state, event), projection.initial());
}

describe('run history projection', () => {
  it('follows an attempt from scheduled to succeeded, with where and how long it ran', () => {
    const state = history([
      { type: 'JobRegistered', data: { jobId: JOB, spec: jobSpec(), at: at(0) } },
      ev.scheduled(JOB, id(1), 1),
      ev.queued(JOB, id(1), 1, 'all 2 slots busy'),
      ev.started(JOB, id(1), 2),
      ev.succeeded(JOB, id(1), 3, 60_000),
    ]);
    expect(findRun(state, id(1))).toMatchObject({
      runId: id(1),
      jobId: JOB,
      status: 'succeeded',
      scheduledAt: at(1),
      queuedAt: at(1),
      queueReason: 'all 2 slots busy',
      startedAt: at(2),
      finishedAt: at(3),
      durationMs: 60_000,
      pid: 4242,
      slot: 0,
      nodeId: 'n1',
      exitCode: 0,
    });
  });

  it('starts a run decided ahead at its release, not when its start was recorded', () => {
    const recorded = ev.started(JOB, id(1), 2);
    const releaseAt = at(2, 1);
    const state = history([ev.scheduled(JOB, id(1), 1), { ...recorded, data: { ...recorded.data, releaseAt } } as TimecloudEvent]);
    expect(findRun(state, id(1))).toMatchObject({ status: 'running', startedAt: releaseAt });
  });

  it('links the attempts of a run family, marks the retry on the failed one, and records a cancelled pending retry', () => {
    const state = history([
      ev.scheduled(JOB, id(1), 1),
      ev.started(JOB, id(1), 1),
      ev.failed(JOB, id(1), 2),
      ev.retry(JOB, id(1), id(2), 2),
      ev.scheduled(JOB, id(2), 3, { attempt: 2, rootRunId: id(1), reason: 'retry' }),
      ev.started(JOB, id(2), 3, 2),
      ev.failed(JOB, id(2), 4, 2),
      ev.retry(JOB, id(2), id(3), 4, 2, id(1)),
      ev.aborted(JOB, id(3), 5, 'pending retry cancelled on request', 3),
    ]);
    const first = findRun(state, id(1))!;
    expect(first).toMatchObject({ status: 'failed', stderrTail: 'boom', retry: { nextRunId: id(2), dueAt: at(2, 5) } });
    expect(runFamily(state, first).map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'aborted'],
    ]);
    expect(findRun(state, id(3))).toMatchObject({ rootRunId: id(1), reason: 'retry', note: 'pending retry cancelled on request', by: 'alice' });
    expect(state.retries).toEqual({});
  });

  it('finds the job of a retry that is still pending by its future run id', () => {
    const state = history([ev.scheduled(JOB, id(1), 1), ev.started(JOB, id(1), 1), ev.failed(JOB, id(1), 2), ev.retry(JOB, id(1), id(2), 2)]);
    expect(jobOfRun(state, id(2))).toBe(JOB);
    expect(findRun(state, id(2))).toBeUndefined();
  });

  it('lists skipped and missed ticks under the run id the tick would have had', () => {
    const state = history([
      { type: 'RunSkipped', data: { jobId: JOB, scheduledFor: at(5), reason: 'run x is still in progress (overlap: skip)', blockingRunId: id(9), at: at(5) } },
      { type: 'RunMissed', data: { jobId: JOB, scheduledFor: at(6), count: 40, until: at(45), reason: 'no node could fire it in time', at: at(50) } },
    ]);
    const { runs } = listRuns(state, { limit: 10 });
    expect(runs.map((r) => [r.runId, r.status])).toEqual([
      [tickRunId(JOB, at(6)), 'missed'],
      [tickRunId(JOB, at(5)), 'skipped'],
    ]);
    expect(runs[0]).toMatchObject({ missed: { count: 40, until: at(45) }, note: 'no node could fire it in time' });
  });

  it('marks runs whose output was truncated and computes the duration of an abandoned run', () => {
    const state = history([
      ev.scheduled(JOB, id(1), 1),
      ev.started(JOB, id(1), 1),
      { type: 'LogTruncated', data: { runId: id(1), jobId: JOB, keptBytes: 1024, droppedBytes: 9000, droppedLines: 90, at: at(2) } },
      { type: 'RunAbandoned', data: { jobId: JOB, runId: id(1), attempt: 1, nodeId: 'n1', epoch: 1, reason: 'node n1 stopped', at: at(3) } },
    ]);
    expect(findRun(state, id(1))).toMatchObject({ status: 'abandoned', durationMs: 120_000, logTruncated: { keptBytes: 1024, droppedBytes: 9000 }, note: 'node n1 stopped' });
  });

  it('pages newest first with a cursor, per job or across jobs, filtered by status', () => {
    const events: TimecloudEvent[] = [];
    for (let n = 1; n <= 10; n++) {
      const job = n % 2 === 0 ? 'a/even' : 'b/odd';
      events.push(ev.scheduled(job, id(n), n), ev.started(job, id(n), n));
      events.push(n % 3 === 0 ? ev.failed(job, id(n), n) : ev.succeeded(job, id(n), n));
    }
    const state = history(events);
    const first = listRuns(state, { limit: 4 });
    expect(first.runs.map((r) => r.runId)).toEqual([id(10), id(9), id(8), id(7)]);
    const second = listRuns(state, { limit: 4, before: first.next! });
    expect(second.runs.map((r) => r.runId)).toEqual([id(6), id(5), id(4), id(3)]);
    const last = listRuns(state, { limit: 4, before: second.next! });
    expect(last.runs.map((r) => r.runId)).toEqual([id(2), id(1)]);
    expect(last.next).toBeUndefined();
    expect(listRuns(state, { jobId: 'a/even', limit: 10 }).runs.map((r) => r.runId)).toEqual([id(10), id(8), id(6), id(4), id(2)]);
    const failed = listRuns(state, { statuses: ['failed'], limit: 2 });
    expect(failed.runs.map((r) => r.runId)).toEqual([id(9), id(6)]);
    expect(listRuns(state, { statuses: ['failed'], limit: 2, before: failed.next! }).runs.map((r) => r.runId)).toEqual([id(3)]);
    // Exactly `limit` matches and nothing older: no next page.
    expect(listRuns(state, { statuses: ['failed'], limit: 3 }).next).toBeUndefined();
  });

  it('keeps only the newest runs of each job and in all', () => {
    const events: TimecloudEvent[] = [];
    for (let n = 1; n <= 12; n++) events.push(ev.scheduled(n <= 8 ? 'a/busy' : 'b/quiet', id(n), n));
    const state = history(events, { perJob: 5, total: 7 });
    expect(state.byJob['a/busy']).toEqual([id(6), id(7), id(8)]);
    expect(state.byJob['b/quiet']).toEqual([id(9), id(10), id(11), id(12)]);
    expect(state.count).toBe(7);
    expect(Object.keys(state.runs)).toHaveLength(7);
    expect(listRuns(state, { limit: 100 }).runs.map((r) => r.runId)).toEqual([12, 11, 10, 9, 8, 7, 6].map(id));
  });

  it('keeps its global order compact under steady eviction', () => {
    const events: TimecloudEvent[] = [];
    for (let n = 1; n <= 5000; n++) events.push(ev.scheduled(`p/job${n % 50}`, id(n), 1));
    const state = history(events, { perJob: 10, total: 10_000 });
    expect(state.count).toBe(500);
    expect(state.order.ids.length - state.order.head).toBeLessThanOrEqual(2 * state.count + 1024);
    expect(listRuns(state, { limit: 3 }).runs.map((r) => r.runId)).toEqual([id(5000), id(4999), id(4998)]);
  });

  it('encodes its state for checkpoints compactly and decodes it to the same history', () => {
    const projection = runHistoryProjection({ perJob: 4 });
    const state = history([
      ev.scheduled(JOB, id(1), 1),
      ev.started(JOB, id(1), 1),
      { type: 'RunFailed', data: { jobId: JOB, runId: id(1), attempt: 1, exitCode: null, signal: 'SIGSEGV', durationMs: 5, stderrTail: 'core dumped', at: at(2) } },
      ev.retry(JOB, id(1), id(2), 2),
      ev.scheduled(JOB, id(3), 3, { by: 'ann', reason: 'manual' }),
      ev.queued(JOB, id(3), 3),
      { type: 'RunMissed', data: { jobId: JOB, scheduledFor: at(4), count: 3, until: at(6), reason: 'down', at: at(7) } },
      ...[4, 6, 7, 8, 10].map((n) => ev.scheduled('other/job', id(n), 8)), // the first is evicted
      ev.scheduled(JOB, id(5), 9),
    ], { perJob: 4 });
    expect(state.order.ids).toContain(id(4)); // evicted, still in the order until it is compacted
    const encoded = JSON.parse(JSON.stringify(projection.encode!(state))) as unknown;
    const decoded = projection.decode!(encoded);
    expect(JSON.parse(JSON.stringify(projection.encode!(decoded)))).toEqual(encoded);
    expect(decoded.runs).toEqual(state.runs);
    expect(decoded.byJob).toEqual(state.byJob);
    expect(findRun(decoded, id(1))).toMatchObject({ exitCode: null, signal: 'SIGSEGV', retry: { nextRunId: id(2) } });
    expect(listRuns(decoded, { limit: 10 })).toEqual(listRuns(state, { limit: 10 }));
    expect(JSON.stringify(encoded).length).toBeLessThan(0.7 * JSON.stringify(state.runs).length);
  });

  it('gives p50 and p95 of the durations of finished runs', () => {
    const events: TimecloudEvent[] = [];
    for (let n = 1; n <= 20; n++) events.push(ev.scheduled(JOB, id(n), n), ev.started(JOB, id(n), n), ev.succeeded(JOB, id(n), n, n * 100));
    events.push(ev.scheduled(JOB, id(21), 30), ev.started(JOB, id(21), 30)); // still running: not counted
    expect(durationPercentiles(history(events), JOB)).toEqual({ p50: 1000, p95: 1900 });
    expect(durationPercentiles(history([]), JOB)).toEqual({ p50: undefined, p95: undefined });
  });
});
