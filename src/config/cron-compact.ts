/**
 * croner keeps each field of a pattern as an array of flags, one JavaScript number (8 bytes)
 * per value. The year field alone is 10,000 of them: 78 KiB per compiled schedule, which made
 * a node with 10,000 jobs on 3,600 distinct schedules hold 275 MiB of year flags (heap
 * snapshot). The node keeps one compiled schedule per distinct pattern for its whole life, so
 * the flags are packed into bytes once, and equal flag arrays (every schedule's "any year")
 * are shared.
 *
 * This reaches into croner's internals (`_states.pattern`), which its types do not promise;
 * croner only reads the flags (`=== 0`, `=== 1`, bit tests, `.length`, indexing), which a
 * `Uint8Array` answers the same. `test/unit/config/cron-compact.unit.test.ts` checks both
 * that the layout is still there and that fire times do not change; if croner changes its
 * layout, nothing is packed and schedules work as before.
 */
import type { Cron } from 'croner';

/** One packed array per distinct field content: few exist (any-year, every-minute…). */
const canonical = new Map<string, Uint8Array>();

/** The flags as bytes, or undefined when `value` is not an array of flags (0–255). */
function packed(value: unknown): Uint8Array | undefined {
  if (!Array.isArray(value)) return undefined;
  const bytes = new Uint8Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const flag: unknown = value[index];
    if (typeof flag !== 'number' || !Number.isInteger(flag) || flag < 0 || flag > 255) return undefined;
    bytes[index] = flag;
  }
  return bytes;
}

/** Packs `cron`'s flag arrays in place; returns how many fields it packed. */
export function compactCronPattern(cron: Cron): number {
  const pattern = (cron as unknown as { _states?: { pattern?: Record<string, unknown> } })._states?.pattern;
  if (typeof pattern !== 'object' || pattern === null) return 0;
  let count = 0;
  for (const [field, value] of Object.entries(pattern)) {
    const bytes = packed(value);
    if (bytes === undefined) continue;
    // One byte per character: keying the 10,000 year flags this way is a native copy, where
    // joining them as numbers cost a tenth of a millisecond per schedule at start-up.
    const key = `${field}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')}`;
    let shared = canonical.get(key);
    if (shared === undefined) {
      shared = bytes;
      canonical.set(key, shared);
    }
    pattern[field] = shared;
    count += 1;
  }
  return count;
}
