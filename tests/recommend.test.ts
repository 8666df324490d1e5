import { describe, expect, it } from 'vitest';
import { baselineOnly, fitBaselines } from '../src-main/core/recommend/baseline.ts';
import { buildTrainSet, fromArrays, fullTrainSet } from '../src-main/core/recommend/dataset.ts';
import type { RatingsData } from '../src-main/core/recommend/dataset.ts';
import { crossValidate } from '../src-main/core/recommend/evaluate.ts';
import { kFold } from '../src-main/core/recommend/folds.ts';
import { makeAlgorithm, runRecommendEval } from '../src-main/core/recommend/job.ts';
import { knn } from '../src-main/core/recommend/knn.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';
import { computeSimilarity } from '../src-main/core/recommend/similarity.ts';
import { svd } from '../src-main/core/recommend/svd.ts';
import { CancelledError, UserError } from '../src-main/core/jobs/context.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

/**
 * The small matrix worked by hand below (scale 1–5, '-' = not rated):
 *        i0 i1 i2 i3
 *   u0    5  3  -  1      mean 3
 *   u1    4  -  -  1      mean 2.5
 *   u2    1  1  -  5      mean 7/3
 *   u3    -  1  5  4      mean 10/3        global mean 31/11
 * Dense indices follow first appearance: users u0..u3 → 0..3; items i0, i1, i3, i2 → 0, 1, 2, 3.
 */
const U = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3];
const I = [0, 1, 3, 0, 3, 0, 1, 3, 1, 2, 3];
const R = [5, 3, 1, 4, 1, 1, 1, 5, 1, 5, 4];
const small = (): RatingsData => fromArrays(U, I, R, { min: 1, max: 5 });
const item = (d: RatingsData, raw: number): number => d.itemIds.indexOf(raw);

function userSims(name: 'cosine' | 'msd' | 'pearson', minSupport = 1): (a: number, b: number) => number {
  const d = small();
  const sim = computeSimilarity(name, d.nUsers, fullTrainSet(d).byItem, { minSupport });
  return (a, b) => sim[a * d.nUsers + b]!;
}

describe('similarities (user-based, hand-computed)', () => {
  it('cosine over common items', () => {
    const s = userSims('cosine');
    // u0·u1 on {i0, i3}: (5·4 + 1·1) / √((25+1)(16+1)) = 21/√442
    expect(s(0, 1)).toBeCloseTo(21 / Math.sqrt(442), 12);
    // u0·u2 on {i0, i1, i3}: (5 + 3 + 5) / √(35·27) = 13/√945
    expect(s(0, 2)).toBeCloseTo(13 / Math.sqrt(945), 12);
    // u0·u3 on {i1, i3}: (3 + 4) / √(10·17)
    expect(s(0, 3)).toBeCloseTo(7 / Math.sqrt(170), 12);
    expect(s(3, 0)).toBe(s(0, 3));
    expect(s(2, 2)).toBe(1);
  });

  it('msd = 1 / (mean squared difference + 1)', () => {
    const s = userSims('msd');
    expect(s(0, 1)).toBeCloseTo(1 / 1.5, 12); // ((5−4)² + 0²)/2 = 0.5
    expect(s(0, 2)).toBeCloseTo(1 / 13, 12); // (16 + 4 + 16)/3 = 12
    expect(s(0, 3)).toBeCloseTo(1 / 7.5, 12); // (4 + 9)/2 = 6.5
    expect(s(1, 2)).toBeCloseTo(1 / 13.5, 12); // (9 + 16)/2 = 12.5
    expect(s(1, 3)).toBeCloseTo(1 / 10, 12); // only i3: 9
  });

  it('pearson with means over the common items', () => {
    const s = userSims('pearson');
    expect(s(0, 1)).toBeCloseTo(1, 12); // (5,1) vs (4,1): perfectly correlated
    expect(s(0, 3)).toBeCloseTo(-1, 12); // (3,1) vs (1,4)
    // u0 (5,3,1) − 3 = (2,0,−2); u2 (1,1,5) − 7/3 = (−4/3,−4/3,8/3):
    // Σ = −8/3 − 16/3 = −8;  √(8 · 96/9) = √(256/3);  −8/√(256/3) = −√3/2
    expect(s(0, 2)).toBeCloseTo(-Math.sqrt(3) / 2, 12);
  });

  it('min_support zeroes pairs with too few common items', () => {
    const s = userSims('msd', 2);
    expect(s(1, 3)).toBe(0); // one common item
    expect(s(0, 1)).toBeCloseTo(1 / 1.5, 12);
  });

  it('item-based cosine runs over common users', () => {
    const d = small();
    const sim = computeSimilarity('cosine', d.nItems, fullTrainSet(d).byUser);
    // i0 (u0 5, u1 4, u2 1) · i3 (u0 1, u1 1, u2 5): 14 / √(42 · 27)
    expect(sim[item(d, 0) * d.nItems + item(d, 3)]).toBeCloseTo(14 / Math.sqrt(42 * 27), 12);
  });

  it('pearson_baseline is a shrunk cosine of baseline residuals', () => {
    const d = small();
    const t = fullTrainSet(d);
    const zero = { mu: 0, xBias: new Float64Array(d.nUsers), yBias: new Float64Array(d.nItems) };
    const cos = computeSimilarity('cosine', d.nUsers, t.byItem);
    const pb0 = computeSimilarity('pearson_baseline', d.nUsers, t.byItem, { baselines: zero, shrinkage: 0 });
    const pb = computeSimilarity('pearson_baseline', d.nUsers, t.byItem, { baselines: zero, shrinkage: 100 });
    for (let k = 0; k < cos.length; k++) {
      if (k % (d.nUsers + 1) === 0) continue; // diagonal: 1 by definition
      expect(pb0[k]).toBeCloseTo(cos[k]!, 12);
    }
    // u0·u2 share 3 items: shrink factor (3 − 1)/(3 − 1 + 100)
    expect(pb[2]).toBeCloseTo((cos[2]! * 2) / 102, 12);
  });
});

