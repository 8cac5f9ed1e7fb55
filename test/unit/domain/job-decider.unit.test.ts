import { describe, expect, it } from 'vitest';
import type { JobEvent, RunScheduled } from '../../../src/domain/events.js';
import { retryRunId, tickRunId } from '../../../src/domain/ids.js';
import { dispatchable } from '../../../src/domain/job-state.js';
import { MISSED_ONE_BY_ONE } from '../../../src/domain/tick-plan.js';
import { deciderSpec, stateOf } from '../../support/decider-spec.js';
import { everySeconds, jobSpec } from '../../support/job-spec.js';

const spec = jobSpec({ schedule: '*/10 * * * * *' });
const jobId = spec.id;
const { given } = deciderSpec(jobId, { scheduleOf: () => everySeconds(10) });
const T0 = '2026-01-01T10:00:00.000Z';
const at = (iso: string) => iso;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

const registered: JobEvent = { type: 'JobRegistered', data: { jobId, spec, at: T0 } };

function runScheduled(scheduledFor: string, overrides: Partial<RunScheduled['data']> = {}): RunScheduled {
  const runId = overrides.runId ?? tickRunId(jobId, scheduledFor);
  return {
    type: 'RunScheduled',
    data: { jobId, runId, rootRunId: runId, attempt: 1, scheduledFor, reason: 'cron', at: scheduledFor, ...overrides },
  };
}

function started(runId: string, attempt = 1): JobEvent {
  return {
    type: 'RunStarted',
    data: { jobId, runId, attempt, pid: 4242, slot: 0, nodeId: 'n1', host: 'h1', at: T0 },
  };
}

describe('registration', () => {
  it('registers a new job, then ignores the same spec and records what changed', () => {
    given().when({ type: 'Register', spec, at: T0 }).then([registered]);
    given(registered).when({ type: 'Register', spec, at: T0 }).thenNothing();
    const changed = { ...spec, timeout: 1000, schedule: '0 * * * * *' };
    given(registered)
      .when({ type: 'Register', spec: changed, at: T0 })
      .then([{ type: 'JobUpdated', data: { jobId, spec: changed, changed: ['schedule', 'timeout'], at: T0 } }]);
  });

  it('keeps the previous definition of a registered job that is rejected, and records a rejection once', () => {
    const reject = { type: 'Reject' as const, file: spec.file, job: 'update', field: 'jobs[0].schedule', message: 'bad cron', at: T0 };
    const rejected = given(registered).when(reject).events();
    expect(rejected).toEqual([
      {
        type: 'JobRejected',
        data: { jobId, file: spec.file, job: 'update', field: 'jobs[0].schedule', message: 'bad cron', keptPrevious: true, at: T0 },
      },
    ]);
    given(registered, ...rejected).when(reject).thenNothing();
    expect(given(registered, ...rejected).state.spec).toEqual(spec);
  });

  it('removes a job: no more ticks and no retries afterwards', () => {
    const removed: JobEvent = { type: 'JobRemoved', data: { jobId, file: spec.file, reason: 'file deleted', at: T0 } };
    given(registered).when({ type: 'Remove', file: spec.file, reason: 'file deleted', at: T0 }).then([removed]);
    given(registered, removed).when({ type: 'Tick', now: plus(T0, 10_000) }).thenNothing();
    const run = runScheduled(plus(T0, 10_000));
    given(registered, run, started(run.data.runId), removed)
      .when({
        type: 'RecordResult',
        runId: run.data.runId,
        outcome: { result: 'failed', exitCode: 1, signal: null, stderrTail: 'boom', durationMs: 5 },
        at: T0,
      })
      .then([
        {
          type: 'RunFailed',
          data: { jobId, runId: run.data.runId, attempt: 1, exitCode: 1, signal: null, durationMs: 5, stderrTail: 'boom', at: T0 },
        },
      ]);
  });
});

