/** The open workspace's totals, refreshed on demand and whenever a job completes. */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { getTransport, toApiCallError } from '../api/transport.ts';
import type { Output, Stats } from '../api/types.ts';
import { useJobsStore } from './jobs.ts';

export const useWorkspaceStore = defineStore('workspace', () => {
  const stats = ref<Stats | null>(null);
  const info = ref<Output<'workspace.info'> | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      const transport = getTransport();
      const [s, i] = await Promise.all([transport.call('stats.get', {}), transport.call('workspace.info', {})]);
      stats.value = s;
      info.value = i;
      error.value = null;
    } catch (err) {
      error.value = toApiCallError(err).message;
    } finally {
      loading.value = false;
    }
  }

  const jobs = useJobsStore();
  watch(
    () => jobs.finishedCount,
    () => void refresh(),
  );

  return { stats, info, loading, error, refresh };
});
