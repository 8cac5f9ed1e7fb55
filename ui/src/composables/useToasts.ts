/** Short confirmations and errors shown in one corner and read out by screen readers. */
import { readonly, ref } from 'vue';

export interface Toast {
  id: number;
  tone: 'ok' | 'bad';
  text: string;
  /** An in-app route to offer, e.g. the run just started. */
  link?: { to: string; label: string };
}

const toasts = ref<Toast[]>([]);
let nextId = 1;

export function useToasts() {
  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }
  function show(toast: Omit<Toast, 'id'>, ms = 6000): void {
    const id = nextId++;
    toasts.value = [...toasts.value.slice(-3), { ...toast, id }];
    setTimeout(() => dismiss(id), ms);
  }
  return { toasts: readonly(toasts), show, dismiss };
}