describe('cron ticks', () => {
  it('schedules a due tick with a deterministic run id', () => {
    const tick = plus(T0, 10_000);
    given(registered).when({ type: 'Tick', now: plus(tick, 3) }).then([{ ...runScheduled(tick), data: { ...runScheduled(tick).data, at: plus(tick, 3) } }]);
  });

  it('does nothing before the next tick is due, and never fires a tick twice', () => {
    given(registered).when({ type: 'Tick', now: plus(T0, 9_999) }).thenNothing();
    const tick = plus(T0, 10_000);
    given(registered, runScheduled(tick)).when({ type: 'Tick', now: plus(tick, 500) }).thenNothing();
  });

  it('skips a tick while a run is in progress (overlap: skip)', () => {
    const first = runScheduled(plus(T0, 10_000));
    const tick = plus(T0, 20_000);
    given(registered, first, started(first.data.runId))
      .when({ type: 'Tick', now: tick })
      .then([
        {
          type: 'RunSkipped',
          data: {
            jobId,
            scheduledFor: tick,
            reason: `run ${first.data.runId} is still in progress (overlap: skip)`,
            blockingRunId: first.data.runId,
            at: tick,
          },
        },
      ]);
  });

  it('schedules anyway with overlap queue or allow', () => {
    for (const overlap of ['queue', 'allow'] as const) {
      const reg: JobEvent = { type: 'JobRegistered', data: { jobId, spec: { ...spec, overlap }, at: T0 } };
      const first = runScheduled(plus(T0, 10_000));
      const events = given(reg, first, started(first.data.runId)).when({ type: 'Tick', now: plus(T0, 20_000) }).events();
      expect(events.map((e) => e.type)).toEqual(['RunScheduled']);
    }
  });

  it('decides a tick ahead of time: scheduled for the tick, recorded at the time of the decision', () => {
    const tick = plus(T0, 10_000);
    const now = plus(tick, -50);
    given(registered)
      .when({ type: 'Tick', now, aheadMs: 50 })
      .then([{ ...runScheduled(tick), data: { ...runScheduled(tick).data, at: now } }]);
    given(registered).when({ type: 'Tick', now: plus(tick, -51), aheadMs: 50 }).thenNothing();
  });

  it('decides nothing ahead while a run is open: whether it blocks the tick is known only at the tick', () => {
    const first = runScheduled(plus(T0, 10_000));
    const tick = plus(T0, 20_000);
    const open = given(registered, first, started(first.data.runId));
    open.when({ type: 'Tick', now: plus(tick, -50), aheadMs: 50 }).thenNothing();
    expect(open.when({ type: 'Tick', now: tick, aheadMs: 50 }).events().map((e) => e.type)).toEqual(['RunSkipped']);
    const queued: JobEvent = { type: 'JobRegistered', data: { jobId, spec: { ...spec, overlap: 'queue' }, at: T0 } };
    given(queued, first, started(first.data.runId)).when({ type: 'Tick', now: plus(tick, -50), aheadMs: 50 }).thenNothing();
  });

  it('does not fire while disabled, and does not catch up on the disabled period', () => {
    const disabled: JobEvent = { type: 'JobDisabled', data: { jobId, by: 'api', at: T0 } };
    given(registered, disabled).when({ type: 'Tick', now: plus(T0, 60_000) }).thenNothing();
    const enabled: JobEvent = { type: 'JobEnabled', data: { jobId, by: 'api', at: plus(T0, 60_500) } };
    const events = given(registered, disabled, enabled).when({ type: 'Tick', now: plus(T0, 70_000) }).events();
    expect(events.map((e) => [e.type, 'scheduledFor' in e.data ? e.data.scheduledFor : '']) ).toEqual([
      ['RunScheduled', plus(T0, 70_000)],
    ]);
  });
});

