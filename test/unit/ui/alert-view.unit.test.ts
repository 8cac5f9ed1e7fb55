import { describe, expect, it } from 'vitest';
import type { AlertDelivery, AlertSummary } from '../../../src/http/api-types.js';
import {
  alertAge,
  deliveriesText,
  deliveryDetail,
  deliveryResult,
  filterAlerts,
  noticesText,
  orderAlerts,
  recipientsText,
} from '../../../ui/src/pages/alerts/alert-view.js';

function alert(alertId: string, jobId: string, status: AlertSummary['status'], since: string, extra: Partial<AlertSummary> = {}): AlertSummary {
  return {
    alertId,
    jobId,
    status,
    outcome: 'failed',
    since,
    lastFailureAt: since,
    firstRunId: `${alertId}-run`,
    lastRunId: `${alertId}-run`,
    failures: 1,
    notices: 1,
    suppressed: 0,
    pendingChannels: [],
    deliveries: [],
    ...extra,
  };
}

const ok: AlertDelivery = { channel: 'ops', at: '2026-03-29T12:00:01.000Z', ok: true, recipients: ['ZhangSan'], failures: 1 };
const badKey: AlertDelivery = { channel: 'pager', at: '2026-03-29T12:00:01.000Z', ok: false, errcode: 93000, message: 'invalid webhook url', permanent: true };

describe('the order of alerts', () => {
  it('puts open alerts before resolved ones, each newest first by first failure', () => {
    const list = [
      alert('a', 'shop/report', 'resolved', '2026-03-29T12:00:00.000Z'),
      alert('b', 'etl/load', 'open', '2026-03-28T08:00:00.000Z'),
      alert('c', 'shop/report', 'resolved', '2026-03-29T13:00:00.000Z'),
      alert('d', 'mail/send', 'open', '2026-03-29T09:00:00.000Z'),
    ];
    expect(orderAlerts(list).map((a) => a.alertId)).toEqual(['d', 'b', 'c', 'a']);
    expect(list.map((a) => a.alertId)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('the job search', () => {
  const list = [
    alert('a', 'shop/report', 'open', '2026-03-29T12:00:00.000Z'),
    alert('b', 'shop/invoice', 'resolved', '2026-03-29T11:00:00.000Z'),
    alert('c', '@acme/etl/load', 'resolved', '2026-03-29T10:00:00.000Z'),
  ];

  it('keeps alerts whose job id contains every word, ignoring case', () => {
    expect(filterAlerts(list, 'SHOP', '').map((a) => a.alertId)).toEqual(['a', 'b']);
    expect(filterAlerts(list, 'shop  inv', '').map((a) => a.alertId)).toEqual(['b']);
    expect(filterAlerts(list, '@acme/', '').map((a) => a.alertId)).toEqual(['c']);
    expect(filterAlerts(list, '', '')).toHaveLength(3);
    expect(filterAlerts(list, 'nothing', '')).toEqual([]);
  });

  it('narrows by status too', () => {
    expect(filterAlerts(list, 'shop', 'resolved').map((a) => a.alertId)).toEqual(['b']);
    expect(filterAlerts(list, '', 'open').map((a) => a.alertId)).toEqual(['a']);
  });
});

describe('the words of a row', () => {
  it('counts notices and suppressed failures', () => {
    const base = alert('a', 'shop/report', 'open', '2026-03-29T12:00:00.000Z');
    expect(noticesText(base)).toBe('1 notice');
    expect(noticesText({ ...base, notices: 2, suppressed: 3 })).toBe('2 notices · 3 suppressed');
    expect(noticesText({ ...base, notices: 0, suppressed: 1 })).toBe('0 notices · 1 suppressed');
  });

  it('says how each delivery went, with the WeCom errcode of a failure', () => {
    expect(deliveryResult(ok)).toBe('delivered');
    expect(deliveryResult(badKey)).toBe('failed · errcode 93000');
    expect(deliveryResult({ channel: 'ops', at: ok.at, ok: false, message: 'timed out', permanent: false })).toBe('failed');
    expect(deliveryDetail(ok)).toBe('showed 1 failure');
    expect(deliveryDetail({ ...ok, failures: 4 })).toBe('showed 4 failures');
    expect(deliveryDetail(badKey)).toBe('invalid webhook url (retrying cannot help)');
    expect(deliveryDetail({ channel: 'ops', at: ok.at, ok: false, message: 'timed out', permanent: false })).toBe('timed out (gave up after retries)');
    expect(recipientsText(ok)).toBe('ZhangSan');
    expect(recipientsText({ ...ok, recipients: [] })).toBe('the group (no one mentioned)');
    expect(recipientsText(badKey)).toBe('—');
  });

  it('sums up the deliveries of an alert', () => {
    const base = alert('a', 'shop/report', 'open', '2026-03-29T12:00:00.000Z');
    expect(deliveriesText(base)).toBe('no delivery yet');
    expect(deliveriesText({ ...base, deliveries: [ok, badKey, ok] })).toBe('2 delivered · 1 failed');
    expect(deliveriesText({ ...base, deliveries: [badKey] })).toBe('1 failed');
  });

  it('measures an open alert up to now and a resolved one up to its resolution', () => {
    const base = alert('a', 'shop/report', 'open', '2026-03-29T12:00:00.000Z');
    expect(alertAge(base, Date.parse('2026-03-29T12:05:00.000Z'))).toBe(300_000);
    const resolved = { ...base, status: 'resolved' as const, resolvedAt: '2026-03-29T12:00:42.000Z' };
    expect(alertAge(resolved, Date.parse('2026-03-30T00:00:00.000Z'))).toBe(42_000);
  });
});
