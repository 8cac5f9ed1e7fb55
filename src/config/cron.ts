/**
 * Fire times of a schedule. croner only computes them here: nobody uses its timers (the node
 * fires every job from one timer over a time-ordered queue).
 *
 * DST semantics (croner's, with `fixedTimeRule: "no-wildcard"`, which is Vixie cron's rule):
 * - A **fixed-time** schedule has no `*`, `?` or step in its second, minute and hour fields
 *   (`0 30 2 * * *`, also lists and ranges: `0 30 2,14 * * *`). A local time that does not exist
 *   (spring forward) fires once at the first valid time after the gap, the same day (02:30 →
 *   03:00): no day is skipped. A local time that happens twice (fall back) fires once, at its
 *   first occurrence: no daily job fires twice.
 * - An **interval** schedule (`0 *\/15 * * * *`, hourly `0 0 * * * *`) follows real time: times
 *   inside a gap do not exist and are skipped (every 30 minutes: 01:30, then 03:00); a repeated
 *   hour runs on both occurrences (every 15 minutes: 8 fires in the local 01:00–02:00 of a
 *   fall-back night, still one every 15 real minutes).
 * croner's default rule ("single-value") would make `0 30 2,14 * * *` an interval job and skip
 * its 02:30 run on the spring-forward day; "no-wildcard" keeps it, as Vixie cron does.
 */
import { Cron } from 'croner';
import type { CronDialect } from '../domain/job-spec.js';
import { ValidationError } from '../errors.js';
import { compactCronPattern } from './cron-compact.js';
import { cronFields, translateTimecloudV1 } from './cron-dialect.js';
import { isKnownTimeZone, unknownTimeZoneMessage } from './timezone.js';

export interface ScheduleInput {
  /** As written in `timecloud.json`: 6 fields seconds first, or 5 fields (second 0). */
  schedule: string;
  /** IANA zone. @defaultValue the node's zone */
  timezone?: string | undefined;
  /** @defaultValue "croner" */
  cronDialect?: CronDialect | undefined;
}

/** Fire times of one schedule; shared by every job with the same pattern, zone and dialect. */
export interface CompiledSchedule {
  /** The pattern croner reads (a timecloud-v1 month field rewritten to 1–12). */
  readonly pattern: string;
  readonly timezone: string | undefined;
  /** True for day-of-month AND day-of-week (timecloud-v1). */
  readonly domAndDow: boolean;
  /** The first fire time strictly after `date`, or null when there is none. */
  nextAfter(date: Date): Date | null;
  /** Up to `count` fire times strictly after `from`, in order. */
  next(count: number, from: Date): Date[];
}

/** Fire times remembered per schedule (see `nextAfter`). */
const RECENT_ANSWERS = 256;

const FIELD_NAMES = 'second minute hour day-of-month month day-of-week';

/** Live compiled schedules by key. Weak, so schedules no job uses any more can go. */
const cache = new Map<string, WeakRef<CompiledSchedule>>();
const evict = new FinalizationRegistry<string>((key) => {
  if (cache.get(key)?.deref() === undefined) cache.delete(key);
});

function croneMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^CronPattern: /, '');
}

function build(pattern: string, timezone: string | undefined, domAndDow: boolean, schedule: string): CompiledSchedule {
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, domAndDow, mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' });
  } catch (error) {
    throw new ValidationError(`schedule "${schedule}" is not a valid cron expression: ${croneMessage(error)}`);
  }
  // A bad zone only throws here, and a pattern no date matches (Feb 31) returns null.
  let first: Date | null;
  try {
    first = cron.nextRun();
  } catch (error) {
    throw new ValidationError(`schedule "${schedule}" cannot be computed: ${croneMessage(error)}`);
  }
  if (first === null) {
    throw new ValidationError(
      `schedule "${schedule}" never fires: no date matches it (such as February 31${domAndDow ? ', or a day-of-month and day-of-week that never meet' : ''})`,
    );
  }
  compactCronPattern(cron);
  // Jobs sharing this schedule ask for the same fire time at the same tick (1,000 jobs every
  // second ask 1,000 times), and croner takes 10–70 µs per answer: remember recent answers.
  const recent = new Map<number, number | null>();
  const nextAfter = (date: Date): Date | null => {
    const from = date.getTime();
    let next = recent.get(from);
    if (next === undefined) {
      next = cron.nextRun(date)?.getTime() ?? null;
      if (recent.size >= RECENT_ANSWERS) recent.clear();
      recent.set(from, next);
    }
    return next === null ? null : new Date(next);
  };
  return {
    pattern,
    timezone,
    domAndDow,
    nextAfter,
    next(count, from) {
      const times: Date[] = [];
      let cursor: Date | null = from;
      while (times.length < count && (cursor = cron.nextRun(cursor)) !== null) times.push(cursor);
      return times;
    },
  };
}

/**
 * Compiles and checks a schedule; compiling the same (pattern, zone, dialect) again returns the
 * same object.
 * @throws ValidationError with a message for humans when the schedule, dialect or zone is wrong.
 */
export function compileSchedule({ schedule, timezone, cronDialect = 'croner' }: ScheduleInput): CompiledSchedule {
  const fields = cronFields(schedule);
  if (!fields[0]?.startsWith('@') && fields.length !== 5 && fields.length !== 6) {
    throw new ValidationError(
      `schedule "${schedule}" has ${fields.length} field${fields.length === 1 ? '' : 's'} — expected 6 (${FIELD_NAMES}) or 5 (the same without seconds)`,
    );
  }
  if (timezone !== undefined && !isKnownTimeZone(timezone)) {
    throw new ValidationError(unknownTimeZoneMessage(timezone));
  }
  const v1 = cronDialect === 'timecloud-v1';
  const pattern = v1 ? translateTimecloudV1(schedule) : fields.join(' ');
  const key = `${pattern}\u0000${timezone ?? ''}\u0000${v1}`;
  const cached = cache.get(key)?.deref();
  if (cached !== undefined) return cached;
  const compiled = build(pattern, timezone, v1, schedule);
  cache.set(key, new WeakRef(compiled));
  evict.register(compiled, key);
  return compiled;
}

const ofSpec = new WeakMap<ScheduleInput, CompiledSchedule>();

/**
 * `compileSchedule` remembered per spec object: specs are immutable, and the tick path asks for
 * the schedule of every due job three times (checking the pattern and zone again each time cost
 * more than the decision).
 */
export function scheduleOfSpec(spec: ScheduleInput): CompiledSchedule {
  let compiled = ofSpec.get(spec);
  if (compiled === undefined) {
    compiled = compileSchedule(spec);
    ofSpec.set(spec, compiled);
  }
  return compiled;
}

/** The problem with a schedule in words, or undefined when it compiles. */
export function scheduleProblem(input: ScheduleInput): string | undefined {
  try {
    compileSchedule(input);
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
}
