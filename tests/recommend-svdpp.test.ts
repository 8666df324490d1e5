import { describe, expect, it } from 'vitest';
import { blend, solve } from '../src-main/core/recommend/blend.ts';
import { buildTrainSet, fromArrays, fullTrainSet } from '../src-main/core/recommend/dataset.ts';
import type { Algorithm, RatingsData, TrainSet } from '../src-main/core/recommend/dataset.ts';
import { kFold } from '../src-main/core/recommend/folds.ts';
import { makeAlgorithm, recommendAlgos } from '../src-main/core/recommend/job.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';
import { svd } from '../src-main/core/recommend/svd.ts';
import { svdpp } from '../src-main/core/recommend/svdpp.ts';
import type { SvdppOptions } from '../src-main/core/recommend/svdpp.ts';

/** The 4×4 matrix of recommend.test.ts (scale 1–5). */
const U = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3];
const I = [0, 1, 3, 0, 3, 0, 1, 3, 1, 2, 3];
const R = [5, 3, 1, 4, 1, 1, 1, 5, 1, 5, 4];
const small = (): RatingsData => fromArrays(U, I, R, { min: 1, max: 5 });

/**
 * SVD++ exactly as Surprise's SVDpp.fit writes it: per rating, z recomputed from
 * the current y_j, then every y_j of the user updated. Quadratic, for checking only.
 */
function naiveSvdpp(train: TrainSet, o: Required<Omit<SvdppOptions, 'seed'>> & { seed: number }) {
  const { nUsers, nItems } = train.data;
  const f = o.nFactors;
  const rng = new Mt19937(o.seed);
  // Dense indices of the small set already follow first appearance in training order.
  const pu = Array.from({ length: nUsers }, () => Array.from({ length: f }, () => o.initStd * rng.normal()));
  const qi = Array.from({ length: nItems }, () => Array.from({ length: f }, () => o.initStd * rng.normal()));
  const yj = Array.from({ length: nItems }, () => Array.from({ length: f }, () => o.initStd * rng.normal()));
  const bu = new Array<number>(nUsers).fill(0);
  const bi = new Array<number>(nItems).fill(0);
  const mu = train.globalMean;
  const { indptr, indices, values } = train.byUser;
  let lr = o.lr;
  let lrB = o.lrBias;
  for (let e = 0; e < o.nEpochs; e++) {
    for (let u = 0; u < nUsers; u++) {
      const Nu = Array.from(indices.subarray(indptr[u]!, indptr[u + 1]!));
      const sq = Math.sqrt(Nu.length);
      for (let p = indptr[u]!; p < indptr[u + 1]!; p++) {
        const i = indices[p]!;
        const z = new Array<number>(f).fill(0);
        for (const j of Nu) for (let g = 0; g < f; g++) z[g]! += yj[j]![g]! / sq;
        let dot = 0;
        for (let g = 0; g < f; g++) dot += qi[i]![g]! * (pu[u]![g]! + z[g]!);
        const err = values[p]! - (mu + bu[u]! + bi[i]! + dot);
        bu[u]! += lrB * (err - o.regBias * bu[u]!);
        bi[i]! += lrB * (err - o.regBias * bi[i]!);
        for (let g = 0; g < f; g++) {
          const puf = pu[u]![g]!;
          const qif = qi[i]![g]!;
          pu[u]![g] = puf + lr * (err * qif - o.reg * puf);
          qi[i]![g] = qif + lr * (err * (puf + z[g]!) - o.reg * qif);
          for (const j of Nu) yj[j]![g]! += lr * ((err * qif) / sq - o.regY * yj[j]![g]!);
        }
      }
    }
    lr *= o.lrDecay;
    lrB *= o.lrDecay;
  }
  return { bu, bi, pu, qi, yj };
}

