import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, DAY } from '../src-main/core/analytics/models/churn.ts';
import { ageGroupOf, classifyFeatures, vocabularyAt } from '../src-main/core/analytics/models/classify-data.ts';
import { runClassify, type ClassifyResult } from '../src-main/core/analytics/models/classify-job.ts';
import { argmaxRows } from '../src-main/core/analytics/models/mlp.ts';
import {
  fitOvrTrees,
  fitSoftmax,
  multiclassReport,
  ovrTreeProba,
  softmaxProba,
} from '../src-main/core/analytics/models/multiclass.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { loadMlFixture } from './helpers/ml-fixtures.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

/**
 * References: scikit-learn 1.2.1 (Debian python3-sklearn), from
 * tests/fixtures/ml/make-fixtures.py:
 *   precision_recall_fscore_support / confusion_matrix on the hand example below;
 *   LogisticRegression(C, multi_class='multinomial', tol=1e-12, max_iter=100000)
 *   on iris standardized with ddof 0: predict_proba of rows 0, 50, 100 and the
 *   training accuracy. Tolerance 1e-5 on probabilities (both minimize the same
 *   convex objective; lbfgs stopping rules differ).
 */
const SK_REPORT = {
  precision: [0.6666666666666666, 0.6666666666666666, 0.75],
  recall: [0.6666666666666666, 0.6666666666666666, 0.75],
  macroF1: 0.6944444444444443,
  support: [3, 3, 4],
  confusion: [
    [2, 1, 0],
    [0, 2, 1],
    [1, 0, 3],
  ],
};
const SK_SOFTMAX = {
  1: {
    proba: [
      [0.9846947466018541, 0.015305191373586918, 6.202455901346511e-8],
      [0.004729244076981921, 0.8648953852543386, 0.1303753706686796],
      [1.4915850730541164e-5, 0.006224893567897953, 0.9937601905813714],
    ],
    accuracy: 0.9733333333333334,
  },
  0.1: {
    proba: [
      [0.9203696989187379, 0.07734314801558191, 0.002287153065680279],
      [0.047442539352956795, 0.4716113591206558, 0.48094610152638734],
      [0.005680947388680157, 0.10672586796890407, 0.8875931846424158],
    ],
    accuracy: 0.9266666666666666,
  },
};

function standardizedIris() {
  const { X, y, n, d } = loadMlFixture('iris.csv');
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += X[i * d + j]! / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (X[i * d + j]! - m) ** 2 / n;
    for (let i = 0; i < n; i++) X[i * d + j] = (X[i * d + j]! - m) / Math.sqrt(v);
  }
  return { X, y, n, d };
}

describe('multi-class models and report vs scikit-learn', () => {
  it('precision, recall, F1, macro averages and the confusion matrix', () => {
    const r = multiclassReport([0, 0, 1, 1, 1, 2, 2, 2, 2, 0], [0, 1, 1, 1, 2, 2, 2, 0, 2, 0], 3);
    expect(r.confusion).toEqual(SK_REPORT.confusion);
    r.perClass.forEach((c, i) => {
      expect(c.precision).toBeCloseTo(SK_REPORT.precision[i]!, 12);
      expect(c.recall).toBeCloseTo(SK_REPORT.recall[i]!, 12);
      expect(c.support).toBe(SK_REPORT.support[i]);
    });
    expect(r.macroF1).toBeCloseTo(SK_REPORT.macroF1, 12);
    expect(r.accuracy).toBeCloseTo(0.7, 12);
    // A class never predicted: precision 0, not NaN.
    expect(multiclassReport([0, 1, 2], [0, 0, 0], 3).perClass[1]!.precision).toBe(0);
  });

  for (const C of [1, 0.1] as const) {
    it(`multinomial logistic regression, C = ${C}: probabilities and accuracy`, () => {
      const { X, y, n, d } = standardizedIris();
      const model = fitSoftmax(X, n, d, y, 3, { C });
      expect(model.converged).toBe(true);
      const P = softmaxProba(model, X, n);
      [0, 50, 100].forEach((i, r) => {
        for (let c = 0; c < 3; c++) expect(Math.abs(P[i * 3 + c]! - SK_SOFTMAX[C].proba[r]![c]!)).toBeLessThan(1e-5);
      });
      const pred = argmaxRows(P, n, 3);
      expect(pred.reduce((s, v, i) => s + (v === y[i] ? 1 : 0), 0) / n).toBeCloseTo(SK_SOFTMAX[C].accuracy, 12);
    });
  }

  it('one-vs-rest trees: probabilities sum to 1 and separate iris', () => {
    const { X, y, n, d } = standardizedIris();
    const trees = fitOvrTrees(X, n, d, y, 3, { maxDepth: 3, minSamplesLeaf: 5 });
    const P = ovrTreeProba(trees, X, n);
    for (let i = 0; i < n; i++) expect(P[i * 3]! + P[i * 3 + 1]! + P[i * 3 + 2]!).toBeCloseTo(1, 12);
    const pred = argmaxRows(P, n, 3);
    expect(pred.reduce((s, v, i) => s + (v === y[i] ? 1 : 0), 0) / n).toBeGreaterThan(0.93);
  });
});

