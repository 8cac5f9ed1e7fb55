import { describe, expect, it } from 'vitest';
import { compileSchedule, scheduleOfSpec, scheduleProblem } from '../../../src/config/cron.js';
import { formatInZone } from '../../../src/config/time-format.js';

/** Fire times after `from` as local wall-clock text with offsets, e.g. "2025-03-30 03:00:00 +02:00 Sun". */
function fires(schedule: string, timezone: string, from: string, count: number): string[] {
  return compileSchedule({ schedule, timezone })
    .next(count, new Date(from))
    .map((date) => formatInZone(date, timezone));
}

function firesBetween(schedule: string, timezone: string, from: string, to: string): Date[] {
  const compiled = compileSchedule({ schedule, timezone });
  const out: Date[] = [];
  for (let d = compiled.nextAfter(new Date(from)); d !== null && d < new Date(to); d = compiled.nextAfter(d)) {
    out.push(d);
  }
  return out;
}

describe('compileSchedule: DST spring forward (the local hour 02:00–03:00 does not exist)', () => {
  it('fires a daily 02:30 job once at 03:00 on the gap day (Europe/Berlin), skipping no day', () => {
    expect(fires('0 30 2 * * *', 'Europe/Berlin', '2025-03-28T12:00:00Z', 4)).toEqual([
      '2025-03-29 02:30:00 +01:00 Sat',
      '2025-03-30 03:00:00 +02:00 Sun',
      '2025-03-31 02:30:00 +02:00 Mon',
      '2025-04-01 02:30:00 +02:00 Tue',
    ]);
  });

  it('fires a daily 02:30 job once at 03:00 on the gap day (America/New_York)', () => {
    expect(fires('30 2 * * *', 'America/New_York', '2025-03-08T12:00:00Z', 3)).toEqual([
      '2025-03-09 03:00:00 -04:00 Sun',
      '2025-03-10 02:30:00 -04:00 Mon',
      '2025-03-11 02:30:00 -04:00 Tue',
    ]);
  });

  it('keeps the 02:30 run of a fixed-time list (0 30 2,14) on the gap day', () => {
    expect(fires('0 30 2,14 * * *', 'Europe/Berlin', '2025-03-29T14:00:00Z', 3)).toEqual([
      '2025-03-30 03:00:00 +02:00 Sun',
      '2025-03-30 14:30:00 +02:00 Sun',
      '2025-03-31 02:30:00 +02:00 Mon',
    ]);
  });

  it('runs an every-30-minutes job on real time: nothing inside the gap, 30 real minutes apart', () => {
    const times = fires('0 */30 * * * *', 'Europe/Berlin', '2025-03-29T23:50:00Z', 5);
    expect(times).toEqual([
      '2025-03-30 01:00:00 +01:00 Sun',
      '2025-03-30 01:30:00 +01:00 Sun',
      '2025-03-30 03:00:00 +02:00 Sun',
      '2025-03-30 03:30:00 +02:00 Sun',
      '2025-03-30 04:00:00 +02:00 Sun',
    ]);
    const instants = compileSchedule({ schedule: '0 */30 * * * *', timezone: 'Europe/Berlin' }).next(
      5,
      new Date('2025-03-29T23:50:00Z'),
    );
    const gaps = instants.slice(1).map((d, i) => d.getTime() - instants[i]!.getTime());
    expect(new Set(gaps)).toEqual(new Set([30 * 60_000]));
  });

  it('runs an hourly job every real hour: 01:00 then 03:00 local', () => {
    expect(fires('0 0 * * * *', 'America/New_York', '2025-03-09T05:30:00Z', 3)).toEqual([
      '2025-03-09 01:00:00 -05:00 Sun',
      '2025-03-09 03:00:00 -04:00 Sun',
      '2025-03-09 04:00:00 -04:00 Sun',
    ]);
  });
});