describe('SVD++ updates', () => {
  it('one user, two ratings, one factor: two SGD steps worked by hand', () => {
    // u rates a → 5 and b → 1; μ = 3, N(u) = {a, b}, |N(u)|^-½ = 1/√2.
    const d = fromArrays([7, 7], [1, 2], [5, 1], { min: 1, max: 5 });
    const train = fullTrainSet(d);
    const opts = { nFactors: 1, lr: 0.1, reg: 0.5, lrBias: 0.2, regBias: 0.25, regY: 0.3, initStd: 0.1, seed: 3 };
    const init = svdpp({ ...opts, nEpochs: 0 }).fit(train);
    const after = svdpp({ ...opts, nEpochs: 1 }).fit(train);
    let p = init.pu[0]!;
    const q = [init.qi[0]!, init.qi[1]!];
    const y = [init.yj[0]!, init.yj[1]!];
    let bu = 0;
    const bi = [0, 0];
    const n = 1 / Math.sqrt(2);
    const r = [5, 1];
    for (let t = 0; t < 2; t++) {
      const z = n * (y[0]! + y[1]!);
      const err = r[t]! - (3 + bu + bi[t]! + q[t]! * (p + z));
      bu += 0.2 * (err - 0.25 * bu);
      bi[t] = bi[t]! + 0.2 * (err - 0.25 * bi[t]!);
      const p0 = p;
      const q0 = q[t]!;
      p = p0 + 0.1 * (err * q0 - 0.5 * p0);
      q[t] = q0 + 0.1 * (err * (p0 + z) - 0.5 * q0);
      for (let j = 0; j < 2; j++) y[j] = y[j]! + 0.1 * (err * q0 * n - 0.3 * y[j]!);
    }
    expect(after.bu[0]).toBeCloseTo(bu, 14);
    expect(after.bi[0]).toBeCloseTo(bi[0]!, 14);
    expect(after.bi[1]).toBeCloseTo(bi[1]!, 14);
    expect(after.pu[0]).toBeCloseTo(p, 14);
    expect(after.qi[0]).toBeCloseTo(q[0]!, 14);
    expect(after.qi[1]).toBeCloseTo(q[1]!, 14);
    expect(after.yj[0]).toBeCloseTo(y[0]!, 14);
    expect(after.yj[1]).toBeCloseTo(y[1]!, 14);
    // Prediction = μ + b_u + b_i + q_i·(p_u + z_u), clipped.
    const z = n * (y[0]! + y[1]!);
    expect(after.predict(0, 1)).toBeCloseTo(Math.min(5, Math.max(1, 3 + bu + bi[1]! + q[1]! * (p + z))), 12);
  });

  it('the per-user affine y update equals Surprise’s per-rating loop (4×4 matrix, 3 factors, decay)', () => {
    const train = fullTrainSet(small());
    const o = {
      nFactors: 3,
      nEpochs: 4,
      lr: 0.05,
      reg: 0.1,
      lrBias: 0.03,
      regBias: 0.2,
      regY: 0.15,
      lrDecay: 0.9,
      initStd: 0.3,
      seed: 11,
    };
    const fast = svdpp(o).fit(train);
    const ref = naiveSvdpp(train, o);
    for (let u = 0; u < 4; u++) {
      expect(fast.bu[u]).toBeCloseTo(ref.bu[u]!, 12);
      for (let g = 0; g < 3; g++) expect(fast.pu[u * 3 + g]).toBeCloseTo(ref.pu[u]![g]!, 12);
    }
    for (let i = 0; i < 4; i++) {
      expect(fast.bi[i]).toBeCloseTo(ref.bi[i]!, 12);
      for (let g = 0; g < 3; g++) {
        expect(fast.qi[i * 3 + g]).toBeCloseTo(ref.qi[i]![g]!, 12);
        expect(fast.yj[i * 3 + g]).toBeCloseTo(ref.yj[i]![g]!, 12);
      }
    }
  });

  it('unknown users and items fall back to μ + the known bias', () => {
    const d = small();
    const rows = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]); // user 3 and item i2 never trained
    const m = svdpp({ seed: 0 }).fit(buildTrainSet(d, rows));
    const i2 = d.itemIds.indexOf(2);
    expect(m.predict(3, 0)).toBeCloseTo(Math.min(5, Math.max(1, m.mu + m.bi[0]!)), 12);
    expect(m.predict(0, i2)).toBeCloseTo(Math.min(5, Math.max(1, m.mu + m.bu[0]!)), 12);
  });
});

/**
 * Planted structure: two taste groups of users and two genres of items. A user
 * rates mostly items of the genre they like (the implicit signal) and the
 * ratings follow 3 + item bias + 1.2·taste·genre + item-level rank-2 detail + noise.
 * Many users rate few items, so the choice of items carries information that
 * their few explicit ratings barely do.
 */
function planted(seed: number): RatingsData {
  const rng = new Mt19937(seed);
  const nUsers = 400;
  const nItems = 120;
  const genre = Array.from({ length: nItems }, (_, i) => (i % 2 === 0 ? 1 : -1));
  const itemBias = Array.from({ length: nItems }, () => 0.3 * rng.normal());
  const us: number[] = [];
  const is: number[] = [];
  const rs: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const taste = rng.nextDouble() < 0.5 ? 1 : -1;
    const n = 6 + Math.floor(rng.nextDouble() * 20);
    const seen = new Set<number>();
    while (seen.size < n) {
      // 85% of a user's items come from the liked genre.
      const liked = rng.nextDouble() < 0.85;
      const want = liked ? taste : -taste;
      let i = Math.floor(rng.nextDouble() * nItems);
      if (genre[i] !== want) i = (i + 1) % nItems;
      if (seen.has(i)) continue;
      seen.add(i);
      const x = 3 + itemBias[i]! + 1.2 * taste * genre[i]! + 0.3 * rng.normal();
      us.push(u);
      is.push(i);
      rs.push(Math.min(5, Math.max(1, x)));
    }
  }
  return fromArrays(us, is, rs, { min: 1, max: 5 });
}

