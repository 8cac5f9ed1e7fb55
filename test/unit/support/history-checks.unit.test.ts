import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/store/event-store.js';
import { checkHistory } from '../../support/history-checks.js';

let position = 0n;
function event(stream: string, type: string, data: Record<string, unknown>, epoch?: number): StoredEvent {
  position += 1n;
  return { id: String(position), stream, revision: 0n, position, type, data, metadata: epoch === undefined ? {} : { epoch }, created: new Date() };
}
const lease = (epoch: number) => event('leader', 'LeaseAcquired', { nodeId: `n${epoch}`, epoch });
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const job = 'app/j';
const scheduled = (runId: string, s: number, epoch = 1, attempt = 1, rootRunId = runId) =>
  event(`job-${job}`, 'RunScheduled', { jobId: job, runId, rootRunId, attempt, scheduledFor: t(s), reason: attempt === 1 ? 'cron' : 'retry' }, epoch);
const started = (runId: string, epoch = 1) => event(`job-${job}`, 'RunStarted', { jobId: job, runId }, epoch);
const ended = (runId: string, type = 'RunSucceeded', epoch = 1) => event(`job-${job}`, type, { jobId: job, runId }, epoch);
const steps = new Map([[job, 1000]]);

describe('checkHistory', () => {
  it('accepts a clean history and counts it', () => {
    const report = checkHistory([lease(1), scheduled('a', 1), started('a'), ended('a'), scheduled('b', 2), started('b'), ended('b')], steps);
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ ticks: 2, fired: 2, runs: 2, leaders: 1 });
  });

  it('finds a tick fired twice, a hole, a double start, an open run and a deposed writer', () => {
    const report = checkHistory(
      [
        lease(1),
        scheduled('a', 1),
        started('a'),
        started('a'),
        ended('a'),
        scheduled('a2', 1),
        scheduled('c', 4),
        lease(2),
        ended('c', 'RunSucceeded', 1),
      ],
      steps,
    );
    expect(report.violations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/accounted 2 times/),
        expect.stringMatching(/no record of the ticks between/),
        expect.stringMatching(/run a started 2 times/),
        expect.stringMatching(/run a2 .*never reached a final state/),
        expect.stringMatching(/written under epoch 1 while epoch 2 led/),
      ]),
    );
  });

  it('finds overlapping attempts of one run', () => {
    const report = checkHistory(
      [lease(1), scheduled('a', 1), started('a'), scheduled('a-2', 1, 1, 2, 'a'), started('a-2'), ended('a', 'RunFailed'), ended('a-2')],
      steps,
    );
    expect(report.violations).toEqual([expect.stringMatching(/attempt 2 started before attempt 1 ended/)]);
  });
});
