/**
 * Loads one API answer into refs and reloads it on demand. Reloads keep the old data on screen
 * until the new answer arrives (no flashing skeletons), and calls made while one is in flight
 * coalesce into a single follow-up load, so a burst of events costs at most two requests.
 */
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';

export interface Resource<T> {
  data: ShallowRef<T | undefined>;
  /** The last load's error message; cleared by the next successful load. */
  error: Ref<string | undefined>;
  /** True only until the first answer (or error). */
  loading: Ref<boolean>;
  reload(): Promise<void>;
}

export function useResource<T>(load: () => Promise<T>): Resource<T> {
  const data = shallowRef<T>();
  const error = ref<string>();
  const loading = ref(true);
  let inFlight: Promise<void> | undefined;
  let again = false;

  async function once(): Promise<void> {
    try {
      data.value = await load();
      error.value = undefined;
    } catch (caught) {
      error.value = caught instanceof Error ? caught.message : String(caught);
    } finally {
      loading.value = false;
    }
  }

  async function reload(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        await once();
      } while (again);
    })();
    try {
      await inFlight;
    } finally {
      inFlight = undefined;
    }
  }

  return { data, error, loading, reload };
}
