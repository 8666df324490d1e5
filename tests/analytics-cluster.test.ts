import { describe, expect, it } from 'vitest';
import { dbscan, kDistance, KdTree } from '../src-main/core/analytics/cluster/dbscan.ts';
import { customerFeatures } from '../src-main/core/analytics/cluster/features.ts';
import { runCluster } from '../src-main/core/analytics/cluster/job.ts';
import { kmeans, kmeansSingle } from '../src-main/core/analytics/cluster/kmeans.ts';
import { silhouette } from '../src-main/core/analytics/cluster/silhouette.ts';
import { inverseTransform, transform } from '../src-main/core/analytics/prepare.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { Rng } from '../src-main/core/sample/rng.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

/**
 * The scikit-learn fixtures: data generated here from seeded streams; the
 * reference numbers below come from scikit-learn 1.2.1 (Debian python3-sklearn)
 * run once on exactly these values (dumped as JSON, full precision):
 *   KMeans(4, init=X[:4], n_init=1, algorithm='lloyd', tol=…, max_iter=…).fit(X)
 *   DBSCAN(eps=0.5, min_samples=5).fit(D)
 *   silhouette_score(X, labels of the tol=1e-4 run)
 */
function kmFixture(): Float64Array {
  const rng = new Rng(11, 1);
  const mus = [
    [0, 0, 0],
    [3, 1, 0],
    [0, 3, 2],
    [2, 2, 4],
  ];
  const out: number[] = [];
  for (let i = 0; i < 300; i++) for (let t = 0; t < 3; t++) out.push(mus[i % 4]![t]! + rng.normal(0, 1.1));
  return Float64Array.from(out);
}

function dbFixture(): Float64Array {
  const rng = new Rng(12, 1);
  const cs = [
    [0, 0],
    [4, 0],
    [2, 3.5],
  ];
  const out: number[] = [];
  for (let i = 0; i < 180; i++) out.push(cs[i % 3]![0]! + rng.normal(0, 0.45), cs[i % 3]![1]! + rng.normal(0, 0.45));
  for (let i = 0; i < 20; i++) out.push(rng.uniform(-2, 6), rng.uniform(-2, 5.5));
  return Float64Array.from(out);
}

const SK_LABELS_CONVERGED =
  '012201230123013213232123212301230123012301232123012301330123012301230123012301230123032203220003002301230133012301230123012301232123012301030123002301230123012200230122010303230123012311230123022301230133012301230123012301230123012200230133010300230122013301230133012301030123012301231123012301220103';
const SK_CENTERS = [
  -0.0924789344878918, -0.010744614551913223, -0.022617317743297338, 3.0769758492709327, 0.954889573717028,
  -0.4024883723195385, -0.14782838127308517, 2.9038603913628815, 2.3284110922668115, 2.087149148800503,
  1.8598551708491924, 4.079800113184322,
];
const SK_LABELS_3ITER =
  '012201230123013213232123212301330123012301232123012301330123012301230123012301230123033203230003002301230133012301230123012301232123012301030123002301230123012200230122010303230123012301230123002301230133012301230123012301230123012200230133010300230122013301230133012301030123012301231123012301230103';
const SK_DBSCAN =
  '0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,-1,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,-1,0,-1,-1,-1,-1,1,-1,-1,2,-1,-1,-1,-1,2,-1,0,-1,-1';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** Same partition up to renaming the clusters (noise, −1, must stay noise). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const fwd = new Map<number, number>();
  const back = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < 0 !== y < 0) return false;
    if (fwd.has(x) && fwd.get(x) !== y) return false;
    if (back.has(y) && back.get(y) !== x) return false;
    fwd.set(x, y);
    back.set(y, x);
  }
  return true;
}

