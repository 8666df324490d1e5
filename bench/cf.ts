/**
 * Collaborative-filtering timings on MovieLens 100K, 5-fold CV (seed 0): fit and
 * test seconds summed over the folds for user-based KNNWithMeans (cosine, k=40)
 * and SVD (Surprise defaults). The Surprise figures printed beside them are
 * STORED numbers (its documentation's benchmark, another machine), not a run:
 * Surprise cannot run here. Usage: node bench/cf.ts [sharedDataDir]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossValidate } from '../src-main/core/recommend/evaluate.ts';
import { makeAlgorithm } from '../src-main/core/recommend/job.ts';
import { importMl100k } from '../tests/reference/ml100k.ts';

const shared = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'shared', 'data');
const dir = mkdtempSync(join(tmpdir(), 'wb-bench-cf-'));
try {
  const t0 = performance.now();
  const data = importMl100k(shared, dir);
  console.log(
    `import + load ML-100K (${data.ratings.length} ratings): ${((performance.now() - t0) / 1000).toFixed(2)} s`,
  );
  const cases = [
    {
      label: 'KNNWithMeans user cosine k=40',
      algo: makeAlgorithm({ algo: 'user-knn', sim: 'cosine', centered: 'mean', k: 40, seed: 0 }),
      stored: 14,
    },
    { label: 'SVD (100 factors, 20 epochs)', algo: makeAlgorithm({ algo: 'svd', seed: 0 }), stored: 6.4 },
    { label: 'SVD++ tuned (100 f, 40 epochs)', algo: makeAlgorithm({ algo: 'svdpp', seed: 0 }), stored: undefined },
  ];
  for (const c of cases) {
    const r = crossValidate(data, c.algo, { folds: 5, seed: 0 });
    const fit = r.fitSeconds.folds.reduce((a, b) => a + b, 0);
    const test = r.testSeconds.folds.reduce((a, b) => a + b, 0);
    console.log(
      `${c.label.padEnd(32)} RMSE ${r.rmse.mean.toFixed(4)}  fit ${fit.toFixed(2)} s  test ${test.toFixed(2)} s  ` +
        `total ${(fit + test).toFixed(2)} s   ${c.stored === undefined ? '(no stored Surprise figure)' : `(Surprise, stored figure: ${c.stored} s)`}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
