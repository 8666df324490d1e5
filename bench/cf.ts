/**
 * Collaborative-filtering timings on MovieLens 100K, 5-fold CV (seed 0): fit and
 * test seconds summed over the folds for user-based KNNWithMeans (cosine, k=40)
 * and SVD (Surprise defaults), folds on both cores as `recommend eval` runs
 * them; the wall time is compared. The Surprise figures printed beside them are
 * STORED numbers (its documentation's benchmark, another machine), not a run:
 * Surprise cannot run here. Usage: node bench/cf.ts [sharedDataDir]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecommendEvalParams } from '../src-main/core/recommend/algorithms.ts';
import { crossValidateParallel } from '../src-main/core/recommend/evaluate-parallel.ts';
import { importMl100k } from '../tests/reference/ml100k.ts';

const shared = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'shared', 'data');
const dir = mkdtempSync(join(tmpdir(), 'wb-bench-cf-'));
try {
  const t0 = performance.now();
  const data = importMl100k(shared, dir);
  console.log(
    `import + load ML-100K (${data.ratings.length} ratings): ${((performance.now() - t0) / 1000).toFixed(2)} s`,
  );
  const cases: { label: string; params: Omit<RecommendEvalParams, 'folds'>; stored?: number; bar?: number }[] = [
    {
      label: 'KNNWithMeans user cosine k=40',
      params: { algo: 'user-knn', sim: 'cosine', centered: 'mean', k: 40, seed: 0 },
      stored: 14,
      bar: 0.2,
    },
    { label: 'SVD (100 factors, 20 epochs)', params: { algo: 'svd', seed: 0 }, stored: 6.4, bar: 0.5 },
    { label: 'SVD++ tuned (100 f, 40 epochs)', params: { algo: 'svdpp', seed: 0 } },
  ];
  for (const c of cases) {
    // As `recommend eval` runs it: folds on both cores. Wall time is the figure to compare; fit and test are summed
    // over the folds, as Surprise reports them.
    const r = await crossValidateParallel(data, c.params, { folds: 5, seed: 0 });
    const fit = r.fitSeconds.folds.reduce((a, b) => a + b, 0);
    const test = r.testSeconds.folds.reduce((a, b) => a + b, 0);
    const vs =
      c.stored === undefined
        ? '(no stored Surprise figure)'
        : `(Surprise, stored figure: ${c.stored} s; ${(r.wallSeconds / c.stored).toFixed(2)}×, bar ≤ ${c.bar}×)`;
    console.log(
      `${c.label.padEnd(32)} RMSE ${r.rmse.mean.toFixed(4)}  fit ${fit.toFixed(2)} s  test ${test.toFixed(2)} s  ` +
        `wall ${r.wallSeconds.toFixed(2)} s on ${r.threads} thread${r.threads === 1 ? '' : 's'}   ${vs}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
