/**
 * A clock for relative times ("12 s ago"): one shared timer ticks once a second while any
 * component shows a relative time, and stops when none does.
 */
import { getCurrentScope, onScopeDispose, readonly, ref, type Ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function useNow(): Readonly<Ref<number>> {
  users += 1;
  if (!timer) {
    now.value = Date.now();
    timer = setInterval(() => (now.value = Date.now()), 1000);
  }
  if (getCurrentScope()) {
    onScopeDispose(() => {
      users -= 1;
      if (users === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  }
  return readonly(now);
}
