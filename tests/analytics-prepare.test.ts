import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../src-main/core/analytics/prepare/eigen.ts';
import {
  classRelevance,
  correlationMatrix,
  selectColumns,
  selectUncorrelated,
  targetCorrelation,
} from '../src-main/core/analytics/prepare/feature-select.ts';
import { fitPca, pcaTransform } from '../src-main/core/analytics/prepare/pca.ts';
import { Rng } from '../src-main/core/sample/rng.ts';
import { loadMlFixture } from './helpers/ml-fixtures.ts';

/**
 * Reference figures: scikit-learn 1.2.1 (Debian python3-sklearn),
 * PCA(n_components=3, svd_solver='full') on tests/fixtures/ml/iris.csv, raw and
 * standardized by (X − mean) / std (ddof 0); produced by
 * tests/fixtures/ml/make-fixtures.py. Tolerance 1e-9 (both are exact
 * decompositions; the differences are rounding).
 */
const SK_PCA = {
  components: [
    [0.36138659178536864, -0.08452251406456868, 0.8566706059498349, 0.3582891971515507],
    [0.6565887712868423, 0.7301614347850266, -0.17337266279585706, -0.07548101991746337],
    [-0.5820298513060651, 0.5979108301000855, 0.0762360758209632, 0.5458314320200757],
  ],
  ratio: [0.9246187232017271, 0.05306648311706782, 0.017102609807929763],
  variance: [4.228241706034864, 0.24267074792863336, 0.07820950004291938],
  firstScores: [
    [-2.684125625969537, 0.31939724658510055, -0.027914827589414104],
    [-2.714141687294326, -0.17700122506478083, -0.21046427237824422],
    [-2.888990569059297, -0.14494942608555825, 0.017900256320889762],
  ],
};
const SK_PCA_SCALED = {
  components: [
    [0.5210659146701195, -0.2693474425059429, 0.5804130957962944, 0.5648565357793611],
    [0.37741761556456715, 0.9232956595407147, 0.024491609085586674, 0.06694198696805853],
    [-0.719566352700817, 0.2443817795143992, 0.14212636933390327, 0.6342727371109234],
  ],
  ratio: [0.7296244541329987, 0.2285076178670178, 0.036689218892828765],
  variance: [2.938085050199996, 0.9201649041624882, 0.14774182104494812],
  firstScores: [
    [-2.264702808807587, 0.4800265965209887, -0.12770602230015257],
    [-2.080961151965766, -0.6741335566053531, -0.23460885398456785],
    [-2.3642290538902992, -0.3419080238846764, 0.044201484838743775],
  ],
};

const close = (a: ArrayLike<number>, b: readonly number[], tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
};

describe('symmetric eigen-decomposition', () => {
  it('reconstructs a random symmetric matrix, orthonormal vectors, values sorted', () => {
    const rng = new Rng(5, 1);
    const d = 12;
    const A = new Float64Array(d * d);
    for (let p = 0; p < d; p++) {
      for (let q = p; q < d; q++) {
        const v = rng.normal(0, 1);
        A[p * d + q] = v;
        A[q * d + p] = v;
      }
    }
    const { values, vectors } = symmetricEigen(A, d);
    for (let c = 1; c < d; c++) expect(values[c]!).toBeLessThanOrEqual(values[c - 1]!);
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        let rec = 0;
        let dot = 0;
        for (let c = 0; c < d; c++) {
          rec += vectors[c * d + p]! * values[c]! * vectors[c * d + q]!;
          dot += vectors[p * d + c]! * vectors[q * d + c]!;
        }
        expect(Math.abs(rec - A[p * d + q]!)).toBeLessThan(1e-10);
        expect(Math.abs(dot - (p === q ? 1 : 0))).toBeLessThan(1e-10);
      }
    }
  });
});

describe('PCA vs scikit-learn', () => {
  const iris = loadMlFixture('iris.csv');
  for (const [label, scale, ref] of [
    ['centred', false, SK_PCA],
    ['standardized', true, SK_PCA_SCALED],
  ] as const) {
    it(`${label}: components with svd_flip signs, explained variance and ratio, scores`, () => {
      const { model, scores } = fitPca(iris.X, iris.n, iris.d, { components: 3, scale });
      for (let c = 0; c < 3; c++) close(model.components.subarray(c * 4, c * 4 + 4), ref.components[c]!, 1e-9);
      close(model.explainedVarianceRatio, ref.ratio, 1e-12);
      close(model.explainedVariance, ref.variance, 1e-9);
      for (let i = 0; i < 3; i++) close(scores.subarray(i * 3, i * 3 + 3), ref.firstScores[i]!, 1e-9);
      // transform of the training rows gives the same scores.
      close(pcaTransform(model, iris.X.subarray(0, 8), 2), [...scores.subarray(0, 6)], 1e-12);
    });
  }

  it('refuses bad shapes and component counts', () => {
    expect(() => fitPca(new Float64Array(4), 1, 4)).toThrow(RangeError);
    expect(() => fitPca(new Float64Array(8), 2, 4, { components: 3 })).toThrow(/components/);
  });
});

