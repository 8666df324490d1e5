import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeRfm } from '../src-main/core/analytics/rfm.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import {
  AlsRecommender,
  alsLoss,
  choleskySolve,
  confidenceMinusOne,
  fitAls,
  gram,
  RowSolver,
} from '../src-main/core/recommend/implicit/als.ts';
import type { AlsModel } from '../src-main/core/recommend/implicit/als.ts';
import { buildMatrix, logFromArrays } from '../src-main/core/recommend/implicit/interactions.ts';
import { recommendFor, runImplicitEval } from '../src-main/core/recommend/implicit/job.ts';
import { fitPopularity } from '../src-main/core/recommend/implicit/popularity.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const diffNorm = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.sqrt(Array.from(a).reduce((s, x, k) => s + (x - b[k]!) ** 2, 0));

/** A random row problem: nItems item vectors of f factors, one customer with `cells` counted items. */
function rowProblem(seed: number, nItems: number, f: number, cells: number, alpha: number) {
  const rng = new Mt19937(seed);
  const Y = Float32Array.from({ length: nItems * f }, () => rng.normal() / Math.sqrt(f));
  const picked = new Set<number>();
  while (picked.size < cells) picked.add(rng.interval(nItems - 1));
  const cols = Int32Array.from([...picked].sort((a, b) => a - b));
  const counts = Float64Array.from(cols, () => 1 + rng.interval(4));
  return { Y, cols, cm1: confidenceMinusOne(counts, alpha, 'linear') };
}

/** Two taste groups of 20 items each, skewed within the group, 10% noise: 200 customers × 6 lines. */
function plantedLog(seed: number) {
  const rng = new Mt19937(seed);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 200; u++) {
    for (let t = 0; t < 6; t++) {
      const g = rng.nextDouble() < 0.1 ? 1 - (u % 2) : u % 2;
      users.push(u);
      items.push(g * 20 + Math.floor(20 * rng.nextDouble() ** 2));
    }
  }
  return logFromArrays(users, items);
}

