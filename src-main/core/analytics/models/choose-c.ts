/**
 * Regularization chosen on the training rows only: k-fold cross-validated
 * ROC-AUC of L2 logistic regression over a grid of C, the largest C within
 * a hair of the best mean kept (ties go to the weaker penalty, which changes
 * a well-specified model least). The evaluation window is never read here.
 */
import { fitLogistic, predictProba } from './logistic.ts';
import { kFold, rocAuc } from './metrics.ts';

export const C_GRID = [0.003, 0.01, 0.03, 0.1, 0.3, 1] as const;

export interface CChoice {
  C: number;
  /** Mean cross-validated AUC per grid value, in grid order. */
  grid: { C: number; auc: number }[];
}

/** Rows of Z (n × d, prepared) in the given order. */
function take(Z: Float64Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((i, r) => out.set(Z.subarray(i * d, (i + 1) * d), r * d));
  return out;
}

// Beyond this many rows a seeded sample decides (30 fits of a 1M-row shop would dominate the job); at such
// sizes the penalty, which does not grow with n, barely moves the fit anyway.
const MAX_ROWS = 10_000;

export function chooseC(
  Zall: Float64Array,
  nAll: number,
  d: number,
  yAll: Uint8Array,
  options: { seed: number; folds?: number; grid?: readonly number[] },
): CChoice {
  const grid = options.grid ?? C_GRID;
  let Z = Zall;
  let y = yAll;
  let n = nAll;
  if (nAll > MAX_ROWS) {
    const sample = kFold(nAll, 2, options.seed)[0]!.test.subarray(0, MAX_ROWS);
    Z = take(Zall, d, sample);
    y = Uint8Array.from(sample, (i) => yAll[i]!);
    n = sample.length;
  }
  const folds = kFold(n, Math.min(options.folds ?? 5, n), options.seed);
  const sums = new Float64Array(grid.length);
  let used = 0;
  for (const f of folds) {
    const yTr = Uint8Array.from(f.train, (i) => y[i]!);
    const yTe = Uint8Array.from(f.test, (i) => y[i]!);
    const pos = yTr.reduce((a, b) => a + b, 0);
    const posTe = yTe.reduce((a, b) => a + b, 0);
    // A fold with one class cannot be fitted or scored: skip it (small data sets).
    if (pos === 0 || pos === yTr.length || posTe === 0 || posTe === yTe.length) continue;
    const Ztr = take(Z, d, f.train);
    const Zte = take(Z, d, f.test);
    grid.forEach((C, g) => {
      const m = fitLogistic(Ztr, f.train.length, d, yTr, { C });
      sums[g]! += rocAuc(yTe, predictProba(m, Zte, f.test.length));
    });
    used++;
  }
  if (used === 0) return { C: 1, grid: [] };
  const mean = Array.from(sums, (s) => s / used);
  const best = Math.max(...mean);
  let pick = 0;
  mean.forEach((m, g) => {
    if (m >= best - 1e-4) pick = g;
  });
  return { C: grid[pick]!, grid: grid.map((C, g) => ({ C, auc: mean[g]! })) };
}
