import { describe, expect, it } from 'vitest';
import { alertEventId, alertIdFor, type DeliveryResult } from '../../../src/domain/alert-decider.js';
import { nextNotice } from '../../../src/domain/alert-state.js';
import type { AlertEvent, AlertRaised } from '../../../src/domain/events.js';
import { decisionEventId } from '../../../src/domain/ids.js';
import { alertSpec, alertStateOf, handle, outcomes, policy } from '../../support/alert-decider-spec.js';

const jobId = 'shop/report';
const { given } = alertSpec(jobId);
const run = outcomes(jobId);
const T0 = '2026-01-01T10:03:00.000Z';
const plus = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const MIN = 60_000;

/** The events decided for `command` given `history`, asserting there is exactly one. */
function only(history: AlertEvent[], command: Parameters<ReturnType<typeof given>['when']>[0]): AlertEvent {
  const events = given(...history).when(command).events();
  expect(events).toHaveLength(1);
  return events[0]!;
}

function raisedData(event: AlertEvent): AlertRaised['data'] {
  if (event.type !== 'AlertRaised') throw new Error(`expected AlertRaised, got ${event.type}`);
  return event.data;
}

const delivered = (failures = 1): DeliveryResult => ({
  ok: true,
  recipients: ['alice'],
  failures,
});

describe('failures', () => {
  it('raises an alert for a final failure, with everything the message needs and deterministic ids', () => {
    const alertId = alertIdFor(jobId, 'r1');
    const noticeId = decisionEventId('AlertRaised', jobId, 'r1');
    given()
      .when(handle(run.failed('r1', T0, { exitCode: 3, stderrTail: 'disk full' }), 100n))
      .then([
        {
          type: 'AlertRaised',
          data: {
            alertId,
            noticeId,
            jobId,
            runId: 'r1',
            attempt: 1,
            outcome: 'failed',
            failures: 1,
            since: T0,
            position: '100',
            maintainers: ['alice', 'bob'],
            channels: ['ops'],
            exitCode: 3,
            signal: null,
            stderrTail: 'disk full',
            at: T0,
          },
        },
      ]);
    // The same decision taken again (a restart, a second leader) has the same identity.
    const again = only([], handle(run.failed('r1', T0, { exitCode: 3, stderrTail: 'disk full' }), 100n));
    expect(alertEventId(again)).toBe(noticeId);
  });

  it('waits for the last attempt under "final-failure", and alerts every attempt under "every-failure"', () => {
    given().when(handle(run.failed('r1', T0), 10n, { retryFollows: true })).thenNothing();
    const every = only([], handle(run.failed('r1', T0), 10n, { retryFollows: true, policy: policy({ notifyOn: 'every-failure' }) }));
    expect(raisedData(every)).toMatchObject({ runId: 'r1', failures: 1 });
  });

  it('says a timeout is a timeout, with the stderr the subscriber found, and why a run was abandoned', () => {
    const timedOut = raisedData(only([], handle(run.timedOut('r1', T0), 10n, { stderrTail: 'slow query' })));
    expect(timedOut).toMatchObject({ outcome: 'timed_out', timeoutMs: 300, stderrTail: 'slow query', signal: 'SIGUSR2' });
    const abandoned = raisedData(only([], handle(run.abandoned('r2', T0), 11n)));
    expect(abandoned).toMatchObject({ outcome: 'abandoned', reason: 'its node stopped renewing the lease' });
    expect(abandoned).not.toHaveProperty('exitCode');
  });

  it('keeps counting in the same alert: every failure notified by default, since the first one', () => {
    const first = only([], handle(run.failed('r1', T0), 10n));
    const second = raisedData(only([first], handle(run.failed('r2', plus(MIN)), 20n)));
    expect(second).toMatchObject({ alertId: raisedData(first).alertId, failures: 2, since: T0, runId: 'r2' });
    expect(second.noticeId).not.toBe(raisedData(first).noticeId);
  });

  it('with a repeat interval, counts failures inside it and notifies the first one after it with the total', () => {
    const hourly = policy({ repeat: 60 * MIN });
    const history: AlertEvent[] = [only([], handle(run.failed('r1', T0), 10n, { policy: hourly }))];
    for (let i = 2; i <= 12; i++) {
      const event = only(history, handle(run.failed(`r${i}`, plus(i * 5 * MIN - 1)), BigInt(i * 10), { policy: hourly }));
      history.push(event);
    }
    expect(history.slice(1).map((e) => e.type)).toEqual(Array(11).fill('AlertSuppressed'));
    expect(history.at(-1)).toMatchObject({ data: { reason: 'repeat-interval', failures: 12, since: T0 } });
    const after = raisedData(only(history, handle(run.failed('r13', plus(60 * MIN)), 130n, { policy: hourly })));
    expect(after).toMatchObject({ failures: 13, since: T0 });
  });

  it('with repeat "once", notifies only the first failure until the job recovers', () => {
    const once = policy({ repeat: 'once' });
    const first = only([], handle(run.failed('r1', T0), 10n, { policy: once }));
    const later = only([first], handle(run.failed('r2', plus(24 * 60 * MIN)), 20n, { policy: once }));
    expect(later).toMatchObject({ type: 'AlertSuppressed', data: { reason: 'repeat-once', failures: 2 } });
  });

  it('holds a notice for the grouping window and folds the failures inside it into the count', () => {
    const grouped = policy({ groupWindow: 30_000 });
    const first = only([], handle(run.failed('r1', T0), 10n, { policy: grouped }));
    expect(raisedData(first).notBefore).toBe(plus(30_000));
    const inside = only([first], handle(run.failed('r2', plus(29_999)), 20n, { policy: grouped }));
    expect(inside).toMatchObject({ type: 'AlertSuppressed', data: { reason: 'grouped', failures: 2 } });
    const state = alertStateOf(jobId, [first, inside]);
    expect(state.open?.failures).toBe(2);
    const outside = only([first, inside], handle(run.failed('r3', plus(30_000)), 30n, { policy: grouped }));
    expect(raisedData(outside)).toMatchObject({ failures: 3, notBefore: plus(60_000) });
  });

  it('records nothing for aborted runs, disabled alerts or a job without channels', () => {
    given().when(handle(run.aborted('r1', T0), 10n)).thenNothing();
    given().when(handle(run.failed('r1', T0), 10n, { policy: policy({ enabled: false }) })).thenNothing();
    given().when(handle(run.failed('r1', T0), 10n, { policy: policy({ channels: [] }) })).thenNothing();
  });
});

