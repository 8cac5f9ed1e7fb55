/**
 * The environment a job runs with: the node's own, minus every `TIMECLOUD_*` setting (the
 * admin token, WeCom keys and the node's flags are no business of a job), plus the job's
 * `env`, plus the four variables that tell the job which run it is.
 */
import type { RunRequest } from './runner.js';

const NODE_SETTING = /^TIMECLOUD_/i;

/** `env` without timecloud's own settings and secrets. */
export function withoutNodeSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !NODE_SETTING.test(key)) kept[key] = value;
  }
  return kept;
}

/** The full environment of one run, built over `base` (the launcher's environment). */
export function jobEnv(base: NodeJS.ProcessEnv, request: RunRequest): Record<string, string> {
  return runEnv(withoutNodeSettings(base), request);
}

/**
 * The same over a base already without timecloud's settings: a runner filters its own
 * environment once, not for every run (it was 3 % of the launcher's CPU per run).
 */
export function runEnv(kept: Readonly<Record<string, string>>, request: RunRequest): Record<string, string> {
  return {
    ...kept,
    ...request.env,
    TIMECLOUD_JOB: request.jobId,
    TIMECLOUD_RUN_ID: request.runId,
    TIMECLOUD_ATTEMPT: String(request.attempt),
    TIMECLOUD_SCHEDULED_FOR: request.scheduledFor,
  };
}
