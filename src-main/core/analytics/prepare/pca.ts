/**
 * Principal component analysis on an n × d row-major matrix: centre (and
 * optionally scale to unit variance), covariance, Jacobi eigen-decomposition.
 * Matches scikit-learn's PCA (full SVD): explained_variance_ with ddof 1, the
 * ratio over the total variance, and svd_flip's sign rule of scikit-learn ≤ 1.4
 * (u-based: each component's largest-|score| training row gets a positive
 * score), so components and scores compare one to one.
 */
import { symmetricEigen } from './eigen.ts';

export interface PcaModel {
  d: number;
  k: number;
  mean: Float64Array;
  /** Divisor per column when scaled (population std, 1 for constant columns); null when only centred. */
  scale: Float64Array | null;
  /** k × d row-major, unit rows. */
  components: Float64Array;
  /** Variance along each component (ddof 1, as scikit-learn). */
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
}

export interface PcaOptions {
  /** Components to keep (default min(n, d)). */
  components?: number;
  /** Standardize the columns first (a correlation-matrix PCA). */
  scale?: boolean;
}

/** Fits the PCA and returns the training rows' scores (n × k) too. */
export function fitPca(
  X: Float64Array,
  n: number,
  d: number,
  options: PcaOptions = {},
): { model: PcaModel; scores: Float64Array } {
  if (X.length !== n * d || n < 2 || d < 1) throw new RangeError('PCA needs an n × d matrix with n ≥ 2 and d ≥ 1');
  const k = options.components ?? Math.min(n, d);
  if (!(Number.isInteger(k) && k >= 1 && k <= Math.min(n, d))) {
    throw new RangeError(`components must be a whole number from 1 to ${Math.min(n, d)}`);
  }
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  let scale: Float64Array | null = null;
  if (options.scale) {
    scale = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j]! += (X[i * d + j]! - mean[j]!) ** 2;
    for (let j = 0; j < d; j++) scale[j] = scale[j]! > 0 ? Math.sqrt(scale[j]! / n) : 1;
  }
  // Centred (scaled) copy once; the covariance is its Gram matrix / (n − 1).
  const Z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) Z[i * d + j] = (X[i * d + j]! - mean[j]!) / (scale ? scale[j]! : 1);
  }
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let p = 0; p < d; p++) {
      const zp = Z[o + p]!;
      if (zp === 0) continue;
      for (let q = p; q < d; q++) cov[p * d + q]! += zp * Z[o + q]!;
    }
  }
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      cov[p * d + q]! /= n - 1;
      cov[q * d + p] = cov[p * d + q]!;
    }
  }
  let total = 0;
  for (let p = 0; p < d; p++) total += cov[p * d + p]!;
  const { values, vectors } = symmetricEigen(cov, d);
  const components = vectors.slice(0, k * d);
  const scores = new Float64Array(n * k);
  project(Z, n, d, components, k, scores);
  for (let c = 0; c < k; c++) {
    // svd_flip (u-based): the first row with the largest |score| decides the sign.
    let best = 0;
    let arg = 0;
    for (let i = 0; i < n; i++) {
      const s = Math.abs(scores[i * k + c]!);
      if (s > best) {
        best = s;
        arg = i;
      }
    }
    if (scores[arg * k + c]! < 0) {
      for (let j = 0; j < d; j++) components[c * d + j] = -components[c * d + j]!;
      for (let i = 0; i < n; i++) scores[i * k + c] = -scores[i * k + c]!;
    }
  }
  const explainedVariance = Float64Array.from(values.subarray(0, k), (x) => Math.max(0, x));
  const explainedVarianceRatio = Float64Array.from(explainedVariance, (x) => (total > 0 ? x / total : 0));
  return { model: { d, k, mean, scale, components, explainedVariance, explainedVarianceRatio }, scores };
}

function project(Z: Float64Array, n: number, d: number, comps: Float64Array, k: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Z[i * d + j]! * comps[c * d + j]!;
      out[i * k + c] = s;
    }
  }
}

/** Scores (m × k) of new rows with the fitted centring, scaling and components. */
export function pcaTransform(model: PcaModel, X: Float64Array, m: number): Float64Array {
  const { d, k, mean, scale } = model;
  if (X.length !== m * d) throw new RangeError(`rows must have ${d} columns`);
  const Z = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < d; j++) Z[i * d + j] = (X[i * d + j]! - mean[j]!) / (scale ? scale[j]! : 1);
  }
  const out = new Float64Array(m * k);
  project(Z, m, d, model.components, k, out);
  return out;
}
