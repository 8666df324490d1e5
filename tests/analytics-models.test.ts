import { describe, expect, it } from 'vitest';
import {
  CHURN_FEATURES,
  churnFeatures,
  churnLabels,
  dayOf,
  DAY,
  futureSpend,
} from '../src-main/core/analytics/models/churn.ts';
import { C_GRID } from '../src-main/core/analytics/models/choose-c.ts';
import { reasonText, runChurn } from '../src-main/core/analytics/models/job.ts';
import { lasso, ols, predictLinear, ridge } from '../src-main/core/analytics/models/linear.ts';
import { runRegress } from '../src-main/core/analytics/models/regress-job.ts';
import { fitLogistic, predictProba } from '../src-main/core/analytics/models/logistic.ts';
import {
  classificationReport,
  confusionMatrix,
  kFold,
  mae,
  permutationImportance,
  r2Score,
  rmse,
  rocAuc,
  rocCurve,
  timeSplits,
} from '../src-main/core/analytics/models/metrics.ts';
import { fitTree, predictTree, treeRules } from '../src-main/core/analytics/models/tree.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { Rng } from '../src-main/core/sample/rng.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

/**
 * Fixtures generated here from seeded streams; reference numbers from
 * scikit-learn 1.2.1 (Debian python3-sklearn) run once on exactly these
 * values, dumped as JSON at full precision:
 *   LinearRegression(), Ridge(alpha=10), Lasso(alpha=0.3) (defaults tol=1e-4,
 *   max_iter=1000) and Lasso(alpha=0.3, tol=1e-10, max_iter=100000) on reg;
 *   LogisticRegression(C, tol=1e-12, max_iter=10000) on cls for C = 1, 0.05;
 *   DecisionTreeClassifier(max_depth=3, min_samples_leaf=5, random_state=0)
 *   on cls rounded to float32 (scikit-learn's trees work in float32);
 *   roc_auc_score, roc_curve(drop_intermediate=False), precision_recall_fscore_support.
 * OLS standard errors: numpy, σ² (AᵀA)⁻¹ with A = [1, X] (scikit-learn has none).
 * scikit-learn's lbfgs stops on its relative-decrease rule with a gradient
 * of ~1e-4 left even at tol=1e-12, so its logistic numbers are ~2e-6 from the
 * exact optimum; SCIPY_LOGIT is that optimum, scipy 1.10.1 BFGS on the same
 * objective with gtol=1e-12 (max |gradient| < 4e-9).
 */
function regFixture() {
  const rng = new Rng(21, 1);
  const n = 120;
  const d = 4;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = rng.normal(0, j + 1);
    X[i * d + 3] = X[i * d + 3]! + 0.5 * X[i * d]!;
    y[i] = 1.5 + 2 * X[i * d]! - X[i * d + 1]! + 0.5 * X[i * d + 2]! + rng.normal(0, 1.5);
  }
  return { X, y, n, d };
}

function clsFixture() {
  const rng = new Rng(22, 1);
  const n = 300;
  const d = 3;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = rng.normal(0, 1);
    const z = -0.3 + 1.2 * X[i * d]! - 0.8 * X[i * d + 1]! + 0.3 * X[i * d + 2]!;
    y[i] = rng.float() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y, n, d };
}

