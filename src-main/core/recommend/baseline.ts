/**
 * Baseline estimates b(u,i) = μ + b_u + b_i fitted by alternating least squares,
 * as Surprise's BaselineOnly with method 'als' (Koren 2010, section 2.1): each
 * epoch first sets every item bias, then every user bias, each a regularised
 * mean of the residuals.
 */
import { clip } from './dataset.ts';
import type { Algorithm, Predictor, TrainSet } from './dataset.ts';

export interface BaselineOptions {
  /** Surprise defaults: 10 epochs, reg_i = 10, reg_u = 15. */
  nEpochs?: number;
  regI?: number;
  regU?: number;
}

export interface Baselines {
  bu: Float64Array;
  bi: Float64Array;
}

export function fitBaselines(train: TrainSet, options: BaselineOptions = {}): Baselines {
  const nEpochs = options.nEpochs ?? 10;
  const regI = options.regI ?? 10;
  const regU = options.regU ?? 15;
  const { byUser, byItem, globalMean: mu } = train;
  const bu = new Float64Array(train.data.nUsers);
  const bi = new Float64Array(train.data.nItems);
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    for (let i = 0; i < bi.length; i++) {
      const a = byItem.indptr[i]!;
      const b = byItem.indptr[i + 1]!;
      let dev = 0;
      for (let p = a; p < b; p++) dev += byItem.values[p]! - mu - bu[byItem.indices[p]!]!;
      bi[i] = dev / (regI + (b - a));
    }
    for (let u = 0; u < bu.length; u++) {
      const a = byUser.indptr[u]!;
      const b = byUser.indptr[u + 1]!;
      let dev = 0;
      for (let p = a; p < b; p++) dev += byUser.values[p]! - mu - bi[byUser.indices[p]!]!;
      bu[u] = dev / (regU + (b - a));
    }
  }
  return { bu, bi };
}

export function baselineOnly(options: BaselineOptions = {}): Algorithm {
  return {
    name: 'BaselineOnly',
    fit(train: TrainSet): Predictor {
      const { bu, bi } = fitBaselines(train, options);
      const mu = train.globalMean;
      const data = train.data;
      // A user or item absent from training has bias 0 (never updated): μ + the known bias.
      return { predict: (u, i) => clip(mu + (bu[u] ?? 0) + (bi[i] ?? 0), data) };
    },
  };
}
