import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { compactCronPattern } from '../../../src/config/cron-compact.js';

const CASES: { pattern: string; timezone?: string; domAndDow?: boolean }[] = [
  { pattern: '* * * * * *' },
  { pattern: '*/7 */13 * * * *' },
  { pattern: '0 30 2 * * *', timezone: 'Europe/Berlin' },
  { pattern: '0 */15 1-3 * * *', timezone: 'America/New_York' },
  { pattern: '0 0 0 L * *' },
  { pattern: '0 0 12 15W * *' },
  { pattern: '0 0 9 * * 1#2' },
  { pattern: '0 0 18 * * 5#L', timezone: 'Asia/Tokyo' },
  { pattern: '0 0 0 29 2 *' },
  { pattern: '0 0 0 1,15 * 1', domAndDow: true },
  { pattern: '0 0 0 1,15 * 1' },
  { pattern: '15 45 23 * 1-6/2 SUN-TUE' },
];

function fireTimes(cron: Cron, from: Date, count: number): string[] {
  const times: string[] = [];
  let cursor: Date | null = from;
  while (times.length < count && (cursor = cron.nextRun(cursor)) !== null) times.push(cursor.toISOString());
  return times;
}

describe('compactCronPattern', () => {
  it('packs every flag field of the croner this build uses, year included', () => {
    const cron = new Cron('0 5 3 * * *', { mode: '5-or-6-parts', paused: true });
    // second, minute, hour, day, month, dayOfWeek, year, nearestWeekdays: if croner's layout
    // changes, this fails and the packing must be looked at again.
    expect(compactCronPattern(cron)).toBe(8);
  });

  it.each(CASES)('leaves the fire times of $pattern ($timezone) unchanged', ({ pattern, timezone, domAndDow }) => {
    const options = { timezone, domAndDow, mode: '5-or-6-parts' as const, fixedTimeRule: 'no-wildcard' as const, paused: true };
    const plain = new Cron(pattern, options);
    const packed = new Cron(pattern, options);
    expect(compactCronPattern(packed)).toBeGreaterThan(0);
    for (const from of ['2025-01-01T00:00:00Z', '2026-03-28T23:59:30Z', '2026-10-24T22:00:00Z', '2028-02-27T12:00:00Z']) {
      const start = new Date(from);
      const expected = fireTimes(plain, start, 120);
      expect(expected.length).toBeGreaterThan(0);
      expect(fireTimes(packed, start, 120)).toEqual(expected);
    }
  });

  it('shares one packed array between schedules whose field is the same', () => {
    const a = new Cron('0 5 3 * * *', { mode: '5-or-6-parts', paused: true });
    const b = new Cron('0 7 4 * * *', { mode: '5-or-6-parts', paused: true });
    compactCronPattern(a);
    compactCronPattern(b);
    const year = (cron: Cron) => (cron as unknown as { _states: { pattern: { year: Uint8Array } } })._states.pattern.year;
    expect(year(a)).toBeInstanceOf(Uint8Array);
    expect(year(a)).toBe(year(b));
  });
});
