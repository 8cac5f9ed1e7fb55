/**
 * A sliding-window limit per channel: at most `limit` sends in any `windowMs`, set below what
 * the service allows (a WeCom robot takes 20 a minute; we send 18). A 45009 answer blocks the
 * channel until the service's window has passed.
 */
export class RateLimiter {
  private sent: number[] = [];
  private blockedUntil = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a whole number from 1, got ${limit}`);
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError(`rate window must be a positive number of ms, got ${windowMs}`);
  }

  /** Milliseconds until a send is allowed at `now` (0: now). */
  waitMs(now: number): number {
    this.sent = this.sent.filter((at) => at > now - this.windowMs);
    const byWindow = this.sent.length < this.limit ? 0 : this.sent[this.sent.length - this.limit]! + this.windowMs - now;
    return Math.max(0, byWindow, this.blockedUntil - now);
  }

  /** Counts a send made at `at`. */
  record(at: number): void {
    this.sent.push(at);
    this.sent.sort((a, b) => a - b);
  }

  /** No sends before `until` (the service said to wait). */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }
}
