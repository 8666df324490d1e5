/**
 * Mean silhouette coefficient (Euclidean), as sklearn's silhouette_score: for
 * each point a = mean distance to the other members of its cluster, b = the
 * lowest mean distance to another cluster, s = (b − a) / max(a, b), and s = 0
 * for a point alone in its cluster. Points labelled −1 (DBSCAN noise) are left
 * out. Exact (O(n²·d)) up to `maxExact` points; above that, the score of a
 * seeded uniform sample of that size, which is reported.
 */
import { Rng } from '../../sample/rng.ts';

export interface SilhouetteResult {
  /** Null when fewer than 2 clusters, or as many clusters as points. */
  score: number | null;
  /** Points the score was computed on (after dropping noise, after sampling). */
  sampleSize: number;
  sampled: boolean;
}

export function silhouette(
  X: Float64Array,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  options: { maxExact?: number; seed?: number } = {},
): SilhouetteResult {
  const maxExact = options.maxExact ?? 5000;
  let idx: number[] = [];
  for (let i = 0; i < n; i++) if (labels[i]! >= 0) idx.push(i);
  let sampled = false;
  if (idx.length > maxExact) {
    // Partial Fisher–Yates: a uniform sample without replacement, then back in index order.
    const rng = new Rng(options.seed ?? 0, 0x5117);
    for (let s = 0; s < maxExact; s++) {
      const r = s + rng.int(idx.length - s);
      [idx[s], idx[r]] = [idx[r]!, idx[s]!];
    }
    idx = idx.slice(0, maxExact).sort((a, b) => a - b);
    sampled = true;
  }
  const m = idx.length;
  // Relabel the clusters present in the sample as 0..q−1.
  const code = new Map<number, number>();
  const lab = new Int32Array(m);
  for (let s = 0; s < m; s++) {
    const l = labels[idx[s]!]!;
    let c = code.get(l);
    if (c === undefined) code.set(l, (c = code.size));
    lab[s] = c;
  }
  const q = code.size;
  if (q < 2 || q >= m) return { score: null, sampleSize: m, sampled };
  const size = new Float64Array(q);
  for (let s = 0; s < m; s++) size[lab[s]!]!++;
  // Row-wise sums of distances per cluster; each pair is computed once and added to both ends.
  const sums = new Float64Array(m * q);
  const pts = new Float64Array(m * d);
  for (let s = 0; s < m; s++) pts.set(X.subarray(idx[s]! * d, idx[s]! * d + d), s * d);
  for (let s = 0; s < m; s++) {
    const a = s * d;
    const ls = lab[s]!;
    for (let u = s + 1; u < m; u++) {
      const b = u * d;
      let acc = 0;
      for (let t = 0; t < d; t++) {
        const e = pts[a + t]! - pts[b + t]!;
        acc += e * e;
      }
      const dist = Math.sqrt(acc);
      sums[s * q + lab[u]!]! += dist;
      sums[u * q + ls]! += dist;
    }
  }
  let total = 0;
  for (let s = 0; s < m; s++) {
    const own = lab[s]!;
    const ns = size[own]!;
    if (ns <= 1) continue; // s = 0
    const a = sums[s * q + own]! / (ns - 1);
    let b = Infinity;
    for (let c = 0; c < q; c++) if (c !== own) b = Math.min(b, sums[s * q + c]! / size[c]!);
    const den = Math.max(a, b);
    total += den > 0 ? (b - a) / den : 0;
  }
  return { score: total / m, sampleSize: m, sampled };
}
