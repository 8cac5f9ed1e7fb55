/**
 * Measures how long the event loop went without running a timer: a catch-up that never yields
 * shows up as one gap as long as itself (even when the timer never fired at all).
 */
export function watchEventLoopGaps(intervalMs = 5): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, intervalMs);
  return {
    /** Stops watching; returns the longest gap in ms, counting the one still open. */
    stop() {
      clearInterval(timer);
      return Math.max(longest, performance.now() - last);
    },
  };
}
