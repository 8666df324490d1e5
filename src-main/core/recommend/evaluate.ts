/**
 * Cross-validation as Surprise's cross_validate: for each fold, fit on the
 * other folds and predict the held-out ratings; RMSE and MAE per fold and their
 * mean. Predictions for a user or item unseen in training use each algorithm's
 * fallback (documented in knn.ts / baseline.ts / svd.ts).
 */
import { buildTrainSet } from './dataset.ts';
import type { Algorithm, RatingsData } from './dataset.ts';
import { kFold } from './folds.ts';

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

export function crossValidate(data: RatingsData, algo: Algorithm, options: CvOptions): CvResult {
  const n = data.ratings.length;
  const folds = kFold(n, options.folds, options.seed);
  const rmse: number[] = [];
  const mae: number[] = [];
  const fitSeconds: number[] = [];
  const testSeconds: number[] = [];
  for (let f = 0; f < folds.length; f++) {
    options.onFold?.(f, folds.length);
    const fold = folds[f]!;
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
    rmse.push(Math.sqrt(se / test.length));
    mae.push(ae / test.length);
    fitSeconds.push((t1 - t0) / 1000);
    testSeconds.push((t2 - t1) / 1000);
  }
  options.onFold?.(folds.length, folds.length);
  return {
    algo: algo.name,
    folds: folds.length,
    seed: options.seed,
    ratings: n,
    rmse: metric(rmse),
    mae: metric(mae),
    fitSeconds: metric(fitSeconds),
    testSeconds: metric(testSeconds),
  };
}
