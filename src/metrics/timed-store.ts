/** An `EventStore` whose appends are timed; everything else passes through untouched. */
import type { EventStore } from '../store/event-store.js';

type Appends = Pick<EventStore, 'append' | 'appendMany'>;
const TIMED = new Set<string | symbol>(['append', 'appendMany']);

export function timeAppends<S extends EventStore>(store: S, observe: (seconds: number) => void): S {
  // The store's own appends, taken once: whoever later replaces them on the returned store
  // (a benchmark's tap) wraps the timed ones instead of looping back into itself.
  const append = store.append.bind(store);
  const appendMany = store.appendMany.bind(store);
  const timed: Appends = {
    async append(stream, events, expected) {
      const started = performance.now();
      const result = await append(stream, events, expected);
      observe((performance.now() - started) / 1000);
      return result;
    },
    async appendMany(requests) {
      const started = performance.now();
      const results = await appendMany(requests);
      // One observation per append stored, as if each had been made alone: the histogram
      // counts appends whichever way they were made.
      const seconds = (performance.now() - started) / 1000;
      for (const result of results) if (result.status === 'fulfilled') observe(seconds);
      return results;
    },
  };
  return new Proxy(store, {
    get(target, property) {
      if (TIMED.has(property)) return timed[property as keyof Appends];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, property, value: unknown) {
      if (!TIMED.has(property)) return Reflect.set(target, property, value, target);
      (timed as unknown as Record<string | symbol, unknown>)[property] = value;
      return true;
    },
  });
}
