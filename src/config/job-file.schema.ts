/**
 * The zod schema of `timecloud.json`: the one source for parsing (`job-file.ts`) and for the
 * published JSON Schema (`schema/timecloud.schema.json`). It checks shape and ranges only;
 * cron, time zone and script checks need the file's context and live in `job-file.ts`.
 */
import { z } from 'zod';
import { alertPolicySchema } from '../alerts/alert-policy.schema.js';
import { JOB_DEFAULTS } from '../domain/job-spec.js';

/** Node's timers overflow above this many ms (about 24.8 days) and fire at once instead. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Variables the runner sets for every run; a job may not override them. */
export const RESERVED_ENV_NAMES = ['TIMECLOUD_JOB', 'TIMECLOUD_RUN_ID', 'TIMECLOUD_ATTEMPT', 'TIMECLOUD_SCHEDULED_FOR'];

/** No slash (the id is `<package>/<name>`), no control characters, no space at either end. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it rejects
const JOB_NAME_PATTERN = /^[^\s/](?:[^/\u0000-\u001f\u007f]*[^\s/])?$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const cronDialectSchema = z.enum(['croner', 'timecloud-v1']).meta({
  description:
    'How to read `schedule`. "croner" (default): month 1–12, day-of-month OR day-of-week. ' +
    '"timecloud-v1": files written for the original timecloud, month 0–11, day-of-month AND day-of-week.',
});

const milliseconds = (min: number) => z.number().int().min(min).max(MAX_TIMER_MS);

/** One entry of `jobs`. Unknown fields are errors, so a typo never silently becomes a default. */
export const jobSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(200)
      .regex(JOB_NAME_PATTERN)
      .meta({ description: 'Job name, unique in this file. The job id is `<package>/<name>`.' }),
    script: z
      .string()
      .trim()
      .min(1)
      .meta({ description: 'Shell command run in the package folder, e.g. "npm start" or "./bin/start".' }),
    maintainer: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .meta({ description: 'WeCom user id, or a list of them, alerted when the job fails.' }),
    timeout: milliseconds(1).meta({
      description: 'Milliseconds a run may take before it gets SIGUSR2 (then `grace`, then SIGKILL).',
    }),
    schedule: z.string().trim().min(1).meta({
      description: 'Cron expression: 6 fields, seconds first ("0 */5 * * * *"); 5 fields mean second 0.',
    }),
    timezone: z.string().min(1).optional().meta({
      description: 'IANA time zone the schedule is read in, e.g. "Europe/Berlin". Default: the node\'s zone.',
    }),
    retries: z.number().int().min(0).max(100).optional().meta({
      description: `Retries after a failure or timeout. Default ${JOB_DEFAULTS.retries}.`,
    }),
    retryDelay: milliseconds(0).optional().meta({
      description: `Base delay in ms before a retry, doubled per attempt, with jitter. Default ${JOB_DEFAULTS.retryDelay}.`,
    }),
    grace: milliseconds(0).optional().meta({
      description: `Milliseconds between SIGUSR2 and SIGKILL. Default ${JOB_DEFAULTS.grace}.`,
    }),
    overlap: z.enum(['skip', 'queue', 'allow']).optional().meta({
      description: `What a tick does while the previous run is still going. Default "${JOB_DEFAULTS.overlap}".`,
    }),
    catchUp: z.enum(['latest', 'none', 'all']).optional().meta({
      description:
        `Ticks missed while no node ran: "latest" fires the latest once, "none" fires none, ` +
        `"all" fires up to catchUpLimit. Default "${JOB_DEFAULTS.catchUp}".`,
    }),
    catchUpLimit: z.number().int().min(1).max(10_000).optional().meta({
      description: `Most missed ticks fired by catchUp "all". Default ${JOB_DEFAULTS.catchUpLimit}.`,
    }),
    env: z
      .record(
        z
          .string()
          .regex(ENV_NAME_PATTERN)
          .refine((name) => !RESERVED_ENV_NAMES.includes(name)),
        z.string(),
      )
      .optional()
      .meta({ description: 'Extra environment variables for the run (string values).' }),
    enabled: z.boolean().optional().meta({ description: 'false keeps the job registered but never fires it.' }),
    cronDialect: cronDialectSchema.optional(),
    alerts: alertPolicySchema.optional(),
  })
  .meta({ title: 'timecloud job' });

/** The whole file. `cronDialect` at file level is the default for its jobs. */
export const jobFileSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'JSON Schema for editors.' }),
    cronDialect: cronDialectSchema.optional(),
    jobs: z.array(jobSchema).meta({ description: 'The jobs of this package.' }),
  })
  .meta({
    title: 'timecloud.json',
    description: 'Jobs of one package for the timecloud scheduler.',
  });

/**
 * The file with its jobs left unchecked: the top level is checked as a whole, each job on its
 * own, so that one broken job never hides the valid ones.
 */
export const jobFileEnvelopeSchema = jobFileSchema.extend({ jobs: z.array(z.unknown()) });

export type JobInput = z.infer<typeof jobSchema>;
export type JobField = keyof JobInput;

/** What each field must be, in words, for error messages ("expected …, got …"). */
export const JOB_FIELD_EXPECTATIONS: Record<JobField, string> = {
  name: 'a non-empty name without "/" and without spaces at either end',
  script: 'a non-empty shell command such as "npm start" or "./bin/start"',
  maintainer: 'a WeCom user id or a non-empty list of them',
  timeout: `a positive whole number of milliseconds (at most ${MAX_TIMER_MS})`,
  schedule: 'a cron expression such as "0 */5 * * * *"',
  timezone: 'an IANA time zone such as "Europe/Berlin"',
  retries: 'a whole number from 0 to 100',
  retryDelay: `a whole number of milliseconds from 0 to ${MAX_TIMER_MS}`,
  grace: `a whole number of milliseconds from 0 to ${MAX_TIMER_MS}`,
  overlap: '"skip", "queue" or "allow"',
  catchUp: '"latest", "none" or "all"',
  catchUpLimit: 'a whole number from 1 to 10000',
  env: 'an object of variable names to string values',
  enabled: 'true or false',
  cronDialect: '"croner" or "timecloud-v1"',
  alerts: 'an object of alert settings such as {"notifyOn": "every-failure", "repeat": 3600000}',
};

export const FILE_FIELD_EXPECTATIONS: Record<'$schema' | 'cronDialect' | 'jobs', string> = {
  $schema: 'a string (the JSON Schema location)',
  cronDialect: JOB_FIELD_EXPECTATIONS.cronDialect,
  jobs: 'an array of jobs',
};

export const ENV_NAME_EXPECTATION = `a variable name of letters, digits and "_" not starting with a digit, and not one of ${RESERVED_ENV_NAMES.join(', ')}`;

export const JOB_FIELDS = Object.keys(JOB_FIELD_EXPECTATIONS) as JobField[];
export const FILE_FIELDS = Object.keys(FILE_FIELD_EXPECTATIONS);