describe('classify data', () => {
  it('age groups use the sample model bins (18 / 35 / 60)', () => {
    const day = dayOf('2025-06-30');
    const g = (age: number) => ageGroupOf(2025 - age, day);
    expect([g(14), g(17), g(18), g(34), g(35), g(59), g(60), g(90)]).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(ageGroupOf(null, day)).toBe(-1);
  });

  it('features: only sales before the cut-off; one-hots and category shares well formed', () => {
    const ws = tempWorkspace();
    try {
      const db = ws.db;
      db.exec(`INSERT INTO customers (id, external_id, gender, birth_year, city) VALUES
        (1, 'a', 'female', 1990, 'X'), (2, 'b', NULL, NULL, 'Y'), (3, 'c', 'male', 1950, NULL)`);
      db.exec(`INSERT INTO products (id, sku, category) VALUES (1, 'p1', 'books'), (2, 'p2', 'toys')`);
      const cut = dayOf('2025-01-01');
      const order = db.prepare(
        `INSERT INTO orders (id, external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const item = db.prepare(
        `INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, ?, ?, ?)`,
      );
      order.run(1, 'o1', 1, (cut - 10) * DAY, 'completed', 30);
      item.run(1, 1, 1, 10);
      item.run(1, 2, 2, 10);
      order.run(2, 'o2', 2, (cut - 5) * DAY, 'completed', 5);
      item.run(2, 2, 1, 5);
      order.run(3, 'o3', 1, (cut + 1) * DAY, 'completed', 99); // after the cut-off
      item.run(3, 1, 9, 11);
      order.run(4, 'o4', 3, (cut - 3) * DAY, 'cancelled', 7); // not a sale
      const vocab = vocabularyAt(db, cut);
      expect(vocab).toEqual({ cities: ['X', 'Y'], categories: ['toys', 'books'] });
      const m = classifyFeatures(db, cut, vocab, 'preferred-category');
      expect([...m.customerIds]).toEqual([1, 2]);
      const row = (i: number) => Object.fromEntries(m.features.map((f, j) => [f, m.X[i * m.d + j]]));
      expect(row(0)).toMatchObject({
        frequency: 1,
        monetary: 30,
        'age=中年': 1,
        'gender=female': 1,
        'city=X': 1,
        'share:toys': 2 / 3,
        'share:books': 1 / 3,
        // Sales with an item of the category: a count, not a share.
        'orders:toys': 1,
        'orders:books': 1,
      });
      expect(row(1)).toMatchObject({
        'age=unknown': 1,
        'gender=unknown': 1,
        'city=Y': 1,
        'share:toys': 1,
        'orders:toys': 1,
        'orders:books': 0,
      });
      // The optional per-category columns: recency in days (never bought: the shop's history length + 1),
      // shares of sales and of recent spend, browsing shares (no events here).
      const all = classifyFeatures(db, cut, vocab, 'preferred-category', [
        'orderShare',
        'recentShare',
        'recency',
        'browse',
      ]);
      const full = (i: number) => Object.fromEntries(all.features.map((f, j) => [f, all.X[i * all.d + j]]));
      expect(all.features.some((f) => f.startsWith('share:') || f.startsWith('orders:'))).toBe(false);
      expect(full(0)).toMatchObject({
        'recency:toys': 10,
        'recency:books': 10,
        'orderShare:toys': 1,
        'recentShare:books': 1 / 3,
        'browse:toys': 0,
        browseEvents: 0,
      });
      expect(full(1)).toMatchObject({ 'recency:toys': 5, 'recency:books': 11 });
      for (const g of m.groups.filter((x) => x.columns.length > 1)) {
        for (let i = 0; i < m.n; i++) expect(g.columns.reduce((s, j) => s + m.X[i * m.d + j]!, 0)).toBe(1);
      }
      // Predicting gender leaves the gender columns out.
      expect(classifyFeatures(db, cut, vocab, 'gender').features.some((f) => f.startsWith('gender='))).toBe(false);
    } finally {
      ws.cleanup();
    }
  });
});

describe('the classify job on the sample shop', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let asOf: string;
  const results: Partial<Record<string, ClassifyResult>> = {};
  beforeAll(() => {
    ws = tempWorkspace();
    asOf = generateSampleShop(ws.db, { customers: 1500, seed: 42 }).asOf;
  });
  afterAll(() => ws.cleanup());

  for (const model of ['logistic', 'tree', 'mlp'] as const) {
    it(`preferred category with ${model}: consistent metrics, stated preparation, ranked list, stored run`, async () => {
      const r = await runClassify(ws.db, { asOf, model, seed: 1 }, testContext(ws.path));
      results[model] = r;
      const k = r.classes.length;
      expect(k).toBeGreaterThanOrEqual(3);
      expect(r.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(r.evaluation.customers);
      expect(r.metrics.perClass.map((c) => c.class)).toEqual(r.classes);
      // Clearly better than guessing, and no worse than always naming the most common category.
      expect(r.metrics.accuracy).toBeGreaterThan(2 / k);
      expect(r.metrics.accuracy).toBeGreaterThanOrEqual(r.baseline.majority - 0.02);
      const sel = r.preparation.featureSelection;
      expect(sel.kept.length + sel.dropped.length).toBe(r.features.length);
      for (const dr of sel.dropped) expect(sel.keptFeatures).not.toContain(dr.feature);
      expect(r.preparation.transforms[0]).toMatchObject({ kind: 'log1p' });
      expect(r.importances.length).toBeGreaterThan(5);
      // Tree: rules per class from the same final trees, so every class's leaves hold the same customers.
      if (model === 'tree') {
        expect(r.classRules!.map((s) => s.class)).toEqual(r.classes);
        const sums = r.classRules!.map((s) => s.rules.reduce((a, x) => a + x.n, 0));
        expect(new Set(sums).size).toBe(1);
        expect(sums[0]).toBeGreaterThan(r.train.customers / 3);
      } else expect(r.classRules).toBeNull();
      expect(r.customers).toHaveLength(200);
      for (let i = 1; i < r.customers.length; i++) {
        expect(r.customers[i]!.probability).toBeLessThanOrEqual(r.customers[i - 1]!.probability);
      }
      expect(r.classes).toContain(r.customers[0]!.predicted);
      const row = ws.db.prepare(`SELECT kind, status, seed, result FROM analysis_runs WHERE id = ?`).get(r.runId) as {
        kind: string;
        status: string;
        seed: number;
        result: string;
      };
      expect(row).toMatchObject({ kind: 'classify', status: 'completed', seed: 1 });
      expect(JSON.parse(row.result).metrics.accuracy).toBe(r.metrics.accuracy);
    });
  }

  it('logistic beats the majority class; the same seed gives the same run; data after asOf changes nothing', async () => {
    const r = results.logistic!;
    expect(r.metrics.accuracy).toBeGreaterThan(r.baseline.majority);
    ws.db
      .prepare(
        `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES ('future', 1, ?, 'completed', 5)`,
      )
      .run((dayOf(asOf) + 1) * DAY);
    const again = await runClassify(ws.db, { asOf, model: 'logistic', seed: 1 }, testContext(ws.path));
    expect({ ...again, runId: 0 }).toEqual({ ...r, runId: 0 });
  });

  it('a customers column as target (gender): its own features left out, beats the majority class', async () => {
    const r = await runClassify(ws.db, { asOf, model: 'tree', seed: 1, target: 'gender' }, testContext(ws.path));
    expect(r.features.some((f) => f.startsWith('gender='))).toBe(false);
    expect(r.classes.slice().sort()).toEqual(['female', 'male', 'other']);
    expect(r.metrics.accuracy).toBeGreaterThan(r.baseline.majority);
    // Beauty spend is what tells the sample shop's genders apart.
    const top = r.importances.slice().sort((a, b) => b.mean - a.mean)[0]!;
    expect(top.feature).toMatch(/^(share|orders):Beauty/);
    expect(r.customers.every((c) => c.actual === null || r.classes.includes(c.actual))).toBe(true);
  });

  it('reports user errors and records the failed runs', async () => {
    const ctx = testContext(ws.path);
    const before = ws.db.prepare(`SELECT COUNT(*) FROM analysis_runs WHERE status = 'failed'`).pluck().get() as number;
    await expect(runClassify(ws.db, { asOf, model: 'forest' as 'tree', seed: 1 }, ctx)).rejects.toThrow(
      /logistic, tree or mlp/,
    );
    await expect(
      runClassify(ws.db, { asOf, model: 'tree', seed: 1, target: 'shoe-size' as 'gender' }, ctx),
    ).rejects.toThrow(UserError);
    await expect(runClassify(ws.db, { asOf: '2019-01-01', model: 'tree', seed: 1 }, ctx)).rejects.toThrow(UserError);
    const empty = tempWorkspace();
    try {
      await expect(runClassify(empty.db, { model: 'mlp', seed: 1 }, testContext(empty.path))).rejects.toThrow(
        /no sales/,
      );
    } finally {
      empty.cleanup();
    }
    // The two parameter errors fail before a run starts; the too-early asOf is a recorded failed run.
    const after = ws.db.prepare(`SELECT COUNT(*) FROM analysis_runs WHERE status = 'failed'`).pluck().get() as number;
    expect(after - before).toBe(1);
  });

  it('CLI: workbench analyze classify --model mlp --json', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
    const out = spawnSync(
      process.execPath,
      [bin, 'analyze', 'classify', '--db', ws.path, '--model', 'mlp', '--target', 'preferred-category', '--json'],
      { encoding: 'utf8' },
    );
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout) as ClassifyResult;
    expect(r).toMatchObject({ model: 'mlp', target: 'preferred-category', horizonDays: 90 });
    expect(r.training.epochs).toBeGreaterThan(0);
    expect(r.metrics.accuracy).toBeGreaterThan(0);
  });
});
