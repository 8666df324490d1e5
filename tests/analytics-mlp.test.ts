import { describe, expect, it } from 'vitest';
import { permutationImportances } from '../src-main/core/analytics/models/importance.ts';
import {
  argmaxRows,
  fitMlp,
  initMlp,
  mlpLossAndGradient,
  mlpPredictProba,
  stratifiedHoldout,
} from '../src-main/core/analytics/models/mlp.ts';
import { Rng } from '../src-main/core/sample/rng.ts';
import { loadMlFixture } from './helpers/ml-fixtures.ts';

/**
 * Reference figures: scikit-learn 1.2.1 (Debian python3-sklearn), from
 * tests/fixtures/ml/make-fixtures.py (which also wrote the CSV fixtures):
 *   MLPClassifier(hidden_layer_sizes=(16,), activation='relu', solver='adam',
 *     alpha=1e-4, learning_rate_init=0.01, batch_size=32, max_iter=500,
 *     early_stopping=True, validation_fraction=0.1, n_iter_no_change=10,
 *     tol=1e-4, random_state=0..9), features standardized with the training
 *   rows' mean and std; mean test accuracy over the 10 seeds:
 *     iris.csv   (test = every 5th row, 30 rows)    0.8667
 *     blobs4.csv (make_classification 600×8, 4 classes, random_state=7;
 *                 test = rows 400–599)               0.8435
 * Tolerance: our mean over seeds 0..9 ≥ scikit-learn's − 0.03 (same
 * architecture and optimizer; different random streams, so not identical).
 */
const SK_MLP_MEAN_ACCURACY = { 'iris.csv': 0.8666666666666668, 'blobs4.csv': 0.8434999999999999 };

function standardizedSplit(name: string, isTest: (i: number) => boolean) {
  const { X, y, n, d } = loadMlFixture(name);
  const tr: number[] = [];
  const te: number[] = [];
  for (let i = 0; i < n; i++) (isTest(i) ? te : tr).push(i);
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const i of tr) for (let j = 0; j < d; j++) mean[j]! += X[i * d + j]! / tr.length;
  for (const i of tr) for (let j = 0; j < d; j++) sd[j]! += (X[i * d + j]! - mean[j]!) ** 2 / tr.length;
  const take = (rows: number[]) => {
    const M = new Float64Array(rows.length * d);
    rows.forEach((i, r) => {
      for (let j = 0; j < d; j++) M[r * d + j] = (X[i * d + j]! - mean[j]!) / Math.sqrt(sd[j]!);
    });
    return { X: M, y: Int32Array.from(rows, (i) => y[i]!), n: rows.length };
  };
  return { train: take(tr), test: take(te), d, k: Math.max(...y) + 1 };
}

const accuracyOf = (P: Float64Array, y: Int32Array, k: number) => {
  const pred = argmaxRows(P, y.length, k);
  let hit = 0;
  for (let i = 0; i < y.length; i++) hit += pred[i] === y[i] ? 1 : 0;
  return hit / y.length;
};

