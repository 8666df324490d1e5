import { describe, expect, it } from 'vitest';
import { makeAlgorithm } from '../src-main/core/recommend/algorithms.ts';
import type { RecommendEvalParams } from '../src-main/core/recommend/algorithms.ts';
import { fromArrays } from '../src-main/core/recommend/dataset.ts';
import type { RatingsData } from '../src-main/core/recommend/dataset.ts';
import { crossValidate } from '../src-main/core/recommend/evaluate.ts';
import { crossValidateParallel, PARALLEL_MIN_RATINGS } from '../src-main/core/recommend/evaluate-parallel.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';

/** A rank-3 rating matrix on a 1–5 scale, about 25,600 ratings: above the two-thread threshold. */
function ratings(): RatingsData {
  const rng = new Mt19937(11);
  const nU = 400;
  const nI = 200;
  const P = Float64Array.from({ length: nU * 3 }, () => rng.normal() * 0.6);
  const Q = Float64Array.from({ length: nI * 3 }, () => rng.normal() * 0.6);
  const us: number[] = [];
  const is: number[] = [];
  const vs: number[] = [];
  for (let u = 0; u < nU; u++) {
    for (let i = 0; i < nI; i++) {
      if (rng.nextDouble() >= 0.32) continue;
      let v = 3;
      for (let g = 0; g < 3; g++) v += P[u * 3 + g]! * Q[i * 3 + g]!;
      us.push(u);
      is.push(i);
      vs.push(Math.min(5, Math.max(1, Math.round(v + 0.3 * rng.normal()))));
    }
  }
  return fromArrays(us, is, vs, { min: 1, max: 5 });
}

describe('cross-validation on two threads', () => {
  const data = ratings();
  const cases: Omit<RecommendEvalParams, 'folds'>[] = [
    { algo: 'user-knn', sim: 'cosine', centered: 'mean', k: 40, seed: 0 },
    { algo: 'svd', seed: 3 },
  ];

  it('gives the same figures, fold by fold, as one thread', async () => {
    expect(data.ratings.length).toBeGreaterThan(PARALLEL_MIN_RATINGS);
    for (const params of cases) {
      const one = crossValidate(data, makeAlgorithm(params), { folds: 5, seed: 1 });
      const progress: number[] = [];
      const two = await crossValidateParallel(data, params, {
        folds: 5,
        seed: 1,
        threads: 2,
        waitForHelper: true,
        onFold: (done) => progress.push(done),
      });
      expect(one.threads).toBe(1);
      expect(two.threads).toBe(2);
      expect(two.algo).toBe(one.algo);
      expect(two.rmse.folds).toEqual(one.rmse.folds);
      expect(two.mae.folds).toEqual(one.mae.folds);
      expect(two.rmse.mean).toBe(one.rmse.mean);
      // Progress only moves forward and ends at all folds.
      expect(progress.at(-1)).toBe(5);
      expect(progress.every((v, i) => i === 0 || v >= progress[i - 1]!)).toBe(true);
      expect(two.wallSeconds).toBeGreaterThan(0);
    }
  });

  it('stays on one thread when asked, or when the data is small', async () => {
    const params = cases[1]!;
    const r = await crossValidateParallel(data, params, { folds: 3, seed: 1, threads: 1 });
    expect(r.threads).toBe(1);
    const small = fromArrays([0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1], [5, 3, 4, 2, 1, 1], { min: 1, max: 5 });
    expect((await crossValidateParallel(small, { algo: 'baseline', seed: 0 }, { folds: 2, seed: 0 })).threads).toBe(1);
  });

  it('stops when the progress callback throws, and ends the helper', async () => {
    const stop = new Error('cancelled');
    let calls = 0;
    await expect(
      crossValidateParallel(data, cases[1]!, {
        folds: 5,
        seed: 1,
        threads: 2,
        waitForHelper: true,
        onFold: () => {
          if (++calls === 2) throw stop;
        },
      }),
    ).rejects.toBe(stop);
  });
});
