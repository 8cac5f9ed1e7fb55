/**
 * Which due cron ticks fire and which are recorded as missed. Pure: the caller passes `now`.
 *
 * A tick that is due less than `ON_TIME_MS` ago fires as a normal `cron` run. Older due ticks
 * (the node was down, paused or failing over) follow the job's `catchUp` policy:
 * - `latest`: fire the newest late tick once (unless an on-time tick supersedes it), miss the rest;
 * - `none`: miss every late tick;
 * - `all`: fire the newest `catchUpLimit` late ticks, oldest first, and miss the older ones.
 */
import type { CatchUpPolicy } from './job-spec.js';
import type { Schedule } from './schedule.js';

/** How late a tick may fire and still count as on time. */
export const ON_TIME_MS = 1000;
/** Missed ticks recorded one event each; the rest of a long gap share one event. */
export const MISSED_ONE_BY_ONE = 100;
/** Enumeration bound: beyond this many due ticks, the count of a gap is a lower bound. */
const MAX_ENUMERATED = 10_000;

export interface TickFire {
  scheduledFor: Date;
  reason: 'cron' | 'catch-up';
}

export interface MissedRange {
  from: Date;
  until: Date;
  count: number;
}

export interface TickPlan {
  fire: TickFire[];
  /** Missed ticks in time order, at most `MISSED_ONE_BY_ONE` ranges of one tick plus one aggregate. */
  missed: MissedRange[];
  /** The newest tick accounted for, or `undefined` when nothing was due. */
  cursor?: Date;
}

export interface PlanInput {
  schedule: Schedule;
  /** Ticks at or before this time are already accounted for. */
  cursor: Date;
  now: Date;
  catchUp: CatchUpPolicy;
  catchUpLimit: number;
}

/** Due ticks in (cursor, now], oldest first, with `truncated` when there were more than the bound. */
function dueTicks(schedule: Schedule, cursor: Date, now: Date): { ticks: Date[]; truncated: boolean } {
  const ticks: Date[] = [];
  let next = schedule.nextAfter(cursor);
  while (next && next.getTime() <= now.getTime()) {
    if (ticks.length === MAX_ENUMERATED) return { ticks, truncated: true };
    ticks.push(next);
    next = schedule.nextAfter(next);
  }
  return { ticks, truncated: false };
}

/** The newest due tick, found without walking a huge gap: search growing windows back from now. */
function newestDueTick(schedule: Schedule, after: Date, now: Date): Date | undefined {
  for (const windowMs of [60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000]) {
    const start = new Date(Math.max(after.getTime(), now.getTime() - windowMs));
    const { ticks } = dueTicks(schedule, start, now);
    if (ticks.length > 0) return ticks[ticks.length - 1];
    if (start.getTime() === after.getTime()) return undefined;
  }
  return undefined;
}

function toRanges(ticks: Date[]): MissedRange[] {
  const ranges = ticks.slice(0, MISSED_ONE_BY_ONE).map((t) => ({ from: t, until: t, count: 1 }));
  const rest = ticks.slice(MISSED_ONE_BY_ONE);
  if (rest.length > 0) ranges.push({ from: rest[0]!, until: rest[rest.length - 1]!, count: rest.length });
  return ranges;
}

export function planTicks(input: PlanInput): TickPlan {
  const { schedule, cursor, now, catchUp, catchUpLimit } = input;
  const walk = dueTicks(schedule, cursor, now);
  if (walk.ticks.length === 0) return { fire: [], missed: [] };

  // More due ticks than we walk (a per-second job down for a day or more): the newest one is
  // found directly; the unlisted ones in between are folded into the last missed range, whose
  // count is then a lower bound.
  const all = [...walk.ticks];
  if (walk.truncated) {
    const newest = newestDueTick(schedule, all[all.length - 1]!, now);
    if (newest) all.push(newest);
  }

  const newest = all[all.length - 1]!;
  const onTime = now.getTime() - newest.getTime() < ON_TIME_MS ? newest : undefined;
  const late = onTime ? all.slice(0, -1) : all;

  let fireLate: Date[] = [];
  if (catchUp === 'latest' && !onTime) fireLate = late.slice(-1);
  if (catchUp === 'all') fireLate = catchUpLimit > 0 ? late.slice(-catchUpLimit) : [];

  const fired = new Set(fireLate.map((t) => t.getTime()));
  const fire: TickFire[] = fireLate.map((t) => ({ scheduledFor: t, reason: 'catch-up' as const }));
  if (onTime) fire.push({ scheduledFor: onTime, reason: 'cron' });
  const missed = toRanges(late.filter((t) => !fired.has(t.getTime())));
  return { fire, missed, cursor: newest };
}
