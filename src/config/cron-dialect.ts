/**
 * Translates schedules written for the original timecloud ("timecloud-v1") into croner's
 * reading. Only the month field differs in notation (0–11 there, 1–12 in croner); the
 * day-of-month AND day-of-week rule is a croner option, set in `cron.ts`. Day-of-week needs
 * nothing: the original code used 0 = Sunday, as croner does (its README claimed Monday).
 */
import { ValidationError } from '../errors.js';

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Splits a pattern into fields; `@daily` and friends are one field. */
export function cronFields(schedule: string): string[] {
  return schedule.trim().split(/\s+/);
}

function monthValue(text: string, field: string): number {
  const byName = MONTH_NAMES.indexOf(text.toUpperCase());
  if (byName >= 0) return byName;
  if (!/^\d+$/.test(text) || Number(text) > 11) {
    throw new ValidationError(
      `month field "${field}" has "${text}" — the timecloud-v1 dialect expects months 0–11 (0 = January) or JAN–DEC`,
    );
  }
  return Number(text);
}

/** Every month (0–11) one comma-separated part of the field selects: `*`, `3`, `2-5`, `*\/2`, `0-11/3`. */
function monthsOf(part: string, field: string): number[] {
  const [base = '', step, extra] = part.split('/');
  if (extra !== undefined || base === '' || step === '') {
    throw new ValidationError(`month field "${field}" has a malformed part "${part}"`);
  }
  let from: number;
  let to: number;
  if (base === '*' || base === '?') {
    [from, to] = [0, 11];
  } else if (base.includes('-')) {
    const [low = '', high = ''] = base.split('-');
    [from, to] = [monthValue(low, field), monthValue(high, field)];
    if (from > to) {
      throw new ValidationError(`month field "${field}" has the range "${base}" running backwards`);
    }
  } else {
    if (step !== undefined) {
      throw new ValidationError(
        `month field "${field}" has "${part}" — a step needs "*" or a range before it, e.g. "*/2" or "0-11/2"`,
      );
    }
    [from, to] = [monthValue(base, field), monthValue(base, field)];
  }
  const every = step === undefined ? 1 : Number(step);
  if (!Number.isInteger(every) || every < 1 || every > 12) {
    throw new ValidationError(`month field "${field}" has the step "${step}" — expected a whole number from 1 to 12`);
  }
  const months: number[] = [];
  for (let month = from; month <= to; month += every) months.push(month);
  return months;
}

/**
 * The croner pattern for a timecloud-v1 schedule: the month field rewritten as the explicit
 * list of months it selects (1–12), every other field unchanged. A list is the one form
 * that keeps every v1 notation exact, steps included (v1 `*\/5` is 0,5,10 → 1,6,11).
 * @throws ValidationError naming the month field when it is not a valid v1 month field.
 */
export function translateTimecloudV1(schedule: string): string {
  const fields = cronFields(schedule);
  if (fields[0]?.startsWith('@')) return schedule.trim();
  const monthIndex = fields.length === 6 ? 4 : fields.length === 5 ? 3 : -1;
  if (monthIndex < 0) return schedule.trim();
  const field = fields[monthIndex]!;
  const months = new Set(field.split(',').flatMap((part) => monthsOf(part, field)));
  fields[monthIndex] =
    months.size === 12 ? '*' : [...months].sort((a, b) => a - b).map((month) => month + 1).join(',');
  return fields.join(' ');
}
