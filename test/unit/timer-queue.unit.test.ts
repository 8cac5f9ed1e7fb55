import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../src/clock.js';
import { TimerQueue } from '../../src/timer-queue.js';
import { ManualClock } from '../support/manual-clock.js';

describe('TimerQueue', () => {
  it('fires deadlines in time order from a single armed timer', () => {
    const clock = new ManualClock(1_000);
    const queue = new TimerQueue(clock);
    const fired: string[] = [];
    for (const [key, at] of [['c', 1_300], ['a', 1_100], ['b', 1_200]] as const) {
      queue.schedule(key, at, () => fired.push(key));
    }
    expect(clock.pendingTimers).toBe(1);
    clock.advance(150);
    expect(fired).toEqual(['a']);
    clock.advance(200);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
  });

  it('replaces a deadline with the same key and forgets cancelled ones', () => {
    const clock = new ManualClock(0);
    const queue = new TimerQueue(clock);
    const fired: string[] = [];
    queue.schedule('job', 100, () => fired.push('first'));
    queue.schedule('job', 50, () => fired.push('second'));
    queue.schedule('other', 60, () => fired.push('other'));
    queue.cancel('other');
    clock.advance(1_000);
    expect(fired).toEqual(['second']);
  });

  it('passes the firing time, fires deadlines already past at once, and stops after close', () => {
    const clock = new ManualClock(5_000);
    const queue = new TimerQueue(clock);
    const seen: number[] = [];
    queue.schedule('late', 4_000, (firedAt) => seen.push(firedAt));
    clock.advance(0);
    expect(seen).toEqual([5_000]);
    queue.schedule('never', 6_000, () => seen.push(-1));
    queue.close();
    clock.advance(10_000);
    expect(seen).toEqual([5_000]);
  });

  it('keeps a callback scheduled from inside another callback', () => {
    const clock = new ManualClock(0);
    const queue = new TimerQueue(clock);
    const fired: number[] = [];
    const tick = (n: number) => queue.schedule('job', n * 10, () => {
      fired.push(n);
      if (n < 3) tick(n + 1);
    });
    tick(1);
    clock.advance(100);
    expect(fired).toEqual([1, 2, 3]);
  });
});

/** Timers wait on monotonic time while the wall clock (`now`) runs `rate` times as fast. */
class DriftingClock implements Clock {
  private monotonic = 0;
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 1;

  constructor(
    private readonly wallStart: number,
    private readonly rate: number,
  ) {}

  now(): number {
    return Math.floor(this.wallStart + this.monotonic * this.rate);
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ at: this.monotonic + ms, callback, id });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== (handle as unknown as number));
  }

  /** Runs timers in order until `until` ms of monotonic time have passed. */
  run(until: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.monotonic = next.at;
      next.callback();
    }
    this.monotonic = until;
  }
}

describe('TimerQueue on a drifting clock', () => {
  it('fires an hour-ahead deadline within milliseconds of wall time when the wall clock runs 0.5 % fast', () => {
    const clock = new DriftingClock(0, 1.005);
    const queue = new TimerQueue(clock);
    const hour = 3_600_000;
    let firedAt: number | undefined;
    queue.schedule('hourly', hour, (at) => (firedAt = at));
    clock.run(hour); // one monotonic hour: the wall clock is 18 s further
    expect(firedAt).toBeDefined();
    expect(firedAt! - hour).toBeGreaterThanOrEqual(0); // never early
    expect(firedAt! - hour).toBeLessThanOrEqual(10);
  });

  it('never fires early when the wall clock runs slow', () => {
    const clock = new DriftingClock(0, 0.995);
    const queue = new TimerQueue(clock);
    let firedAt: number | undefined;
    queue.schedule('hourly', 3_600_000, (at) => (firedAt = at));
    clock.run(3_700_000);
    expect(firedAt! - 3_600_000).toBeGreaterThanOrEqual(0);
    expect(firedAt! - 3_600_000).toBeLessThanOrEqual(10);
  });
});