describe('kNN predictions (hand-computed, msd, user-based)', () => {
  // Predict u1 on i1. Raters of i1: u0 (3), u2 (1), u3 (1) with msd sims 2/3, 2/27, 1/10; Σ sim = 227/270.
  it('KNNWithMeans: r̄(u) + Σ sim·(r − r̄(v)) / Σ sim', () => {
    const d = small();
    const p = knn({ centering: 'mean' }).fit(fullTrainSet(d));
    // 2.5 + [2/3·(3−3) + 2/27·(1−7/3) + 1/10·(1−10/3)] / (227/270)
    //   = 2.5 + (−8/81 − 7/30)/(227/270) = 2.5 − (269/810)(270/227) = 2.5 − 269/681 ≈ 2.104993
    expect(p.predict(1, item(d, 1))).toBeCloseTo(2.5 - 269 / 681, 12);
    // k = 1 keeps only u0 whose deviation is 0: the user's mean.
    expect(knn({ centering: 'mean', k: 1 }).fit(fullTrainSet(d)).predict(1, item(d, 1))).toBeCloseTo(2.5, 12);
  });

  it('KNNBasic: Σ sim·r / Σ sim', () => {
    const d = small();
    const p = knn().fit(fullTrainSet(d));
    // (2/3·3 + 2/27·1 + 1/10·1) / (227/270) = (587/270)/(227/270) = 587/227
    expect(p.predict(1, item(d, 1))).toBeCloseTo(587 / 227, 12);
  });

  it('uses only positively similar neighbours', () => {
    const d = small();
    // i2 is rated only by u3, whose pearson similarity with u0 is −1: no usable neighbour.
    const t = fullTrainSet(d);
    expect(knn({ sim: 'pearson', centering: 'mean' }).fit(t).predict(0, item(d, 2))).toBeCloseTo(3, 12);
    expect(knn({ sim: 'pearson' }).fit(t).predict(0, item(d, 2))).toBeCloseTo(31 / 11, 12);
  });

  it('KNNBaseline centres on the ALS baselines', () => {
    const d = small();
    const t = fullTrainSet(d);
    const { bu, bi } = fitBaselines(t);
    const mu = 31 / 11;
    const b = (u: number, i: number) => mu + bu[u]! + bi[i]!;
    const i1 = item(d, 1);
    const s = [2 / 3, 2 / 27, 1 / 10];
    const dev = [3 - b(0, i1), 1 - b(2, i1), 1 - b(3, i1)];
    const expected = b(1, i1) + (s[0]! * dev[0]! + s[1]! * dev[1]! + s[2]! * dev[2]!) / (s[0]! + s[1]! + s[2]!);
    expect(knn({ centering: 'baseline' }).fit(t).predict(1, i1)).toBeCloseTo(expected, 12);
  });

  it('clips to the rating scale', () => {
    // u0 rates 5, 5 (mean 5); u1 rates 1, 5, 5 (mean 11/3); predicting u0 on the third item:
    // 5 + (5 − 11/3) = 6.33 → clipped to 5.
    const d = fromArrays([0, 0, 1, 1, 1], [0, 1, 0, 1, 2], [5, 5, 1, 5, 5], { min: 1, max: 5 });
    const p = knn({ centering: 'mean' }).fit(fullTrainSet(d));
    expect(p.predict(0, 2)).toBe(5);
  });

  it('falls back to the global mean for an unknown user (KNNBaseline: to the known biases)', () => {
    const d = small();
    // Train without u3's ratings: u3 is unknown to the model.
    const rows = Int32Array.from(U.map((u, k) => (u === 3 ? -1 : k)).filter((k) => k >= 0));
    const t = buildTrainSet(d, rows);
    expect(t.globalMean).toBeCloseTo(21 / 8, 12);
    expect(knn().fit(t).predict(3, item(d, 0))).toBeCloseTo(21 / 8, 12);
    expect(knn({ centering: 'mean' }).fit(t).predict(3, item(d, 0))).toBeCloseTo(21 / 8, 12);
    const { bi } = fitBaselines(t);
    expect(knn({ centering: 'baseline' }).fit(t).predict(3, item(d, 0))).toBeCloseTo(21 / 8 + bi[item(d, 0)]!, 12);
    expect(baselineOnly().fit(t).predict(3, item(d, 0))).toBeCloseTo(21 / 8 + bi[item(d, 0)]!, 12);
    expect(svd({ nFactors: 2 }).fit(t).predict(99, 99)).toBeCloseTo(21 / 8, 12);
  });
});