describe('MLP classifier', () => {
  it('backpropagation matches finite differences (ReLU and tanh, with L2)', () => {
    const rng = new Rng(11, 1);
    const n = 7;
    const d = 4;
    const k = 3;
    const X = Float64Array.from({ length: n * d }, () => rng.normal(0, 1));
    const y = Int32Array.from({ length: n }, (_, i) => i % k);
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    for (const activation of ['relu', 'tanh'] as const) {
      const model = initMlp(d, 5, k, activation, 3);
      const grad = new Float64Array(model.params.length);
      mlpLossAndGradient(model, X, y, idx, 0.3, grad);
      const probe = new Float64Array(model.params.length);
      const h = 1e-6;
      for (let t = 0; t < model.params.length; t++) {
        const w0 = model.params[t]!;
        model.params[t] = w0 + h;
        const up = mlpLossAndGradient(model, X, y, idx, 0.3, probe);
        model.params[t] = w0 - h;
        const down = mlpLossAndGradient(model, X, y, idx, 0.3, probe);
        model.params[t] = w0;
        expect(Math.abs((up - down) / (2 * h) - grad[t]!)).toBeLessThan(1e-7);
      }
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const { train } = standardizedSplit('iris.csv', (i) => i % 5 === 4);
    const fit = (seed: number) => fitMlp(train.X, train.n, 4, train.y, 3, { hidden: 8, seed, maxEpochs: 30 });
    const a = fit(1);
    const b = fit(1);
    expect([...b.model.params]).toEqual([...a.model.params]);
    expect(b.lossCurve).toEqual(a.lossCurve);
    expect([...fit(2).model.params]).not.toEqual([...a.model.params]);
  });

  for (const [name, isTest] of [
    ['iris.csv', (i: number) => i % 5 === 4],
    ['blobs4.csv', (i: number) => i >= 400],
  ] as const) {
    it(`${name}: mean test accuracy over 10 seeds within 0.03 of scikit-learn's MLPClassifier`, () => {
      const { train, test, d, k } = standardizedSplit(name, isTest);
      let sum = 0;
      for (let seed = 0; seed < 10; seed++) {
        const fit = fitMlp(train.X, train.n, d, train.y, k, {
          hidden: 16,
          activation: 'relu',
          alpha: 1e-4,
          learningRate: 0.01,
          batchSize: 32,
          maxEpochs: 500,
          earlyStopping: true,
          validationFraction: 0.1,
          patience: 10,
          tol: 1e-4,
          seed,
        });
        expect(fit.stoppedEarly).toBe(true);
        sum += accuracyOf(mlpPredictProba(fit.model, test.X, test.n), test.y, k);
      }
      expect(sum / 10).toBeGreaterThanOrEqual(SK_MLP_MEAN_ACCURACY[name] - 0.03);
    });
  }

  it('probabilities sum to 1; stratified hold-out keeps every class', () => {
    const { train } = standardizedSplit('iris.csv', (i) => i % 5 === 4);
    const fit = fitMlp(train.X, train.n, 4, train.y, 3, { seed: 4, maxEpochs: 5 });
    const P = mlpPredictProba(fit.model, train.X, train.n);
    for (let i = 0; i < train.n; i++) expect(P[i * 3]! + P[i * 3 + 1]! + P[i * 3 + 2]!).toBeCloseTo(1, 12);
    const { train: tr, valid } = stratifiedHoldout(train.y, 3, 0.1, 1);
    expect(tr.length + valid.length).toBe(train.n);
    expect(new Set(Array.from(valid, (i) => train.y[i])).size).toBe(3);
  });

  it('rejects bad input', () => {
    expect(() => fitMlp(new Float64Array(6), 3, 2, [0, 1, 2], 2, { seed: 1 })).toThrow(/labels/);
    expect(() => fitMlp(new Float64Array(6), 3, 2, [0, 1, 1], 1, { seed: 1 })).toThrow(/2 classes/);
    expect(() => fitMlp(new Float64Array(5), 3, 2, [0, 1, 1], 2, { seed: 1 })).toThrow(RangeError);
  });
});

/**
 * Permutation importance reference: scikit-learn 1.2.1
 * permutation_importance(LogisticRegression(C=1, tol=1e-10).fit(blobs4 rows
 * 0–399, y == 0), rows 400–599, scoring='accuracy', n_repeats=500,
 * random_state=0) — the model's coefficients are embedded, so both sides score
 * exactly the same model; only the random shuffles differ. Tolerance: the
 * means agree within 4 standard errors of their difference.
 */
const SK_PERM = {
  coef: [
    -0.8821052217804983, -0.18893913491439937, 0.7936860560221303, -1.0995209655144909, -1.331190613949435,
    1.6437486685446312, -0.22408028994716425, -0.221794803269385,
  ],
  intercept: -3.1667523352935474,
  mean: [
    0.06804999999999999, -0.011960000000000012, 0.02460000000000002, 0.08536999999999997, 0.13288, 0.09771999999999999,
    -0.016560000000000016, -0.013100000000000013,
  ],
  std: [
    0.019360978797571135, 0.005988188373790529, 0.01685941873256609, 0.021274705638386626, 0.022223987041032955,
    0.021459301013779557, 0.007711446038195437, 0.007835177087979577,
  ],
};

describe('permutation importance', () => {
  it('agrees with scikit-learn on a fixed logistic model (500 repeats)', () => {
    const { X, y, d } = loadMlFixture('blobs4.csv');
    const Xt = X.slice(400 * d);
    const yt = Int32Array.from(y.subarray(400), (v) => (v === 0 ? 1 : 0));
    const m = yt.length;
    const predict = (M: Float64Array) =>
      Int32Array.from({ length: m }, (_, i) => {
        let z = SK_PERM.intercept;
        for (let j = 0; j < d; j++) z += M[i * d + j]! * SK_PERM.coef[j]!;
        return z > 0 ? 1 : 0;
      });
    const acc = (p: Int32Array) => p.reduce((s, v, i) => s + (v === yt[i] ? 1 : 0), 0) / m;
    const { importances } = permutationImportances(Xt, m, d, predict, acc, { repeats: 500, seed: 0 });
    importances.forEach((imp, j) => {
      const se = Math.sqrt((imp.std ** 2 + SK_PERM.std[j]! ** 2) / 500);
      expect(Math.abs(imp.mean - SK_PERM.mean[j]!)).toBeLessThan(4 * se);
      expect(imp.std).toBeGreaterThan(SK_PERM.std[j]! * 0.8);
      expect(imp.std).toBeLessThan(SK_PERM.std[j]! * 1.25);
    });
  });

  it('a pure-noise feature scores ~0, the signal feature the most; groups move together; seeded', () => {
    const rng = new Rng(9, 4);
    const n = 2000;
    const d = 4;
    const X = new Float64Array(n * d);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = rng.normal(0, 1);
      const w = rng.normal(0, 1);
      // Column 2–3: a one-hot pair carrying weak signal.
      const hot = rng.chance(0.5) ? 1 : 0;
      X.set([s, rng.normal(0, 1), hot, 1 - hot], i * d);
      y[i] = 2 * s + 0.6 * w + (hot ? 0.4 : -0.4) > 0 ? 1 : 0;
    }
    const predict = (M: Float64Array) =>
      Int32Array.from({ length: n }, (_, i) => (2 * M[i * d]! + 0.4 * (M[i * d + 2]! - M[i * d + 3]!) > 0 ? 1 : 0));
    const acc = (p: Int32Array) => p.reduce((s, v, i) => s + (v === y[i] ? 1 : 0), 0) / n;
    const groups = [
      { name: 'signal', columns: [0] },
      { name: 'noise', columns: [1] },
      { name: 'flag', columns: [2, 3] },
    ];
    const r = permutationImportances(X, n, d, predict, acc, { repeats: 10, seed: 3, groups });
    const [signal, noise, flag] = r.importances;
    expect(noise!.mean).toBe(0);
    expect(noise!.std).toBe(0);
    expect(signal!.mean).toBeGreaterThan(0.3);
    expect(flag!.mean).toBeGreaterThan(0.01);
    expect(signal!.mean).toBeGreaterThan(flag!.mean);
    const again = permutationImportances(X, n, d, predict, acc, { repeats: 10, seed: 3, groups });
    expect(again).toEqual(r);
    expect(permutationImportances(X, n, d, predict, acc, { repeats: 10, seed: 4, groups })).not.toEqual(r);
  });
});
