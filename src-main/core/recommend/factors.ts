/** What the biased factor models (SVD, SVD++) share: visiting order and the prediction rule. */
import { clip } from './dataset.ts';
import type { Predictor, TrainSet } from './dataset.ts';

/** Dense indices in order of first appearance among the given rating positions (Surprise's inner ids). */
export function firstAppearance(rows: Int32Array, keys: Int32Array, n: number): Int32Array {
  const seen = new Uint8Array(n);
  const order = new Int32Array(n);
  let m = 0;
  for (let t = 0; t < rows.length; t++) {
    const x = keys[rows[t]!]!;
    if (seen[x] === 0) {
      seen[x] = 1;
      order[m++] = x;
    }
  }
  return order.subarray(0, m);
}

export interface BiasedFactors {
  mu: number;
  bu: Float64Array;
  bi: Float64Array;
  /** The user side of the dot product: p_u for SVD, p_u + |N(u)|^-½ Σ y_j for SVD++. */
  userVectors: Float64Array;
  qi: Float64Array;
  nFactors: number;
}

/**
 * r̂(u,i) = μ + b_u + b_i + q_iᵀ x_u, clipped to the rating scale; a user or an
 * item without training ratings drops its terms (μ + the known bias).
 */
export function biasedFactorPredictor(train: TrainSet, m: BiasedFactors): Predictor['predict'] {
  const { byUser, byItem, data } = train;
  const userKnown = new Uint8Array(data.nUsers);
  const itemKnown = new Uint8Array(data.nItems);
  for (let u = 0; u < userKnown.length; u++) userKnown[u] = byUser.indptr[u + 1]! > byUser.indptr[u]! ? 1 : 0;
  for (let i = 0; i < itemKnown.length; i++) itemKnown[i] = byItem.indptr[i + 1]! > byItem.indptr[i]! ? 1 : 0;
  const { mu, bu, bi, userVectors, qi, nFactors: f } = m;
  return (u: number, i: number): number => {
    const ku = userKnown[u] === 1;
    const ki = itemKnown[i] === 1;
    let est = mu;
    if (ku) est += bu[u]!;
    if (ki) est += bi[i]!;
    if (ku && ki) {
      const uo = u * f;
      const io = i * f;
      for (let g = 0; g < f; g++) est += qi[io + g]! * userVectors[uo + g]!;
    }
    return clip(est, data);
  };
}
