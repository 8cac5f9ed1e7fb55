import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/alerts/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows `limit` sends in any window and says how long to wait for the next', () => {
    const limiter = new RateLimiter(3, 60_000);
    const t0 = 1_000_000;
    for (const at of [t0, t0 + 10_000, t0 + 20_000]) {
      expect(limiter.waitMs(at)).toBe(0);
      limiter.record(at);
    }
    expect(limiter.waitMs(t0 + 30_000)).toBe(30_000); // the first send leaves the window at t0 + 60 s
    expect(limiter.waitMs(t0 + 60_000)).toBe(0);
    limiter.record(t0 + 60_000);
    expect(limiter.waitMs(t0 + 60_001)).toBe(9_999);
  });

  it('counts sends recorded out of order, and waits out a block', () => {
    const limiter = new RateLimiter(2, 1000);
    limiter.record(500);
    limiter.record(100);
    expect(limiter.waitMs(600)).toBe(500);
    limiter.block(5000);
    expect(limiter.waitMs(2000)).toBe(3000);
    expect(limiter.waitMs(5000)).toBe(0);
  });

  it('refuses nonsense limits', () => {
    expect(() => new RateLimiter(0, 1000)).toThrow('rate limit must be a whole number from 1, got 0');
    expect(() => new RateLimiter(2, 0)).toThrow('rate window must be a positive number of ms, got 0');
  });
});
