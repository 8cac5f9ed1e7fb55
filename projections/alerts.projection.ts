/**
 * The alert history for people: every alert of every job with its count, notices, deliveries
 * and resolution, from the `alert-<jobId>` streams. A pure `evolve` plus queries for one job
 * and for all jobs, newest first (the shape of `GET /api/alerts?job=&limit=`).
 */
import type { AlertDelivery, AlertsResponse, AlertSummary } from '../src/http/api-types.js';
import type { AlertEvent } from '../src/domain/events.js';
import type { Projection } from './projection.js';

export interface AlertsProjectionOptions {
  /** Alerts kept per job, the oldest dropped first. @defaultValue 100 */
  perJob?: number;
  /** Deliveries kept per alert, the oldest dropped first. @defaultValue 50 */
  deliveriesPerAlert?: number;
}

interface Waiting {
  noticeId: string;
  channels: string[];
}

interface AlertEntry {
  summary: AlertSummary;
  /** Notices not yet settled on every channel, oldest first. */
  waiting: Waiting[];
}

export interface AlertsState {
  readonly options: Required<AlertsProjectionOptions>;
  /** Per job, oldest alert first. */
  readonly jobs: Readonly<Record<string, readonly AlertEntry[]>>;
}

export function initialAlertsState(options: AlertsProjectionOptions = {}): AlertsState {
  return { options: { perJob: options.perJob ?? 100, deliveriesPerAlert: options.deliveriesPerAlert ?? 50 }, jobs: {} };
}

const ALERT_TYPES = new Set(['AlertRaised', 'AlertSuppressed', 'AlertResolved', 'AlertNotified', 'AlertDeliveryFailed']);

function pendingChannels(waiting: Waiting[]): string[] {
  return [...new Set(waiting.flatMap((w) => w.channels))].sort();
}

/** Settles `noticeId` and the earlier notices of the alert on `channel`. */
function settle(waiting: Waiting[], noticeId: string, channel: string): Waiting[] {
  const index = waiting.findIndex((w) => w.noticeId === noticeId);
  if (index === -1) return waiting;
  return waiting
    .map((w, i) => (i <= index ? { ...w, channels: w.channels.filter((c) => c !== channel) } : w))
    .filter((w) => w.channels.length > 0);
}

function withEntry(state: AlertsState, jobId: string, alertId: string, change: (entry: AlertEntry | undefined) => AlertEntry | undefined): AlertsState {
  const list = state.jobs[jobId] ?? [];
  const index = list.findLastIndex((entry) => entry.summary.alertId === alertId);
  const next = change(index === -1 ? undefined : list[index]);
  if (!next) return state;
  let updated = index === -1 ? [...list, next] : list.map((entry, i) => (i === index ? next : entry));
  if (updated.length > state.options.perJob) updated = updated.slice(updated.length - state.options.perJob);
  return { ...state, jobs: { ...state.jobs, [jobId]: updated } };
}

function addDelivery(entry: AlertEntry, delivery: AlertDelivery, max: number, waiting: Waiting[]): AlertEntry {
  const deliveries = [delivery, ...entry.summary.deliveries].slice(0, max);
  return { waiting, summary: { ...entry.summary, deliveries, pendingChannels: pendingChannels(waiting) } };
}

