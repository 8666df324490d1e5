/**
 * The customer clustering job: builds the feature matrix, applies the
 * transforms, runs k-means (fixed k, or the best silhouette over a k range)
 * or DBSCAN, and records the run in analysis_runs (running → completed with
 * params, metrics and result; failed or cancelled otherwise).
 */
import type { Db } from '../../db/workspace.ts';
import { failRun, finishRun, startRun } from '../run-record.ts';
import { UserError, type JobContext } from '../../jobs/context.ts';
import { Rng } from '../../sample/rng.ts';
import { inverseTransform, transform, type FittedTransform } from '../prepare.ts';
import { fitPca } from '../prepare/pca.ts';
import { dbscan, kDistance } from './dbscan.ts';
import { customerFeatures, FEATURES, isFeature, type FeatureName } from './features.ts';
import { kmeans } from './kmeans.ts';
import { silhouette } from './silhouette.ts';

export interface ClusterParams {
  features: string[];
  transform: string[];
  algorithm: 'kmeans' | 'dbscan';
  k?: number;
  /** Inclusive; used when k is absent (default [2, 8]). */
  kRange?: [number, number];
  nInit?: number;
  seed: number;
  /** DBSCAN radius in transformed units; default: the knee of the k-distance curve. */
  eps?: number;
  /** DBSCAN (default 5). */
  minSamples?: number;
  /** `YYYY-MM-DD`; default the day of the latest sale. */
  asOf?: string;
}

export interface ClusterProfile {
  cluster: number;
  size: number;
  revenueShare: number;
  /** Mean of every customer feature (all of them, not only the clustered ones), original units. */
  means: Record<FeatureName, number>;
}

export interface ClusterResult {
  runId: number;
  algorithm: 'kmeans' | 'dbscan';
  asOf: string;
  customers: number;
  features: FeatureName[];
  transforms: FittedTransform[];
  k: number;
  /** Sum of squared distances to the centers, in transformed units. */
  inertia: number;
  /** Mean silhouette (noise excluded); null when undefined (fewer than 2 clusters). */
  silhouette: number | null;
  silhouetteSampleSize: number;
  sizes: number[];
  /** Per cluster, per feature: k-means centers (DBSCAN: member means) in transformed units, and mapped back. */
  centers: { transformed: number[][]; original: number[][] };
  /** DBSCAN only: share of customers labelled noise; eps and minSamples used. */
  noiseShare: number | null;
  eps: number | null;
  minSamples: number | null;
  /** k-range choice: inertia and silhouette per k, the elbow and the chosen k (highest silhouette). */
  selection: { k: number; inertia: number; silhouette: number | null }[] | null;
  elbowK: number | null;
  profiles: ClusterProfile[];
  projection: {
    sampleSize: number;
    total: number;
    /** Share of the variance each component explains. */
    explained: [number, number];
    x: number[];
    y: number[];
    labels: number[];
  };
  /** Customer ids per cluster (index = cluster); DBSCAN noise in `noise`. */
  members: number[][];
  noise: number[];
}

function check(params: ClusterParams): void {
  if (!Array.isArray(params.features) || params.features.length === 0) {
    throw new UserError(`features: choose one or more of ${FEATURES.join(', ')}`);
  }
  for (const f of params.features) if (!isFeature(f)) throw new UserError(`unknown feature "${f}"`);
  if (!Array.isArray(params.transform)) throw new UserError('transform must be a list (may be empty)');
  if (params.algorithm !== 'kmeans' && params.algorithm !== 'dbscan') {
    throw new UserError('algorithm must be kmeans or dbscan');
  }
  if (!Number.isInteger(params.seed)) throw new UserError('seed must be a whole number');
  if (params.k !== undefined && !(Number.isInteger(params.k) && params.k >= 1 && params.k <= 100)) {
    throw new UserError('k must be a whole number from 1 to 100');
  }
  if (params.kRange !== undefined) {
    const [a, b] = params.kRange;
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 2 && b >= a && b <= 50)) {
      throw new UserError('kRange must be two whole numbers 2 ≤ from ≤ to ≤ 50');
    }
  }
  if (params.nInit !== undefined && !(Number.isInteger(params.nInit) && params.nInit >= 1 && params.nInit <= 100)) {
    throw new UserError('nInit must be a whole number from 1 to 100');
  }
  if (params.eps !== undefined && !(params.eps > 0 && Number.isFinite(params.eps))) {
    throw new UserError('eps must be a positive number');
  }
  if (params.minSamples !== undefined && !(Number.isInteger(params.minSamples) && params.minSamples >= 1)) {
    throw new UserError('minSamples must be a positive whole number');
  }
}

