// Joining a run's stored log with the lines that arrived live around the time it was read.

/**
 * How many of the first `live` lines the `stored` log already holds. `live` is what arrived
 * live, in order, around the read; `stored` is the end of the log as stored. The lines of `live`
 * up to some index end `stored` (they were flushed before the read) and the rest are newer. The
 * longest such alignment wins, so a repeated line is never shown twice; it may be missing until
 * the next read instead.
 */
export function storedUpTo(stored: string[], live: string[]): number {
  if (stored.length === 0) return 0;
  for (let end = live.length; end > 0; end--) {
    const start = Math.max(0, end - stored.length);
    let same = true;
    for (let i = start; i < end && same; i++) same = live[i] === stored[stored.length - (end - i)];
    if (same) return end;
  }
  return 0;
}
