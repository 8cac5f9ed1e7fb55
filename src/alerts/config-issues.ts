/** Turns zod issues of the alerts settings into one line each: where, what is expected, what was found. */
import type { z } from 'zod';
import { describeValue, formatPath } from '../config/issue-message.js';
import { closest } from '../config/suggest.js';
import { redactUrl } from '../log.js';

function where(prefix: string, path: readonly PropertyKey[]): string {
  const rest = formatPath(path);
  if (rest === '') return prefix;
  if (prefix === '') return rest;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** A found value as it reads in a message, with credentials in URLs hidden. */
function shown(value: unknown): string {
  return describeValue(typeof value === 'string' ? redactUrl(value) : value);
}

/** One problem: the path of the bad field, and a message that names it. */
export interface IssueLine {
  path: string;
  message: string;
}

/**
 * @param prefix what the path is inside, e.g. `alerts` or `jobs[0].alerts`
 * @param expectations what a field must be, in words, by its name (the last key of the path)
 * @param knownFields every field name the schema knows, for "did you mean"
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: string,
  expectations: Record<string, string>,
  knownFields: readonly string[],
): IssueLine[] {
  return issues.flatMap((issue): IssueLine[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const guess = closest(key, knownFields);
        const path = where(prefix, [...issue.path, key]);
        return { path, message: `${path}: unknown field "${key}"${guess ? ` — did you mean "${guess}"?` : ''}` };
      });
    }
    const field = [...issue.path].reverse().find((key) => typeof key === 'string');
    const expected = (field === undefined ? undefined : expectations[String(field)]) ?? issue.message;
    const input = (issue as { input?: unknown }).input;
    const path = where(prefix, issue.path);
    if (input === undefined && issue.code === 'invalid_type') return [{ path, message: `${path}: is missing — expected ${expected}` }];
    if (issue.code === 'invalid_union' && 'discriminator' in issue && typeof issue.discriminator === 'string') {
      const value = (input as Record<string, unknown> | undefined)?.[issue.discriminator];
      return [{ path, message: `${path}: expected ${expected}, got ${shown(value)}` }];
    }
    return [{ path, message: `${path}: expected ${expected}, got ${shown(input)}` }];
  });
}
