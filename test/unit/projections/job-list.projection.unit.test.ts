import { describe, expect, it } from 'vitest';
import { fireTime, jobListProjection, jobStatus, listJobs, listProblems, nextFireTimes, openCounts, type JobListState } from '../../../projections/job-list.projection.js';
import type { TimecloudEvent } from '../../../src/domain/events.js';
import { jobSpec } from '../../support/job-spec.js';
import { at, ev, EventLog } from '../../support/projection-events.js';

const spec = jobSpec({ package: 'demo', name: 'update', schedule: '0 30 2 * * *', timezone: 'Europe/Berlin' });
const JOB = spec.id;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const registered: TimecloudEvent = { type: 'JobRegistered', data: { jobId: JOB, spec, at: at(0) } };

function jobList(events: TimecloudEvent[]): JobListState {
  const projection = jobListProjection();
  return new EventLog().add(...events).reduce((state, event) => projection.evolve(state, event), projection.initial());
}

describe('job list projection', () => {
  it('tracks a job from registration through runs: status, open runs, last result, failures in a row', () => {
    let events: TimecloudEvent[] = [registered];
    const entry = () => jobList(events).jobs[JOB]!;
    expect(jobStatus(entry())).toBe('idle');
    events = [...events, ev.scheduled(JOB, id(1), 1), ev.queued(JOB, id(1), 1)];
    expect(jobStatus(entry())).toBe('queued');
    expect(openCounts(entry())).toEqual({ running: 0, queued: 1 });
    events = [...events, ev.started(JOB, id(1), 2)];
    expect(jobStatus(entry())).toBe('running');
    events = [...events, ev.failed(JOB, id(1), 3), ev.scheduled(JOB, id(2), 4), ev.started(JOB, id(2), 4), ev.failed(JOB, id(2), 5)];
    expect(entry()).toMatchObject({ lastRunId: id(2), consecutiveFailures: 2, totals: { runs: 2, succeeded: 0, failed: 2 } });
    expect(jobStatus(entry())).toBe('failing');
    events = [...events, ev.scheduled(JOB, id(3), 6), ev.aborted(JOB, id(3), 6, 'aborted before it started')];
    expect(entry()).toMatchObject({ lastRunId: id(3), consecutiveFailures: 2 }); // an abort is nobody's failure
    events = [...events, ev.scheduled(JOB, id(4), 7), ev.started(JOB, id(4), 7), ev.succeeded(JOB, id(4), 8)];
    expect(entry()).toMatchObject({ lastRunId: id(4), consecutiveFailures: 0, totals: { runs: 4, succeeded: 1, failed: 2 } });
    expect(jobStatus(entry())).toBe('idle');
  });

  it('shows disabled and removed jobs as such, and a rejected file on a job that keeps its last definition', () => {
    const state = jobList([
      registered,
      { type: 'JobDisabled', data: { jobId: JOB, by: 'alice', at: at(1) } },
      { type: 'JobRejected', data: { jobId: JOB, file: spec.file, job: 'update', field: 'schedule', message: 'schedule "x" is wrong', keptPrevious: true, at: at(2) } },
    ]);
    const entry = state.jobs[JOB]!;
    expect(jobStatus(entry)).toBe('disabled');
    expect(entry.rejection).toEqual({ message: 'schedule "x" is wrong', field: 'schedule', at: at(2) });
    expect(listProblems(state)).toEqual([]);
    const updated = jobList([
      registered,
      { type: 'JobRejected', data: { jobId: JOB, file: spec.file, message: 'bad', keptPrevious: true, at: at(2) } },
      { type: 'JobUpdated', data: { jobId: JOB, spec: { ...spec, script: './x' }, changed: ['script'], at: at(3) } },
      { type: 'JobRemoved', data: { jobId: JOB, file: spec.file, reason: 'gone from its file', at: at(4) } },
    ]).jobs[JOB]!;
    expect(updated.rejection).toBeUndefined();
    expect(updated.spec.script).toBe('./x');
    expect(jobStatus(updated)).toBe('removed');
  });

  it('lists problems of files and of jobs that were never valid, until the file is read again', () => {
    const broken: TimecloudEvent[] = [
      { type: 'JobRejected', data: { file: '/jobs/other/timecloud.json', message: 'not JSON', keptPrevious: true, at: at(1) } },
      { type: 'JobRejected', data: { jobId: 'demo/new', file: spec.file, job: 'new', field: 'timeout', message: 'timeout must be a number', keptPrevious: false, at: at(2) } },
    ];
    expect(listProblems(jobList(broken))).toEqual([
      { jobId: 'demo/new', file: spec.file, field: 'timeout', message: 'timeout must be a number', at: at(2) },
      { file: '/jobs/other/timecloud.json', message: 'not JSON', at: at(1) },
    ]);
    const fixed = jobList([...broken, { type: 'JobRegistered', data: { jobId: 'demo/new', spec: jobSpec({ name: 'new' }), at: at(3) } }]);
    expect(listProblems(fixed)).toEqual([{ file: '/jobs/other/timecloud.json', message: 'not JSON', at: at(1) }]);
    expect(listJobs(fixed).map((e) => e.jobId)).toEqual(['demo/new']);
  });

  it('computes fire times in the job zone with wall clock and offset, across a DST change', () => {
    const entry = jobList([registered]).jobs[JOB]!;
    // 2026-03-29: Berlin springs forward at 02:00; 02:30 does not exist and fires at 03:00 (+02:00).
    const fires = nextFireTimes(entry, new Date('2026-03-28T00:00:00Z'), 3, 'UTC');
    expect(fires).toEqual([
      { at: '2026-03-28T01:30:00.000Z', local: '2026-03-28 02:30:00', utcOffset: '+01:00' },
      { at: '2026-03-29T01:00:00.000Z', local: '2026-03-29 03:00:00', utcOffset: '+02:00' },
      { at: '2026-03-30T00:30:00.000Z', local: '2026-03-30 02:30:00', utcOffset: '+02:00' },
    ]);
    const disabled = jobList([registered, { type: 'JobDisabled', data: { jobId: JOB, by: 'a', at: at(1) } }]).jobs[JOB]!;
    expect(nextFireTimes(disabled, new Date('2026-03-28T00:00:00Z'), 3, 'UTC')).toEqual([]);
    expect(fireTime(new Date('2026-07-01T12:00:00Z'), 'UTC')).toEqual({ at: '2026-07-01T12:00:00.000Z', local: '2026-07-01 12:00:00', utcOffset: '+00:00' });
  });
});
