/**
 * Model metrics and data splits, with scikit-learn's definitions: regression
 * (R², RMSE, MAE), binary classification (accuracy, precision, recall, F1,
 * their macro averages, confusion matrix, ROC curve and AUC with ties),
 * k-fold and time-ordered splits, and seeded permutation importance.
 */
import { Rng } from '../../sample/rng.ts';

type Vec = ArrayLike<number>;

function sameLength(a: Vec, b: Vec): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new RangeError('empty input');
  return a.length;
}

/** Coefficient of determination; 1 for a perfect fit, 0 for the mean (scikit-learn returns 0 when y is constant and the fit is not perfect). */
export function r2Score(y: Vec, yHat: Vec): number {
  const n = sameLength(y, yHat);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let rss = 0;
  let tss = 0;
  for (let i = 0; i < n; i++) {
    rss += (y[i]! - yHat[i]!) ** 2;
    tss += (y[i]! - mean) ** 2;
  }
  if (tss === 0) return rss === 0 ? 1 : 0;
  return 1 - rss / tss;
}

export function rmse(y: Vec, yHat: Vec): number {
  const n = sameLength(y, yHat);
  let s = 0;
  for (let i = 0; i < n; i++) s += (y[i]! - yHat[i]!) ** 2;
  return Math.sqrt(s / n);
}

export function mae(y: Vec, yHat: Vec): number {
  const n = sameLength(y, yHat);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(y[i]! - yHat[i]!);
  return s / n;
}

/** Binary confusion matrix [[tn, fp], [fn, tp]] (scikit-learn's layout: rows true, columns predicted). */
export function confusionMatrix(y: Vec, yPred: Vec): [[number, number], [number, number]] {
  const n = sameLength(y, yPred);
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    const t = y[i] === 1;
    const p = yPred[i] === 1;
    if (t && p) tp++;
    else if (t) fn++;
    else if (p) fp++;
    else tn++;
  }
  return [
    [tn, fp],
    [fn, tp],
  ];
}

export interface ClassificationReport {
  accuracy: number;
  /** Of the positive class (label 1); 0 when undefined, as scikit-learn's zero_division default. */
  precision: number;
  recall: number;
  f1: number;
  /** Unweighted means over the two classes. */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  confusion: [[number, number], [number, number]];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const f1Of = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

export function classificationReport(y: Vec, yPred: Vec): ClassificationReport {
  const confusion = confusionMatrix(y, yPred);
  const [[tn, fp], [fn, tp]] = confusion;
  const n = tn + fp + fn + tp;
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  // Class 0 seen as the positive class.
  const p0 = ratio(tn, tn + fn);
  const r0 = ratio(tn, tn + fp);
  return {
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1: f1Of(precision, recall),
    macroPrecision: (precision + p0) / 2,
    macroRecall: (recall + r0) / 2,
    macroF1: (f1Of(precision, recall) + f1Of(p0, r0)) / 2,
    confusion,
  };
}

export function accuracy(y: Vec, yPred: Vec): number {
  return classificationReport(y, yPred).accuracy;
}

/** Labels 1 where score ≥ threshold. */
export function threshold(scores: Vec, t = 0.5): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! >= t ? 1 : 0;
  return out;
}

/**
 * Area under the ROC curve via the rank-sum (Mann–Whitney) statistic with
 * average ranks for tied scores — equal to scikit-learn's trapezoidal AUC,
 * where a tie between a positive and a negative counts one half.
 */
export function rocAuc(y: Vec, scores: Vec): number {
  const n = sameLength(y, scores);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let nPos = 0;
  let rankSum = 0;
  for (let s = 0; s < n;) {
    let e = s;
    while (e + 1 < n && scores[order[e + 1]!] === scores[order[s]!]) e++;
    const avgRank = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) {
      if (y[order[k]!] === 1) {
        nPos++;
        rankSum += avgRank;
      }
    }
    s = e + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) throw new RangeError('ROC AUC needs both classes');
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Decreasing; the first is +Infinity (nothing predicted positive). */
  thresholds: number[];
}

