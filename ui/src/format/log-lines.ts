// Joining a run's stored log with the live lines that arrived while it was being read.

/**
 * How many lines at the end of `stored` repeat the start of `live`: those arrived live and were
 * stored before the read, and must be shown once.
 */
export function overlap(stored: string[], live: string[]): number {
  for (let k = Math.min(stored.length, live.length); k > 0; k--) {
    let same = true;
    for (let i = 0; i < k && same; i++) same = stored[stored.length - k + i] === live[i];
    if (same) return k;
  }
  return 0;
}
