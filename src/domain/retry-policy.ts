/**
 * Retry delays: exponential backoff from the job's `retryDelay`, with ±20 % jitter so that
 * jobs failing together do not retry together. The jitter is derived from the retry's run id,
 * not from a random source, so the decision is reproducible and the decider stays pure.
 */
import { createHash } from 'node:crypto';

/** No retry waits longer than this, whatever the base delay and attempt. */
export const MAX_RETRY_DELAY_MS = 3_600_000;
const JITTER = 0.2;

/** A number in [0, 1) derived from `seed`. */
function unitHash(seed: string): number {
  return createHash('sha1').update(seed).digest().readUInt32BE(0) / 0x1_0000_0000;
}

/**
 * Delay before attempt `nextAttempt` (2 for the first retry).
 * @param baseMs the job's `retryDelay`
 * @param seed what makes this retry unique (its run id)
 */
export function retryDelayMs(baseMs: number, nextAttempt: number, seed: string): number {
  const exponential = baseMs * 2 ** Math.max(0, nextAttempt - 2);
  const jitter = 1 - JITTER + 2 * JITTER * unitHash(seed);
  return Math.min(MAX_RETRY_DELAY_MS, Math.round(exponential * jitter));
}
