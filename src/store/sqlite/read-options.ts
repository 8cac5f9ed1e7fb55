/** Checks the options of reads and subscriptions, naming the option that is wrong. */
import { ValidationError } from '../../errors.js';
import type { Direction, EventFilter } from '../event-store.js';

export function checkDirection(direction: unknown): Direction {
  if (direction === undefined) return 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new ValidationError(`direction must be 'forwards' or 'backwards', got ${String(direction)}`, 'direction');
  }
  return direction;
}

/** A `fromRevision`/`fromPosition`: a bigint ≥ 0, 'start' or 'end'; `fallback` when left out. */
export function checkFrom(name: string, value: unknown, fallback: 'start' | 'end' = 'start'): bigint | 'start' | 'end' {
  if (value === undefined) return fallback;
  if (value === 'start' || value === 'end') return value;
  if (typeof value === 'bigint' && value >= 0n) return value;
  throw new ValidationError(`${name} must be 'start', 'end' or a bigint ≥ 0, got ${String(value)}`, name);
}

export function checkMaxCount(value: unknown): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || !(Number.isInteger(value) || value === Number.POSITIVE_INFINITY) || value < 0) {
    throw new ValidationError(`maxCount must be an integer ≥ 0, got ${String(value)}`, 'maxCount');
  }
  return value;
}

export function checkFilter(filter: EventFilter | undefined): EventFilter {
  if (filter === undefined) return {};
  const check = (name: 'streamPrefixes' | 'eventTypes'): void => {
    const list: unknown = filter[name];
    if (list === undefined) return;
    if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
      throw new ValidationError(
        `filter.${name} must be a non-empty list of non-empty strings (leave it out to match everything)`,
        `filter.${name}`,
      );
    }
  };
  check('streamPrefixes');
  check('eventTypes');
  return filter;
}

/** A stream metadata limit: an integer ≥ 1, or `undefined` for none. */
export function checkLimit(name: 'maxAge' | 'maxCount', value: unknown): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(`stream metadata ${name} must be an integer ≥ 1, got ${String(value)}`, name);
  }
  return value;
}
