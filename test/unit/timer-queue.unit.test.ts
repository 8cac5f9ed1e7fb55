import { describe, expect, it } from 'vitest';
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
