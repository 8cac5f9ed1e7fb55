/**
 * Reloads a page's data when the event feed reports an event it cares about, and each time the
 * feed (re)connects: what changed between the page's first read and the feed's start, or while
 * the socket was down, reaches no handler. No polling.
 */
import { onScopeDispose, watch } from 'vue';
import type { StoredEventJson } from '../../../src/http/api-types.js';
import { useEventFeed } from './useEventFeed.js';

export interface LiveRefreshOptions {
  /**
   * Reload at most once in this many milliseconds; events in between cause one reload at the end
   * of the interval. For whole-list answers that a busy node would otherwise ask for constantly.
   * @defaultValue 0
   */
  minIntervalMs?: number;
}

export function useLiveRefresh(
  matches: (event: StoredEventJson) => boolean,
  reload: () => unknown,
  { minIntervalMs = 0 }: LiveRefreshOptions = {},
): void {
  const feed = useEventFeed();
  let last = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;

  function refresh(): void {
    const wait = last + minIntervalMs - Date.now();
    if (wait <= 0) {
      last = Date.now();
      void reload();
    } else {
      trailing ??= setTimeout(() => {
        trailing = undefined;
        last = Date.now();
        void reload();
      }, wait);
    }
  }

  feed.onEvent((event) => {
    if (matches(event)) refresh();
  });
  watch(feed.connections, (now, before) => {
    if (now > before) refresh();
  });
  onScopeDispose(() => clearTimeout(trailing));
}

/** The `runId` an event's data names, if any. */
export function eventRunId(event: StoredEventJson): string | undefined {
  const data = event.data as { runId?: unknown } | null;
  return typeof data?.runId === 'string' ? data.runId : undefined;
}