// [intercept, coef…, R²]
const SK_OLS = [
  1.4254704253051895, 2.254446431650843, -1.002505163001799, 0.507557725125238, 0.07797222433385298, 0.8549000301315484,
];
const NP_OLS_SE = [
  0.13648482740315546, 0.13779489586976962, 0.06567584615101407, 0.04778964755179174, 0.03110611055401785,
];
const SK_RIDGE = [
  1.4410623623719987, 2.0802216782459517, -0.9929538696012842, 0.49968122219233774, 0.08479870581951358,
  0.852750013230154,
];
// … then n_iter_
const SK_LASSO = [
  1.4498820069747311, 1.9731925170063243, -0.9435808731446907, 0.46437970981315085, 0.07534080810011705,
  0.8469388377026844, 5,
];
const SK_LASSO_TIGHT = [
  1.4498818522056218, 1.9731954667831073, -0.9435790751461881, 0.46437928862915484, 0.07534069034219255,
  0.8469388629841832,
];
// [intercept, coef…, AUC, accuracy, p(row 0), p(row 1)]
const SK_LOGIT: Record<string, number[]> = {
  '1': [
    -0.3324126716310054, 0.9619114659937539, -0.7625577916248203, 0.16863766989975468, 0.7831687224068089, 0.7,
    0.16441829422323984, 0.6897689662269259,
  ],
  '0.05': [
    -0.30599825061634667, 0.653639831275433, -0.5252163677265992, 0.13055645781116512, 0.7829866642392245,
    0.6966666666666667, 0.23425321634212493, 0.6190362658578831,
  ],
};
const SCIPY_LOGIT: Record<string, number[]> = {
  '1': [-0.33241103377701564, 0.961918202996357, -0.7625566835313993, 0.16862501589120107],
  '0.05': [-0.3059961112138708, 0.6536390765649627, -0.5252161506380683, 0.1305565916474317],
};
const SK_TREE = {
  importances: [0.5704458533729515, 0.34145148785605856, 0.08810265877098991],
  leaves: 8,
  p: [
    0.09230769230769231, 0.7558139534883721, 0.35, 0.09230769230769231, 0.7558139534883721, 0.35, 0.35,
    0.2857142857142857, 0.09230769230769231, 0.35, 0.09230769230769231, 0.09230769230769231,
  ],
  pSum: 127.00000000000001,
  auc: 0.7942515133585181,
};

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `index ${i}`).toBeLessThan(tol);
};

describe('linear models vs scikit-learn', () => {
  const { X, y, n, d } = regFixture();

  it('OLS: coefficients, R² and standard errors', () => {
    const m = ols(X, n, d, y);
    close([m.intercept, ...m.coef, m.r2], SK_OLS, 1e-10);
    close([m.interceptSe, ...m.se], NP_OLS_SE, 1e-10);
    expect(m.dof).toBe(n - d - 1);
    for (let j = 0; j < d; j++) expect(m.t[j]).toBeCloseTo(m.coef[j]! / m.se[j]!, 12);
    expect(r2Score(y, predictLinear(m, X, n))).toBeCloseTo(SK_OLS[5]!, 12);
  });

  it('ridge with alpha = 10 (intercept not penalized)', () => {
    const m = ridge(X, n, d, y, 10);
    close([m.intercept, ...m.coef, r2Score(y, predictLinear(m, X, n))], SK_RIDGE, 1e-10);
    // alpha = 0 is OLS.
    close(ridge(X, n, d, y, 0).coef, SK_OLS.slice(1, 5), 1e-10);
  });

  it('lasso: default tol stops after the same sweeps; tight tol reaches the same optimum', () => {
    const m = lasso(X, n, d, y, 0.3);
    expect(m.converged).toBe(true);
    expect(m.iterations).toBe(SK_LASSO[6]);
    close([m.intercept, ...m.coef, r2Score(y, predictLinear(m, X, n))], SK_LASSO.slice(0, 6), 1e-6);
    const t = lasso(X, n, d, y, 0.3, { tol: 1e-10, maxIter: 100_000 });
    close([t.intercept, ...t.coef, r2Score(y, predictLinear(t, X, n))], SK_LASSO_TIGHT, 1e-8);
    // A large alpha zeroes every coefficient; the intercept is then the mean.
    const z = lasso(X, n, d, y, 100);
    expect([...z.coef]).toEqual([0, 0, 0, 0]);
    expect(z.intercept).toBeCloseTo(y.reduce((a, b) => a + b, 0) / n, 12);
  });

  it('rejects collinear designs and bad shapes', () => {
    const Xc = Float64Array.from({ length: 20 }, (_, k) => (k % 2 === 0 ? k : 2 * (k - 1)));
    expect(() => ols(Xc, 10, 2, new Float64Array(10))).toThrow(RangeError);
    expect(() => ols(X, n, d, y.subarray(1))).toThrow(RangeError);
  });

  it('recovers known coefficients on simulated data (within 4 standard errors)', () => {
    const rng = new Rng(5, 2);
    const N = 4000;
    const truth = [3, -2, 0.5, 0];
    const Xs = new Float64Array(N * 3);
    const ys = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let s = truth[0]!;
      for (let j = 0; j < 3; j++) {
        Xs[i * 3 + j] = rng.normal(j, 1 + j);
        s += truth[j + 1]! * Xs[i * 3 + j]!;
      }
      ys[i] = s + rng.normal(0, 2);
    }
    const m = ols(Xs, N, 3, ys);
    expect(Math.abs(m.intercept - truth[0]!)).toBeLessThan(4 * m.interceptSe);
    for (let j = 0; j < 3; j++) expect(Math.abs(m.coef[j]! - truth[j + 1]!)).toBeLessThan(4 * m.se[j]!);
    expect(Math.sqrt(m.sigma2)).toBeCloseTo(2, 1);
  });
});