describe('compileSchedule: DST fall back (the local hour 01:00–02:00 happens twice in New York)', () => {
  it('fires a daily 01:30 job once, at the first occurrence', () => {
    expect(fires('0 30 1 * * *', 'America/New_York', '2025-11-01T12:00:00Z', 3)).toEqual([
      '2025-11-02 01:30:00 -04:00 Sun',
      '2025-11-03 01:30:00 -05:00 Mon',
      '2025-11-04 01:30:00 -05:00 Tue',
    ]);
  });

  it('does not offer the second 01:30 to a node that asks between the two occurrences', () => {
    const daily = compileSchedule({ schedule: '0 30 1 * * *', timezone: 'America/New_York' });
    // 05:45Z is 01:45 EDT; the second 01:30 (EST) would be 06:30Z.
    expect(daily.nextAfter(new Date('2025-11-02T05:45:00Z'))?.toISOString()).toBe('2025-11-03T06:30:00.000Z');
    expect(daily.nextAfter(new Date('2025-11-02T06:00:00Z'))?.toISOString()).toBe('2025-11-03T06:30:00.000Z');
  });

  it('fires a daily 02:30 job once in Europe/Berlin (02:00–03:00 happens twice)', () => {
    expect(fires('0 30 2 * * *', 'Europe/Berlin', '2025-10-25T12:00:00Z', 2)).toEqual([
      '2025-10-26 02:30:00 +02:00 Sun',
      '2025-10-27 02:30:00 +01:00 Mon',
    ]);
  });

  it('fires an every-15-minutes job 8 times in the repeated local hour, 15 real minutes apart', () => {
    // The local hour 01:00–02:00 spans 05:00Z–07:00Z on that night.
    const times = firesBetween('0 */15 * * * *', 'America/New_York', '2025-11-02T04:59:59Z', '2025-11-02T07:00:00Z');
    expect(times.map((d) => formatInZone(d, 'America/New_York').slice(11, 26))).toEqual([
      '01:00:00 -04:00',
      '01:15:00 -04:00',
      '01:30:00 -04:00',
      '01:45:00 -04:00',
      '01:00:00 -05:00',
      '01:15:00 -05:00',
      '01:30:00 -05:00',
      '01:45:00 -05:00',
    ]);
  });

  it('fires an hourly job at both 01:00s (one per real hour)', () => {
    expect(fires('0 0 * * * *', 'America/New_York', '2025-11-02T04:30:00Z', 4)).toEqual([
      '2025-11-02 01:00:00 -04:00 Sun',
      '2025-11-02 01:00:00 -05:00 Sun',
      '2025-11-02 02:00:00 -05:00 Sun',
      '2025-11-02 03:00:00 -05:00 Sun',
    ]);
  });

  it('fires a daily job exactly once on every calendar day of a year with both transitions', () => {
    for (const [zone, schedule] of [
      ['America/New_York', '0 30 1 * * *'],
      ['America/New_York', '0 30 2 * * *'],
      ['Europe/Berlin', '0 30 2 * * *'],
    ] as const) {
      const days = compileSchedule({ schedule, timezone: zone })
        .next(365, new Date('2025-01-01T12:00:00Z'))
        .map((date) => formatInZone(date, zone).slice(0, 10));
      expect(new Set(days).size, `${schedule} in ${zone}`).toBe(365);
      expect(days[0]).toBe('2025-01-02');
      expect(days[364]).toBe('2026-01-01');
    }
  });
});