describe('prepare transforms', () => {
  it('log1p, standardize (population std) and min-max, with parameters and their inverse', () => {
    // 3 × 2 row-major: columns [1, 2, 3] and [10, 10, 10] (constant).
    const m = { data: Float64Array.from([1, 10, 2, 10, 3, 10]), n: 3, d: 2, layout: 'row' as const };
    const s = transform(m, ['standardize']);
    const sd = Math.sqrt(2 / 3);
    expect(s.fitted).toEqual([{ kind: 'standardize', mean: [2, 10], scale: [sd, 1] }]);
    expect([...s.matrix.data].map((v) => +v.toFixed(12))).toEqual(
      [-1 / sd, 0, 0, 0, 1 / sd, 0].map((v) => +v.toFixed(12)),
    );
    const mm = transform(m, ['minmax']);
    expect([...mm.matrix.data]).toEqual([0, 0, 0.5, 0, 1, 0]);
    const chain = transform(m, ['log1p', 'standardize']);
    const back = inverseTransform(chain.matrix, chain.fitted).data;
    back.forEach((v, i) => expect(v).toBeCloseTo(m.data[i]!, 12));
    // Column-major gives the same per-column fit.
    const col = transform({ data: Float64Array.from([1, 2, 3, 10, 10, 10]), n: 3, d: 2, layout: 'col' }, [
      'standardize',
    ]);
    expect(col.fitted).toEqual(s.fitted);
    expect(() => transform(m, ['sqrt'])).toThrow(RangeError);
    expect(() => transform({ ...m, data: Float64Array.from([-1, 0, 0, 0, 0, 0]) }, ['log1p'])).toThrow(/above/);
  });
});

