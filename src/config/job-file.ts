/**
 * Parses one `timecloud.json` into validated `JobSpec`s. The file's top level is checked as a
 * whole (if it is wrong, no job of the file is taken); each job is checked on its own, so one
 * broken job never hides the valid ones next to it.
 */
import { resolve } from 'node:path';
import type { z } from 'zod';
import { alertPolicyProblems } from '../alerts/alert-policy.schema.js';
import { JOB_DEFAULTS, type CronDialect, type JobSpec } from '../domain/job-spec.js';
import { scheduleProblem } from './cron.js';
import { describeIssue } from './issue-message.js';
import { parseJsonText } from './json-text.js';
import {
  ENV_NAME_EXPECTATION,
  FILE_FIELD_EXPECTATIONS,
  FILE_FIELDS,
  JOB_FIELD_EXPECTATIONS,
  JOB_FIELDS,
  jobFileEnvelopeSchema,
  jobSchema,
  type JobInput,
} from './job-file.schema.js';
import { readPackageInfo } from './package-info.js';
import { scriptProblem } from './script-check.js';
import { isKnownTimeZone, unknownTimeZoneMessage } from './timezone.js';

/** Something in a `timecloud.json` that could not be accepted. */
export interface Rejection {
  file: string;
  /** The job's name as written, when it has one. */
  job?: string;
  /** `<package>/<name>`, when the name is valid. */
  jobId?: string;
  /** Path in the file, e.g. `jobs[2].schedule`; absent when the file as a whole is unreadable. */
  field?: string;
  message: string;
}

export interface ParseJobFileInput {
  /** Path of the `timecloud.json` (made absolute in the specs). */
  file: string;
  text: string;
  /** The package folder: the runs' working directory, where scripts are looked for. */
  packageDir: string;
  /** package.json `name`, or the folder name. */
  packageName: string;
  /**
   * package.json `scripts`, to check `npm start` / `npm run X`; `null` means there is no
   * package.json. @defaultValue read from `<packageDir>/package.json`
   */
  packageScripts?: Record<string, string> | null;
}

export interface ParsedJobFile {
  jobs: JobSpec[];
  /** For each accepted job, its index in the file's `jobs` array. */
  jobIndexes: number[];
  rejections: Rejection[];
  /** False when the file as a whole could not be read: then `jobs` is empty. */
  fileOk: boolean;
}

const FILE_SHAPE = 'an object like {"jobs": [{"name": …, "script": …, "maintainer": …, "timeout": …, "schedule": …}]}';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issueRejections(
  file: string,
  issues: z.core.$ZodIssue[],
  prefix: string,
  expectations: Record<string, string>,
  allowedFields: readonly string[],
  ids: { job?: string; jobId?: string } = {},
): Rejection[] {
  return issues.flatMap((issue) =>
    describeIssue(issue, expectations, allowedFields, ENV_NAME_EXPECTATION).map(({ path, message }) => ({
      file,
      ...ids,
      field: `${prefix}${path}`,
      message,
    })),
  );
}

/** The paths every job of one file shares: resolved once, so its jobs share the strings too. */
interface FilePaths {
  dir: string;
  file: string;
}

function toSpec(input: JobInput, fileDialect: CronDialect, base: ParseJobFileInput, paths: FilePaths): JobSpec {
  return {
    id: `${base.packageName}/${input.name}`,
    package: base.packageName,
    name: input.name,
    dir: paths.dir,
    file: paths.file,
    script: input.script,
    maintainers: typeof input.maintainer === 'string' ? [input.maintainer] : [...input.maintainer],
    timeout: input.timeout,
    schedule: input.schedule,
    cronDialect: input.cronDialect ?? fileDialect,
    ...(input.timezone === undefined ? {} : { timezone: input.timezone }),
    retries: input.retries ?? JOB_DEFAULTS.retries,
    retryDelay: input.retryDelay ?? JOB_DEFAULTS.retryDelay,
    grace: input.grace ?? JOB_DEFAULTS.grace,
    overlap: input.overlap ?? JOB_DEFAULTS.overlap,
    catchUp: input.catchUp ?? JOB_DEFAULTS.catchUp,
    catchUpLimit: input.catchUpLimit ?? JOB_DEFAULTS.catchUpLimit,
    env: { ...input.env },
    enabled: input.enabled ?? JOB_DEFAULTS.enabled,
    ...(input.alerts === undefined ? {} : { alerts: { ...input.alerts } }),
  };
}

function isInsideAlerts(issue: z.core.$ZodIssue): boolean {
  return issue.path[0] === 'alerts' && (issue.path.length > 1 || issue.code === 'unrecognized_keys');
}