describe('catch-up after downtime', () => {
  // Down from T0 to T0+65 s: ticks at +10 … +60 s are late; none is on time.
  const now = plus(T0, 65_000);
  const late = [10, 20, 30, 40, 50, 60].map((s) => plus(T0, s * 1000));
  const missed = (scheduledFor: string): JobEvent => ({
    type: 'RunMissed',
    data: { jobId, scheduledFor, count: 1, reason: 'no node could fire it in time (downtime or failover)', at: now },
  });
  const withPolicy = (catchUp: 'latest' | 'none' | 'all', catchUpLimit = 10): JobEvent => ({
    type: 'JobRegistered',
    data: { jobId, spec: { ...spec, catchUp, catchUpLimit }, at: T0 },
  });

  it('latest: fires the newest missed tick once and records the others as missed', () => {
    const newest = late[5]!;
    given(withPolicy('latest'))
      .when({ type: 'Tick', now })
      .then([...late.slice(0, 5).map(missed), { ...runScheduled(newest), data: { ...runScheduled(newest).data, reason: 'catch-up', at: now } }]);
  });

  it('none: records every late tick as missed', () => {
    given(withPolicy('none')).when({ type: 'Tick', now }).then(late.map(missed));
  });

  it('all: fires the newest catchUpLimit ticks in order, and they wait for each other', () => {
    const events = given(withPolicy('all', 2)).when({ type: 'Tick', now }).events();
    expect(events.filter((e) => e.type === 'RunMissed')).toEqual(late.slice(0, 4).map(missed));
    const fired = events.filter((e): e is RunScheduled => e.type === 'RunScheduled');
    expect(fired.map((e) => [e.data.scheduledFor, e.data.reason])).toEqual([
      [late[4], 'catch-up'],
      [late[5], 'catch-up'],
    ]);
    const state = stateOf(jobId, [withPolicy('all', 2), ...events]);
    expect(dispatchable(state, new Set()).map((r) => r.scheduledFor)).toEqual([late[4]]);
    expect(dispatchable(state, new Set([fired[0]!.data.runId]))).toEqual([]);
  });

  it('an on-time tick supersedes the late ones under "latest"', () => {
    const onTimeNow = plus(T0, 30_400);
    const events = given(registered).when({ type: 'Tick', now: onTimeNow }).events();
    expect(events.map((e) => [e.type, (e.data as { scheduledFor: string }).scheduledFor])).toEqual([
      ['RunMissed', plus(T0, 10_000)],
      ['RunMissed', plus(T0, 20_000)],
      ['RunScheduled', plus(T0, 30_000)],
    ]);
    expect((events[2] as RunScheduled).data.reason).toBe('cron');
  });

  it('folds a long gap into one event after the first ticks', () => {
    const longNow = plus(T0, 10_000 * (MISSED_ONE_BY_ONE + 50) + 5_000);
    const events = given(withPolicy('none')).when({ type: 'Tick', now: longNow }).events();
    expect(events).toHaveLength(MISSED_ONE_BY_ONE + 1);
    const last = events[events.length - 1]!;
    expect(last).toMatchObject({
      type: 'RunMissed',
      data: { scheduledFor: plus(T0, 10_000 * (MISSED_ONE_BY_ONE + 1)), count: 50, until: plus(T0, 10_000 * (MISSED_ONE_BY_ONE + 50)) },
    });
  });
});