/** The knee of a decreasing inertia curve: the k farthest from the chord joining its ends. */
function elbow(ks: number[], inertia: number[]): number {
  const m = ks.length;
  if (m < 3) return ks[0]!;
  const y0 = inertia[0]!;
  const span = y0 - inertia[m - 1]!;
  let best = 0;
  let bestGap = -Infinity;
  for (let s = 0; s < m; s++) {
    const gap = (span > 0 ? (y0 - inertia[s]!) / span : 0) - s / (m - 1);
    if (gap > bestGap) {
      bestGap = gap;
      best = s;
    }
  }
  return ks[best]!;
}

/** 2-D PCA of the (transformed) data (prepare/pca.ts, scikit-learn's signs), a seeded sample of ≤ maxPoints rows shown. */
function projection(
  X: Float64Array,
  n: number,
  d: number,
  labels: Int32Array,
  seed: number,
  maxPoints = 2000,
): ClusterResult['projection'] {
  const k = Math.min(2, d, n);
  // One customer has no spread to analyse: it sits at the origin.
  const pca = n >= 2 ? fitPca(X, n, d, { components: k }) : null;
  let rows = Array.from({ length: n }, (_, i) => i);
  if (n > maxPoints) {
    const rng = new Rng(seed, 0x9ca);
    for (let s = 0; s < maxPoints; s++) {
      const r = s + rng.int(n - s);
      [rows[s], rows[r]] = [rows[r]!, rows[s]!];
    }
    rows = rows.slice(0, maxPoints).sort((a, b) => a - b);
  }
  const coord = (i: number, c: number) => (pca && c < k ? pca.scores[i * k + c]! : 0);
  const share = (c: number) => (pca && c < k ? pca.model.explainedVarianceRatio[c]! : 0);
  return {
    sampleSize: rows.length,
    total: n,
    explained: [share(0), share(1)],
    x: rows.map((i) => coord(i, 0)),
    y: rows.map((i) => coord(i, 1)),
    labels: rows.map((i) => labels[i]!),
  };
}

