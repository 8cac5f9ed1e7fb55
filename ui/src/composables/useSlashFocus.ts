/** Focuses a search box when "/" is pressed outside a text field, as on most dashboards. */
import { onMounted, onUnmounted, type Ref } from 'vue';

export function useSlashFocus(target: Ref<HTMLInputElement | undefined>): void {
  function onKey(event: KeyboardEvent): void {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    const active = document.activeElement;
    if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement || active instanceof HTMLSelectElement) return;
    event.preventDefault();
    target.value?.focus();
  }
  onMounted(() => document.addEventListener('keydown', onKey));
  onUnmounted(() => document.removeEventListener('keydown', onKey));
}
