/**
 * Cross-validation as Surprise's cross_validate: for each fold, fit on the
 * other folds and predict the held-out ratings; RMSE and MAE per fold and their
 * mean. Predictions for a user or item unseen in training use each algorithm's
 * fallback (documented in knn.ts / baseline.ts / svd.ts).
 */
import { buildTrainSet } from './dataset.ts';
import type { Algorithm, RatingsData } from './dataset.ts';
import { kFold } from './folds.ts';
import type { Fold } from './folds.ts';

export interface Metric {
  mean: number;
  std: number;
  folds: number[];
}

export interface CvResult {
  algo: string;
  folds: number;
  seed: number;
  ratings: number;
  /** Threads that ran folds (a second one takes folds as they come; the figures are the same either way). */
  threads: number;
  /** The whole cross-validation, start to end (with two threads less than the fit and test times summed). */
  wallSeconds: number;
  rmse: Metric;
  mae: Metric;
  fitSeconds: Metric;
  testSeconds: Metric;
}

export interface CvOptions {
  folds: number;
  seed: number;
  /** Called before each fold (done = folds finished so far) and after the last; may throw to stop. */
  onFold?: (done: number, total: number) => void;
}

function metric(values: number[]): Metric {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance), folds: values };
}

/** One fold's figures. */
export interface FoldResult {
  rmse: number;
  mae: number;
  fitSeconds: number;
  testSeconds: number;
}

/** Fits on the fold's training ratings and predicts its held-out ones. */
export function runFold(data: RatingsData, algo: Algorithm, fold: Fold): FoldResult {
  const t0 = performance.now();
  const model = algo.fit(buildTrainSet(data, fold.train));
  const t1 = performance.now();
  let se = 0;
  let ae = 0;
  const test = fold.test;
  for (let t = 0; t < test.length; t++) {
    const k = test[t]!;
    const err = data.ratings[k]! - model.predict(data.users[k]!, data.items[k]!);
    se += err * err;
    ae += Math.abs(err);
  }
  const t2 = performance.now();
  return {
    rmse: Math.sqrt(se / test.length),
    mae: ae / test.length,
    fitSeconds: (t1 - t0) / 1000,
    testSeconds: (t2 - t1) / 1000,
  };
}

/** The per-fold figures (in fold order) summed up as one result. */
export function cvResult(
  algo: string,
  seed: number,
  ratings: number,
  folds: FoldResult[],
  threads: number,
  startedAt: number,
): CvResult {
  return {
    algo,
    folds: folds.length,
    seed,
    ratings,
    threads,
    wallSeconds: (performance.now() - startedAt) / 1000,
    rmse: metric(folds.map((f) => f.rmse)),
    mae: metric(folds.map((f) => f.mae)),
    fitSeconds: metric(folds.map((f) => f.fitSeconds)),
    testSeconds: metric(folds.map((f) => f.testSeconds)),
  };
}

export function crossValidate(data: RatingsData, algo: Algorithm, options: CvOptions): CvResult {
  const startedAt = performance.now();
  const folds = kFold(data.ratings.length, options.folds, options.seed);
  const results: FoldResult[] = [];
  for (let f = 0; f < folds.length; f++) {
    options.onFold?.(f, folds.length);
    results.push(runFold(data, algo, folds[f]!));
  }
  options.onFold?.(folds.length, folds.length);
  return cvResult(algo.name, options.seed, data.ratings.length, results, 1, startedAt);
}