describe('the per-customer solve', () => {
  it('conjugate gradient reaches the exact (Cholesky) solution', () => {
    const f = 16;
    const lambda = 0.05;
    const { Y, cols, cm1 } = rowProblem(1, 60, f, 9, 40);
    const G = gram(Y, 60, f, lambda);
    const solver = new RowSolver(f);
    const exact = new Float64Array(f);
    solver.exact(G, Y, cols, cm1, 0, cols.length, exact);
    // Exact arithmetic needs at most f steps; 2f leaves room for rounding.
    const x = new Float64Array(f);
    solver.cg(G, Y, cols, cm1, 0, cols.length, x, 2 * f);
    const rel = diffNorm(x, exact) / norm(exact);
    expect(rel).toBeLessThan(1e-4);
    // Three steps from zero are a start, not the answer; warm-started sweeps close the gap.
    const few = new Float64Array(f);
    solver.cg(G, Y, cols, cm1, 0, cols.length, few, 3);
    const relFew = diffNorm(few, exact) / norm(exact);
    expect(relFew).toBeGreaterThan(rel);
    let prev = relFew;
    for (let sweep = 0; sweep < 3; sweep++) {
      solver.cg(G, Y, cols, cm1, 0, cols.length, few, 3);
      const now = diffNorm(few, exact) / norm(exact);
      expect(now).toBeLessThan(prev);
      prev = now;
    }
  });

  it('matches a numpy reference solve of the closed form (Hu et al. eq. 4)', () => {
    /*
     * Reference computed with numpy 2.4.6 (python3), float64:
     *   Y = np.array([[0.5, -0.25, 0.125], [0.25, 0.75, -0.5], [-0.375, 0.5, 0.25],
     *                 [1.0, 0.125, 0.625], [-0.5, -0.75, 0.375]])
     *   r = np.array([2.0, 0.0, 1.0, 0.0, 3.0]); alpha, lam = 40.0, 0.05
     *   c = 1 + alpha * r; p = (r > 0).astype(float)
     *   A = Y.T @ np.diag(c) @ Y + lam * np.eye(3)
     *   x = np.linalg.solve(A, Y.T @ (c * p))
     *   loss = np.sum(c * (p - Y @ x) ** 2) + lam * (x @ x)
     * → x = [0.7944459146657835, 0.2362434458240232, 4.174979579124998], loss = 17.978648750907556
     * Y's entries are exact in float32, so the only difference is summation order: tolerance 1e-9 relative.
     */
    const Y = Float32Array.from([
      0.5, -0.25, 0.125, 0.25, 0.75, -0.5, -0.375, 0.5, 0.25, 1.0, 0.125, 0.625, -0.5, -0.75, 0.375,
    ]);
    const xRef = [0.7944459146657835, 0.2362434458240232, 4.174979579124998];
    const lossRef = 17.978648750907556;
    const cols = Int32Array.from([0, 2, 4]);
    const cm1 = confidenceMinusOne(Float64Array.from([2, 1, 3]), 40, 'linear');
    const G = gram(Y, 5, 3, 0.05);
    const solver = new RowSolver(3);
    const exact = new Float64Array(3);
    solver.exact(G, Y, cols, cm1, 0, 3, exact);
    for (let a = 0; a < 3; a++) expect(Math.abs(exact[a]! - xRef[a]!)).toBeLessThan(1e-9 * norm(xRef));
    const viaCg = new Float64Array(3);
    solver.cg(G, Y, cols, cm1, 0, 3, viaCg, 10);
    expect(diffNorm(viaCg, xRef) / norm(xRef)).toBeLessThan(1e-6);
    // The same figure from alsLoss: one customer, the item factors' own λ‖y‖² taken out.
    // Customer 0 bought Y's items 0 (twice), 2 (once), 4 (three times); customer 1 items 1 and 3 once.
    const m = buildMatrix(logFromArrays([0, 0, 0, 0, 0, 0, 1, 1], [0, 0, 2, 4, 4, 4, 1, 3]));
    const model: AlsModel = {
      nUsers: 2,
      nItems: 5,
      factors: 3,
      userFactors: Float32Array.from([...xRef, 0, 0, 0]),
      itemFactors: new Float32Array(15),
      alpha: 40,
      confidence: 'linear',
      regularization: 0.05,
    };
    // Dense item order of m is 0, 2, 4, 1, 3: place Y's rows accordingly.
    const order = [0, 2, 4, 1, 3];
    order.forEach((raw, dense) => model.itemFactors.set(Y.subarray(raw * 3, raw * 3 + 3), dense * 3));
    // Customer 1 (zero vector, items 1 and 3 once each) adds Σ c = 2 · (1 + 40).
    const yNorm2 = Array.from(Y).reduce((s, v) => s + v * v, 0);
    const loss = alsLoss(m, model, { alpha: 40, regularization: 0.05 }) - 2 * 41 - 0.05 * yNorm2;
    // x was rounded to float32 in the model: the loss is flat at the optimum, so the error is second order.
    expect(Math.abs(loss - lossRef) / lossRef).toBeLessThan(1e-6);
  });

  it('Cholesky refuses a matrix that is not positive definite', () => {
    const A = Float64Array.from([1, 2, 2, 1]);
    expect(() => choleskySolve(A, 2, Float64Array.from([1, 1]), new Float64Array(2))).toThrow(/positive definite/);
  });
});

