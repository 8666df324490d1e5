/**
 * A job started by any method that answers with a job reference (the language model's structured work):
 * follows it through the jobs store and calls `onDone` when it completes.
 */
import { computed, ref, watch } from 'vue';
import { toApiCallError } from '../api/transport.ts';
import type { JobState } from '../api/types.ts';
import { useJobsStore } from '../stores/jobs.ts';

const RUNNING: ReadonlySet<JobState['status']> = new Set(['queued', 'running']);

export function useTask(onDone: (job: JobState) => void | Promise<void>) {
  const jobs = useJobsStore();
  const jobId = ref<string | null>(null);
  const error = ref<string | null>(null);
  const cancelled = ref(false);
  const job = computed(() => (jobId.value ? jobs.get(jobId.value) : undefined));
  const running = computed(() => jobId.value !== null && (!job.value || RUNNING.has(job.value.status)));

  async function start(call: () => Promise<{ jobId: string }>): Promise<void> {
    error.value = null;
    cancelled.value = false;
    try {
      jobId.value = (await call()).jobId;
    } catch (err) {
      error.value = toApiCallError(err).message;
    }
  }

  watch(
    () => job.value?.status,
    (status) => {
      const j = job.value;
      if (!j || !status || RUNNING.has(status)) return;
      if (status === 'failed') error.value = j.error ?? status;
      if (status === 'cancelled') cancelled.value = true;
      void onDone(j);
    },
  );

  return {
    job,
    running,
    error,
    cancelled,
    start,
    cancel: () => (jobId.value ? jobs.cancel(jobId.value) : Promise.resolve()),
  };
}
