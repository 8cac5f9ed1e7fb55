/**
 * Run now / enable / disable, shared by the jobs list and the job page: one request per job at a
 * time, and a toast that says what happened (with a link to the run that was started).
 */
import { ref } from 'vue';
import { api } from '../api/client.js';
import { useToasts } from './useToasts.js';

export function useJobActions(afterChange: () => unknown) {
  const pending = ref(new Set<string>());
  const { show } = useToasts();

  async function act<T>(jobId: string, action: () => Promise<T>, success: (result: T) => void): Promise<T | undefined> {
    if (pending.value.has(jobId)) return undefined;
    pending.value = new Set(pending.value).add(jobId);
    try {
      const result = await action();
      success(result);
      void afterChange();
      return result;
    } catch (error) {
      show({ tone: 'bad', text: `${jobId}: ${error instanceof Error ? error.message : String(error)}` }, 9000);
      return undefined;
    } finally {
      const next = new Set(pending.value);
      next.delete(jobId);
      pending.value = next;
    }
  }

  return {
    pending,
    trigger: (jobId: string, { toast = true } = {}) =>
      act(jobId, () => api.trigger(jobId), ({ runId }) => {
        if (toast) show({ tone: 'ok', text: `Started ${jobId}`, link: { to: `/runs/${runId}`, label: 'View run' } });
      }),
    setEnabled: (jobId: string, enabled: boolean) =>
      act(jobId, () => (enabled ? api.enable(jobId) : api.disable(jobId)), () =>
        show({ tone: 'ok', text: `${enabled ? 'Enabled' : 'Disabled'} ${jobId}` }),
      ),
  };
}