describe('fitting', () => {
  const options = { factors: 8, alpha: 10, regularization: 0.1, iterations: 10 };

  it('the loss falls at every iteration with the exact solver, and with 3 CG steps', () => {
    const m = buildMatrix(plantedLog(5));
    for (const solver of ['cholesky', 'cg'] as const) {
      const losses: number[] = [];
      fitAls(m, { ...options, solver }, { onIteration: (_d, _t, model) => losses.push(alsLoss(m, model, options)) });
      expect(losses).toHaveLength(options.iterations + 1);
      // Each half-step minimises (exact) or lowers (CG from the current vector) every row's convex loss;
      // only the float32 storage of the factors can add a hair.
      for (let t = 1; t < losses.length; t++) expect(losses[t]!).toBeLessThan(losses[t - 1]! * (1 + 1e-6));
      expect(losses.at(-1)!).toBeLessThan(losses[0]! / 2);
    }
    // CG's losses track the exact solver's closely.
    const exact: number[] = [];
    const cg: number[] = [];
    fitAls(m, { ...options, solver: 'cholesky' }, { onIteration: (_d, _t, mo) => exact.push(alsLoss(m, mo, options)) });
    fitAls(m, { ...options, solver: 'cg' }, { onIteration: (_d, _t, mo) => cg.push(alsLoss(m, mo, options)) });
    expect(Math.abs(cg.at(-1)! - exact.at(-1)!) / exact.at(-1)!).toBeLessThan(0.01);
  });

  it('is deterministic for a seed and differs for another', () => {
    const m = buildMatrix(plantedLog(5));
    const a = fitAls(m, { ...options, seed: 3 });
    const b = fitAls(m, { ...options, seed: 3 });
    const c = fitAls(m, { ...options, seed: 4 });
    expect(Array.from(a.userFactors)).toEqual(Array.from(b.userFactors));
    expect(Array.from(a.itemFactors)).toEqual(Array.from(b.itemFactors));
    expect(Array.from(a.itemFactors)).not.toEqual(Array.from(c.itemFactors));
  });

  it('recommends from the customer’s own taste group, never what they bought, popularity for the unknown', () => {
    const log = plantedLog(5);
    const m = buildMatrix(log);
    const rec = new AlsRecommender(m, fitAls(m, options), fitPopularity(m));
    let own = 0;
    let ownPopular = 0;
    let sameGroupReason = 0;
    let sameGroupChance = 0;
    let total = 0;
    const groupOf = (item: number) => (log.itemIds[item]! < 20 ? 0 : 1);
    for (let u = 0; u < m.nUsers; u++) {
      const bought = new Set(m.byUser.indices.subarray(m.byUser.indptr[u]!, m.byUser.indptr[u + 1]!));
      const recs = rec.forUser(u, 5);
      expect(recs).toHaveLength(5);
      for (const r of recs) {
        expect(bought.has(r.item)).toBe(false);
        expect(r.source).toBe('factors');
        expect(bought.has(r.because)).toBe(true);
        if (groupOf(r.because) === groupOf(r.item)) sameGroupReason++;
        // What a bought item drawn at random would score.
        sameGroupChance += [...bought].filter((j) => groupOf(j) === groupOf(r.item)).length / bought.size;
        if (groupOf(r.item) === log.userIds[u]! % 2) own++;
        total++;
      }
      for (const r of rec.popularFor(u, 5)) if (groupOf(r.item) === log.userIds[u]! % 2) ownPopular++;
      for (let t = 1; t < recs.length; t++) expect(recs[t]!.score).toBeLessThanOrEqual(recs[t - 1]!.score);
    }
    // The unbought items of one's own group are its long tail; the other group's bestsellers compete.
    expect(own / total).toBeGreaterThan(0.75);
    expect(own / total).toBeGreaterThan(ownPopular / total + 0.2);
    // The explanation (largest term of the paper's score decomposition) comes from the item's own group
    // clearly more often than a bought item drawn at random would.
    // (0.877 against 0.755 by chance when written.)
    expect(sameGroupReason / total).toBeGreaterThan(sameGroupChance / total + 0.08);
    const cold = rec.forUser(-1, 3);
    expect(cold.map((r) => r.item)).toEqual(Array.from(rec.popularity.ranked.subarray(0, 3)));
    expect(cold.every((r) => r.source === 'popular')).toBe(true);
  });

  it('a bad setting is a RangeError, and a check between rows can stop the fit', () => {
    const m = buildMatrix(plantedLog(5));
    expect(() => fitAls(m, { factors: 0 })).toThrow(RangeError);
    expect(() => fitAls(m, { alpha: -1 })).toThrow(RangeError);
    expect(() => fitAls(m, { regularization: Number.NaN })).toThrow(RangeError);
    expect(() =>
      fitAls(m, options, {
        checkCancelled: () => {
          throw new Error('stop');
        },
      }),
    ).toThrow('stop');
  });
});