describe('replays', () => {
  it('decides nothing for an outcome at or before the last position it recorded', () => {
    const first = only([], handle(run.failed('r1', T0), 100n));
    given(first).when(handle(run.failed('r1', T0), 100n)).thenNothing();
    // A success before the failure (replayed from an older checkpoint) must not resolve it.
    given(first).when(handle(run.succeeded('r0', T0), 90n)).thenNothing();
    expect(only([first], handle(run.succeeded('r2', plus(1)), 101n)).type).toBe('AlertResolved');
  });
});

describe('recovery', () => {
  it('resolves a notified alert with a recovery notice, and stays quiet when nothing was open', () => {
    const first = only([], handle(run.failed('r1', T0), 10n));
    const second = only([first], handle(run.failed('r2', plus(MIN)), 20n));
    given(first, second)
      .when(handle(run.succeeded('r3', plus(2 * MIN)), 30n))
      .then([
        {
          type: 'AlertResolved',
          data: {
            alertId: raisedData(first).alertId,
            jobId,
            runId: 'r3',
            failures: 2,
            since: T0,
            position: '30',
            notify: true,
            noticeId: decisionEventId('AlertResolved', jobId, 'r3'),
            maintainers: ['alice', 'bob'],
            channels: ['ops'],
            at: plus(2 * MIN),
          },
        },
      ]);
    given().when(handle(run.succeeded('r1', T0), 10n)).thenNothing();
  });

  it('closes the alert without a notice when recovery notices are off', () => {
    const first = only([], handle(run.failed('r1', T0), 10n));
    const resolved = only([first], handle(run.succeeded('r2', plus(1)), 20n, { policy: policy({ recovery: false }) }));
    expect(resolved).toMatchObject({ type: 'AlertResolved', data: { notify: false, channels: [] } });
    expect(resolved.data).not.toHaveProperty('noticeId');
    const state = alertStateOf(jobId, [first, resolved]);
    expect(state.open).toBeUndefined();
    // The next failure opens a new alert.
    const next = raisedData(only([first, resolved], handle(run.failed('r3', plus(2)), 30n)));
    expect(next.alertId).toBe(alertIdFor(jobId, 'r3'));
    expect(next.failures).toBe(1);
  });
});

