/**
 * DBSCAN (Euclidean) over a row-major n × d Float64Array, with a kd-tree for
 * the radius queries, following sklearn's DBSCAN: a point's neighbourhood
 * includes itself (distance ≤ eps), a point is core with ≥ minSamples
 * neighbours, clusters grow depth-first from the unlabelled core points in
 * index order, border points join the first cluster that reaches them, noise
 * is −1. Neighbourhoods are queried on the fly (not stored), so memory stays
 * O(n) whatever eps is. Also: the sorted k-distance curve and its knee as an
 * eps suggestion.
 */
import { Rng } from '../../sample/rng.ts';

const LEAF = 16;

/** A static kd-tree over the rows of X: splits at the median of the widest dimension; boxes bound each node. */
export class KdTree {
  readonly X: Float64Array;
  readonly n: number;
  readonly d: number;
  /** Row ids, permuted so each node owns a contiguous range. */
  readonly idx: Int32Array;
  private lo: number[] = [];
  private hi: number[] = [];
  private left: number[] = [];
  private right: number[] = [];
  /** Per node: d minima then d maxima. */
  private box: number[] = [];

  constructor(X: Float64Array, n: number, d: number) {
    this.X = X;
    this.n = n;
    this.d = d;
    this.idx = Int32Array.from({ length: n }, (_, i) => i);
    if (n > 0) this.build(0, n);
  }

  private build(lo: number, hi: number): number {
    const { X, d, idx } = this;
    const node = this.lo.length;
    this.lo.push(lo);
    this.hi.push(hi);
    this.left.push(-1);
    this.right.push(-1);
    const b = this.box.length;
    for (let t = 0; t < 2 * d; t++) this.box.push(t < d ? Infinity : -Infinity);
    for (let s = lo; s < hi; s++) {
      const o = idx[s]! * d;
      for (let t = 0; t < d; t++) {
        const v = X[o + t]!;
        if (v < this.box[b + t]!) this.box[b + t] = v;
        if (v > this.box[b + d + t]!) this.box[b + d + t] = v;
      }
    }
    if (hi - lo <= LEAF) return node;
    let dim = 0;
    let spread = -1;
    for (let t = 0; t < d; t++) {
      const w = this.box[b + d + t]! - this.box[b + t]!;
      if (w > spread) {
        spread = w;
        dim = t;
      }
    }
    if (spread <= 0) return node; // all points equal: keep as a leaf
    const part = Array.from(idx.subarray(lo, hi)).sort((p, q) => X[p * d + dim]! - X[q * d + dim]! || p - q);
    idx.set(part, lo);
    const mid = (lo + hi) >>> 1;
    this.left[node] = this.build(lo, mid);
    this.right[node] = this.build(mid, hi);
    return node;
  }

  /** Squared distance from query point q (row of Q) to the node's box. */
  private boxDist(node: number, Q: Float64Array, q: number): number {
    const d = this.d;
    const b = node * 2 * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = Q[q * d + t]!;
      const lo = this.box[b + t]!;
      const hi = this.box[b + d + t]!;
      const e = v < lo ? lo - v : v > hi ? v - hi : 0;
      s += e * e;
    }
    return s;
  }

  private dist2(Q: Float64Array, q: number, row: number): number {
    const { X, d } = this;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = Q[q * d + t]! - X[row * d + t]!;
      s += e * e;
    }
    return s;
  }

  /** Calls visit(row) for every row within distance r of row q of Q (itself included when Q is X). */
  radius(Q: Float64Array, q: number, r: number, visit: (row: number) => void): void {
    if (this.n === 0) return;
    const r2 = r * r;
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (this.boxDist(node, Q, q) > r2) continue;
      const l = this.left[node]!;
      if (l < 0) {
        for (let s = this.lo[node]!; s < this.hi[node]!; s++) {
          const row = this.idx[s]!;
          if (this.dist2(Q, q, row) <= r2) visit(row);
        }
      } else {
        stack.push(this.right[node]!, l);
      }
    }
  }

  /** Number of rows within distance r of row q of Q, counting stops at `limit`. */
  countWithin(Q: Float64Array, q: number, r: number, limit = Infinity): number {
    if (this.n === 0) return 0;
    const r2 = r * r;
    let count = 0;
    const stack = [0];
    while (stack.length > 0 && count < limit) {
      const node = stack.pop()!;
      if (this.boxDist(node, Q, q) > r2) continue;
      const l = this.left[node]!;
      if (l < 0) {
        for (let s = this.lo[node]!; s < this.hi[node]!; s++) if (this.dist2(Q, q, this.idx[s]!) <= r2) count++;
      } else {
        stack.push(this.right[node]!, l);
      }
    }
    return count;
  }

  /** Distance from row q of Q to its k-th nearest row (1-based; when Q is X the point itself is the first). */
  kthDistance(Q: Float64Array, q: number, k: number): number {
    // best: ascending squared distances of the k nearest so far.
    const best = new Float64Array(k).fill(Infinity);
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (this.boxDist(node, Q, q) >= best[k - 1]!) continue;
      const l = this.left[node]!;
      if (l < 0) {
        for (let s = this.lo[node]!; s < this.hi[node]!; s++) {
          const v = this.dist2(Q, q, this.idx[s]!);
          if (v < best[k - 1]!) {
            let p = k - 1;
            while (p > 0 && best[p - 1]! > v) {
              best[p] = best[p - 1]!;
              p--;
            }
            best[p] = v;
          }
        }
      } else {
        // Nearer child last, so it is popped (searched) first and prunes the other.
        const r = this.right[node]!;
        if (this.boxDist(l, Q, q) <= this.boxDist(r, Q, q)) stack.push(r, l);
        else stack.push(l, r);
      }
    }
    return Math.sqrt(best[k - 1]!);
  }
}

