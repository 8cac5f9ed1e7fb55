import { describe, expect, it } from 'vitest';
import { checkpointText, checkpointTextInSlices } from '../../../projections/checkpoint.js';
import { EncodedList } from '../../../projections/run-history.codec.js';

describe('checkpoint serialisation', () => {
  it('writes long lists a slice at a time, letting timers run in between, with the same text as in one go', async () => {
    const items = Array.from({ length: 60_000 }, (_, i) => [i, `run-${i}`, { nested: i % 7 }, null]);
    const checkpoint = {
      store: 'k',
      versions: { runs: 2 },
      position: '42',
      savedAt: 'now',
      states: { runs: { seq: 3, retries: { a: 'b' }, runs: new EncodedList(items.length, (s, e) => items.slice(s, e)) }, plain: items.slice(0, 5000) },
    };
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    const sliced = await checkpointTextInSlices(checkpoint);
    clearInterval(timer);
    expect(sliced).toBe(checkpointText(checkpoint));
    expect(JSON.parse(sliced)).toMatchObject({ format: 1, position: '42', states: { runs: { runs: items } } });
    // Serialised in one go, no timer could run meanwhile.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});