describe('deliveries', () => {
  const first = only([], handle(run.failed('r1', T0), 10n, { policy: policy({ channels: ['ops', 'app'] }) }));
  const second = only([first], handle(run.failed('r2', plus(MIN)), 20n, { policy: policy({ channels: ['ops', 'app'] }) }));
  const n1 = raisedData(first).noticeId;
  const n2 = raisedData(second).noticeId;

  it('delivers the newest notice of an alert, which settles the older ones on that channel only', () => {
    const state = alertStateOf(jobId, [first, second]);
    expect(nextNotice(state, 'ops')?.noticeId).toBe(n2);
    const notified = only([first, second], { type: 'RecordDelivery', noticeId: n2, channel: 'ops', result: delivered(2), at: plus(2 * MIN) });
    expect(notified).toEqual({
      type: 'AlertNotified',
      data: { alertId: raisedData(first).alertId, noticeId: n2, jobId, channel: 'ops', recipients: ['alice'], failures: 2, at: plus(2 * MIN) },
    });
    const after = alertStateOf(jobId, [first, second, notified]);
    expect(nextNotice(after, 'ops')).toBeUndefined();
    expect(nextNotice(after, 'app')?.noticeId).toBe(n2);
    expect(after.notices.map((n) => n.channels)).toEqual([['app'], ['app']]);
    // Recording the same delivery again decides nothing.
    given(first, second, notified)
      .when({ type: 'RecordDelivery', noticeId: n2, channel: 'ops', result: delivered(), at: plus(3 * MIN) })
      .thenNothing();
    given(first, second, notified)
      .when({ type: 'RecordDelivery', noticeId: n1, channel: 'ops', result: delivered(), at: plus(3 * MIN) })
      .thenNothing();
  });

  it('records a failed delivery with its code, and reports unknown users of a delivered one', () => {
    const failed = only([first], {
      type: 'RecordDelivery',
      noticeId: n1,
      channel: 'ops',
      result: { ok: false, permanent: true, errcode: 93000, message: 'invalid webhook url', attempts: 1 },
      at: plus(1),
    });
    expect(failed).toMatchObject({ type: 'AlertDeliveryFailed', data: { noticeId: n1, errcode: 93000, permanent: true, attempts: 1 } });
    expect(alertEventId(failed)).toBe(decisionEventId('AlertDeliveryFailed', jobId, n1, 'ops'));
    const notified = only([first], {
      type: 'RecordDelivery',
      noticeId: n1,
      channel: 'app',
      result: { ok: true, recipients: ['alice', 'ghost'], failures: 1, invalidUsers: ['ghost'] },
      at: plus(1),
    });
    expect(notified).toMatchObject({ type: 'AlertNotified', data: { invalidUsers: ['ghost'] } });
    expect(alertStateOf(jobId, [first, failed, notified]).notices).toEqual([]);
  });

  it('delivers the alerts of a job oldest first, each by its newest notice', () => {
    const resolved = only([first, second], handle(run.succeeded('r3', plus(2 * MIN)), 30n, { policy: policy({ channels: ['ops'] }) }));
    const reopened = only([first, second, resolved], handle(run.failed('r4', plus(3 * MIN)), 40n));
    const state = alertStateOf(jobId, [first, second, resolved, reopened]);
    const pending = nextNotice(state, 'ops');
    expect(pending).toMatchObject({ kind: 'recovery', alertId: raisedData(first).alertId });
    const settled = only([first, second, resolved, reopened], {
      type: 'RecordDelivery',
      noticeId: pending!.noticeId,
      channel: 'ops',
      result: delivered(),
      at: plus(4 * MIN),
    });
    const rest = alertStateOf(jobId, [first, second, resolved, reopened, settled]);
    expect(nextNotice(rest, 'ops')).toMatchObject({ kind: 'failure', alertId: raisedData(reopened).alertId });
  });
});
