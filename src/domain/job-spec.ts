/**
 * A validated job definition: what `timecloud.json` says about one job, with every default
 * filled in. Produced by `src/config/job-file.ts`; stored in `JobRegistered`/`JobUpdated`.
 */
import type { JobAlertSettings } from './alert-policy.js';

export type OverlapPolicy = 'skip' | 'queue' | 'allow';
export type CatchUpPolicy = 'latest' | 'none' | 'all';
/** `croner`: month 1–12, day-of-month OR day-of-week. `timecloud-v1`: the original tool's month 0–11, AND. */
export type CronDialect = 'croner' | 'timecloud-v1';

export interface JobSpec {
  /** `<package>/<name>`; the package is the folder's package.json name, or the folder name. */
  id: string;
  package: string;
  name: string;
  /** Absolute path of the package folder: the run's working directory. */
  dir: string;
  /** Absolute path of the `timecloud.json` the job came from. */
  file: string;
  /** Run through `/bin/sh -c` in `dir`, as the original did (`npm start`, `./bin/start`). */
  script: string;
  /** WeCom user ids to alert. */
  maintainers: string[];
  /** Milliseconds before the run gets SIGUSR2. */
  timeout: number;
  /** 6-field cron (seconds first) as written; 5 fields mean second 0. */
  schedule: string;
  cronDialect: CronDialect;
  /** IANA zone; `undefined` means the node's zone. */
  timezone?: string;
  retries: number;
  /** Base delay in ms before a retry, doubled per attempt, with jitter. */
  retryDelay: number;
  /** Milliseconds between SIGUSR2 and SIGKILL of the whole process group. */
  grace: number;
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  /** Upper bound of missed ticks fired by `catchUp: "all"`. */
  catchUpLimit: number;
  env: Record<string, string>;
  enabled: boolean;
  /** The job's own alert settings over the node's policy; absent when the file sets none. */
  alerts?: JobAlertSettings;
}

export const JOB_DEFAULTS = {
  retries: 2,
  retryDelay: 5000,
  grace: 5000,
  overlap: 'skip',
  catchUp: 'latest',
  catchUpLimit: 10,
  cronDialect: 'croner',
  enabled: true,
} as const satisfies Partial<JobSpec>;

/** The fields whose values differ between two definitions of a job, in alphabetical order. */
export function changedFields(before: JobSpec, after: JobSpec): string[] {
  // A rescan of an unchanged file hands back the very spec it parsed before (see the scanner).
  if (before === after) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof JobSpec)[]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}