describe('k-means', () => {
  it('recovers known blob centers with k-means++ restarts', () => {
    const rng = new Rng(3, 2);
    const truth = [
      [0, 0],
      [10, 0],
      [0, 10],
      [10, 10],
      [5, 5],
    ];
    const n = 1000;
    const X = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      X[2 * i] = truth[i % 5]![0]! + rng.normal(0, 0.5);
      X[2 * i + 1] = truth[i % 5]![1]! + rng.normal(0, 0.5);
    }
    const r = kmeans(X, n, 2, { k: 5, nInit: 4, seed: 1 });
    expect(r.converged).toBe(true);
    for (const [x, y] of truth) {
      let best = Infinity;
      for (let j = 0; j < 5; j++) best = Math.min(best, Math.hypot(r.centers[2 * j]! - x!, r.centers[2 * j + 1]! - y!));
      expect(best).toBeLessThan(0.1);
    }
    // Every point with its own blob: the partition is the generating one.
    expect(
      samePartition(
        r.labels,
        Int32Array.from({ length: n }, (_, i) => i % 5),
      ),
    ).toBe(true);
    // Same seed, same answer.
    expect(kmeans(X, n, 2, { k: 5, nInit: 4, seed: 1 }).inertia).toBe(r.inertia);
  });

  it('matches scikit-learn Lloyd from the same start (inertia 1e-6 relative, labels, centers)', () => {
    const X = kmFixture();
    const init = X.slice(0, 12);
    const r = kmeans(X, 300, 3, { k: 4, init, tol: 1e-4, algorithm: 'lloyd' });
    expect(rel(r.inertia, 965.7407821122933)).toBeLessThan(1e-6);
    expect(r.iterations).toBe(7);
    expect([...r.labels].join('')).toBe(SK_LABELS_CONVERGED);
    r.centers.forEach((v, i) => expect(Math.abs(v - SK_CENTERS[i]!)).toBeLessThan(1e-9));
    // Stopped by max_iter: the final assignment step runs, as in sklearn.
    const short = kmeans(X, 300, 3, { k: 4, init, tol: 1e-4, maxIter: 3, algorithm: 'lloyd' });
    expect(rel(short.inertia, 973.1194074676548)).toBeLessThan(1e-6);
    expect(short.iterations).toBe(3);
    expect([...short.labels].join('')).toBe(SK_LABELS_3ITER);
    // Stopped by tol (relative to the mean column variance).
    const loose = kmeans(X, 300, 3, { k: 4, init, tol: 0.05, algorithm: 'lloyd' });
    expect(rel(loose.inertia, 966.9693111353147)).toBeLessThan(1e-6);
    expect(loose.iterations).toBe(4);
  });

  it('Hamerly gives the Lloyd result (the same labels; centers and inertia up to the rounding of its running sums)', () => {
    // Hamerly moves points between running sums instead of summing afresh (kmeans-kernel.ts): ~1e-15 relative.
    const close = (x: ArrayLike<number>, y: ArrayLike<number>) =>
      Array.from(x).every((v, i) => Math.abs(v - y[i]!) <= 1e-12 * (1 + Math.abs(y[i]!)));
    const X = kmFixture();
    for (const maxIter of [3, 300]) {
      const a = kmeans(X, 300, 3, { k: 4, init: X.slice(0, 12), maxIter, algorithm: 'lloyd' });
      const b = kmeans(X, 300, 3, { k: 4, init: X.slice(0, 12), maxIter, algorithm: 'hamerly' });
      expect(rel(b.inertia, a.inertia)).toBeLessThan(1e-12);
      expect([...b.labels]).toEqual([...a.labels]);
      expect(close(b.centers, a.centers)).toBe(true);
      expect(b.iterations).toBe(a.iterations);
    }
    // A larger overlapping mixture, k = 12, many iterations with tol 0.
    const rng = new Rng(5, 5);
    const n = 20_000;
    const d = 4;
    const Y = Float64Array.from({ length: n * d }, () => rng.normal() + (rng.int(3) - 1) * 2);
    const init = Y.slice(0, 12 * d);
    const a = kmeansSingle(Y, n, d, init, { maxIter: 60, tolAbs: 0, algorithm: 'lloyd' });
    const b = kmeansSingle(Y, n, d, init, { maxIter: 60, tolAbs: 0, algorithm: 'hamerly' });
    expect(rel(b.inertia, a.inertia)).toBeLessThan(1e-12);
    expect([...b.labels]).toEqual([...a.labels]);
    expect(close(b.centers, a.centers)).toBe(true);
    expect(b.iterations).toBe(a.iterations);
  });

  it('relocates an empty cluster and refuses bad input', () => {
    // Two identical starting centers: the second gets no points and moves to the farthest point.
    const X = Float64Array.from([0, 0.1, 0.2, 10, 10.1, 10.2]);
    const r = kmeans(X, 6, 1, { k: 2, init: Float64Array.from([0, 0]), algorithm: 'lloyd' });
    expect([...r.centers].sort((a, b) => a - b).map((v) => +v.toFixed(9))).toEqual([0.1, 10.1]);
    expect(() => kmeans(X, 6, 1, { k: 7 })).toThrow(RangeError);
    expect(() => kmeans(X, 6, 1, { k: 2, init: Float64Array.from([0]) })).toThrow(RangeError);
    expect(() => kmeans(X, 6, 1, { k: 2, threads: 0 })).toThrow(RangeError);
  });

  it('two threads give bit-identical labels, centers and inertia to one thread', () => {
    // Large enough for the helper thread (n ≥ 100k, n·k·d ≥ 4M); d = 8 runs the unrolled kernels, d = 5 the general ones.
    for (const d of [8, 5]) {
      const rng = new Rng(21, d);
      const n = 110_000;
      const k = d === 8 ? 6 : 8;
      const mus = Float64Array.from({ length: k * d }, () => rng.uniform(-2, 2));
      const X = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const c = rng.int(k);
        for (let t = 0; t < d; t++) X[i * d + t] = mus[c * d + t]! + rng.normal();
      }
      for (const algorithm of ['lloyd', 'hamerly'] as const) {
        // Two restarts: the second reuses the helper thread and its shared buffers.
        const opts = { k, nInit: 2, seed: 3, maxIter: 15, algorithm };
        const one = kmeans(X, n, d, { ...opts, threads: 1 });
        const two = kmeans(X, n, d, { ...opts, threads: 2 });
        expect(one.threads).toBe(1);
        expect(two.threads).toBe(2);
        expect(two.inertia).toBe(one.inertia);
        expect(two.iterations).toBe(one.iterations);
        expect([...two.centers]).toEqual([...one.centers]);
        expect(two.labels.every((v, i) => v === one.labels[i])).toBe(true);
      }
    }
    // Too small to pay for a thread: stays on one.
    expect(kmeans(kmFixture(), 300, 3, { k: 4, init: kmFixture().slice(0, 12), threads: 2 }).threads).toBe(1);
  });

  it('Lloyd and Hamerly agree with the plain point-order sums to 1e-9 on a multi-chunk input', () => {
    // The chunked sums (kmeans-kernel.ts) reorder additions; check them against a direct Lloyd written here.
    const rng = new Rng(8, 8);
    const n = 70_000;
    const d = 3;
    const k = 4;
    const X = Float64Array.from({ length: n * d }, () => rng.normal() + (rng.int(2) ? 1.5 : -1.5));
    const init = X.slice(0, k * d);
    let C = Float64Array.from(init);
    const labels = new Int32Array(n);
    for (let it = 0; it < 10; it++) {
      const sums = new Float64Array(k * d);
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        let best = 0;
        let bestD = Infinity;
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += (X[i * d + t]! - C[j * d + t]!) ** 2;
          if (s < bestD) [best, bestD] = [j, s];
        }
        labels[i] = best;
        counts[best]!++;
        for (let t = 0; t < d; t++) sums[best * d + t]! += X[i * d + t]!;
      }
      C = C.map((_, q) => sums[q]! / counts[Math.floor(q / d)]!);
    }
    for (const algorithm of ['lloyd', 'hamerly'] as const) {
      const r = kmeansSingle(X, n, d, init, { maxIter: 10, tolAbs: 0, algorithm, threads: 1 });
      for (let q = 0; q < k * d; q++)
        expect(Math.abs(r.centers[q]! - C[q]!)).toBeLessThan(1e-9 * (1 + Math.abs(C[q]!)));
    }
  });
});