/** Clusters the customers; see ClusterParams. */
export async function runCluster(db: Db, params: ClusterParams, ctx: JobContext): Promise<ClusterResult> {
  check(params);
  const runId = startRun(db, 'cluster', params, params.seed);
  try {
    const t0 = performance.now();
    ctx.progress(0, 4, 'building customer features');
    let all;
    try {
      all = customerFeatures(db, FEATURES, params.asOf !== undefined ? { asOf: params.asOf } : {});
    } catch (err) {
      if (err instanceof RangeError) throw new UserError(err.message);
      throw err;
    }
    const { n } = all;
    if (n === 0) throw new UserError('no customers with sales to cluster');
    const features = params.features as FeatureName[];
    const d = features.length;
    const cols = features.map((f) => FEATURES.indexOf(f));
    const raw = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) raw[i * d + j] = all.data[i * all.d + cols[j]!]!;
    let prepared;
    try {
      prepared = transform({ data: raw, n, d, layout: 'row' }, params.transform);
    } catch (err) {
      if (err instanceof RangeError) throw new UserError(err.message);
      throw err;
    }
    const X = prepared.matrix.data;
    const t1 = performance.now();
    ctx.throwIfCancelled();
    ctx.progress(1, 4, 'clustering');

    let labels: Int32Array;
    let k: number;
    let inertia: number;
    let centersT: Float64Array;
    let selection: ClusterResult['selection'] = null;
    let elbowK: number | null = null;
    let eps: number | null = null;
    let minSamples: number | null = null;
    const kmMetrics: Record<string, unknown> = {};
    const onIteration = () => ctx.throwIfCancelled();
    if (params.algorithm === 'kmeans') {
      const nInit = params.nInit ?? 10;
      if (params.k !== undefined) {
        if (params.k > n) throw new UserError(`k = ${params.k} is more than the ${n} customers`);
        const r = kmeans(X, n, d, { k: params.k, nInit, seed: params.seed, onIteration });
        ({ labels, inertia, centers: centersT } = r);
        k = params.k;
        Object.assign(kmMetrics, { iterations: r.iterations, converged: r.converged, algorithm: r.algorithm });
      } else {
        const [from, to] = params.kRange ?? [2, 8];
        const hi = Math.min(to, n - 1);
        if (hi < from) throw new UserError(`too few customers (${n}) for k from ${from}`);
        selection = [];
        let best: { k: number; score: number; run: ReturnType<typeof kmeans> } | null = null;
        for (let kk = from; kk <= hi; kk++) {
          const r = kmeans(X, n, d, { k: kk, nInit, seed: params.seed, onIteration });
          // A smaller exact limit keeps the scan affordable; the chosen k is re-scored in full below.
          const s = silhouette(X, n, d, r.labels, { maxExact: 2000, seed: params.seed }).score;
          selection.push({ k: kk, inertia: r.inertia, silhouette: s });
          if (best === null || (s ?? -Infinity) > best.score) best = { k: kk, score: s ?? -Infinity, run: r };
          ctx.progress(1 + (kk - from + 1) / (hi - from + 1), 4, `k = ${kk}`);
        }
        elbowK = elbow(
          selection.map((s) => s.k),
          selection.map((s) => s.inertia),
        );
        ({ labels, inertia, centers: centersT } = best!.run);
        k = best!.k;
        Object.assign(kmMetrics, { iterations: best!.run.iterations, converged: best!.run.converged });
      }
    } else {
      minSamples = params.minSamples ?? 5;
      if (params.eps !== undefined) eps = params.eps;
      else {
        const kd = kDistance(X, n, d, Math.min(minSamples, n), { seed: params.seed });
        eps = kd.eps;
        kmMetrics.kDistance = kd;
      }
      if (!(eps > 0)) throw new UserError('the k-distance suggestion is 0 (many identical customers): give eps');
      const r = dbscan(X, n, d, { eps, minSamples, onProgress: onIteration });
      labels = r.labels;
      k = r.clusters;
      centersT = new Float64Array(k * d);
      const count = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        const l = labels[i]!;
        if (l < 0) continue;
        count[l]!++;
        for (let t = 0; t < d; t++) centersT[l * d + t]! += X[i * d + t]!;
      }
      for (let l = 0; l < k; l++) for (let t = 0; t < d; t++) centersT[l * d + t]! /= count[l]!;
      inertia = 0;
      for (let i = 0; i < n; i++) {
        const l = labels[i]!;
        if (l < 0) continue;
        for (let t = 0; t < d; t++) inertia += (X[i * d + t]! - centersT[l * d + t]!) ** 2;
      }
    }
    const t2 = performance.now();
    ctx.throwIfCancelled();
    ctx.progress(2, 4, 'scoring');
    const sil = silhouette(X, n, d, labels, { seed: params.seed });
    const t3 = performance.now();
    ctx.throwIfCancelled();
    ctx.progress(3, 4, 'profiling clusters');

    const sizes = new Array<number>(k).fill(0);
    const members: number[][] = Array.from({ length: k }, () => []);
    const noise: number[] = [];
    const sums = Array.from({ length: k }, () => new Float64Array(FEATURES.length));
    const mIdx = FEATURES.indexOf('monetary');
    let revenue = 0;
    for (let i = 0; i < n; i++) {
      revenue += all.data[i * all.d + mIdx]!;
      const l = labels[i]!;
      if (l < 0) {
        noise.push(all.customerIds[i]!);
        continue;
      }
      sizes[l]!++;
      members[l]!.push(all.customerIds[i]!);
      for (let f = 0; f < FEATURES.length; f++) sums[l]![f]! += all.data[i * all.d + f]!;
    }
    const profiles: ClusterProfile[] = sizes.map((size, l) => ({
      cluster: l,
      size,
      revenueShare: revenue !== 0 ? sums[l]![mIdx]! / revenue : 0,
      means: Object.fromEntries(FEATURES.map((f, j) => [f, size > 0 ? sums[l]![j]! / size : 0])) as Record<
        FeatureName,
        number
      >,
    }));
    const rowsOf = (m: Float64Array) => Array.from({ length: k }, (_, l) => Array.from(m.subarray(l * d, l * d + d)));
    const original = inverseTransform({ data: centersT, n: k, d, layout: 'row' }, prepared.fitted).data;
    const proj = projection(X, n, d, labels, params.seed);
    const t4 = performance.now();
    ctx.progress(4, 4);

    const result: ClusterResult = {
      runId,
      algorithm: params.algorithm,
      asOf: all.asOf,
      customers: n,
      features,
      transforms: prepared.fitted,
      k,
      inertia,
      silhouette: sil.score,
      silhouetteSampleSize: sil.sampleSize,
      sizes,
      centers: { transformed: rowsOf(centersT), original: rowsOf(original) },
      noiseShare: params.algorithm === 'dbscan' ? noise.length / n : null,
      eps,
      minSamples,
      selection,
      elbowK,
      profiles,
      projection: proj,
      members,
      noise,
    };
    const metrics = {
      seconds: {
        features: (t1 - t0) / 1000,
        cluster: (t2 - t1) / 1000,
        silhouette: (t3 - t2) / 1000,
        profile: (t4 - t3) / 1000,
      },
      silhouetteSampled: sil.sampled,
      ...kmMetrics,
    };
    finishRun(db, runId, metrics, result);
    return result;
  } catch (err) {
    failRun(db, runId, err);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
}
