/**
 * The alert decider: from a run outcome and the job's policy, whether to raise, count or
 * resolve an alert; from a delivery result, what to record. Pure: the subscriber gathers the
 * inputs (the outcome's position, whether a retry follows, the policy) and performs the effects.
 * Every event gets an id derived from what makes the decision unique (`alertEventId`), so a
 * restarted or second subscriber that decides again stores nothing twice.
 */
import type { AlertPolicy } from './alert-policy.js';
import { alreadyHandled, type AlertState } from './alert-state.js';
import type {
  AlertEvent,
  AlertOutcome,
  AlertRaised,
  RunAbandoned,
  RunAborted,
  RunFailed,
  RunSucceeded,
  RunTimedOut,
} from './events.js';
import { decisionEventId } from './ids.js';

/** The run events the alert subscriber reads. */
export type RunOutcome = RunFailed | RunTimedOut | RunAbandoned | RunSucceeded | RunAborted;
export const RUN_OUTCOME_TYPES = ['RunFailed', 'RunTimedOut', 'RunAbandoned', 'RunSucceeded', 'RunAborted'] as const satisfies readonly RunOutcome['type'][];

/** A run outcome with what the subscriber found out about it. */
export interface HandleOutcome {
  type: 'HandleOutcome';
  outcome: RunOutcome;
  /** Its `$all` position. */
  position: bigint;
  /** True when a `RetryScheduled` for this attempt was stored with it (the failure is not final). */
  retryFollows: boolean;
  /** The job's maintainers as written. */
  maintainers: string[];
  policy: AlertPolicy;
  /** The end of the run's stderr, for outcomes that do not carry it (timeouts). */
  stderrTail?: string;
}

/** What a channel's delivery of a notice came to, after any retries. */
export type DeliveryResult =
  | { ok: true; recipients: string[]; failures: number; invalidUsers?: string[] }
  | { ok: false; permanent: boolean; errcode?: number; message: string; attempts: number };

export interface RecordDelivery {
  type: 'RecordDelivery';
  noticeId: string;
  channel: string;
  result: DeliveryResult;
  at: string;
}

export type AlertCommand = HandleOutcome | RecordDelivery;

const FAILURE_KINDS: Record<string, AlertOutcome> = {
  RunFailed: 'failed',
  RunTimedOut: 'timed_out',
  RunAbandoned: 'abandoned',
};

/** Id of an alert: the job and the run of its first counted failure. */
export function alertIdFor(jobId: string, firstRunId: string): string {
  return decisionEventId('Alert', jobId, firstRunId);
}