describe('BaselineOnly (ALS)', () => {
  it('matches one epoch worked by hand', () => {
    // u0: i0 = 5, i1 = 3; u1: i0 = 3. μ = 11/3, reg_i = reg_u = 1.
    // b_i0 = ((5 − μ) + (3 − μ)) / (1 + 2) = 2/9;  b_i1 = (3 − μ)/(1 + 1) = −1/3
    // b_u0 = ((5 − μ − 2/9) + (3 − μ + 1/3)) / 3 = 7/27;  b_u1 = (3 − μ − 2/9)/2 = −4/9
    const d = fromArrays([0, 0, 1], [0, 1, 0], [5, 3, 3], { min: 1, max: 5 });
    const t = fullTrainSet(d);
    const { bu, bi } = fitBaselines(t, { nEpochs: 1, regI: 1, regU: 1 });
    expect(bi[0]).toBeCloseTo(2 / 9, 12);
    expect(bi[1]).toBeCloseTo(-1 / 3, 12);
    expect(bu[0]).toBeCloseTo(7 / 27, 12);
    expect(bu[1]).toBeCloseTo(-4 / 9, 12);
    // r̂(u1, i1) = 11/3 − 4/9 − 1/3 = 26/9
    expect(baselineOnly({ nEpochs: 1, regI: 1, regU: 1 }).fit(t).predict(1, 1)).toBeCloseTo(26 / 9, 12);
  });
});

/** Ratings 3 + p_u·q_i + N(0, σ²) for a planted rank-3 model, 30% observed. */
function planted(sigma: number): RatingsData {
  const rng = new Mt19937(42);
  const nU = 300;
  const nI = 200;
  const r = 3;
  const P = Float64Array.from({ length: nU * r }, () => rng.normal());
  const Q = Float64Array.from({ length: nI * r }, () => rng.normal());
  const us: number[] = [];
  const is: number[] = [];
  const vs: number[] = [];
  for (let u = 0; u < nU; u++) {
    for (let i = 0; i < nI; i++) {
      if (rng.nextDouble() >= 0.3) continue;
      let v = 3;
      for (let g = 0; g < r; g++) v += P[u * r + g]! * Q[i * r + g]!;
      us.push(u);
      is.push(i);
      vs.push(v + sigma * rng.normal());
    }
  }
  // A wide scale so that clipping plays no part here.
  return fromArrays(us, is, vs, { min: -100, max: 100 });
}

describe('SVD', () => {
  it('recovers a planted low-rank model to near the noise level on held-out ratings', () => {
    const data = planted(0.1);
    const algo = svd({ nFactors: 3, nEpochs: 60, lr: 0.02, reg: 0.01, seed: 1 });
    const fold = kFold(data.ratings.length, 5, 1)[0]!;
    const model = algo.fit(buildTrainSet(data, fold.train));
    let se = 0;
    for (const k of fold.test) se += (data.ratings[k]! - model.predict(data.users[k]!, data.items[k]!)) ** 2;
    const rmse = Math.sqrt(se / fold.test.length);
    expect(rmse).toBeLessThan(0.13); // noise σ = 0.1
    // Biases alone cannot explain the interaction term.
    const base = crossValidate(data, baselineOnly(), { folds: 5, seed: 1 });
    expect(base.rmse.mean).toBeGreaterThan(1);
  });

  it('is reproducible from its seed', () => {
    const data = planted(0.1);
    const a = crossValidate(data, svd({ nFactors: 5, nEpochs: 3 }), { folds: 3, seed: 7 });
    const b = crossValidate(data, svd({ nFactors: 5, nEpochs: 3 }), { folds: 3, seed: 7 });
    expect(a.rmse.folds).toEqual(b.rmse.folds);
  });
});

