// How the alert history reads on screen: the order (open first), the job search, and the few
// phrases a row is made of. Pure, so the wording is unit-tested without a browser.
import type { AlertDelivery, AlertSummary } from '../../../../src/http/api-types.js';

export type AlertStatusFilter = AlertSummary['status'] | '';

/** Open alerts first, then resolved ones; newest first (by first failure) within each. */
export function orderAlerts(alerts: readonly AlertSummary[]): AlertSummary[] {
  return [...alerts].sort(
    (a, b) =>
      Number(a.status === 'resolved') - Number(b.status === 'resolved') ||
      Date.parse(b.since) - Date.parse(a.since) ||
      (a.alertId < b.alertId ? 1 : a.alertId > b.alertId ? -1 : 0),
  );
}

/** The words of a search box, lower-cased. */
export function searchWords(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** True when the alert's job id contains every word. */
export function matchesJob(alert: AlertSummary, words: readonly string[]): boolean {
  const id = alert.jobId.toLowerCase();
  return words.every((word) => id.includes(word));
}

/** Filters by job words and status, keeping the order. */
export function filterAlerts(alerts: readonly AlertSummary[], search: string, status: AlertStatusFilter): AlertSummary[] {
  const words = searchWords(search);
  return alerts.filter((alert) => (!status || alert.status === status) && matchesJob(alert, words));
}

/** `failed 3×` — the count the row leads with (timeouts and abandoned runs count as failures). */
export function failureCount(alert: AlertSummary): string {
  return `failed ${alert.failures}×`;
}

/** `2 notices · 1 suppressed`: how many failures were notified on their own, and how many were not. */
export function noticesText(alert: AlertSummary): string {
  const notices = alert.notices === 1 ? '1 notice' : `${alert.notices} notices`;
  return alert.suppressed ? `${notices} · ${alert.suppressed} suppressed` : notices;
}

/** `delivered`, `failed · errcode 93000`, `failed`: one delivery's result in words. */
export function deliveryResult(delivery: AlertDelivery): string {
  if (delivery.ok) return 'delivered';
  return delivery.errcode === undefined ? 'failed' : `failed · errcode ${delivery.errcode}`;
}

/** What else a reader should know of a delivery: what the message said, or why it failed. */
export function deliveryDetail(delivery: AlertDelivery): string {
  if (delivery.ok) return delivery.failures === undefined ? '' : `showed ${delivery.failures} ${delivery.failures === 1 ? 'failure' : 'failures'}`;
  const why = delivery.message ?? 'no reason recorded';
  return delivery.permanent ? `${why} (retrying cannot help)` : `${why} (gave up after retries)`;
}

/** Who a delivery reached: the mentioned ids, or the group alone. */
export function recipientsText(delivery: AlertDelivery): string {
  if (!delivery.ok) return '—';
  return delivery.recipients?.length ? delivery.recipients.join(', ') : 'the group (no one mentioned)';
}

/** Deliveries that reached their channel and those that failed. */
export function deliveryCounts(alert: AlertSummary): { ok: number; failed: number } {
  const ok = alert.deliveries.filter((d) => d.ok).length;
  return { ok, failed: alert.deliveries.length - ok };
}

/** How the alert's deliveries went, in brief: `2 delivered · 1 failed`. */
export function deliveriesText(alert: AlertSummary): string {
  const { ok, failed } = deliveryCounts(alert);
  if (!alert.deliveries.length) return 'no delivery yet';
  return [ok ? `${ok} delivered` : '', failed ? `${failed} failed` : ''].filter(Boolean).join(' · ');
}

/** How long the incident lasted (resolved) or has lasted so far (open), in milliseconds. */
export function alertAge(alert: AlertSummary, now: number): number {
  return Math.max(0, (alert.resolvedAt ? Date.parse(alert.resolvedAt) : now) - Date.parse(alert.since));
}
