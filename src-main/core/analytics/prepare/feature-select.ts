/**
 * Correlation-based feature selection: of every pair of columns with
 * |Pearson r| above a threshold, one is dropped — the one less related to the
 * target when a relevance per column is given, otherwise the later column —
 * and constant columns (no information, r undefined) are dropped first. Pairs
 * are visited from the most correlated down, so a column that was already
 * dropped does not knock out a third one. Every drop is reported with why.
 */

export interface DroppedFeature {
  feature: string;
  reason: 'constant' | 'correlated';
  /** The kept column it duplicated, and their r (correlated only). */
  correlatedWith: string | null;
  r: number | null;
}

export interface FeatureSelection {
  threshold: number;
  /** Indices of the kept columns, ascending. */
  kept: number[];
  keptFeatures: string[];
  dropped: DroppedFeature[];
}

/** Pearson correlations of all column pairs (d × d, row-major); 0 where a column is constant. */
export function correlationMatrix(X: Float64Array, n: number, d: number): { r: Float64Array; sd: Float64Array } {
  if (X.length !== n * d || n < 2) throw new RangeError('need an n × d matrix with n ≥ 2');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) {
      const ep = X[i * d + p]! - mean[p]!;
      if (ep === 0) continue;
      for (let q = p; q < d; q++) cov[p * d + q]! += ep * (X[i * d + q]! - mean[q]!);
    }
  }
  const sd = Float64Array.from({ length: d }, (_, j) => Math.sqrt(cov[j * d + j]! / n));
  const r = new Float64Array(d * d);
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      const den = Math.sqrt(cov[p * d + p]! * cov[q * d + q]!);
      const v = p === q ? (den > 0 ? 1 : 0) : den > 0 ? cov[p * d + q]! / den : 0;
      r[p * d + q] = v;
      r[q * d + p] = v;
    }
  }
  return { r, sd };
}

/** |Pearson r| of each column with a numeric target (0 for constant columns). */
export function targetCorrelation(X: Float64Array, n: number, d: number, y: ArrayLike<number>): Float64Array {
  if (y.length !== n) throw new RangeError('target length must be n');
  const Xy = new Float64Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    Xy.set(X.subarray(i * d, i * d + d), i * (d + 1));
    Xy[i * (d + 1) + d] = y[i]!;
  }
  const { r } = correlationMatrix(Xy, n, d + 1);
  return Float64Array.from({ length: d }, (_, j) => Math.abs(r[j * (d + 1) + d]!));
}

/**
 * Correlation ratio η of each column with class labels 0..k−1: the share of
 * the column's variance explained by the class means (√ of it), the
 * categorical analogue of |r|.
 */
export function classRelevance(
  X: Float64Array,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  k: number,
): Float64Array {
  const count = new Float64Array(k);
  const sums = new Float64Array(k * d);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    count[c]!++;
    for (let j = 0; j < d; j++) {
      sums[c * d + j]! += X[i * d + j]!;
      mean[j]! += X[i * d + j]! / n;
    }
  }
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += (X[i * d + j]! - mean[j]!) ** 2;
    let between = 0;
    for (let c = 0; c < k; c++)
      if (count[c]! > 0) between += count[c]! * (sums[c * d + j]! / count[c]! - mean[j]!) ** 2;
    out[j] = total > 0 ? Math.sqrt(Math.min(1, between / total)) : 0;
  }
  return out;
}

export function selectUncorrelated(
  X: Float64Array,
  n: number,
  d: number,
  names: readonly string[],
  options: { threshold?: number; relevance?: ArrayLike<number> } = {},
): FeatureSelection {
  const threshold = options.threshold ?? 0.95;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
  if (names.length !== d) throw new RangeError('one name per column');
  const rel = options.relevance;
  if (rel && rel.length !== d) throw new RangeError('one relevance per column');
  const { r, sd } = correlationMatrix(X, n, d);
  const keep = new Uint8Array(d).fill(1);
  const dropped: DroppedFeature[] = [];
  for (let j = 0; j < d; j++) {
    if (sd[j] === 0) {
      keep[j] = 0;
      dropped.push({ feature: names[j]!, reason: 'constant', correlatedWith: null, r: null });
    }
  }
  const pairs: { p: number; q: number; r: number }[] = [];
  for (let p = 0; p < d; p++) {
    for (let q = p + 1; q < d; q++) if (Math.abs(r[p * d + q]!) > threshold) pairs.push({ p, q, r: r[p * d + q]! });
  }
  pairs.sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.p - b.p || a.q - b.q);
  for (const { p, q, r: rpq } of pairs) {
    if (!keep[p] || !keep[q]) continue;
    // Keep the column more related to the target; on a tie (or without a target) the earlier one.
    const drop = rel && rel[q]! > rel[p]! ? p : q;
    const other = drop === p ? q : p;
    keep[drop] = 0;
    dropped.push({ feature: names[drop]!, reason: 'correlated', correlatedWith: names[other]!, r: rpq });
  }
  const kept = Array.from({ length: d }, (_, j) => j).filter((j) => keep[j]);
  return { threshold, kept, keptFeatures: kept.map((j) => names[j]!), dropped };
}

/** The kept columns of X as a new n × kept.length matrix. */
export function selectColumns(X: Float64Array, n: number, d: number, kept: readonly number[]): Float64Array {
  const m = kept.length;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) out[i * m + c] = X[i * d + kept[c]!]!;
  return out;
}
