/**
 * The audit page's pages of events: reading one screen at a time, paging older and newer, and
 * keeping the live page (newest first: its top; oldest first: the last page) growing with the
 * events the feed pushes — including those pushed while a page was still being read.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import type { StoredEventJson } from '../../../../src/http/api-types.js';
import { useEventFeed } from '../../composables/useEventFeed.js';
import { readAuditPage } from './audit-filter.js';
import { matchesFilter, type AuditFilter } from './audit-match.js';

/** Rows the live page keeps; the older ones move to the next page. */
const LIVE_ROWS = 500;

export function useAuditPages(filter: Readonly<Ref<AuditFilter>>) {
  const feed = useEventFeed();
  /** `from` of each page visited; the last is the current page. */
  const cursors = shallowRef<(string | undefined)[]>([undefined]);
  const events = shallowRef<StoredEventJson[]>([]);
  const next = shallowRef<string>();
  const scanned = ref(0);
  const loading = ref(true);
  const error = ref<string>();
  const fresh = ref(new Set<string>());
  const live = computed(() => (filter.value.direction === 'backwards' ? cursors.value.length === 1 : !next.value));
  let generation = 0;
  /** Matching events pushed while a page loads: the page may have been read before they were stored. */
  let arrivedDuringLoad: StoredEventJson[] = [];

  function addLive(event: StoredEventJson): void {
    if (!live.value || events.value.some((e) => e.id === event.id)) return;
    if (filter.value.direction === 'forwards') {
      events.value = [...events.value, event];
    } else {
      const rows = [event, ...events.value];
      events.value = rows.slice(0, LIVE_ROWS);
      const last = events.value.at(-1);
      if (rows.length > LIVE_ROWS && last) next.value = (BigInt(last.position) - 1n).toString();
    }
    fresh.value = new Set(fresh.value).add(event.id);
  }

  async function load(from: string | undefined): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    arrivedDuringLoad = [];
    try {
      const page = await readAuditPage(filter.value, from);
      if (mine !== generation) return;
      events.value = page.events;
      next.value = page.next;
      scanned.value = page.scanned;
      error.value = undefined;
      for (const event of arrivedDuringLoad) addLive(event);
      arrivedDuringLoad = [];
    } catch (caught) {
      if (mine === generation) error.value = caught instanceof Error ? caught.message : String(caught);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  feed.onEvent((event) => {
    if (!matchesFilter(filter.value, event)) return;
    if (loading.value) arrivedDuringLoad.push(event);
    else addLive(event);
  });
  // Events stored between the first read and the feed's first connection reach no handler.
  // (After a reconnection the feed resumes: the events missed meanwhile arrive as pushes.)
  watch(feed.connections, (now, before) => {
    if (before === 0 && now > 0 && live.value) void load(cursors.value.at(-1));
  });

  return {
    events,
    next,
    cursors,
    scanned,
    loading,
    error,
    fresh,
    live,
    /** Back to the first page, e.g. after the filter changed. */
    restart(): void {
      cursors.value = [undefined];
      void load(undefined);
    },
    reload: () => load(cursors.value.at(-1)),
    older(): void {
      if (!next.value) return;
      cursors.value = [...cursors.value, next.value];
      void load(next.value);
    },
    newer(): void {
      if (cursors.value.length < 2) return;
      cursors.value = cursors.value.slice(0, -1);
      void load(cursors.value.at(-1));
    },
  };
}