describe('compileSchedule: fields, dialects and sharing', () => {
  it('reads 5 fields as second 0 and 6 fields seconds first', () => {
    const from = new Date('2025-01-01T00:00:00Z');
    expect(compileSchedule({ schedule: '*/10 * * * *', timezone: 'UTC' }).next(2, from)).toEqual([
      new Date('2025-01-01T00:10:00Z'),
      new Date('2025-01-01T00:20:00Z'),
    ]);
    expect(compileSchedule({ schedule: '*/10 * * * * *', timezone: 'UTC' }).next(2, from)).toEqual([
      new Date('2025-01-01T00:00:10Z'),
      new Date('2025-01-01T00:00:20Z'),
    ]);
  });

  it('uses croner semantics by default: month 1–12, day-of-month OR day-of-week', () => {
    // The 13th OR a Friday, in February 2025.
    const times = compileSchedule({ schedule: '0 0 0 13 2 5', timezone: 'UTC' }).next(3, new Date('2025-01-31T00:00:00Z'));
    expect(times.map((d) => d.toISOString().slice(0, 10))).toEqual(['2025-02-07', '2025-02-13', '2025-02-14']);
  });

  it('reads timecloud-v1 with month 0–11 and day-of-month AND day-of-week, Sunday = 0', () => {
    // Friday the 13th in v1 month 5 (June): June 2025 has one.
    const friday13 = compileSchedule({ schedule: '0 0 0 13 5 5', timezone: 'UTC', cronDialect: 'timecloud-v1' });
    expect(friday13.nextAfter(new Date('2025-01-01T00:00:00Z'))?.toISOString()).toBe('2025-06-13T00:00:00.000Z');
    expect(friday13.nextAfter(new Date('2025-06-14T00:00:00Z'))?.toISOString()).toBe('2031-06-13T00:00:00.000Z');
    const january = compileSchedule({ schedule: '0 0 0 1 0 *', timezone: 'UTC', cronDialect: 'timecloud-v1' });
    expect(january.nextAfter(new Date('2025-06-01T00:00:00Z'))?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    const sunday = compileSchedule({ schedule: '0 0 12 * * 0', timezone: 'UTC', cronDialect: 'timecloud-v1' });
    expect(sunday.nextAfter(new Date('2025-01-01T00:00:00Z'))?.getUTCDay()).toBe(0);
  });

  it('shares one compiled schedule per (pattern, zone, dialect)', () => {
    const a = compileSchedule({ schedule: '0 5 * * * *', timezone: 'Europe/Berlin' });
    expect(compileSchedule({ schedule: '0  5 * * * *', timezone: 'Europe/Berlin', cronDialect: 'croner' })).toBe(a);
    expect(compileSchedule({ schedule: '0 5 * * * *', timezone: 'Europe/Paris' })).not.toBe(a);
    expect(compileSchedule({ schedule: '0 5 * * * *', timezone: 'Europe/Berlin', cronDialect: 'timecloud-v1' })).not.toBe(a);
  });

  it('remembers the schedule of a spec object, and compiles a changed spec afresh', () => {
    const spec = { schedule: '0 5 * * * *', timezone: 'Europe/Berlin' };
    const first = scheduleOfSpec(spec);
    expect(scheduleOfSpec(spec)).toBe(first);
    const updated = { ...spec, schedule: '0 10 * * * *' };
    expect(scheduleOfSpec(updated).pattern).toBe('0 10 * * * *');
    expect(() => scheduleOfSpec({ schedule: '0 61 * * * *' })).toThrow(/not a valid cron expression/);
  });

  it('rejects wrong field counts, bad values, impossible dates and unknown zones with reasons', () => {
    expect(scheduleProblem({ schedule: '* * * *' })).toMatch(/has 4 fields — expected 6 \(second minute hour/);
    expect(scheduleProblem({ schedule: '0 0 0 * * * 2030' })).toMatch(/has 7 fields/);
    expect(scheduleProblem({ schedule: '0 61 * * * *' })).toMatch(/^schedule "0 61 \* \* \* \*" is not a valid cron expression/);
    expect(scheduleProblem({ schedule: '0 0 0 31 2 *', timezone: 'UTC' })).toMatch(/never fires/);
    expect(scheduleProblem({ schedule: '0 0 0 * * *', timezone: 'Europe/Berln' })).toBe(
      'unknown timezone "Europe/Berln" — did you mean "Europe/Berlin"?',
    );
    expect(scheduleProblem({ schedule: '0 0 0 * * *', timezone: 'Nowhere/Special' })).toMatch(
      /^unknown timezone "Nowhere\/Special" — expected an IANA time zone/,
    );
    expect(scheduleProblem({ schedule: '0 0 0 1 12 *', cronDialect: 'timecloud-v1' })).toMatch(/expects months 0–11/);
    expect(scheduleProblem({ schedule: '@daily', timezone: 'UTC' })).toBeUndefined();
  });
});

describe('compileSchedule: remembered answers', () => {
  it('answers a repeated question the same, with a Date of its own each time', () => {
    const schedule = compileSchedule({ schedule: '0 */20 * * * *', timezone: 'Europe/Berlin' });
    const from = new Date('2026-03-29T00:50:00Z'); // the night Berlin springs forward
    const first = schedule.nextAfter(from)!;
    first.setTime(0); // a caller mutating its answer must not change the next caller's
    const again = schedule.nextAfter(new Date(from.getTime()))!;
    expect(again.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(schedule.next(3, from).map((d) => d.toISOString())).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:20:00.000Z',
      '2026-03-29T01:40:00.000Z',
    ]);
  });
});