/** The event id under which an alert decision is stored. */
export function alertEventId(event: AlertEvent): string {
  const { data } = event;
  switch (event.type) {
    case 'AlertRaised':
      return event.data.noticeId;
    case 'AlertSuppressed':
    case 'AlertResolved':
      return decisionEventId(event.type, data.jobId, event.data.runId);
    case 'AlertNotified':
    case 'AlertDeliveryFailed':
      return decisionEventId(event.type, data.jobId, event.data.noticeId, event.data.channel);
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function failureDetails(outcome: RunFailed | RunTimedOut | RunAbandoned, stderrTail: string | undefined): Partial<AlertRaised['data']> {
  switch (outcome.type) {
    case 'RunFailed':
      return { exitCode: outcome.data.exitCode, signal: outcome.data.signal, stderrTail: outcome.data.stderrTail };
    case 'RunTimedOut':
      return {
        timeoutMs: outcome.data.timeoutMs,
        exitCode: outcome.data.exitCode,
        signal: outcome.data.signal,
        ...(stderrTail === undefined ? {} : { stderrTail }),
      };
    case 'RunAbandoned':
      return { reason: outcome.data.reason };
  }
}

/** Why a counted failure is not notified on its own, or `undefined` when it is. */
function suppression(state: AlertState, policy: AlertPolicy, at: number): string | undefined {
  const open = state.open;
  if (!open || open.lastRaisedAt === undefined) return undefined;
  const sinceRaised = at - Date.parse(open.lastRaisedAt);
  if (policy.groupWindow > 0 && sinceRaised < policy.groupWindow) return 'grouped';
  if (policy.repeat === 'once') return 'repeat-once';
  if (typeof policy.repeat === 'number' && sinceRaised < policy.repeat) return 'repeat-interval';
  return undefined;
}

function decideFailure(state: AlertState, command: HandleOutcome, outcome: RunFailed | RunTimedOut | RunAbandoned): AlertEvent[] {
  const { policy } = command;
  if (!policy.enabled || policy.channels.length === 0) return [];
  if (policy.notifyOn === 'final-failure' && command.retryFollows) return [];
  const { jobId, runId, attempt, at } = outcome.data;
  const kind = FAILURE_KINDS[outcome.type]!;
  const alertId = state.open?.alertId ?? alertIdFor(jobId, runId);
  const since = state.open?.since ?? at;
  const failures = (state.open?.failures ?? 0) + 1;
  const position = command.position.toString();
  const reason = suppression(state, policy, Date.parse(at));
  if (reason !== undefined) {
    return [{ type: 'AlertSuppressed', data: { alertId, jobId, runId, outcome: kind, reason, failures, since, position, at } }];
  }
  const raised: AlertRaised = {
    type: 'AlertRaised',
    data: {
      alertId,
      noticeId: decisionEventId('AlertRaised', jobId, runId),
      jobId,
      runId,
      attempt,
      outcome: kind,
      failures,
      since,
      position,
      maintainers: [...command.maintainers],
      channels: [...policy.channels],
      ...failureDetails(outcome, command.stderrTail),
      ...(policy.groupWindow > 0 ? { notBefore: new Date(Date.parse(at) + policy.groupWindow).toISOString() } : {}),
      at,
    },
  };
  return [raised];
}

function decideOutcome(state: AlertState, command: HandleOutcome): AlertEvent[] {
  if (alreadyHandled(state, command.position)) return [];
  const { outcome } = command;
  switch (outcome.type) {
    case 'RunFailed':
    case 'RunTimedOut':
    case 'RunAbandoned':
      return decideFailure(state, command, outcome);
    case 'RunSucceeded': {
      const open = state.open;
      if (!open) return [];
      const { jobId, runId, at } = outcome.data;
      // A recovery notice only makes sense to people who were told about the failure.
      const notify = command.policy.recovery && open.raised > 0 && command.policy.channels.length > 0;
      return [
        {
          type: 'AlertResolved',
          data: {
            alertId: open.alertId,
            jobId,
            runId,
            failures: open.failures,
            since: open.since,
            position: command.position.toString(),
            notify,
            ...(notify ? { noticeId: decisionEventId('AlertResolved', jobId, runId) } : {}),
            maintainers: [...command.maintainers],
            channels: notify ? [...command.policy.channels] : [],
            at,
          },
        },
      ];
    }
    case 'RunAborted':
      // Somebody stopped it, or its node shut down, lost the lease or its launcher: not the job's failure.
      return [];
    default: {
      const unknown: never = outcome;
      return unknown;
    }
  }
}

function decideDelivery(state: AlertState, command: RecordDelivery): AlertEvent[] {
  const notice = state.notices.find((n) => n.noticeId === command.noticeId);
  if (!notice || !notice.channels.includes(command.channel)) return []; // settled already
  const { jobId } = state;
  const { alertId, noticeId } = notice;
  const { channel, result, at } = command;
  if (result.ok) {
    const invalid = result.invalidUsers?.length ? { invalidUsers: [...result.invalidUsers] } : {};
    return [
      {
        type: 'AlertNotified',
        data: { alertId, noticeId, jobId, channel, recipients: [...result.recipients], failures: result.failures, ...invalid, at },
      },
    ];
  }
  const errcode = result.errcode === undefined ? {} : { errcode: result.errcode };
  return [
    {
      type: 'AlertDeliveryFailed',
      data: { alertId, noticeId, jobId, channel, ...errcode, message: result.message, permanent: result.permanent, attempts: result.attempts, at },
    },
  ];
}

export function decideAlert(command: AlertCommand, state: AlertState): AlertEvent[] {
  switch (command.type) {
    case 'HandleOutcome':
      return decideOutcome(state, command);
    case 'RecordDelivery':
      return decideDelivery(state, command);
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
