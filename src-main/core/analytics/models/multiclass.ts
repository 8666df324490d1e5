/**
 * Multi-class building blocks beside the binary ones: scikit-learn's
 * multinomial logistic regression (lbfgs, L2 on the weights only), one
 * binary CART tree per class (one-vs-rest, probabilities normalized), and the
 * multi-class report (accuracy, per-class and macro precision / recall / F1,
 * k × k confusion matrix with rows true and columns predicted).
 */
import { minimizeLbfgs } from '../optim/lbfgs.ts';
import { fitTree, predictTree, type Tree, type TreeOptions } from './tree.ts';

export interface SoftmaxModel {
  d: number;
  k: number;
  /** k × d row-major. */
  coef: Float64Array;
  intercept: Float64Array;
}

/**
 * Minimizes C · Σ −log p(yᵢ | xᵢ) + ½ ‖W‖² (scikit-learn's multinomial
 * LogisticRegression objective), scaled by 1/(C n) so the gradient tolerance
 * does not depend on n and C.
 */
export function fitSoftmax(
  X: Float64Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  k: number,
  options: { C?: number; maxIterations?: number } = {},
): SoftmaxModel & { iterations: number; converged: boolean } {
  if (X.length !== n * d || y.length !== n || n === 0) throw new RangeError('X must be n × d and y of length n ≥ 1');
  const C = options.C ?? 1;
  if (!(C > 0)) throw new RangeError('C must be > 0');
  for (let i = 0; i < n; i++) {
    if (!(Number.isInteger(y[i]) && y[i]! >= 0 && y[i]! < k))
      throw new RangeError(`labels must be whole numbers 0–${k - 1}`);
  }
  const penalty = Number.isFinite(C) ? 1 / C : 0;
  const z = new Float64Array(k);
  const W = k * d;
  const f = (p: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let v = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = p[W + c]!;
        for (let j = 0; j < d; j++) s += p[c * d + j]! * X[i * d + j]!;
        z[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(z[c]! - max);
      const lse = max + Math.log(sum);
      const yi = y[i]!;
      v += lse - z[yi]!;
      for (let c = 0; c < k; c++) {
        const r = Math.exp(z[c]! - lse) - (c === yi ? 1 : 0);
        if (r === 0) continue;
        for (let j = 0; j < d; j++) g[c * d + j]! += r * X[i * d + j]!;
        g[W + c]! += r;
      }
    }
    for (let t = 0; t < W; t++) {
      v += 0.5 * penalty * p[t]! ** 2;
      g[t]! += penalty * p[t]!;
    }
    for (let t = 0; t < g.length; t++) g[t]! /= n;
    return v / n;
  };
  const res = minimizeLbfgs(f, new Float64Array(W + k), {
    maxIterations: options.maxIterations ?? 1000,
    gradientTolerance: 1e-8,
    memory: 10,
  });
  return {
    d,
    k,
    coef: res.x.slice(0, W),
    intercept: res.x.slice(W),
    iterations: res.iterations,
    converged: res.converged || res.message === 'objective stopped decreasing',
  };
}

/** n × k class probabilities. */
export function softmaxProba(model: SoftmaxModel, X: Float64Array, n: number): Float64Array {
  const { d, k, coef, intercept } = model;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let s = intercept[c]!;
      for (let j = 0; j < d; j++) s += coef[c * d + j]! * X[i * d + j]!;
      out[i * k + c] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(out[i * k + c]! - max);
      out[i * k + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) out[i * k + c]! /= sum;
  }
  return out;
}

/** One binary tree per class ("this class or not"); see ovrTreeProba. */
export function fitOvrTrees(
  X: Float64Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  k: number,
  options: TreeOptions,
): Tree[] {
  const yc = new Uint8Array(n);
  return Array.from({ length: k }, (_, c) => {
    for (let i = 0; i < n; i++) yc[i] = y[i] === c ? 1 : 0;
    return fitTree(X, n, d, yc, options);
  });
}

/** Each tree's leaf share of its class, normalized to sum 1 per row (uniform when every tree says 0). */
export function ovrTreeProba(trees: readonly Tree[], X: Float64Array, n: number): Float64Array {
  const k = trees.length;
  const out = new Float64Array(n * k);
  trees.forEach((t, c) => {
    const p = predictTree(t, X, n);
    for (let i = 0; i < n; i++) out[i * k + c] = p[i]!;
  });
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += out[i * k + c]!;
    for (let c = 0; c < k; c++) out[i * k + c] = s > 0 ? out[i * k + c]! / s : 1 / k;
  }
  return out;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface MulticlassReport {
  accuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** k × k: confusion[true][predicted]. */
  confusion: number[][];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** scikit-learn's definitions (zero_division = 0); macro averages over all k classes. */
export function multiclassReport(y: ArrayLike<number>, yPred: ArrayLike<number>, k: number): MulticlassReport {
  const n = y.length;
  if (yPred.length !== n || n === 0) throw new RangeError('need equally long, non-empty label lists');
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let hit = 0;
  for (let i = 0; i < n; i++) {
    confusion[y[i]!]![yPred[i]!]!++;
    if (y[i] === yPred[i]) hit++;
  }
  const perClass = confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[c]!, 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const avg = (f: (m: ClassMetrics) => number) => perClass.reduce((a, m) => a + f(m), 0) / k;
  return {
    accuracy: hit / n,
    macroPrecision: avg((m) => m.precision),
    macroRecall: avg((m) => m.recall),
    macroF1: avg((m) => m.f1),
    perClass,
    confusion,
  };
}
