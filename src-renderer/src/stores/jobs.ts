/**
 * Every job the core runs, kept current from server events. Views watch
 * `finishedCount` to refresh what a finished job changed.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { getTransport } from '../api/transport.ts';
import type { JobState } from '../api/types.ts';

const FINISHED: ReadonlySet<JobState['status']> = new Set(['completed', 'failed', 'cancelled']);

export const useJobsStore = defineStore('jobs', () => {
  const byId = ref<Record<string, JobState>>({});
  /** Bumped whenever a job completes successfully. */
  const finishedCount = ref(0);
  let stop: (() => void) | null = null;

  const all = computed(() => Object.values(byId.value).sort((a, b) => b.startedAt - a.startedAt));
  const active = computed(() => all.value.filter((j) => !FINISHED.has(j.status)));

  function apply(job: JobState): void {
    const before = byId.value[job.id];
    byId.value = { ...byId.value, [job.id]: job };
    if (job.status === 'completed' && before?.status !== 'completed') finishedCount.value++;
  }

  async function start(): Promise<void> {
    if (stop) return;
    const transport = getTransport();
    stop = transport.onEvent((event) => {
      if (event.type === 'job') apply(event.job);
      // Another workspace was opened (here or in another window): every view's data is stale.
      else if (event.type === 'workspace') window.location.reload();
    });
    try {
      for (const job of await transport.call('jobs.list', {})) {
        if (!byId.value[job.id]) byId.value = { ...byId.value, [job.id]: job };
      }
    } catch {
      // The list is a convenience; events keep the store current.
    }
  }

  async function cancel(jobId: string): Promise<void> {
    await getTransport().call('jobs.cancel', { jobId });
  }

  function get(jobId: string): JobState | undefined {
    return byId.value[jobId];
  }

  return { all, active, finishedCount, start, cancel, get, apply };
});
