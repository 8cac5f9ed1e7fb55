/**
 * One timer for many deadlines. Every job's next fire time and retry lives in this time-ordered
 * queue, and a single `setTimeout` is armed for the earliest: thousands of per-job timers fire
 * measurably later (DESIGN.md: croner's own timers p99 28 ms late at 1,000 jobs, one shared
 * timer 7 ms).
 */
import { systemClock, type Clock, type TimerHandle } from './clock.js';

/**
 * Deadlines are wall-clock times, but `setTimeout` waits on the monotonic clock, and the two
 * drift apart: NTP slews the wall clock by up to 0.05 %, and these machines drift 0.5 %
 * (measured: 5 ms a second). An hourly job armed an hour ahead would fire 18 s late. The timer
 * is therefore armed for at most a second and the wall clock asked again, which bounds the
 * error to the drift of that last second, as cron daemons that wake every minute do.
 */
const MAX_ARM_MS = 1000;

interface Entry {
  key: string;
  at: number;
  seq: number;
  callback: (firedAt: number) => void;
}

export class TimerQueue {
  private readonly heap: Entry[] = [];
  private readonly live = new Map<string, Entry>();
  private seq = 0;
  private armed?: { at: number; handle: TimerHandle };
  private closed = false;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Number of pending deadlines. */
  get size(): number {
    return this.live.size;
  }

  /** Calls `callback` once at `at` (ms since epoch). Replaces any deadline with the same key. */
  schedule(key: string, at: number, callback: (firedAt: number) => void): void {
    if (this.closed) return;
    const entry: Entry = { key, at, seq: this.seq++, callback };
    this.live.set(key, entry);
    this.push(entry);
    this.arm();
  }

  cancel(key: string): void {
    // The heap entry stays until it surfaces; `live` decides whether it still counts.
    this.live.delete(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  close(): void {
    this.closed = true;
    this.live.clear();
    this.heap.length = 0;
    if (this.armed) this.clock.clearTimeout(this.armed.handle);
    this.armed = undefined;
  }

  private arm(): void {
    this.dropStale();
    const first = this.heap[0];
    if (!first) return;
    if (this.armed && this.armed.at <= first.at) return;
    if (this.armed) this.clock.clearTimeout(this.armed.handle);
    const delay = Math.min(MAX_ARM_MS, Math.max(0, first.at - this.clock.now()));
    this.armed = { at: first.at, handle: this.clock.setTimeout(() => this.fire(), delay) };
  }

  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    const due: Entry[] = [];
    for (;;) {
      this.dropStale();
      const first = this.heap[0];
      if (!first || first.at > now) break;
      this.pop();
      this.live.delete(first.key);
      due.push(first);
    }
    for (const entry of due) entry.callback(now);
    this.arm();
  }

  /** Removes cancelled or replaced entries from the top of the heap. */
  private dropStale(): void {
    for (;;) {
      const first = this.heap[0];
      if (!first || this.live.get(first.key) === first) return;
      this.pop();
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
