/**
 * The alert state of one job, rebuilt from its `alert-<jobId>` stream. Pure: no I/O, no clock.
 * It holds what the next decision needs (the open alert, the last outcome handled) and the
 * notices not yet settled on every channel: the subscriber's outbox.
 */
import type { AlertEvent, AlertOutcome, AlertRaised, AlertResolved } from './events.js';

/** A notice still to deliver on `channels`. */
export interface PendingNotice {
  noticeId: string;
  alertId: string;
  kind: 'failure' | 'recovery';
  /** The decision that asked for it: what the message tells. */
  raised?: AlertRaised['data'];
  resolved?: AlertResolved['data'];
  /** Channels this notice has not been settled on yet. */
  channels: string[];
}

/** An incident: from the first counted failure to the success that resolves it. */
export interface OpenAlert {
  alertId: string;
  since: string;
  /** Counted failures so far. */
  failures: number;
  /** Notices raised in this alert. */
  raised: number;
  lastRaisedAt?: string;
  lastFailure: { runId: string; outcome: AlertOutcome; at: string };
}

export interface AlertState {
  jobId: string;
  /** `$all` position (decimal) of the last run outcome a decision was recorded for. */
  lastPosition?: string;
  open?: OpenAlert;
  /** Unsettled notices, oldest first. */
  notices: PendingNotice[];
}

export function initialAlertState(jobId: string): AlertState {
  return { jobId, notices: [] };
}

function laterPosition(current: string | undefined, next: string): string {
  return current !== undefined && BigInt(current) >= BigInt(next) ? current : next;
}

/**
 * Settles `noticeId` on `channel`, and with it every earlier notice of the same alert: the
 * message that was sent told the newer state, so the older notices are covered.
 */
function settle(notices: PendingNotice[], alertId: string, noticeId: string, channel: string): PendingNotice[] {
  const index = notices.findIndex((notice) => notice.noticeId === noticeId);
  if (index === -1) return notices;
  return notices
    .map((notice, i) =>
      i <= index && notice.alertId === alertId ? { ...notice, channels: notice.channels.filter((c) => c !== channel) } : notice,
    )
    .filter((notice) => notice.channels.length > 0);
}

export function evolveAlert(state: AlertState, event: AlertEvent): AlertState {
  switch (event.type) {
    case 'AlertRaised': {
      const { data } = event;
      const previous = state.open?.alertId === data.alertId ? state.open.raised : 0;
      return {
        ...state,
        lastPosition: laterPosition(state.lastPosition, data.position),
        open: {
          alertId: data.alertId,
          since: data.since,
          failures: data.failures,
          raised: previous + 1,
          lastRaisedAt: data.at,
          lastFailure: { runId: data.runId, outcome: data.outcome, at: data.at },
        },
        notices: [
          ...state.notices,
          { noticeId: data.noticeId, alertId: data.alertId, kind: 'failure', raised: data, channels: [...data.channels] },
        ],
      };
    }
    case 'AlertSuppressed': {
      const { data } = event;
      const same = state.open?.alertId === data.alertId ? state.open : undefined;
      return {
        ...state,
        lastPosition: laterPosition(state.lastPosition, data.position),
        open: {
          alertId: data.alertId,
          since: data.since,
          failures: data.failures,
          raised: same?.raised ?? 0,
          ...(same?.lastRaisedAt === undefined ? {} : { lastRaisedAt: same.lastRaisedAt }),
          lastFailure: { runId: data.runId, outcome: data.outcome, at: data.at },
        },
      };
    }
    case 'AlertResolved': {
      const { data } = event;
      const { open: _closed, ...rest } = state;
      const notices =
        data.notify && data.noticeId !== undefined && data.channels.length > 0
          ? [
              ...state.notices,
              { noticeId: data.noticeId, alertId: data.alertId, kind: 'recovery' as const, resolved: data, channels: [...data.channels] },
            ]
          : state.notices;
      return { ...rest, lastPosition: laterPosition(state.lastPosition, data.position), notices };
    }
    case 'AlertNotified':
    case 'AlertDeliveryFailed':
      return { ...state, notices: settle(state.notices, event.data.alertId, event.data.noticeId, event.data.channel) };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * What to deliver next on `channel`: for the oldest alert with unsettled notices there, its
 * newest notice (which covers the older ones). `undefined` when nothing waits.
 */
export function nextNotice(state: AlertState, channel: string): PendingNotice | undefined {
  const first = state.notices.find((notice) => notice.channels.includes(channel));
  if (!first) return undefined;
  const same = state.notices.filter((notice) => notice.alertId === first.alertId && notice.channels.includes(channel));
  return same.at(-1);
}

/** True when `position` (an outcome's `$all` position) was already decided for this job. */
export function alreadyHandled(state: AlertState, position: bigint): boolean {
  return state.lastPosition !== undefined && BigInt(state.lastPosition) >= position;
}
