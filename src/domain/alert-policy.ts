/**
 * When a job's failures become notifications: the node's policy (the `alerts.policy` section of
 * the config file) with a job's own `alerts` object from `timecloud.json` laid over it.
 */

/** `final-failure`: only when no retry follows. `every-failure`: every failed attempt. */
export type NotifyOn = 'final-failure' | 'every-failure';

/**
 * While an alert is open: `every-failure` notifies each counted failure (the original tool's
 * "at the crontab's frequency"), `once` only the first, a number at most once per that many ms
 * (the notice then says how many failures there were since the alert opened).
 */
export type RepeatPolicy = 'every-failure' | 'once' | number;

/** What a job's `alerts` object may set; every field falls back to the node's policy. */
export interface JobAlertSettings {
  /** false: the job's failures are not alerted at all. */
  enabled?: boolean;
  notifyOn?: NotifyOn;
  repeat?: RepeatPolicy;
  /** Send a notice when the job succeeds again after an alert was notified. */
  recovery?: boolean;
  /** Milliseconds a notice waits so that failures in that window join it (0: none). */
  groupWindow?: number;
  /** Channel names (from the node's `alerts.channels`). */
  channels?: string[];
}

/** The policy in force for one job: nothing left to default. */
export interface AlertPolicy {
  enabled: boolean;
  notifyOn: NotifyOn;
  repeat: RepeatPolicy;
  recovery: boolean;
  groupWindow: number;
  channels: string[];
}

export const ALERT_POLICY_DEFAULTS = {
  enabled: true,
  notifyOn: 'final-failure',
  repeat: 'every-failure',
  recovery: true,
  groupWindow: 0,
} as const satisfies Omit<AlertPolicy, 'channels'>;

/** The node's policy with the job's settings laid over it. */
export function resolveAlertPolicy(node: AlertPolicy, job: JobAlertSettings | undefined): AlertPolicy {
  if (!job) return node;
  return {
    enabled: job.enabled ?? node.enabled,
    notifyOn: job.notifyOn ?? node.notifyOn,
    repeat: job.repeat ?? node.repeat,
    recovery: job.recovery ?? node.recovery,
    groupWindow: job.groupWindow ?? node.groupWindow,
    channels: job.channels ?? node.channels,
  };
}