describe('folds', () => {
  it('draws the same permutation as NumPy RandomState(seed).shuffle', () => {
    // np.random.RandomState(0).permutation(10) = [2 8 4 9 1 6 7 3 0 5]
    const folds = kFold(10, 5, 0);
    expect(folds.map((f) => [...f.test])).toEqual([
      [2, 8],
      [4, 9],
      [1, 6],
      [7, 3],
      [0, 5],
    ]);
    // MT19937 reference output for the default seed 5489.
    expect(new Mt19937(5489).nextUint32()).toBe(3499211612);
  });

  it('are disjoint, cover every rating, and differ in size by at most one', () => {
    const n = 103;
    const folds = kFold(n, 5, 3);
    expect(folds.map((f) => f.test.length)).toEqual([21, 21, 21, 20, 20]);
    const seen = new Int32Array(n);
    for (const f of folds) {
      for (const k of f.test) seen[k]!++;
      expect(f.train.length + f.test.length).toBe(n);
      const inTest = new Set(f.test);
      expect(new Set(f.train).size).toBe(f.train.length);
      for (const k of f.train) expect(inTest.has(k)).toBe(false);
    }
    expect([...seen].every((c) => c === 1)).toBe(true);
    expect(() => kFold(3, 5, 0)).toThrow(RangeError);
  });
});

describe('recommend eval job', () => {
  it('cross-validates the workspace ratings with progress per fold, and can be cancelled', async () => {
    const ws = tempWorkspace();
    try {
      const insert = ws.db.transaction(() => {
        for (let u = 0; u < 4; u++)
          ws.db.prepare('INSERT INTO customers (id, external_id) VALUES (?, ?)').run(u + 1, `c${u}`);
        for (let i = 0; i < 4; i++) ws.db.prepare('INSERT INTO products (id, sku) VALUES (?, ?)').run(i + 1, `p${i}`);
        const r = ws.db.prepare('INSERT INTO ratings (customer_id, product_id, rating) VALUES (?, ?, ?)');
        for (let k = 0; k < U.length; k++) r.run(U[k]! + 1, I[k]! + 1, R[k]!);
      });
      insert();
      const ctx = testContext(ws.path);
      const out = await runRecommendEval(ws.db, { algo: 'user-knn', centered: 'mean', folds: 3, seed: 0 }, ctx);
      expect(out.algo).toMatch(/^KNNWithMeans\(msd, user-based, k=40\)/);
      expect(out.rmse.folds).toHaveLength(3);
      expect(ctx.calls).toBe(4);
      // Same result as calling the kernel directly on the same ratings.
      const direct = crossValidate(small(), knn({ centering: 'mean' }), { folds: 3, seed: 0 });
      expect(out.rmse.folds).toEqual(direct.rmse.folds);
      await expect(
        runRecommendEval(ws.db, { algo: 'svd', folds: 3, seed: 0 }, testContext(ws.path, 2)),
      ).rejects.toThrow(CancelledError);
    } finally {
      ws.cleanup();
    }
  });

  it('maps CLI names and rejects bad ones', () => {
    expect(makeAlgorithm({ algo: 'baseline', seed: 0 }).name).toBe('BaselineOnly');
    expect(makeAlgorithm({ algo: 'item-knn', sim: 'pearson_baseline', centered: 'baseline', seed: 0 }).name).toBe(
      'KNNBaseline(pearson_baseline, item-based, k=40)',
    );
    expect(makeAlgorithm({ algo: 'user-knn', seed: 0 }).name).toBe('KNNBasic(msd, user-based, k=40)');
    expect(() => makeAlgorithm({ algo: 'slope-one', seed: 0 })).toThrow(UserError);
    expect(() => makeAlgorithm({ algo: 'user-knn', sim: 'jaccard', seed: 0 })).toThrow(UserError);
    expect(() => makeAlgorithm({ algo: 'user-knn', k: 0, seed: 0 })).toThrow(UserError);
  });
});