describe('correlation-based feature selection', () => {
  // x0 signal, x1 = x0 + small noise, x2 independent, x3 constant, x4 = −x2 + tiny noise.
  function data() {
    const rng = new Rng(8, 2);
    const n = 400;
    const d = 5;
    const X = new Float64Array(n * d);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = rng.normal(0, 1);
      const b = rng.normal(0, 1);
      X.set([a, a + rng.normal(0, 0.1), b, 3, -b + rng.normal(0, 0.01)], i * d);
      // Target driven by the noisy copy x1 more than by x0, and by x4 (less noise in x2's twin doesn't matter).
      y[i] = X[i * d + 1]! + 0.2 * X[i * d + 4]! + rng.normal(0, 0.05);
    }
    return { X, y, n, d, names: ['x0', 'x1', 'x2', 'x3', 'x4'] };
  }

  it('Pearson r agrees with a direct computation', () => {
    const { X, n, d } = data();
    const { r } = correlationMatrix(X, n, d);
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += X[i * d]!;
      sy += X[i * d + 1]!;
    }
    const mx = sx / n;
    const my = sy / n;
    let cxy = 0;
    let cxx = 0;
    let cyy = 0;
    for (let i = 0; i < n; i++) {
      cxy += (X[i * d]! - mx) * (X[i * d + 1]! - my);
      cxx += (X[i * d]! - mx) ** 2;
      cyy += (X[i * d + 1]! - my) ** 2;
    }
    expect(r[1]!).toBeCloseTo(cxy / Math.sqrt(cxx * cyy), 12);
    expect(r[3]).toBe(0); // constant column
  });

  it('without a target: drops the later column of each correlated pair and constant columns, says why', () => {
    const { X, n, d, names } = data();
    const s = selectUncorrelated(X, n, d, names, { threshold: 0.9 });
    expect(s.keptFeatures).toEqual(['x0', 'x2']);
    expect(s.dropped.map((x) => [x.feature, x.reason, x.correlatedWith])).toEqual([
      ['x3', 'constant', null],
      ['x4', 'correlated', 'x2'],
      ['x1', 'correlated', 'x0'],
    ]);
    expect(s.dropped[1]!.r!).toBeLessThan(-0.99);
    const M = selectColumns(X, n, d, s.kept);
    expect([M[0], M[1]]).toEqual([X[0], X[2]]);
  });

  it('with a target: keeps the member of a pair more correlated with it', () => {
    const { X, y, n, d, names } = data();
    const rel = targetCorrelation(X, n, d, y);
    expect(rel[1]!).toBeGreaterThan(rel[0]!);
    const s = selectUncorrelated(X, n, d, names, { threshold: 0.9, relevance: rel });
    expect(s.keptFeatures).toContain('x1');
    expect(s.keptFeatures).not.toContain('x0');
    // A looser threshold keeps everything but the constant column.
    expect(selectUncorrelated(X, n, d, names, { threshold: 0.99999 }).keptFeatures).toEqual(['x0', 'x1', 'x2', 'x4']);
  });

  it('class relevance (correlation ratio) is 1 for a column that is the label, ~0 for noise', () => {
    const rng = new Rng(3, 3);
    const n = 3000;
    const X = new Float64Array(n * 2);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      X[i * 2] = labels[i]! * 2;
      X[i * 2 + 1] = rng.normal(0, 1);
    }
    const eta = classRelevance(X, n, 2, labels, 3);
    expect(eta[0]!).toBeCloseTo(1, 12);
    expect(eta[1]!).toBeLessThan(0.06);
  });

  it('rejects bad thresholds', () => {
    const { X, n, d, names } = data();
    expect(() => selectUncorrelated(X, n, d, names, { threshold: 0 })).toThrow(RangeError);
    expect(() => selectUncorrelated(X, n, d, names.slice(1))).toThrow(RangeError);
  });
});