describe('ALS on the generated sample shop (leave-last-out, k = 10)', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    generateSampleShop(ws.db, { customers: 1500, seed: 7 });
  });
  afterAll(() => ws.cleanup());

  it('beats popularity on NDCG@10 and recall@10; item-kNN beside it', async () => {
    const params = { split: 'leave-last-out', k: 10, seed: 1 } as const;
    const als = await runImplicitEval(ws.db, { ...params, algo: 'als' }, testContext(ws.path));
    const knn = await runImplicitEval(ws.db, params, testContext(ws.path));
    expect(als.algo).toBe('als');
    expect(als.als).toEqual({ factors: 64, regularization: 200, alpha: 40, iterations: 15 });
    expect(knn.algo).toBe('item-knn');
    expect(knn.als).toBeUndefined();
    // Same split: the same customers and the same popularity figures.
    expect(als.users).toBe(knn.users);
    expect(als.popularity).toEqual(knn.popularity);
    expect(als.model.ndcg).toBeGreaterThan(als.popularity.ndcg + 0.005);
    expect(als.model.recall).toBeGreaterThan(als.popularity.recall + 0.005);
    console.log(
      `sample shop 1500 customers, leave-last-out k=10: ALS ndcg ${als.model.ndcg.toFixed(4)} recall ${als.model.recall.toFixed(4)}; ` +
        `item-kNN ndcg ${knn.model.ndcg.toFixed(4)} recall ${knn.model.recall.toFixed(4)}; ` +
        `popularity ndcg ${als.popularity.ndcg.toFixed(4)} recall ${als.popularity.recall.toFixed(4)}`,
    );
  });

  it('bad ALS settings are user errors; a cancel stops the fit', async () => {
    const ctx = testContext(ws.path);
    const base = { split: 'leave-last-out', k: 10, seed: 0 } as const;
    await expect(runImplicitEval(ws.db, { ...base, algo: 'als', factors: 0 }, ctx)).rejects.toThrow(UserError);
    await expect(runImplicitEval(ws.db, { ...base, factors: 8 }, ctx)).rejects.toThrow(/als only/);
    await expect(
      runImplicitEval(ws.db, { ...base, algo: 'als', iterations: 50 }, testContext(ws.path, 3)),
    ).rejects.toThrow('cancelled');
  });

  it('serves a customer, a segment and an also-bought list from ALS', () => {
    const customer = ws.db
      .prepare(
        `SELECT c.external_id FROM customers c JOIN orders o ON o.customer_id = c.id
         GROUP BY c.id ORDER BY count(*) DESC LIMIT 1`,
      )
      .pluck()
      .get() as string;
    const opts = { algo: 'als', factors: 16, iterations: 5 } as const;
    const r = recommendFor(ws.db, { customer, n: 10, ...opts });
    expect(r.coldStart).toBe(false);
    expect(r.items).toHaveLength(10);
    expect(r.items[0]!.reason).toMatch(/^because you bought /);
    const sku = ws.db.prepare('SELECT sku FROM products ORDER BY id LIMIT 1').pluck().get() as string;
    const also = recommendFor(ws.db, { alsoBought: sku, n: 5, ...opts });
    expect(also.items.length).toBeGreaterThan(0);
    expect(also.items.map((i) => i.sku)).not.toContain(sku);
    // A segment list ranks by (Σ members' x_u)·y_i: every item once, best first.
    const segment = computeRfm(ws.db).customers[0]!.segment;
    const seg = recommendFor(ws.db, { segment, n: 8, ...opts });
    expect(seg.items).toHaveLength(8);
    expect(new Set(seg.items.map((i) => i.sku)).size).toBe(8);
    for (let t = 1; t < 8; t++) expect(seg.items[t]!.score).toBeLessThanOrEqual(seg.items[t - 1]!.score);
    expect(seg.items[0]!.reason).toBe(`fits the ${segment} segment's purchase patterns`);
    expect(() => recommendFor(ws.db, { customer, n: 5, algo: 'als', alpha: -1 })).toThrow(UserError);
  });
});
