/**
 * The zod schema of an alert policy: a job's `alerts` object in `timecloud.json`, and the
 * `alerts.policy` section of the node's config file (the same fields, each optional).
 */
import { z } from 'zod';
import type { JobAlertSettings } from '../domain/alert-policy.js';
import { ALERT_POLICY_DEFAULTS } from '../domain/alert-policy.js';
import { describeIssues, type IssueLine } from './config-issues.js';

/** Node's timers overflow above this many ms. */
const MAX_MS = 2_147_483_647;

/** Channel names: what `alerts.channels` keys and policy `channels` entries may be. */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const alertPolicySchema = z
  .strictObject({
    enabled: z.boolean().optional().meta({ description: 'false: failures of this job are not alerted. Default true.' }),
    notifyOn: z.enum(['final-failure', 'every-failure']).optional().meta({
      description: `"final-failure": only when no retry follows; "every-failure": every failed attempt. Default "${ALERT_POLICY_DEFAULTS.notifyOn}".`,
    }),
    repeat: z
      .union([z.enum(['every-failure', 'once']), z.number().int().min(1000).max(MAX_MS)])
      .optional()
      .meta({
        description:
          'While the job keeps failing: "every-failure" notifies each failure (the original\'s "at the crontab\'s frequency"), ' +
          '"once" only the first, a number of ms at most once per interval with the count since the first failure. Default "every-failure".',
      }),
    recovery: z.boolean().optional().meta({ description: 'Send a notice when the job succeeds again. Default true.' }),
    groupWindow: z.number().int().min(0).max(MAX_MS).optional().meta({
      description: 'Milliseconds a notice waits so that further failures in that window join it. Default 0.',
    }),
    channels: z
      .array(z.string().regex(CHANNEL_NAME_PATTERN))
      .min(1)
      .optional()
      .meta({ description: "Names of the node's alert channels to use. Default: every configured channel." }),
  })
  .meta({ title: 'alert policy', description: "When this job's failures are notified; each field overrides the node's policy." });

export const ALERT_POLICY_EXPECTATIONS: Record<keyof JobAlertSettings, string> = {
  enabled: 'true or false',
  notifyOn: '"final-failure" or "every-failure"',
  repeat: '"every-failure", "once" or a whole number of milliseconds from 1000',
  recovery: 'true or false',
  groupWindow: `a whole number of milliseconds from 0 to ${MAX_MS}`,
  channels: 'a non-empty list of channel names (letters, digits, "_" or "-")',
};

/** Messages for a bad `alerts` object, each naming its path under `prefix`. */
export function alertPolicyProblems(value: unknown, prefix: string): IssueLine[] {
  const parsed = alertPolicySchema.safeParse(value, { reportInput: true });
  if (parsed.success) return [];
  return describeIssues(parsed.error.issues, prefix, ALERT_POLICY_EXPECTATIONS, Object.keys(ALERT_POLICY_EXPECTATIONS));
}
