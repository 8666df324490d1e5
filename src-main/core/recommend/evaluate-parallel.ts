/**
 * Cross-validation on two threads: the folds are independent fits (each starts its own seeded generator), so a
 * helper thread (cv-worker.ts) and the calling thread claim folds from a shared counter and the figures come out
 * exactly as crossValidate's, fold by fold; only the wall time halves. Small data, one core, or a build without
 * the worker file run on the calling thread alone.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { makeAlgorithm } from './algorithms.ts';
import type { RecommendEvalParams } from './algorithms.ts';
import type { RatingsData } from './dataset.ts';
import { crossValidate, cvResult, runFold } from './evaluate.ts';
import type { CvOptions, CvResult, FoldResult } from './evaluate.ts';
import { kFold } from './folds.ts';
import { workerEntry } from '../util/worker-entry.ts';

/** Below this many ratings a fold takes less than the helper thread needs to start. */
export const PARALLEL_MIN_RATINGS = 20_000;

/** What cv-worker.ts is started with. */
export interface CvWorkerData {
  data: RatingsData;
  params: Omit<RecommendEvalParams, 'folds'>;
  folds: number;
  seed: number;
  /** Int32 [next fold to claim]. */
  next: SharedArrayBuffer;
}

export type CvWorkerMessage = { fold: number; result: FoldResult } | { done: true };

export interface ParallelCvOptions extends CvOptions {
  /** Threads to use (default: up to 2). */
  threads?: number;
  /** Claim folds on this thread only once the helper is running (tests use it to be sure both threads work). */
  waitForHelper?: boolean;
}

export async function crossValidateParallel(
  data: RatingsData,
  params: Omit<RecommendEvalParams, 'folds'>,
  options: ParallelCvOptions,
): Promise<CvResult> {
  const startedAt = performance.now();
  const algo = makeAlgorithm(params);
  const threads = options.threads ?? Math.min(2, availableParallelism());
  const n = data.ratings.length;
  const url =
    threads >= 2 && n >= PARALLEL_MIN_RATINGS ? workerEntry(import.meta.url, 'cv-worker.ts', 'cv-worker.js') : null;
  if (!url) return crossValidate(data, algo, options);

  const splits = kFold(n, options.folds, options.seed);
  const total = splits.length;
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const results: (FoldResult | undefined)[] = new Array<FoldResult | undefined>(total);
  let done = 0;
  let helperFolds = 0;
  const workerData: CvWorkerData = { data, params, folds: options.folds, seed: options.seed, next };
  const worker = new Worker(url, { workerData });
  const online = new Promise<void>((resolve) => worker.once('online', resolve));
  // Settles when the helper has delivered its folds, failed or exited: folds it claimed but never delivered are
  // run here afterwards, so a helper that cannot start costs time, never the result.
  const finished = new Promise<void>((resolve) => {
    worker.on('message', (m: CvWorkerMessage) => {
      if ('done' in m) resolve();
      else {
        results[m.fold] = m.result;
        done++;
        helperFolds++;
      }
    });
    worker.once('error', () => resolve());
    worker.once('exit', () => resolve());
  });
  try {
    if (options.waitForHelper) await Promise.race([online, finished]);
    options.onFold?.(0, total);
    for (let f = Atomics.add(counter, 0, 1); f < total; f = Atomics.add(counter, 0, 1)) {
      results[f] = runFold(data, algo, splits[f]!);
      done++;
      // Let the helper's results in, so progress counts them.
      await new Promise<void>((resolve) => setImmediate(resolve));
      options.onFold?.(Math.min(done, total - 1), total);
    }
    await finished;
    for (let f = 0; f < total; f++) {
      if (results[f]) continue;
      results[f] = runFold(data, algo, splits[f]!);
      done++;
    }
    options.onFold?.(total, total);
  } finally {
    await worker.terminate();
  }
  return cvResult(algo.name, options.seed, n, results as FoldResult[], helperFolds > 0 ? 2 : 1, startedAt);
}
