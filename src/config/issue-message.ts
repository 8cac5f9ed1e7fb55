/** Turns zod issues into messages for people: what was found, what is expected, where. */
import type { z } from 'zod';
import { unknownFieldMessage } from './suggest.js';

/** `"abc"`, `-5`, `an array`, `nothing`: a value as it reads in a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

/** `timeout`, `env.PATH`, `maintainer[1]`, `env["bad-name"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(segment))) text += text === '' ? String(segment) : `.${String(segment)}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/**
 * One or more `{ path, message }` for a zod issue; `path` is relative to the object checked.
 * @param expectations what each top-level field must be, in words
 * @param allowedFields the fields of a strict object, for "did you mean" on unknown ones
 * @param keyExpectation what a record key (an env variable name) must be
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  expectations: Record<string, string>,
  allowedFields: readonly string[],
  keyExpectation: string,
): { path: string; message: string }[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: unknownFieldMessage(key, allowedFields),
    }));
  }
  const path = formatPath(issue.path);
  const top = String(issue.path[0] ?? '');
  if (issue.code === 'invalid_key') {
    return [{ path, message: `name ${describeValue(issue.path.at(-1))} in ${top} is not allowed — expected ${keyExpectation}` }];
  }
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined && issue.path.length === 1) {
    return [{ path, message: `"${top}" is missing — expected ${expectations[top] ?? issue.expected}` }];
  }
  const expected = issue.path.length === 2 && top === 'env' ? 'a string value' : (expectations[top] ?? issue.message);
  return [{ path, message: `${path}: expected ${expected}, got ${describeValue(input)}` }];
}
