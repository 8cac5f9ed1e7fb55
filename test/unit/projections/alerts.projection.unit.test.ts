import { describe, expect, it } from 'vitest';
import { alertsOfJob, alertsResponse, evolve, initialAlertsState, openAlerts, type AlertsState } from '../../../projections/alerts.projection.js';
import { decideAlert, type AlertCommand } from '../../../src/domain/alert-decider.js';
import type { AlertEvent } from '../../../src/domain/events.js';
import { alertStateOf, handle, outcomes, policy } from '../../support/alert-decider-spec.js';

const T0 = '2026-01-01T10:00:00.000Z';
const plus = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

/** Runs commands through the decider, as the subscriber does, collecting the events of one job. */
function history(jobId: string, commands: ((events: AlertEvent[]) => AlertCommand)[]): AlertEvent[] {
  const events: AlertEvent[] = [];
  for (const command of commands) events.push(...decideAlert(command(events), alertStateOf(jobId, events)));
  return events;
}

const delivered = (channel: string, at: string, extra: { invalidUsers?: string[] } = {}) => (events: AlertEvent[]): AlertCommand => {
  const pending = alertStateOf(events[0]!.data.jobId, events).notices.filter((n) => n.channels.includes(channel)).at(-1)!;
  return { type: 'RecordDelivery', noticeId: pending.noticeId, channel, result: { ok: true, recipients: ['ZhangSan'], failures: 2, ...extra }, at };
};

function fold(...streams: AlertEvent[][]): AlertsState {
  return streams.flat().reduce(evolve, initialAlertsState());
}

describe('alerts projection', () => {
  const shop = outcomes('shop/report');
  const twoChannels = policy({ channels: ['ops', 'app'], repeat: 3_600_000 });
  const report = history('shop/report', [
    () => handle(shop.failed('r1', T0), 10n, { policy: twoChannels }),
    () => handle(shop.timedOut('r2', plus(60_000)), 20n, { policy: twoChannels }),
    delivered('ops', plus(61_000), { invalidUsers: ['ghost'] }),
    (events) => {
      const pending = alertStateOf('shop/report', events).notices.at(-1)!;
      return {
        type: 'RecordDelivery',
        noticeId: pending.noticeId,
        channel: 'app',
        result: { ok: false, permanent: true, errcode: 81013, message: 'user & party & tag all invalid', attempts: 1 },
        at: plus(62_000),
      };
    },
    () => handle(shop.succeeded('r3', plus(120_000)), 30n, { policy: twoChannels }),
  ]);

  it('summarises an alert: count, notices, suppressed failures, deliveries newest first, resolution, channels still waiting', () => {
    const state = fold(report);
    const [alert] = alertsOfJob(state, 'shop/report');
    expect(alert).toMatchObject({
      jobId: 'shop/report',
      status: 'resolved',
      outcome: 'timed_out',
      since: T0,
      lastFailureAt: plus(60_000),
      firstRunId: 'r1',
      lastRunId: 'r2',
      failures: 2,
      notices: 1,
      suppressed: 1,
      resolvedAt: plus(120_000),
      resolvedByRunId: 'r3',
      pendingChannels: ['app', 'ops'],
    });
    expect(alert?.deliveries).toEqual([
      { channel: 'app', at: plus(62_000), ok: false, errcode: 81013, message: 'user & party & tag all invalid', permanent: true },
      { channel: 'ops', at: plus(61_000), ok: true, recipients: ['ZhangSan'], failures: 2, invalidUsers: ['ghost'] },
    ]);
    expect(openAlerts(state)).toEqual([]);
  });

  it('answers per job and for all jobs, newest first, with a limit', () => {
    const billing = outcomes('billing/charge');
    const charge = history('billing/charge', [
      () => handle(billing.failed('b1', plus(30_000)), 15n),
      () => handle(billing.succeeded('b2', plus(40_000)), 16n),
      () => handle(billing.abandoned('b3', plus(200_000)), 40n),
    ]);
    const state = fold(report, charge, [{ type: 'RunFailed', data: {} } as unknown as AlertEvent]);
    expect(alertsResponse(state).alerts.map((a) => [a.jobId, a.firstRunId, a.status])).toEqual([
      ['billing/charge', 'b3', 'open'],
      ['billing/charge', 'b1', 'resolved'],
      ['shop/report', 'r1', 'resolved'],
    ]);
    expect(alertsResponse(state, { job: 'billing/charge', limit: 1 }).alerts.map((a) => a.firstRunId)).toEqual(['b3']);
    expect(alertsResponse(state, { job: 'nobody/here' }).alerts).toEqual([]);
    expect(openAlerts(state).map((a) => [a.firstRunId, a.pendingChannels])).toEqual([['b3', ['ops']]]);
  });

  it('keeps only the newest alerts of a job', () => {
    const flaky = outcomes('shop/flaky');
    const commands: ((events: AlertEvent[]) => AlertCommand)[] = [];
    for (let i = 0; i < 5; i++) {
      commands.push(() => handle(flaky.failed(`f${i}`, plus(i * 1000)), BigInt(i * 2 + 1)));
      commands.push(() => handle(flaky.succeeded(`s${i}`, plus(i * 1000 + 500)), BigInt(i * 2 + 2)));
    }
    const state = history('shop/flaky', commands).reduce(evolve, initialAlertsState({ perJob: 3 }));
    expect(alertsOfJob(state, 'shop/flaky').map((a) => a.firstRunId)).toEqual(['f4', 'f3', 'f2']);
  });
});
