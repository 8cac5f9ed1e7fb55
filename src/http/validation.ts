/**
 * Input checks of the API: route parameters and query strings, each value checked by a zod
 * schema and every problem answered with a 400 that names the parameter, what it expects and
 * what it got. Unknown or repeated query parameters are errors too, so a typo is never ignored.
 */
import { z } from 'zod';
import { describeValue } from '../config/issue-message.js';
import { closest } from '../config/suggest.js';
import { isUuid } from '../domain/ids.js';
import { ValidationError } from '../errors.js';
import type { LiveRunStatus } from './api-types.js';

/** One parameter: its schema, and what a valid value is, in words. */
export interface ParamSpec<T> {
  schema: z.ZodType<T>;
  expected: string;
}

const param = <T>(schema: z.ZodType<T>, expected: string): ParamSpec<T> => ({ schema, expected });

const integer = (min: number, max: number) => z.string().regex(/^\d{1,10}$/).transform(Number).pipe(z.number().int().min(min).max(max));

export const RUN_STATUSES: readonly LiveRunStatus[] = [
  'scheduled',
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'aborted',
  'abandoned',
  'skipped',
  'missed',
];

// eslint-disable-next-line no-control-regex -- control characters are what a job id may not hold
const JOB_ID = /^[^\u0000-\u001f\u007f]+\/[^\u0000-\u001f\u007f]+$/;

export const jobIdParam = param(z.string().max(500).regex(JOB_ID), 'a job id "<package>/<name>" (URL-encoded: "/" as %2F)');
export const runIdParam = param(z.string().refine(isUuid), 'a run id (a UUID)');
export const limitParam = param(integer(1, 1000), 'an integer from 1 to 1000');
export const tailParam = param(integer(1, 100_000), 'a number of lines from 1 to 100000');
export const positionParam = param(z.string().regex(/^\d{1,20}$/).transform(BigInt), 'an event position (a decimal integer ≥ 0)');
export const cursorParam = param(integer(0, Number.MAX_SAFE_INTEGER), 'the "next" value of an earlier page');
export const flagParam = param(z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true'), '1, 0, true or false');
export const directionParam = param(z.enum(['forwards', 'backwards']), '"forwards" or "backwards"');
export const statusParam = param(
  z
    .string()
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(RUN_STATUSES as [LiveRunStatus, ...LiveRunStatus[]])).min(1)),
  `one or more of ${RUN_STATUSES.join(', ')} (comma-separated)`,
);
export const streamParam = param(
  z.string().min(1).max(600).regex(/^[^\u0000-\u001f\u007f]+$/), // eslint-disable-line no-control-regex -- as above
  'a stream name, or a prefix ending in "*" (job-*)',
);

/** Checks one value; `where` names it in the message (`limit`, `job id`). */
export function check<T>(where: string, spec: ParamSpec<T>, value: unknown): T {
  const result = spec.schema.safeParse(value);
  if (!result.success) throw new ValidationError(`${where}: expected ${spec.expected}, got ${describeValue(value)}`, where);
  return result.data;
}

type Specs = Record<string, ParamSpec<unknown>>;
type Parsed<S extends Specs> = { [K in keyof S]?: S[K] extends ParamSpec<infer T> ? T : never };

/** Checks a query string against `specs`: every parameter optional, none unknown or repeated. */
export function parseQuery<S extends Specs>(query: Record<string, string | string[] | undefined>, specs: S): Parsed<S> {
  const names = Object.keys(specs);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) {
    const spec = specs[name];
    if (!spec) {
      const guess = closest(name, names);
      const hint = guess ? `did you mean "${guess}"?` : names.length ? `expected ${names.join(', ')}` : 'this route takes none';
      throw new ValidationError(`unknown query parameter "${name}" — ${hint}`, name);
    }
    if (Array.isArray(value)) throw new ValidationError(`query parameter "${name}" is given ${value.length} times; give it once`, name);
    if (value === undefined || value === '') continue;
    out[name] = check(name, spec, value);
  }
  return out as Parsed<S>;
}
