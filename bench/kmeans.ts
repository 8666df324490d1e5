/**
 * k-means timing: 1,000,000 × 8 points (a seeded mixture of 8 overlapping
 * Gaussian blobs), k = 8, 20 iterations from a fixed start (the first 8
 * points), tol 0 so every iteration runs. Prints ms per iteration for Lloyd
 * and Hamerly (same results), and, when python3 with scikit-learn is
 * installed, scikit-learn's single-threaded Lloyd on the same data and start in
 * the same run. Usage: node bench/kmeans.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmeansSingle } from '../src-main/core/analytics/cluster/kmeans.ts';
import { Rng } from '../src-main/core/sample/rng.ts';

const n = 1_000_000;
const d = 8;
const k = 8;
const iters = 20;

const rng = new Rng(2024, 7);
const means = Float64Array.from({ length: k * d }, () => rng.uniform(-3, 3));
const X = new Float64Array(n * d);
for (let i = 0; i < n; i++) {
  const c = rng.int(k);
  for (let t = 0; t < d; t++) X[i * d + t] = means[c * d + t]! + rng.normal();
}
const init = X.slice(0, k * d);

const results: Record<string, number> = {};
for (const algorithm of ['lloyd', 'hamerly'] as const) {
  kmeansSingle(X, n, d, init, { maxIter: 2, tolAbs: 0, algorithm }); // warm-up (JIT)
  const t0 = performance.now();
  const r = kmeansSingle(X, n, d, init, { maxIter: iters, tolAbs: 0, algorithm });
  const ms = performance.now() - t0;
  results[algorithm] = r.inertia;
  console.log(
    `${algorithm.padEnd(8)} ${r.iterations} iterations  ${(ms / r.iterations).toFixed(1)} ms/iteration  ` +
      `inertia ${r.inertia.toPrecision(12)}`,
  );
}

const py = `
import sys, time, numpy as np
from threadpoolctl import threadpool_limits
from sklearn.cluster import KMeans
X = np.fromfile(sys.argv[1], dtype='<f8').reshape(-1, ${d})
init = X[:${k}].copy()
with threadpool_limits(1):
    KMeans(${k}, init=init, n_init=1, max_iter=2, tol=0, algorithm='lloyd').fit(X)
    t0 = time.perf_counter()
    km = KMeans(${k}, init=init, n_init=1, max_iter=${iters}, tol=0, algorithm='lloyd').fit(X)
    ms = (time.perf_counter() - t0) * 1000
print(f"sklearn  {km.n_iter_} iterations  {ms / km.n_iter_:.1f} ms/iteration  inertia {km.inertia_:.12g}  (fit() total, 1 thread)")
`;
// The first python3 that has scikit-learn (a pyenv shim may shadow the system one).
const python = ['python3', '/usr/bin/python3'].find(
  (p) => spawnSync(p, ['-c', 'import sklearn, threadpoolctl'], { encoding: 'utf8' }).status === 0,
);
if (python !== undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'wb-bench-km-'));
  try {
    const file = join(dir, 'x.f64');
    writeFileSync(file, new Uint8Array(X.buffer));
    const res = spawnSync(python, ['-c', py, file], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    });
    process.stdout.write(res.stdout);
    if (res.status !== 0) console.log(`sklearn run failed: ${res.stderr.trim().split('\n').pop()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.log('sklearn: not installed here, not measured');
}