describe('silhouette', () => {
  it('matches a hand computation, including a singleton cluster', () => {
    // 1-D: {0, 1} and {5, 6}: s = 4.5/5.5 for the outer points, 3.5/4.5 for the inner ones.
    const r = silhouette(Float64Array.from([0, 1, 5, 6]), 4, 1, [0, 0, 1, 1]);
    expect(r.score).toBeCloseTo((9 / 11 + 7 / 9) / 2, 14);
    // {0, 1} and the singleton {5} (s = 0): (4/5 + 3/4 + 0) / 3.
    expect(silhouette(Float64Array.from([0, 1, 5]), 3, 1, [0, 0, 1]).score).toBeCloseTo((0.8 + 0.75) / 3, 14);
    // Noise is left out; one cluster has no score.
    expect(silhouette(Float64Array.from([0, 1, 5, 6, 99]), 5, 1, [0, 0, 1, 1, -1]).score).toBeCloseTo(r.score!, 14);
    expect(silhouette(Float64Array.from([0, 1]), 2, 1, [0, 0]).score).toBeNull();
  });

  it('matches scikit-learn on the fixture and samples (seeded) above the exact limit', () => {
    const X = kmFixture();
    const labels = Int32Array.from(SK_LABELS_CONVERGED, Number);
    const exact = silhouette(X, 300, 3, labels);
    expect(exact.score).toBeCloseTo(0.33295629753653194, 12);
    expect(exact.sampled).toBe(false);
    const s1 = silhouette(X, 300, 3, labels, { maxExact: 200, seed: 4 });
    expect(s1).toMatchObject({ sampled: true, sampleSize: 200 });
    expect(silhouette(X, 300, 3, labels, { maxExact: 200, seed: 4 }).score).toBe(s1.score);
    expect(Math.abs(s1.score! - exact.score!)).toBeLessThan(0.05);
  });
});