describe('logistic regression vs scikit-learn', () => {
  const { X, y, n, d } = clsFixture();

  for (const C of ['1', '0.05']) {
    it(`C = ${C}: coefficients, AUC, accuracy, probabilities`, () => {
      const ref = SK_LOGIT[C]!;
      const m = fitLogistic(X, n, d, y, { C: Number(C) });
      expect(m.converged).toBe(true);
      close([m.intercept, ...m.coef], ref.slice(0, 4), 1e-4);
      close([m.intercept, ...m.coef], SCIPY_LOGIT[C]!, 1e-7);
      const p = predictProba(m, X, n);
      expect(Math.abs(rocAuc(y, p) - ref[4]!)).toBeLessThan(1e-12);
      expect(
        classificationReport(
          y,
          Array.from(p, (v) => (v > 0.5 ? 1 : 0)),
        ).accuracy,
      ).toBeCloseTo(ref[5]!, 12);
      close([p[0]!, p[1]!], ref.slice(6), 1e-5);
    });
  }

  it('recovers known coefficients on simulated data', () => {
    const rng = new Rng(6, 2);
    const N = 20_000;
    const truth = [-1, 1.5, -0.7];
    const Xs = new Float64Array(N * 2);
    const ys = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      Xs[i * 2] = rng.normal();
      Xs[i * 2 + 1] = rng.normal(1, 2);
      const z = truth[0]! + truth[1]! * Xs[i * 2]! + truth[2]! * Xs[i * 2 + 1]!;
      ys[i] = rng.float() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const m = fitLogistic(Xs, N, 2, ys, { C: 1e6 });
    close([m.intercept, ...m.coef], truth, 0.08);
  });

  it('needs both classes', () => {
    expect(() => fitLogistic(X, n, d, new Float64Array(n))).toThrow(/both classes/);
  });
});

