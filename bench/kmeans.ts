/**
 * k-means timing: 1,000,000 × 8 points (a seeded mixture of 8 overlapping
 * Gaussian blobs), k = 8, 20 iterations from a fixed start (the first 8
 * points), tol 0 so every iteration runs. Prints ms per iteration (wall, and
 * CPU of all threads) for Lloyd and Hamerly on 1 and 2 threads (same results)
 * and, when python3 with scikit-learn is installed, scikit-learn's
 * single-threaded Lloyd on the same data and start. The variants take turns
 * in REPS rounds (one fit each, scikit-learn included) so a machine whose load
 * drifts treats them alike; medians over rounds, and the median of each
 * round's our/sklearn wall ratio. Then k-means++ with n_init = 10 to convergence,
 * whole fits side by side. Usage: [REPS=5] [PP_REPS=1] node bench/kmeans.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmeans, kmeansSingle } from '../src-main/core/analytics/cluster/kmeans.ts';
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

const REPS = Number(process.env.REPS ?? 5);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

// scikit-learn: one warm fit per call, ms per iteration on stdout.
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
print(ms / km.n_iter_, km.n_iter_, repr(km.inertia_))
`;
// The first python3 that has scikit-learn (a pyenv shim may shadow the system one).
const python = ['python3', '/usr/bin/python3'].find(
  (p) => spawnSync(p, ['-c', 'import sklearn, threadpoolctl'], { encoding: 'utf8' }).status === 0,
);
const dir = mkdtempSync(join(tmpdir(), 'wb-bench-km-'));
const file = join(dir, 'x.f64');
if (python !== undefined) writeFileSync(file, new Uint8Array(X.buffer));
let skInertia = NaN;
function sklearnMs(): number | null {
  if (python === undefined) return null;
  const res = spawnSync(python, ['-c', py, file], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (res.status !== 0) {
    console.log(`sklearn run failed: ${res.stderr.trim().split('\n').pop()}`);
    return null;
  }
  const [ms, , inertia] = res.stdout.trim().split(' ');
  skInertia = Number(inertia);
  return Number(ms);
}

type Variant = { algorithm: 'lloyd' | 'hamerly'; threads: number };
const variants: Variant[] = [
  { algorithm: 'lloyd', threads: 1 },
  { algorithm: 'lloyd', threads: 2 },
  { algorithm: 'hamerly', threads: 1 },
  { algorithm: 'hamerly', threads: 2 },
];
const wall = variants.map((): number[] => []);
const cpu = variants.map((): number[] => []);
const ratio = variants.map((): number[] => []);
const sk: number[] = [];
const last: (ReturnType<typeof kmeansSingle> | null)[] = variants.map(() => null);
// Warm-up: JIT on this thread, and the helper thread's start and JIT.
for (const v of variants) kmeansSingle(X, n, d, init, { maxIter: 3, tolAbs: 0, ...v });
try {
  for (let rep = 0; rep < REPS; rep++) {
    const round: number[] = [];
    variants.forEach((v, q) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = kmeansSingle(X, n, d, init, { maxIter: iters, tolAbs: 0, ...v });
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      wall[q]!.push(ms / r.iterations);
      cpu[q]!.push((c.user + c.system) / 1000 / r.iterations);
      round.push(ms / r.iterations);
      last[q] = r;
    });
    const s = sklearnMs();
    if (s !== null) {
      sk.push(s);
      round.forEach((ms, q) => ratio[q]!.push(ms / s));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const reference = last[0]!.centers;
variants.forEach((v, q) => {
  const r = last[q]!;
  // Every variant must land on the same centers: bit for bit across threads, and Hamerly (running sums) to rounding.
  const same = r.centers.every((x, i) => Math.abs(x - reference[i]!) <= 1e-12 * (1 + Math.abs(reference[i]!)));
  console.log(
    `${`${v.algorithm} ×${r.threads}`.padEnd(10)} ${r.iterations} iterations  ` +
      `${median(wall[q]!).toFixed(1)} ms/iteration wall  ${median(cpu[q]!).toFixed(1)} ms/iteration CPU  ` +
      `inertia ${r.inertia.toPrecision(12)}${same ? '' : '  CENTERS DIFFER'}` +
      (sk.length ? `  / sklearn ${median(ratio[q]!).toFixed(2)}` : ''),
  );
});
if (sk.length) {
  console.log(
    `sklearn    ${iters} iterations  ${median(sk).toFixed(1)} ms/iteration wall  (fit() total, 1 thread)  ` +
      `inertia ${skInertia.toPrecision(12)}`,
  );
} else {
  console.log('sklearn: not installed here, not measured');
}
console.log(`medians of ${REPS} rounds; "/ sklearn" is the median of each round's wall ratio`);

// The bar's second half: k-means++ with n_init = 10 to convergence (tol 1e-4, max_iter 300), the whole fit, each
// side's own seeding (the draws differ, so inertias agree only roughly). PP_REPS rounds, default 1: about a minute.
const PP_REPS = Number(process.env.PP_REPS ?? 1);
const pyPP = `
import sys, time, numpy as np
from threadpoolctl import threadpool_limits
from sklearn.cluster import KMeans
X = np.fromfile(sys.argv[1], dtype='<f8').reshape(-1, ${d})
with threadpool_limits(1):
    t0 = time.perf_counter()
    km = KMeans(${k}, init='k-means++', n_init=10, max_iter=300, tol=1e-4, algorithm='lloyd', random_state=0).fit(X)
    print((time.perf_counter() - t0) * 1000, repr(km.inertia_))
`;
const ppDir = mkdtempSync(join(tmpdir(), 'wb-bench-km-'));
try {
  const ppFile = join(ppDir, 'x.f64');
  if (python !== undefined) writeFileSync(ppFile, new Uint8Array(X.buffer));
  const ours: number[] = [];
  const theirs: number[] = [];
  let oursInertia = NaN;
  let theirInertia = NaN;
  for (let rep = 0; rep < PP_REPS; rep++) {
    const t0 = performance.now();
    const r = kmeans(X, n, d, { k, nInit: 10, seed: rep });
    ours.push(performance.now() - t0);
    oursInertia = r.inertia;
    if (python !== undefined) {
      const res = spawnSync(python, ['-c', pyPP, ppFile], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
      });
      if (res.status === 0) {
        const [ms, inertia] = res.stdout.trim().split(' ');
        theirs.push(Number(ms));
        theirInertia = Number(inertia);
      } else console.log(`sklearn k-means++ run failed: ${res.stderr.trim().split('\n').pop()}`);
    }
  }
  const line = `k-means++, n_init = 10, to convergence: ours ${(median(ours) / 1000).toFixed(2)} s (inertia ${oursInertia.toPrecision(9)})`;
  console.log(
    theirs.length
      ? `${line}, sklearn 1 thread ${(median(theirs) / 1000).toFixed(2)} s (inertia ${theirInertia.toPrecision(9)}): ` +
          `${(median(ours) / median(theirs)).toFixed(2)}× (median of ${PP_REPS})`
      : `${line}; sklearn not measured`,
  );
} finally {
  rmSync(ppDir, { recursive: true, force: true });
}