export interface DbscanResult {
  /** Cluster per point, 0..clusters−1, or −1 for noise. */
  labels: Int32Array;
  clusters: number;
  core: Uint8Array;
  noise: number;
}

export function dbscan(
  X: Float64Array,
  n: number,
  d: number,
  options: { eps: number; minSamples: number; onProgress?: (done: number) => void },
): DbscanResult {
  const { eps, minSamples } = options;
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError('eps must be a positive number');
  if (!(Number.isInteger(minSamples) && minSamples >= 1))
    throw new RangeError('minSamples must be a positive whole number');
  const tree = new KdTree(X, n, d);
  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (tree.countWithin(X, i, eps, minSamples) >= minSamples) core[i] = 1;
    if ((i & 4095) === 4095) options.onProgress?.(i + 1);
  }
  const labels = new Int32Array(n).fill(-1);
  let cluster = 0;
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (labels[i] !== -1 || !core[i]) continue;
    // Depth-first growth as in sklearn's dbscan_inner.
    let p = i;
    for (;;) {
      if (labels[p] === -1) {
        labels[p] = cluster;
        if (core[p]) {
          tree.radius(X, p, eps, (v) => {
            if (labels[v] === -1) stack.push(v);
          });
        }
      }
      if (stack.length === 0) break;
      p = stack.pop()!;
    }
    cluster++;
  }
  let noise = 0;
  for (let i = 0; i < n; i++) if (labels[i] === -1) noise++;
  return { labels, clusters: cluster, core, noise };
}

export interface KDistance {
  /** The k used: the k-th nearest neighbour, the point itself counted first (k = minSamples). */
  k: number;
  /** Suggested eps: the k-distance at the knee of the sorted curve. */
  eps: number;
  /** Points whose k-distance was measured (a seeded sample above maxPoints). */
  sampleSize: number;
  /** The sorted curve, down-sampled to at most 200 points for a chart. */
  curve: number[];
}

/**
 * Sorted k-distances and their knee: the point farthest below the chord from
 * the first to the last point of the (normalised) ascending curve, i.e. where
 * distances start to climb steeply.
 */
export function kDistance(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  options: { maxPoints?: number; seed?: number } = {},
): KDistance {
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new RangeError(`k must be a whole number from 1 to n = ${n}`);
  const maxPoints = options.maxPoints ?? 5000;
  const tree = new KdTree(X, n, d);
  let rows = Array.from({ length: n }, (_, i) => i);
  if (n > maxPoints) {
    const rng = new Rng(options.seed ?? 0, 0xd15);
    for (let s = 0; s < maxPoints; s++) {
      const r = s + rng.int(n - s);
      [rows[s], rows[r]] = [rows[r]!, rows[s]!];
    }
    rows = rows.slice(0, maxPoints);
  }
  const dist = Float64Array.from(rows, (i) => tree.kthDistance(X, i, k)).sort();
  const m = dist.length;
  const first = dist[0]!;
  const span = dist[m - 1]! - first;
  let knee = m - 1;
  if (m > 2 && span > 0) {
    let bestGap = -Infinity;
    for (let s = 0; s < m; s++) {
      const gap = s / (m - 1) - (dist[s]! - first) / span;
      if (gap > bestGap) {
        bestGap = gap;
        knee = s;
      }
    }
  }
  const step = Math.max(1, Math.ceil(m / 200));
  const curve: number[] = [];
  for (let s = 0; s < m; s += step) curve.push(dist[s]!);
  if ((m - 1) % step !== 0) curve.push(dist[m - 1]!);
  return { k, eps: dist[knee]!, sampleSize: m, curve };
}