describe('classification tree vs scikit-learn', () => {
  const { X, y, n, d } = clsFixture();
  const X32 = X.map((v) => Math.fround(v));

  it('same splits: importances, leaves and leaf probabilities', () => {
    const t = fitTree(X32, n, d, y, { maxDepth: 3, minSamplesLeaf: 5 });
    close(t.importances, SK_TREE.importances, 1e-12);
    expect(t.leaves).toBe(SK_TREE.leaves);
    const p = predictTree(t, X32, n);
    close(p.subarray(0, 12), SK_TREE.p, 1e-12);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(SK_TREE.pSum, 9);
    expect(rocAuc(y, p)).toBeCloseTo(SK_TREE.auc, 12);
  });

  it('readable rules cover every row once', () => {
    const t = fitTree(X32, n, d, y, { maxDepth: 3, minSamplesLeaf: 5 });
    const rules = treeRules(t, ['a', 'b', 'c'], { outcome: 'churn' });
    expect(rules).toHaveLength(SK_TREE.leaves);
    expect(rules.reduce((s, r) => s + r.n, 0)).toBe(n);
    for (const r of rules) {
      expect(r.text).toMatch(/^([abc] (≤|>) -?[\d.]+)( and [abc] (≤|>) -?[\d.]+)* → churn \d\.\d\d \(n = \d+\)$/);
      // Merged: at most one bound per feature and direction.
      const keys = r.conditions.map((c) => `${c.feature}${c.op}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});

describe('metrics', () => {
  // Hand example with ties; references from scikit-learn 1.2.1.
  const yt = [0, 0, 1, 1, 0, 1, 1, 0];
  const s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.1, 0.7];

  it('ROC AUC and curve with tied scores', () => {
    expect(rocAuc(yt, s)).toBeCloseTo(0.46875, 15);
    // By hand: 16 positive–negative pairs; wins 0.8>all 4 neg (4), 0.4 vs 0.1 (1) + ties with two 0.4 (1),
    // 0.35 > 0.1 (1), 0.1 ties 0.1 (0.5) → 7.5 / 16.
    expect(rocAuc(yt, s)).toBe(7.5 / 16);
    const c = rocCurve(yt, s);
    expect(c.fpr).toEqual([0.0, 0.0, 0.25, 0.75, 0.75, 1.0]);
    expect(c.tpr).toEqual([0.0, 0.25, 0.25, 0.5, 0.75, 1.0]);
    expect(c.thresholds.slice(1)).toEqual([0.8, 0.7, 0.4, 0.35, 0.1]);
    // Trapezoids of the curve give the same area.
    let area = 0;
    for (let i = 1; i < c.fpr.length; i++) area += ((c.fpr[i]! - c.fpr[i - 1]!) * (c.tpr[i]! + c.tpr[i - 1]!)) / 2;
    expect(area).toBeCloseTo(0.46875, 15);
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(RangeError);
  });

  it('precision, recall, F1 (binary and macro) and the confusion matrix', () => {
    const yp = [1, 0, 1, 0, 0, 1, 1, 1];
    const r = classificationReport(yt, yp);
    expect(confusionMatrix(yt, yp)).toEqual([
      [2, 2],
      [1, 3],
    ]);
    expect(r.accuracy).toBe(5 / 8);
    expect(r.precision).toBeCloseTo(0.6, 15);
    expect(r.recall).toBeCloseTo(0.75, 15);
    expect(r.f1).toBeCloseTo(0.6666666666666665, 14);
    expect(r.macroPrecision).toBeCloseTo((0.6666666666666666 + 0.6) / 2, 15);
    expect(r.macroRecall).toBeCloseTo((0.5 + 0.75) / 2, 15);
    expect(r.macroF1).toBeCloseTo(0.6190476190476191, 14);
    // No predicted positives: precision 0 (scikit-learn's zero_division default), not NaN.
    expect(classificationReport([1, 0], [0, 0]).precision).toBe(0);
  });

  it('R², RMSE, MAE', () => {
    const y = [3, -0.5, 2, 7];
    const p = [2.5, 0.0, 2, 8];
    expect(r2Score(y, p)).toBeCloseTo(0.9486081370449679, 14);
    expect(rmse(y, p)).toBeCloseTo(Math.sqrt(0.375), 15);
    expect(mae(y, p)).toBe(0.5);
    expect(r2Score([1, 1], [1, 1])).toBe(1);
  });

  it('k-fold: disjoint folds covering every row, sizes as scikit-learn, seeded shuffle', () => {
    const folds = kFold(11, 3, 7);
    expect(folds.map((f) => f.test.length)).toEqual([4, 4, 3]);
    const seen = folds.flatMap((f) => [...f.test]).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => i));
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(11);
      for (const i of f.test) expect(f.train.includes(i)).toBe(false);
    }
    expect(kFold(11, 3, 7)).toEqual(folds);
    expect(kFold(11, 3, 8)).not.toEqual(folds);
    expect([...kFold(6, 3)[0]!.test]).toEqual([0, 1]);
  });

  it('time splits never test on rows earlier than a training row', () => {
    const rng = new Rng(3, 3);
    const times = Array.from({ length: 50 }, () => rng.int(1000));
    const splits = timeSplits(times, 4);
    expect(splits).toHaveLength(4);
    for (const sp of splits) {
      const maxTrain = Math.max(...Array.from(sp.train, (i) => times[i]!));
      const minTest = Math.min(...Array.from(sp.test, (i) => times[i]!));
      expect(maxTrain).toBeLessThanOrEqual(minTest);
      expect(sp.test.length).toBe(10);
    }
    expect(splits[3]!.train.length).toBe(40);
  });

  it('permutation importance: zero for an unused column, seeded', () => {
    const rng = new Rng(9, 1);
    const n = 400;
    const X = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X[i * 2] = rng.normal();
      X[i * 2 + 1] = rng.normal();
      y[i] = 2 * X[i * 2]! + rng.normal(0, 0.1);
    }
    const score = (M: Float64Array) =>
      r2Score(
        y,
        Float64Array.from({ length: n }, (_, i) => 2 * M[i * 2]!),
      );
    const a = permutationImportance(X, n, 2, score, { seed: 1, repeats: 4 });
    expect(a.mean[1]).toBe(0);
    expect(a.mean[0]).toBeGreaterThan(1.5);
    expect(permutationImportance(X, n, 2, score, { seed: 1, repeats: 4 })).toEqual(a);
    // The input matrix is left as it was.
    expect(score(X)).toBe(a.baseline);
  });
});

/**
 * A small shop: 500 customers buying as Poisson processes with their own
 * rates, from a start day in 2022 to the end of 2024. A planted group stops
 * buying at a random day; it also used discounts far more often, and after
 * stopping some of them leave a cancelled order (not a sale).
 */
const ASOF = '2024-12-31';

function churnShop(db: import('../src-main/core/db/workspace.ts').Db, seed = 1): void {
  const rng = new Rng(seed, 4);
  const start = dayOf('2022-01-01');
  const end = dayOf(ASOF) + 1;
  const insC = db.prepare(`INSERT INTO customers (id, external_id) VALUES (?, ?)`);
  const insO = db.prepare(
    `INSERT INTO orders (external_id, customer_id, placed_at, status, amount, discount) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  let k = 0;
  db.transaction(() => {
    for (let c = 1; c <= 500; c++) {
      insC.run(c, `C${String(c).padStart(4, '0')}`);
      const first = start + rng.int(365);
      const stopper = rng.chance(0.45);
      const stop = stopper ? first + 60 + rng.int(end - first - 60) : end;
      const gap = 15 + rng.exponential(1 / 45);
      const spend = 20 + rng.exponential(1 / 60);
      const pDiscount = stopper ? 0.6 : 0.15;
      for (let t = first; t < stop; t += Math.max(1, rng.exponential(1 / gap))) {
        const amount = Math.round(spend * rng.uniform(0.5, 1.5) * 100) / 100;
        const disc = rng.chance(pDiscount) ? Math.round(amount * 0.1 * 100) / 100 : 0;
        const status = rng.chance(0.04) ? 'returned' : 'completed';
        insO.run(`O${++k}`, c, Math.floor(t * DAY + rng.int(DAY)), status, amount, disc);
      }
      if (stopper && stop + 10 < end && rng.chance(0.5)) {
        insO.run(`O${++k}`, c, (stop + 10) * DAY, 'cancelled', 50, 0);
      }
    }
  })();
}

describe('churn', () => {
  it('features use only sales strictly before the cut-off; labels only the horizon after', () => {
    const ws = tempWorkspace();
    try {
      churnShop(ws.db);
      const cut = dayOf('2024-06-01');
      const before = churnFeatures(ws.db, cut);
      expect(before.n).toBeGreaterThan(100);
      expect(before.d).toBe(CHURN_FEATURES.length);
      // Rewrite the future: delete every order on/after the cut-off, then add sales at the cut-off's first second and later.
      const labelsBefore = churnLabels(ws.db, before.customerIds, cut, 90);
      ws.db.prepare(`DELETE FROM orders WHERE placed_at >= ?`).run(cut * DAY);
      const ins = ws.db.prepare(
        `INSERT INTO orders (external_id, customer_id, placed_at, status, amount, discount) VALUES (?, ?, ?, 'completed', 999, 5)`,
      );
      for (let c = 1; c <= 500; c += 3) ins.run(`F${c}`, c, cut * DAY + (c % 7) * 30 * DAY);
      const after = churnFeatures(ws.db, cut);
      expect(after.externalIds).toEqual(before.externalIds);
      expect([...after.X]).toEqual([...before.X]);
      // The labels do see the (changed) future.
      expect([...churnLabels(ws.db, before.customerIds, cut, 90)]).not.toEqual([...labelsBefore]);
      // A sale one second before the cut-off does count.
      ws.db
        .prepare(
          `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES ('E', ?, ?, 'completed', 1)`,
        )
        .run(before.customerIds[0]!, cut * DAY - 1);
      const edge = churnFeatures(ws.db, cut);
      expect(edge.X[0]).toBeCloseTo(1 / DAY, 12); // recency in days
      expect(edge.X[1]).toBe(before.X[1]! + 1); // frequency
    } finally {
      ws.cleanup();
    }
  });

  it('labels: cancelled and returned orders are not sales', () => {
    const ws = tempWorkspace();
    try {
      ws.db.prepare(`INSERT INTO customers (id, external_id) VALUES (1, 'A'), (2, 'B'), (3, 'C')`).run();
      const cut = dayOf('2024-01-01');
      const ins = ws.db.prepare(
        `INSERT INTO orders (external_id, customer_id, placed_at, status, amount, discount) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      ins.run('a1', 1, (cut - 100) * DAY, 'completed', 10, 0);
      ins.run('a2', 1, (cut - 40) * DAY, 'completed', 30, 3);
      ins.run('a3', 1, (cut + 5) * DAY, 'cancelled', 30, 0);
      ins.run('b1', 2, (cut - 10) * DAY, 'returned', 30, 0);
      ins.run('b2', 2, (cut - 20) * DAY, 'pending', 20, 0);
      ins.run('b3', 2, (cut + 89) * DAY, 'completed', 20, 0);
      ins.run('c1', 3, (cut - 5) * DAY, 'cancelled', 20, 0);
      const f = churnFeatures(ws.db, cut);
      expect([...f.customerIds]).toEqual([1, 2]);
      // recency, frequency, monetary, tenure, aov, meanGap, discountShare, recent90
      expect([...f.X.subarray(0, 8)]).toEqual([40, 2, 40, 100, 20, 60, 0.5, 1]);
      expect([...f.X.subarray(8, 16)]).toEqual([20, 1, 20, 20, 20, 20, 0, 1]);
      expect([...churnLabels(ws.db, f.customerIds, cut, 90)]).toEqual([1, 0]);
      expect([...churnLabels(ws.db, f.customerIds, cut, 89)]).toEqual([1, 1]);
      expect([...futureSpend(ws.db, f.customerIds, cut, 90)]).toEqual([0, 20]);
      expect([...futureSpend(ws.db, f.customerIds, cut - 100, 100)]).toEqual([40, 20]);
    } finally {
      ws.cleanup();
    }
  });

  for (const model of ['logistic', 'tree'] as const) {
    it(`${model}: beats the recency-only baseline out of time, records the run, ignores data after asOf`, async () => {
      const ws = tempWorkspace();
      try {
        churnShop(ws.db);
        const ctx = testContext(ws.path);
        const r = await runChurn(ws.db, { asOf: ASOF, horizonDays: 90, model, seed: 3 }, ctx);
        expect(r.windows).toEqual({ trainCutoff: '2024-07-05', evalCutoff: '2024-10-03', scoreCutoff: '2025-01-01' });
        expect(r.metrics.auc).toBeGreaterThan(0.8);
        expect(r.metrics.auc).toBeGreaterThan(r.baseline.auc + 0.02);
        const [[tn, fp], [fn, tp]] = r.metrics.confusion;
        expect(tn + fp + fn + tp).toBe(r.evaluation.customers);
        expect(r.atRisk).toHaveLength(200);
        expect(r.roc.fpr.length).toBeLessThanOrEqual(201);
        expect([r.roc.fpr[0], r.roc.tpr[0], r.roc.fpr.at(-1), r.roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
        for (let i = 1; i < r.atRisk.length; i++) {
          expect(r.atRisk[i]!.probability).toBeLessThanOrEqual(r.atRisk[i - 1]!.probability);
        }
        expect(r.atRisk[0]!.externalId).toMatch(/^C\d{4}$/);
        expect(r.atRisk[0]!.reasons.length).toBeGreaterThan(0);
        // Three labelled windows pooled for training, the three latest for the final model.
        expect(r.pooling).toEqual({
          trainCutoffs: ['2024-07-05', '2024-04-06', '2024-01-07'],
          refitCutoffs: ['2024-10-03', '2024-07-05', '2024-04-06'],
        });
        // Structured reasons: the CLI's English is their wording, and each one holds for the customer.
        for (const a of r.atRisk) {
          expect(a.reasons).toEqual(a.why.map(reasonText));
          for (const w of a.why) {
            expect(CHURN_FEATURES).toContain(w.feature);
            if (w.referenceKind === 'threshold') {
              expect(w.direction === 'above' ? w.value > w.reference : w.value <= w.reference).toBe(true);
              expect(w.logOdds).toBeNull();
            } else {
              // The shown contributions raise the risk: the value lies on the coefficient's side of typical.
              const coef = r.coefficients!.find((c) => c.feature === w.feature)!.coef;
              expect(w.logOdds).toBeGreaterThan(0);
              expect(w.direction).toBe(coef > 0 ? 'above' : 'below');
              expect(w.direction === 'above' ? w.value >= w.reference : w.value <= w.reference).toBe(true);
            }
          }
        }
        if (model === 'logistic') {
          // C chosen on the training windows alone, from the grid.
          expect(r.regularization!.chosenBy).toBe('cross-validation');
          expect(C_GRID).toContain(r.regularization!.C);
          expect(r.regularization!.grid.map((g) => g.C)).toEqual([...C_GRID]);
          expect(r.coefficients!.find((c) => c.feature === 'recency')!.coef).toBeGreaterThan(0);
          expect(r.coefficients!.find((c) => c.feature === 'discountShare')!.coef).toBeGreaterThan(0);
        } else {
          expect(r.rules!.length).toBeGreaterThan(1);
          expect(r.rules![0]).toMatch(/→ churn \d\.\d\d \(n = \d+\)$/);
        }
        const top = r.importances.slice().sort((a, b) => b.mean - a.mean)[0]!;
        expect(['recency', 'meanGap', 'recent90', 'discountShare', 'frequency', 'tenure']).toContain(top.feature);
        const row = ws.db.prepare(`SELECT kind, status, seed, result FROM analysis_runs WHERE id = ?`).get(r.runId) as {
          kind: string;
          status: string;
          seed: number;
          result: string;
        };
        expect(row).toMatchObject({ kind: 'churn', status: 'completed', seed: 3 });
        expect(JSON.parse(row.result).metrics.auc).toBe(r.metrics.auc);

        // Orders after asOf change nothing.
        ws.db
          .prepare(
            `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES ('future', 1, ?, 'completed', 5)`,
          )
          .run((dayOf(ASOF) + 1) * DAY);
        const again = await runChurn(ws.db, { asOf: ASOF, horizonDays: 90, model, seed: 3 }, ctx);
        expect({ ...again, runId: 0 }).toEqual({ ...r, runId: 0 });
      } finally {
        ws.cleanup();
      }
    });
  }

  it('reports user errors and records the failed run', async () => {
    const ws = tempWorkspace();
    try {
      const ctx = testContext(ws.path);
      await expect(runChurn(ws.db, { asOf: '2024-12-31', model: 'logistic', seed: 1 }, ctx)).rejects.toThrow(UserError);
      await expect(runChurn(ws.db, { asOf: '2024-13-01', model: 'logistic', seed: 1 }, ctx)).rejects.toThrow(
        /YYYY-MM-DD/,
      );
      await expect(runChurn(ws.db, { asOf: '2024-12-31', model: 'forest' as 'tree', seed: 1 }, ctx)).rejects.toThrow(
        /logistic or tree/,
      );
      const st = ws.db.prepare(`SELECT status FROM analysis_runs ORDER BY id`).pluck().all();
      expect(st).toEqual(['failed', 'failed']);
    } finally {
      ws.cleanup();
    }
  });

  it('trainWindows: one window trains on its customers only; pooling stops at the shop start; a given C is kept', async () => {
    const ws = tempWorkspace();
    try {
      churnShop(ws.db);
      const ctx = testContext(ws.path);
      const one = await runChurn(ws.db, { asOf: ASOF, model: 'logistic', seed: 3, trainWindows: 1, C: 0.5 }, ctx);
      expect(one.pooling.trainCutoffs).toEqual(['2024-07-05']);
      expect(one.train.customers).toBe(churnFeatures(ws.db, dayOf('2024-07-05')).n);
      expect(one.regularization).toMatchObject({ C: 0.5, finalC: 0.5, chosenBy: 'parameter', grid: [] });
      // The shop starts in 2022: of twelve asked-for windows only those with buyers and both labels are pooled.
      const many = await runChurn(ws.db, { asOf: ASOF, model: 'tree', seed: 3, trainWindows: 12 }, ctx);
      const cutoffs = many.pooling.trainCutoffs;
      expect(cutoffs.length).toBeGreaterThan(3);
      expect(cutoffs.length).toBeLessThan(12);
      expect(cutoffs.every((c) => c >= '2022-01-01')).toBe(true);
      expect(many.regularization).toBeNull();
      await expect(runChurn(ws.db, { asOf: ASOF, model: 'tree', seed: 3, trainWindows: 0 }, ctx)).rejects.toThrow(
        UserError,
      );
    } finally {
      ws.cleanup();
    }
  });

  for (const model of ['ols', 'ridge', 'lasso'] as const) {
    it(`spend regression (${model}) beats "same as last horizon" out of time and ignores data after asOf`, async () => {
      const ws = tempWorkspace();
      try {
        churnShop(ws.db);
        const ctx = testContext(ws.path);
        const r = await runRegress(ws.db, { asOf: ASOF, model, alpha: 1, seed: 2 }, ctx);
        expect(r.metrics.r2).toBeGreaterThan(0.3);
        expect(r.metrics.r2).toBeGreaterThan(r.baseline.r2);
        expect(r.metrics.rmse).toBeLessThan(r.baseline.rmse);
        expect(r.coefficients.map((c) => c.feature)).toEqual([
          ...CHURN_FEATURES,
          'lastHorizonSpend',
          'spendPerHorizon',
        ]);
        if (model === 'ols') for (const c of r.coefficients) expect(c.se).toBeGreaterThan(0);
        else for (const c of r.coefficients) expect(c.se).toBeNull();
        expect(r.top).toHaveLength(200);
        for (let i = 1; i < r.top.length; i++) expect(r.top[i]!.predicted).toBeLessThanOrEqual(r.top[i - 1]!.predicted);
        const st = ws.db.prepare(`SELECT kind, status FROM analysis_runs WHERE id = ?`).get(r.runId);
        expect(st).toEqual({ kind: 'regress', status: 'completed' });
        ws.db
          .prepare(
            `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES ('future', 2, ?, 'completed', 5000)`,
          )
          .run((dayOf(ASOF) + 1) * DAY + 3600);
        const again = await runRegress(ws.db, { asOf: ASOF, model, alpha: 1, seed: 2 }, ctx);
        expect({ ...again, runId: 0 }).toEqual({ ...r, runId: 0 });
      } finally {
        ws.cleanup();
      }
    });
  }
});