/** ROC points at every distinct score (scikit-learn's roc_curve with drop_intermediate=False). */
export function rocCurve(y: Vec, scores: Vec): RocCurve {
  const n = sameLength(y, scores);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let P = 0;
  for (let i = 0; i < n; i++) P += y[i] === 1 ? 1 : 0;
  const N = n - P;
  if (P === 0 || N === 0) throw new RangeError('ROC curve needs both classes');
  const out: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    if (y[order[k]!] === 1) tp++;
    else fp++;
    const s = scores[order[k]!]!;
    if (k + 1 < n && scores[order[k + 1]!] === s) continue;
    out.fpr.push(fp / N);
    out.tpr.push(tp / P);
    out.thresholds.push(s);
  }
  return out;
}

export interface Split {
  train: Int32Array;
  test: Int32Array;
}

/** k folds of near-equal size (the first n mod k folds one larger, as scikit-learn's KFold); rows shuffled with the seed when given. */
export function kFold(n: number, k: number, seed?: number): Split[] {
  if (!(Number.isInteger(k) && k >= 2 && k <= n)) throw new RangeError(`k must be a whole number from 2 to n = ${n}`);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  if (seed !== undefined) {
    const rng = new Rng(seed, 0x6b66);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
  }
  const out: Split[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test = idx.slice(start, start + size).sort();
    const train = Int32Array.from([...idx.slice(0, start), ...idx.slice(start + size)]).sort();
    out.push({ train, test });
    start += size;
  }
  return out;
}

/**
 * Expanding-window splits over time (scikit-learn's TimeSeriesSplit): rows
 * ordered by `times`; each split trains on everything before a boundary and
 * tests on the next block, so no test row is earlier than a training row.
 */
export function timeSplits(times: Vec, nSplits: number): Split[] {
  const n = times.length;
  if (!(Number.isInteger(nSplits) && nSplits >= 1 && n >= nSplits + 1)) {
    throw new RangeError(`need at least ${nSplits + 1} rows for ${nSplits} splits`);
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const testSize = Math.floor(n / (nSplits + 1));
  const out: Split[] = [];
  for (let s = 0; s < nSplits; s++) {
    const end = n - (nSplits - s) * testSize;
    out.push({ train: order.slice(0, end).sort(), test: order.slice(end, end + testSize).sort() });
  }
  return out;
}

export interface PermutationImportance {
  /** Mean drop of the score when the feature's column is shuffled. */
  mean: number[];
  std: number[];
  baseline: number;
}

/**
 * Permutation importance of every column for any model: `score(X)` returns
 * a higher-is-better score on the (possibly permuted) matrix. Seeded: the
 * same seed gives the same shuffles.
 */
export function permutationImportance(
  X: Float64Array,
  n: number,
  d: number,
  score: (X: Float64Array) => number,
  options: { repeats?: number; seed: number },
): PermutationImportance {
  const repeats = options.repeats ?? 5;
  const baseline = score(X);
  const rng = new Rng(options.seed, 0x7065);
  const work = Float64Array.from(X);
  const perm = new Int32Array(n);
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < d; j++) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < n; i++) perm[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        const t = perm[i]!;
        perm[i] = perm[k]!;
        perm[k] = t;
      }
      for (let i = 0; i < n; i++) work[i * d + j] = X[perm[i]! * d + j]!;
      drops.push(baseline - score(work));
    }
    for (let i = 0; i < n; i++) work[i * d + j] = X[i * d + j]!;
    const m = drops.reduce((a, b) => a + b, 0) / repeats;
    mean.push(m);
    std.push(Math.sqrt(drops.reduce((a, b) => a + (b - m) ** 2, 0) / repeats));
  }
  return { mean, std, baseline };
}
