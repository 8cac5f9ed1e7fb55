/**
 * Reloads a page's data when the event feed reports an event it cares about, and each time the
 * feed (re)connects: what changed between the page's first read and the feed's start, or while
 * the socket was down, reaches no handler. No polling.
 */
import { watch } from 'vue';
import type { StoredEventJson } from '../../../src/http/api-types.js';
import { useEventFeed } from './useEventFeed.js';

export function useLiveRefresh(matches: (event: StoredEventJson) => boolean, reload: () => unknown): void {
  const feed = useEventFeed();
  feed.onEvent((event) => {
    if (matches(event)) void reload();
  });
  watch(feed.connections, (now, before) => {
    if (now > before) void reload();
  });
}

/** The `runId` an event's data names, if any. */
export function eventRunId(event: StoredEventJson): string | undefined {
  const data = event.data as { runId?: unknown } | null;
  return typeof data?.runId === 'string' ? data.runId : undefined;
}
