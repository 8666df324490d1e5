/**
 * One analysis (or recommendation) job as a view sees it: the latest stored
 * run's result, read on mount, and a Run that starts the job, follows its
 * progress through the jobs store and shows its result when it completes.
 */
import { computed, ref, shallowRef, watch } from 'vue';
import { getTransport, toApiCallError } from '../api/transport.ts';
import { asResult, type ResultOf } from '../api/results.ts';
import type { Input, JobState, Method } from '../api/types.ts';
import { useJobsStore } from '../stores/jobs.ts';

type StartMethod = Extract<
  Method,
  | 'analysis.rfm'
  | 'analysis.cluster'
  | 'analysis.clv'
  | 'recommend.implicitEval'
  | 'recommend.for'
  | 'analysis.churn'
  | 'analysis.regress'
  | 'analysis.classify'
  | 'report.create'
>;

const RUNNING: ReadonlySet<JobState['status']> = new Set(['queued', 'running']);

export function useJobRun<K extends keyof ResultOf, M extends StartMethod>(
  kind: K,
  method: M,
  options: { stored: boolean } = { stored: true },
) {
  const jobs = useJobsStore();
  const result = shallowRef<ResultOf[K] | null>(null);
  /** When the shown result was stored (seconds since the epoch), for stored runs. */
  const createdAt = ref<number | null>(null);
  const jobId = ref<string | null>(null);
  const error = ref<string | null>(null);
  const cancelled = ref(false);
  const loading = ref(false);

  const job = computed(() => (jobId.value ? jobs.get(jobId.value) : undefined));
  const running = computed(
    () => (jobId.value !== null && !job.value) || (!!job.value && RUNNING.has(job.value.status)),
  );

  async function loadLatest(): Promise<void> {
    if (!options.stored) return;
    loading.value = true;
    try {
      const transport = getTransport();
      const runs = await transport.call('analysis.runs', { kind });
      const latest = runs.find((r) => r.status === 'completed');
      if (!latest) return;
      const value = asResult(kind, await transport.call('analysis.result', { runId: latest.id }));
      if (value) {
        result.value = value;
        createdAt.value = latest.createdAt;
      }
    } catch (err) {
      error.value = toApiCallError(err).message;
    } finally {
      loading.value = false;
    }
  }

  async function run(input: Input<M>): Promise<void> {
    error.value = null;
    cancelled.value = false;
    try {
      const started = await getTransport().call(method, input);
      jobId.value = (started as { jobId: string }).jobId;
    } catch (err) {
      error.value = toApiCallError(err).message;
    }
  }

  async function cancel(): Promise<void> {
    if (jobId.value) await jobs.cancel(jobId.value);
  }

  async function finished(state: JobState): Promise<void> {
    if (state.status === 'failed') error.value = state.error ?? state.status;
    else if (state.status === 'cancelled') cancelled.value = true;
    else if (state.status === 'completed') {
      let value = asResult(kind, state.result);
      if (!value) {
        // A job event without its result: ask for the job itself.
        const full = await getTransport().call('jobs.get', { jobId: state.id });
        value = asResult(kind, full.result);
      }
      if (value) {
        result.value = value;
        createdAt.value = Math.floor((state.finishedAt ?? Date.now()) / 1000);
      } else if (options.stored) await loadLatest();
    }
  }

  watch(
    () => job.value?.status,
    (status) => {
      if (job.value && status && !RUNNING.has(status)) void finished(job.value);
    },
  );

  return { result, createdAt, job, jobId, running, error, cancelled, loading, loadLatest, run, cancel };
}