describe('DBSCAN', () => {
  it('matches scikit-learn labels up to renaming', () => {
    const D = dbFixture();
    const r = dbscan(D, 200, 2, { eps: 0.5, minSamples: 5 });
    const sk = SK_DBSCAN.split(',').map(Number);
    expect(samePartition(r.labels, sk)).toBe(true);
    expect(r.clusters).toBe(3);
    expect(r.noise).toBe(15);
  });

  it('kd-tree queries agree with brute force, and the k-distance knee separates blobs from noise', () => {
    const D = dbFixture();
    const tree = new KdTree(D, 200, 2);
    for (const q of [0, 57, 199]) {
      const brute = Array.from({ length: 200 }, (_, i) =>
        Math.hypot(D[2 * i]! - D[2 * q]!, D[2 * i + 1]! - D[2 * q + 1]!),
      );
      const found: number[] = [];
      tree.radius(D, q, 0.7, (row) => found.push(row));
      expect(found.sort((a, b) => a - b)).toEqual(brute.flatMap((v, i) => (v <= 0.7 ? [i] : [])));
      expect(tree.kthDistance(D, q, 5)).toBeCloseTo([...brute].sort((a, b) => a - b)[4]!, 12);
    }
    const kd = kDistance(D, 200, 2, 5);
    expect(kd.sampleSize).toBe(200);
    expect(kd.eps).toBeGreaterThan(0.2);
    expect(kd.eps).toBeLessThan(1.2);
    const r = dbscan(D, 200, 2, { eps: kd.eps, minSamples: 5 });
    expect(r.clusters).toBe(3);
  });
});

