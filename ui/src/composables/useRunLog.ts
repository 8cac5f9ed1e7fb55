/**
 * A run's log as lines: the stored tail from the API, joined with live lines from the event feed.
 * The log is stored a moment after it is printed, and a line printed before the page followed the
 * run reaches it only through the store: so the log is read when the page opens, once more shortly
 * after, after each reconnection and when the run ends. Each read keeps the live lines the store
 * does not hold yet, so nothing is lost or shown twice.
 */
import { onScopeDispose, shallowRef, watch, type Ref } from 'vue';
import { readStoredLog } from '../api/run-log.js';
import { storedUpTo } from '../format/log-lines.js';
import { useEventFeed, type LogLine } from './useEventFeed.js';

/** Lines kept in the page; the full log is a download. */
export const MAX_LINES = 5000;
const TAIL_LINES = 2000;
/** Live lines remembered for joining with the next read. */
const RECENT_LIVE = 1000;
/** Longer than the log writer's flush interval (200 ms), with room for a loaded machine. */
const FOLLOW_UP_READ_MS = 1500;

export interface ShownLine extends LogLine {
  /** Stable key for rendering. */
  n: number;
}

export function useRunLog(runId: Ref<string>, ended: Ref<boolean>) {
  const feed = useEventFeed();
  const lines = shallowRef<ShownLine[]>([]);
  const dropped = shallowRef(0);
  const error = shallowRef<string>();
  const loaded = shallowRef(false);
  /** Completed reads of the stored log (tests use it to tell a live line from a read one). */
  const reads = shallowRef(0);
  let counter = 0;
  let recent: LogLine[] = [];
  let reading = 0;
  let generation = 0;
  let stopFollowing: (() => void) | undefined;
  let followUp: ReturnType<typeof setTimeout> | undefined;

  function show(all: LogLine[], droppedBefore: number): void {
    const excess = Math.max(0, all.length - MAX_LINES);
    dropped.value = droppedBefore + excess;
    lines.value = all.slice(excess).map((line) => ({ ...line, n: counter++ }));
  }

  function onLive(line: LogLine): void {
    recent.push(line);
    if (recent.length > RECENT_LIVE) recent = recent.slice(-RECENT_LIVE);
    // While a read is on its way, the join after it shows this line.
    if (reading === 0) show([...lines.value, line], dropped.value);
  }

  async function read(): Promise<void> {
    const mine = generation;
    reading += 1;
    try {
      const stored = await readStoredLog(runId.value, TAIL_LINES);
      if (mine !== generation) return;
      const live = recent;
      const held = storedUpTo(
        stored.map((line) => line.text),
        live.map((line) => line.text),
      );
      show([...stored, ...live.slice(held)], 0);
      error.value = undefined;
      reads.value += 1;
    } catch (caught) {
      if (mine === generation) error.value = caught instanceof Error ? caught.message : String(caught);
    } finally {
      reading -= 1;
      if (mine === generation) loaded.value = true;
    }
  }

  function start(): void {
    stopFollowing?.();
    clearTimeout(followUp);
    generation += 1;
    recent = [];
    lines.value = [];
    dropped.value = 0;
    loaded.value = false;
    reads.value = 0;
    stopFollowing = feed.follow(runId.value, onLive);
    void read().then(() => {
      if (!ended.value) followUp = setTimeout(() => void read(), FOLLOW_UP_READ_MS);
    });
  }

  watch(runId, start, { immediate: true });
  onScopeDispose(() => {
    stopFollowing?.();
    clearTimeout(followUp);
  });
  watch(feed.connections, (now, before) => {
    if (now > before) void read();
  });
  watch(ended, (isEnded, was) => {
    if (isEnded && was === false) void read();
  });

  return { lines, dropped, error, loaded, reads };
}