/** Folds one stored event into the state; events that are not alert events change nothing. */
export function evolve(state: AlertsState, event: { type: string; data: unknown }): AlertsState {
  if (!ALERT_TYPES.has(event.type)) return state;
  const alert = event as AlertEvent;
  const { jobId, alertId } = alert.data;
  switch (alert.type) {
    case 'AlertRaised':
    case 'AlertSuppressed': {
      const d = alert.data;
      return withEntry(state, jobId, alertId, (entry) => {
        const waiting =
          alert.type === 'AlertRaised' ? [...(entry?.waiting ?? []), { noticeId: alert.data.noticeId, channels: [...alert.data.channels] }] : (entry?.waiting ?? []);
        const base: AlertSummary = entry?.summary ?? {
          alertId,
          jobId,
          status: 'open',
          outcome: d.outcome,
          since: d.since,
          lastFailureAt: d.at,
          firstRunId: d.runId,
          lastRunId: d.runId,
          failures: 0,
          notices: 0,
          suppressed: 0,
          pendingChannels: [],
          deliveries: [],
        };
        return {
          waiting,
          summary: {
            ...base,
            outcome: d.outcome,
            lastFailureAt: d.at,
            lastRunId: d.runId,
            failures: Math.max(base.failures, d.failures),
            notices: base.notices + (alert.type === 'AlertRaised' ? 1 : 0),
            suppressed: base.suppressed + (alert.type === 'AlertSuppressed' ? 1 : 0),
            pendingChannels: pendingChannels(waiting),
          },
        };
      });
    }
    case 'AlertResolved': {
      const d = alert.data;
      return withEntry(state, jobId, alertId, (entry) => {
        if (!entry) return undefined;
        const waiting = d.notify && d.noticeId ? [...entry.waiting, { noticeId: d.noticeId, channels: [...d.channels] }] : entry.waiting;
        return {
          waiting,
          summary: { ...entry.summary, status: 'resolved', resolvedAt: d.at, resolvedByRunId: d.runId, pendingChannels: pendingChannels(waiting) },
        };
      });
    }
    case 'AlertNotified': {
      const d = alert.data;
      return withEntry(state, jobId, alertId, (entry) => {
        if (!entry) return undefined;
        const delivery: AlertDelivery = {
          channel: d.channel,
          at: d.at,
          ok: true,
          recipients: [...d.recipients],
          failures: d.failures,
          ...(d.invalidUsers?.length ? { invalidUsers: [...d.invalidUsers] } : {}),
        };
        return addDelivery(entry, delivery, state.options.deliveriesPerAlert, settle(entry.waiting, d.noticeId, d.channel));
      });
    }
    case 'AlertDeliveryFailed': {
      const d = alert.data;
      return withEntry(state, jobId, alertId, (entry) => {
        if (!entry) return undefined;
        const delivery: AlertDelivery = {
          channel: d.channel,
          at: d.at,
          ok: false,
          ...(d.errcode === undefined ? {} : { errcode: d.errcode }),
          message: d.message,
          permanent: d.permanent,
        };
        return addDelivery(entry, delivery, state.options.deliveriesPerAlert, settle(entry.waiting, d.noticeId, d.channel));
      });
    }
    default: {
      const unknown: never = alert;
      return unknown;
    }
  }
}

/** A job's alerts, newest first. */
export function alertsOfJob(state: AlertsState, jobId: string, limit = 50): AlertSummary[] {
  return [...(state.jobs[jobId] ?? [])].reverse().slice(0, limit).map((entry) => entry.summary);
}

/** Every job's alerts, newest first (by first failure). */
export function recentAlerts(state: AlertsState, limit = 50): AlertSummary[] {
  return Object.values(state.jobs)
    .flatMap((list) => list.map((entry) => entry.summary))
    .sort((a, b) => Date.parse(b.since) - Date.parse(a.since) || (b.alertId < a.alertId ? -1 : 1))
    .slice(0, limit);
}

/** Open alerts of every job, newest first. */
export function openAlerts(state: AlertsState): AlertSummary[] {
  return recentAlerts(state, Number.POSITIVE_INFINITY).filter((alert) => alert.status === 'open');
}

/** The answer of `GET /api/alerts?job=&limit=`. */
export function alertsResponse(state: AlertsState, query: { job?: string; limit?: number } = {}): AlertsResponse {
  const limit = query.limit ?? 50;
  return { alerts: query.job === undefined ? recentAlerts(state, limit) : alertsOfJob(state, query.job, limit) };
}

/** The alert history as one of the dashboard's projections (fed by the projection runner). */
export function alertsProjection(options: AlertsProjectionOptions = {}): Projection<AlertsState> {
  return {
    name: 'alerts',
    version: 1,
    initial: () => initialAlertsState(options),
    evolve: (state, stored) => evolve(state, stored),
  };
}