describe('run lifecycle', () => {
  const run = runScheduled(plus(T0, 10_000));
  const runId = run.data.runId;

  it('records queueing and the start of an open run, and refuses to start it twice', () => {
    given(registered, run)
      .when({ type: 'RecordQueued', runId, position: 3, reason: 'all 2 slots busy', at: T0 })
      .then([{ type: 'RunQueued', data: { jobId, runId, attempt: 1, position: 3, reason: 'all 2 slots busy', at: T0 } }]);
    const start = { type: 'RecordStarted' as const, runId, pid: 4242, slot: 0, nodeId: 'n1', host: 'h1', at: T0 };
    given(registered, run).when(start).then([started(runId)]);
    given(registered, run, started(runId)).when(start).thenThrows(/already started/, 'CONFLICT');
  });

  it('records when a run decided ahead is released, and nothing of the kind for a run released at once', () => {
    const start = { type: 'RecordStarted' as const, runId, pid: 4242, slot: 0, nodeId: 'n1', host: 'h1', at: T0 };
    const tick = plus(T0, 200);
    given(registered, run)
      .when({ ...start, releaseAt: tick })
      .then([{ type: 'RunStarted', data: { jobId, runId, attempt: 1, pid: 4242, slot: 0, nodeId: 'n1', host: 'h1', at: T0, releaseAt: tick } }]);
    // Its tick already passed by the time the start was recorded: released at once.
    given(registered, run).when({ ...start, releaseAt: plus(T0, -5) }).then([started(runId)]);
  });

  it('refuses to start a run that was aborted while it waited', () => {
    const aborted: JobEvent = {
      type: 'RunAborted',
      data: { jobId, runId, attempt: 1, by: 'api', reason: 'aborted before it started', durationMs: 0, killed: false, at: T0 },
    };
    given(registered, run).when({ type: 'Abort', runId, by: 'api', at: T0 }).then([aborted]);
    given(registered, run, aborted)
      .when({ type: 'RecordStarted', runId, pid: 1, slot: 0, nodeId: 'n1', host: 'h1', at: T0 })
      .thenThrows(/not open/, 'CONFLICT');
  });

  it('aborting a running run decides nothing: the signals and the result record it', () => {
    given(registered, run, started(runId)).when({ type: 'Abort', runId, by: 'api', at: T0 }).thenNothing();
    given(registered).when({ type: 'Abort', runId: 'nope', by: 'api', at: T0 }).thenThrows(/not in progress/, 'NOT_FOUND');
  });

  it('records success', () => {
    given(registered, run, started(runId))
      .when({ type: 'RecordResult', runId, outcome: { result: 'succeeded', durationMs: 12 }, at: T0 })
      .then([{ type: 'RunSucceeded', data: { jobId, runId, attempt: 1, exitCode: 0, durationMs: 12, at: T0 } }]);
  });

  it('retries a failure with exponential backoff until the retries are used up', () => {
    const fail = { result: 'failed' as const, exitCode: 1, signal: null, stderrTail: 'boom', durationMs: 5 };
    const first = given(registered, run, started(runId)).when({ type: 'RecordResult', runId, outcome: fail, at: T0 }).events();
    expect(first.map((e) => e.type)).toEqual(['RunFailed', 'RetryScheduled']);
    const retry1 = first[1]!;
    if (retry1.type !== 'RetryScheduled') throw new Error('expected a retry');
    expect(retry1.data).toMatchObject({ runId, attempt: 1, nextAttempt: 2, nextRunId: retryRunId(runId, 2), rootRunId: runId });
    expect(retry1.data.delayMs).toBeGreaterThanOrEqual(4000);
    expect(retry1.data.delayMs).toBeLessThanOrEqual(6000);
    expect(retry1.data.dueAt).toBe(plus(T0, retry1.data.delayMs));

    const history = [registered, run, started(runId), ...first];
    const second = given(...history).when({ type: 'RetryDue', nextRunId: retry1.data.nextRunId, at: at(retry1.data.dueAt) }).events();
    expect(second).toEqual([
      runScheduled(run.data.scheduledFor, {
        runId: retry1.data.nextRunId,
        rootRunId: runId,
        attempt: 2,
        reason: 'retry',
        at: retry1.data.dueAt,
      }),
    ]);
    // The same retry timer firing again decides nothing.
    given(...history, ...second).when({ type: 'RetryDue', nextRunId: retry1.data.nextRunId, at: T0 }).thenNothing();

    const id2 = retry1.data.nextRunId;
    const afterSecond = given(...history, ...second, started(id2, 2)).when({ type: 'RecordResult', runId: id2, outcome: fail, at: T0 }).events();
    const retry2 = afterSecond[1];
    if (retry2?.type !== 'RetryScheduled') throw new Error('expected a second retry');
    expect(retry2.data.nextAttempt).toBe(3);
    expect(retry2.data.delayMs).toBeGreaterThanOrEqual(8000);
    expect(retry2.data.delayMs).toBeLessThanOrEqual(12000);

    const third = runScheduled(run.data.scheduledFor, { runId: retry2.data.nextRunId, rootRunId: runId, attempt: 3, reason: 'retry' });
    const last = given(...history, ...second, started(id2, 2), ...afterSecond, third, started(third.data.runId, 3))
      .when({ type: 'RecordResult', runId: third.data.runId, outcome: fail, at: T0 })
      .events();
    expect(last.map((e) => e.type)).toEqual(['RunFailed']);
  });

  it('retries a timeout but not an abort on request; an abort by shutdown is retried', () => {
    const timedOut = given(registered, run, started(runId))
      .when({ type: 'RecordResult', runId, outcome: { result: 'timed_out', killed: true, exitCode: null, signal: 'SIGKILL', durationMs: 45_000 }, at: T0 })
      .events();
    expect(timedOut.map((e) => e.type)).toEqual(['RunTimedOut', 'RetryScheduled']);
    expect(timedOut[0]!.data).toMatchObject({ timeoutMs: spec.timeout, killed: true });

    const abort = (reason: 'abort' | 'shutdown') =>
      given(registered, run, started(runId))
        .when({ type: 'RecordResult', runId, by: 'alice', outcome: { result: 'aborted', reason, killed: false, exitCode: 0, signal: null, durationMs: 10 }, at: T0 })
        .events()
        .map((e) => e.type);
    expect(abort('abort')).toEqual(['RunAborted']);
    expect(abort('shutdown')).toEqual(['RunAborted', 'RetryScheduled']);
  });

  it('abandons a run of a dead node and retries it', () => {
    const events = given(registered, run, started(runId))
      .when({ type: 'Abandon', runId, nodeId: 'n1', epoch: 3, reason: 'leader n1 died', at: T0 })
      .events();
    expect(events.map((e) => e.type)).toEqual(['RunAbandoned', 'RetryScheduled']);
  });

  it('cancels a pending retry on abort', () => {
    const fail = { result: 'failed' as const, exitCode: 1, signal: null, stderrTail: '', durationMs: 5 };
    const failed = given(registered, run, started(runId)).when({ type: 'RecordResult', runId, outcome: fail, at: T0 }).events();
    const history = [registered, run, started(runId), ...failed];
    const cancel = given(...history).when({ type: 'Abort', runId, by: 'api', at: T0 }).events();
    expect(cancel).toMatchObject([{ type: 'RunAborted', data: { runId: retryRunId(runId, 2), attempt: 2, reason: 'pending retry cancelled on request' } }]);
    given(...history, ...cancel).when({ type: 'RetryDue', nextRunId: retryRunId(runId, 2), at: T0 }).thenNothing();
  });
});

describe('manual control', () => {
  it('triggers a run, idempotently, and refuses while running under overlap skip', () => {
    const trigger = { type: 'Trigger' as const, runId: '8d7f5f3e-3c8e-4a43-9d42-0d0f3b2c1a11', by: 'alice', at: T0 };
    const events = given(registered).when(trigger).events();
    expect(events).toEqual([
      { type: 'RunScheduled', data: { jobId, runId: trigger.runId, rootRunId: trigger.runId, attempt: 1, scheduledFor: T0, reason: 'manual', by: 'alice', at: T0 } },
    ]);
    given(registered, ...events).when(trigger).thenNothing();
    given(registered, ...events).when({ ...trigger, runId: 'another' }).thenThrows(/already running/, 'CONFLICT');
  });

  it('enables and disables, and refuses unknown jobs', () => {
    given(registered).when({ type: 'Disable', by: 'alice', at: T0 }).then([{ type: 'JobDisabled', data: { jobId, by: 'alice', at: T0 } }]);
    given(registered).when({ type: 'Enable', by: 'alice', at: T0 }).thenNothing();
    given().when({ type: 'Enable', by: 'alice', at: T0 }).thenThrows(/not registered/, 'NOT_FOUND');
  });
});
