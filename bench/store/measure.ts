/** Small measuring helpers for the store benchmark. */

/** The value below which `fraction` of `values` fall (nearest rank). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Wall-clock milliseconds, comparable across processes. `performance.timeOrigin +
 * performance.now()` is not: each process anchors it to the wall clock once, at its start, and
 * on these machines monotonic and wall time drift apart by 5 ms a second (measured), so two
 * processes started seconds apart disagreed by tens of milliseconds.
 */
export function wallClock(): number {
  return Date.now();
}

/**
 * Measures how late timers fire, as a scheduler on this event loop would see it: a timer
 * re-armed every `periodMs`, recording how far past its due time each one ran.
 */
export function startFireLagProbe(periodMs = 5): { stop(): number[] } {
  const lags: number[] = [];
  let due = performance.now() + periodMs;
  let timer: NodeJS.Timeout;
  const tick = (): void => {
    const now = performance.now();
    lags.push(now - due);
    due = now + periodMs;
    timer = setTimeout(tick, periodMs);
  };
  timer = setTimeout(tick, periodMs);
  return {
    stop() {
      clearTimeout(timer);
      return lags;
    },
  };
}

export function lagSummary(lags: readonly number[]): { p50: number; p99: number; max: number } {
  return { p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: percentile(lags, 1) };
}

export const fmt = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
