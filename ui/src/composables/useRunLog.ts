/**
 * A run's log as lines: the stored tail from the API, then live lines from the event feed. Lines
 * that arrive while the stored tail is being read are held and joined without duplicates, and
 * the log is re-read after a reconnection and once the run has ended, so nothing goes missing.
 */
import { onScopeDispose, shallowRef, watch, type Ref } from 'vue';
import { api } from '../api/client.js';
import { overlap } from '../format/log-lines.js';
import { useEventFeed, type LogLine } from './useEventFeed.js';

/** Lines kept in the page; the full log is a download. */
export const MAX_LINES = 5000;
const TAIL_LINES = 2000;

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
  let counter = 0;
  let held: LogLine[] | undefined;
  let stopFollowing: (() => void) | undefined;
  let generation = 0;

  function push(add: LogLine[]): void {
    if (add.length === 0) return;
    const next = [...lines.value, ...add.map((line) => ({ ...line, n: counter++ }))];
    const excess = next.length - MAX_LINES;
    if (excess > 0) dropped.value += excess;
    lines.value = excess > 0 ? next.slice(excess) : next;
  }

  async function resync(): Promise<void> {
    const mine = ++generation;
    // Keep lines already held by an earlier read still in flight: this read's text may lack them.
    held ??= [];
    try {
      const text = await api.runLog(runId.value, TAIL_LINES);
      if (mine !== generation) return;
      const stored = text.split('\n');
      if (stored.at(-1) === '') stored.pop();
      const live = held ?? [];
      const skip = overlap(stored, live.map((l) => l.text));
      lines.value = [];
      dropped.value = 0;
      push(stored.map((text) => ({ stream: 'stdout' as const, text })));
      push(live.slice(skip));
      error.value = undefined;
    } catch (caught) {
      if (mine === generation) error.value = caught instanceof Error ? caught.message : String(caught);
    } finally {
      if (mine === generation) {
        held = undefined;
        loaded.value = true;
      }
    }
  }

  function start(): void {
    stopFollowing?.();
    held = undefined;
    lines.value = [];
    loaded.value = false;
    stopFollowing = feed.follow(runId.value, (line) => (held ? held.push(line) : push([line])));
    void resync();
  }

  watch(runId, start, { immediate: true });
  onScopeDispose(() => stopFollowing?.());
  watch(feed.connections, (now, before) => {
    if (before > 0 && now > before) void resync();
  });
  // The last lines are stored a moment after they were printed: read once more when it ends.
  watch(ended, (isEnded, was) => {
    if (isEnded && was === false) void resync();
  });

  return { lines, dropped, error, loaded };
}