describe('customer features and the cluster job', () => {
  const DAY = 86_400;
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;

  it('computes recency, frequency, monetary, tenure and AOV from sales only', () => {
    const ws = tempWorkspace();
    try {
      const { db } = ws;
      db.prepare(`INSERT INTO customers (id, external_id) VALUES (1, 'A'), (2, 'B'), (3, 'C')`).run();
      const ins = db.prepare(
        `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)`,
      );
      ins.run('a1', 1, day('2024-01-01') + 100, 'completed', 10);
      ins.run('a2', 1, day('2024-06-20') + 80_000, 'pending', 30);
      ins.run('a3', 1, day('2024-06-25'), 'cancelled', 99);
      ins.run('b1', 2, day('2024-06-29'), 'returned', -7);
      ins.run('c1', 3, day('2024-06-30'), 'completed', 5);
      const fm = customerFeatures(db, ['recency', 'frequency', 'monetary', 'tenure', 'aov']);
      expect(fm.asOf).toBe('2024-06-30');
      expect([...fm.customerIds]).toEqual([1, 3]);
      expect([...fm.data]).toEqual([10, 2, 40, 181, 20, 0, 1, 5, 0, 5]);
      const early = customerFeatures(db, ['frequency'], { asOf: '2024-03-01' });
      expect([...early.customerIds]).toEqual([1]);
      expect([...early.data]).toEqual([1]);
      expect(() => customerFeatures(db, ['age'])).toThrow(RangeError);
    } finally {
      ws.cleanup();
    }
  });

  /** Three kinds of customers: frequent big spenders, occasional mid, one-off small, over 2024. */
  function workspace() {
    const ws = tempWorkspace();
    const rng = new Rng(8, 3);
    const end = day('2024-12-31');
    const insC = ws.db.prepare(`INSERT INTO customers (id, external_id) VALUES (?, ?)`);
    const insO = ws.db.prepare(
      `INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)`,
    );
    let o = 0;
    ws.db.transaction(() => {
      for (let i = 1; i <= 300; i++) {
        insC.run(i, `C${i}`);
        const kind = i % 3;
        const orders = kind === 0 ? 20 + rng.int(10) : kind === 1 ? 5 + rng.int(3) : 1;
        const spend = kind === 0 ? 200 : kind === 1 ? 50 : 10;
        for (let j = 0; j < orders; j++) {
          const ago = kind === 2 ? 200 + rng.int(150) : rng.int(120);
          insO.run(`O${++o}`, i, end - ago * DAY, 'completed', Math.round(spend * rng.uniform(0.8, 1.2) * 100) / 100);
        }
      }
    })();
    return ws;
  }

  it('k-means run: recovers the three groups, reports profiles and projection, records analysis_runs', async () => {
    const ws = workspace();
    try {
      const ctx = testContext(ws.path);
      const res = await runCluster(
        ws.db,
        {
          features: ['recency', 'frequency', 'monetary'],
          transform: ['log1p', 'standardize'],
          algorithm: 'kmeans',
          k: 3,
          seed: 0,
        },
        ctx,
      );
      expect(res.k).toBe(3);
      expect(res.customers).toBe(300);
      expect([...res.sizes].sort()).toEqual([100, 100, 100]);
      for (const ids of res.members) expect(new Set(ids.map((id) => id % 3)).size).toBe(1);
      expect(res.silhouette!).toBeGreaterThan(0.5);
      expect(res.profiles.reduce((s, p) => s + p.revenueShare, 0)).toBeCloseTo(1, 12);
      // Centers in original units: the frequent group's center has ~20+ orders.
      expect(Math.max(...res.centers.original.map((c) => c[1]!))).toBeGreaterThan(15);
      expect(res.projection).toMatchObject({ sampleSize: 300, total: 300 });
      expect(res.projection.x).toHaveLength(300);
      const row = ws.db.prepare(`SELECT kind, status, seed, result FROM analysis_runs WHERE id = ?`).get(res.runId) as {
        kind: string;
        status: string;
        seed: number;
        result: string;
      };
      expect(row).toMatchObject({ kind: 'cluster', status: 'completed', seed: 0 });
      expect(JSON.parse(row.result).sizes).toEqual(res.sizes);
      expect(ctx.calls).toBeGreaterThan(0);
    } finally {
      ws.cleanup();
    }
  });

  it('chooses k over a range by silhouette, runs DBSCAN, and records failures', async () => {
    const ws = workspace();
    try {
      const ctx = testContext(ws.path);
      const base = { features: ['frequency', 'monetary'], transform: ['log1p', 'standardize'], seed: 1 };
      const ranged = await runCluster(ws.db, { ...base, algorithm: 'kmeans', kRange: [2, 5], nInit: 3 }, ctx);
      expect(ranged.k).toBe(3);
      expect(ranged.selection!.map((s) => s.k)).toEqual([2, 3, 4, 5]);
      expect(ranged.elbowK).toBe(3);
      const db = await runCluster(ws.db, { ...base, algorithm: 'dbscan', eps: 0.5, minSamples: 5 }, ctx);
      expect(db.k).toBe(3);
      expect(db.noiseShare).toBe(0);
      await expect(runCluster(ws.db, { ...base, algorithm: 'kmeans', k: 400 }, ctx)).rejects.toThrow(UserError);
      await expect(runCluster(ws.db, { ...base, transform: ['cube'], algorithm: 'kmeans', k: 2 }, ctx)).rejects.toThrow(
        /unknown transform/,
      );
      // k = 400 is refused before a run is recorded; the unknown transform fails inside the run.
      const statuses = ws.db.prepare(`SELECT status FROM analysis_runs ORDER BY id`).pluck().all();
      expect(statuses).toEqual(['completed', 'completed', 'failed']);
      const cancelled = testContext(ws.path, 1);
      await expect(runCluster(ws.db, { ...base, algorithm: 'kmeans', k: 3 }, cancelled)).rejects.toThrow(/cancelled/);
      expect(ws.db.prepare(`SELECT status FROM analysis_runs ORDER BY id DESC LIMIT 1`).pluck().get()).toBe(
        'cancelled',
      );
    } finally {
      ws.cleanup();
    }
  });
});