/** Checks that need more than one field or the package folder: zone, schedule, script. */
function contextProblems(
  raw: Record<string, unknown>,
  badFields: Set<string>,
  fileDialect: CronDialect,
  input: ParseJobFileInput,
  scripts: () => Record<string, string> | undefined,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const { timezone, schedule, script, cronDialect } = raw;
  const zoneOk = typeof timezone !== 'string' || isKnownTimeZone(timezone);
  if (typeof timezone === 'string' && !badFields.has('timezone') && !zoneOk) {
    problems.push({ field: 'timezone', message: unknownTimeZoneMessage(timezone) });
  }
  if (typeof schedule === 'string' && !badFields.has('schedule') && !badFields.has('cronDialect')) {
    // With a bad zone, the schedule is still checked (in UTC) so that both problems show at once.
    const problem = scheduleProblem({
      schedule,
      timezone: typeof timezone === 'string' ? (zoneOk ? timezone : 'UTC') : undefined,
      cronDialect: (cronDialect as CronDialect | undefined) ?? fileDialect,
    });
    if (problem !== undefined) problems.push({ field: 'schedule', message: problem });
  }
  if (typeof script === 'string' && !badFields.has('script')) {
    const problem = scriptProblem(script, input.packageDir, scripts());
    if (problem !== undefined) problems.push({ field: 'script', message: problem });
  }
  return problems;
}

/** Parses and checks one `timecloud.json`. Never throws for bad content: that becomes rejections. */
export function parseJobFile(input: ParseJobFileInput): ParsedJobFile {
  const { file, text } = input;
  const fileRejection = (message: string, field?: string): ParsedJobFile => ({
    jobs: [],
    jobIndexes: [],
    rejections: [{ file, ...(field === undefined ? {} : { field }), message }],
    fileOk: false,
  });
  if (text.trim() === '') return fileRejection(`the file is empty — expected ${FILE_SHAPE}`);
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    return fileRejection(`not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(json)) {
    return fileRejection(`expected ${FILE_SHAPE}, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}`);
  }
  const envelope = jobFileEnvelopeSchema.safeParse(json, { reportInput: true });
  if (!envelope.success) {
    return {
      jobs: [],
      jobIndexes: [],
      rejections: issueRejections(file, envelope.error.issues, '', FILE_FIELD_EXPECTATIONS, FILE_FIELDS),
      fileOk: false,
    };
  }
  const fileDialect = envelope.data.cronDialect ?? JOB_DEFAULTS.cronDialect;
  let scriptTable = input.packageScripts;
  const scripts = (): Record<string, string> | undefined => {
    if (scriptTable === undefined) scriptTable = readPackageInfo(input.packageDir).scripts ?? null;
    return scriptTable ?? undefined;
  };

  const jobs: JobSpec[] = [];
  const paths: FilePaths = { dir: resolve(input.packageDir), file: resolve(file) };
  const jobIndexes: number[] = [];
  const rejections: Rejection[] = [];
  const firstIndexOfName = new Map<string, number>();
  envelope.data.jobs.forEach((raw, index) => {
    const prefix = `jobs[${index}]`;
    if (!isPlainObject(raw)) {
      rejections.push({
        file,
        field: prefix,
        message: `expected a job object with name, script, maintainer, timeout and schedule, got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`,
      });
      return;
    }
    const parsed = jobSchema.safeParse(raw, { reportInput: true });
    const issues = parsed.success ? [] : parsed.error.issues;
    const badFields = new Set(issues.map((issue) => String(issue.path[0] ?? '')));
    const name = typeof raw.name === 'string' ? raw.name : undefined;
    const ids = {
      ...(name === undefined ? {} : { job: name }),
      ...(name === undefined || badFields.has('name') ? {} : { jobId: `${input.packageName}/${name}` }),
    };
    // The `alerts` object has fields of its own: its problems are described by the alerts module.
    const found = issueRejections(file, issues.filter((issue) => !isInsideAlerts(issue)), `${prefix}.`, JOB_FIELD_EXPECTATIONS, JOB_FIELDS, ids);
    if (badFields.has('alerts') && isPlainObject(raw.alerts)) {
      for (const { path, message } of alertPolicyProblems(raw.alerts, 'alerts')) found.push({ file, ...ids, field: `${prefix}.${path}`, message });
    }
    if (name !== undefined) {
      const first = firstIndexOfName.get(name);
      if (first === undefined) firstIndexOfName.set(name, index);
      else {
        found.push({
          file,
          ...ids,
          field: `${prefix}.name`,
          message: `duplicate job name "${name}" — jobs[${first}] and jobs[${index}] both use it; jobs[${index}] is ignored`,
        });
      }
    }
    for (const problem of contextProblems(raw, badFields, fileDialect, input, scripts)) {
      found.push({ file, ...ids, field: `${prefix}.${problem.field}`, message: problem.message });
    }
    if (found.length > 0 || !parsed.success) rejections.push(...found);
    else {
      jobs.push(toSpec(parsed.data, fileDialect, input, paths));
      jobIndexes.push(index);
    }
  });
  return { jobs, jobIndexes, rejections, fileOk: true };
}

/** True for a rejection of the whole file (as opposed to one job in it). */
export function isFileRejection(rejection: Rejection): boolean {
  return rejection.field === undefined || !rejection.field.startsWith('jobs[');
}
