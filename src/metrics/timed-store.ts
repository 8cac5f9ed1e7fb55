/** An `EventStore` whose appends are timed; everything else passes through untouched. */
import type { EventStore } from '../store/event-store.js';

export function timeAppends<S extends EventStore>(store: S, observe: (seconds: number) => void): S {
  // The store's own append, taken once: whoever later replaces `append` on the returned store
  // (a benchmark's tap) wraps the timed append instead of looping back into itself.
  const inner = store.append.bind(store);
  let append: EventStore['append'] = async (stream, events, expected) => {
    const started = performance.now();
    const result = await inner(stream, events, expected);
    observe((performance.now() - started) / 1000);
    return result;
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, property, value: unknown) {
      if (property !== 'append') return Reflect.set(target, property, value, target);
      append = value as EventStore['append'];
      return true;
    },
  });
}