function cvRmse(data: RatingsData, algo: Algorithm): number {
  let se = 0;
  let n = 0;
  for (const fold of kFold(data.ratings.length, 5, 0)) {
    const m = algo.fit(buildTrainSet(data, fold.train));
    for (const k of fold.test) {
      const e = data.ratings[k]! - m.predict(data.users[k]!, data.items[k]!);
      se += e * e;
      n++;
    }
  }
  return Math.sqrt(se / n);
}

describe('SVD++ on planted low-rank + implicit structure', () => {
  it('beats plain SVD with the same factors, epochs and rates', () => {
    const data = planted(5);
    const common = { nFactors: 5, nEpochs: 40, lr: 0.01, reg: 0.05, initStd: 0.1, seed: 0 };
    const plain = cvRmse(data, svd(common));
    const plus = cvRmse(data, svdpp(common));
    // Seen: SVD 0.515, SVD++ 0.381.
    expect(plus).toBeLessThan(plain - 0.05);
  });
});

describe('blend', () => {
  /** A member that records what it was fitted on and asked, and answers `value(u, i)`. */
  function spy(name: string, value: (u: number, i: number) => number) {
    const fittedOn: Int32Array[] = [];
    const asked: [number, number][] = [];
    const algo: Algorithm = {
      name,
      fit(train: TrainSet) {
        fittedOn.push(train.rows.slice());
        return {
          predict(u: number, i: number) {
            asked.push([u, i]);
            return value(u, i);
          },
        };
      },
    };
    return { algo, fittedOn, asked };
  }

  it('learns its weights from a held-out slice of the training fold only', () => {
    const data = planted(9);
    // Member a: a noisy copy of the truth (rating + N(0, 0.2²), a fixed draw per rating); member b: noise.
    const noise = new Mt19937(1);
    const truthPlus = new Map<number, number>();
    for (let k = 0; k < data.ratings.length; k++) {
      truthPlus.set(data.users[k]! * 100_000 + data.items[k]!, data.ratings[k]! + 0.2 * noise.normal());
    }
    const junk = new Mt19937(2);
    const a = spy('near-truth', (u, i) => truthPlus.get(u * 100_000 + i) ?? 3);
    const b = spy('junk', () => 1 + 4 * junk.nextDouble());
    const folds = kFold(data.ratings.length, 5, 0);
    for (const fold of folds) {
      a.fittedOn.length = 0;
      a.asked.length = 0;
      b.fittedOn.length = 0;
      const train = buildTrainSet(data, fold.train);
      const model = blend({ members: [a.algo, b.algo], seed: 4 }).fit(train);
      const inTrain = new Uint8Array(data.ratings.length);
      for (const k of fold.train) inTrain[k] = 1;
      const held = new Uint8Array(data.ratings.length);
      for (const k of model.holdoutRows) held[k] = 1;
      // The held-out slice is a tenth of the training fold, drawn from it alone.
      expect(model.holdoutRows.length).toBe(Math.round(fold.train.length * 0.1));
      for (const k of model.holdoutRows) expect(inTrain[k]).toBe(1);
      // Each member: fitted first on training minus the slice, then on the whole training fold.
      for (const s of [a, b]) {
        expect(s.fittedOn.length).toBe(2);
        const [inner, full] = s.fittedOn as [Int32Array, Int32Array];
        expect(inner.length + model.holdoutRows.length).toBe(fold.train.length);
        for (const k of inner) expect(inTrain[k] === 1 && held[k] === 0).toBe(true);
        expect(Array.from(full)).toEqual(Array.from(fold.train));
      }
      // While fitting, the blend asked for predictions on the held-out pairs only.
      const heldPairs = new Set(Array.from(model.holdoutRows, (k) => `${data.users[k]},${data.items[k]}`));
      expect(a.asked.length).toBe(model.holdoutRows.length);
      for (const [u, i] of a.asked) expect(heldPairs.has(`${u},${i}`)).toBe(true);
      // The weights: near-truth ≈ 1, junk ≈ 0, intercept ≈ 0.
      const [w0, wa, wb] = Array.from(model.weights) as [number, number, number];
      expect(wa).toBeGreaterThan(0.85);
      expect(wa).toBeLessThan(1.05);
      expect(Math.abs(wb)).toBeLessThan(0.05);
      expect(Math.abs(w0)).toBeLessThan(0.5);
    }
  });

  it('solve() solves a small system', () => {
    const w = solve(Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]), Float64Array.from([7, 4, 7]), 3);
    expect(Array.from(w).map((x) => Number(x.toFixed(12)))).toEqual([1, 1, 1]);
  });

  it('job.ts knows svdpp and blend', () => {
    expect(recommendAlgos).toContain('svdpp');
    expect(recommendAlgos).toContain('blend');
    expect(makeAlgorithm({ algo: 'svdpp', seed: 0 }).name).toMatch(/^SVD\+\+/);
    expect(makeAlgorithm({ algo: 'blend', seed: 0 }).name).toMatch(/^Blend\(BaselineOnly \+ KNNBaseline/);
  });
});
