/**
 * Popularity baseline: items ranked by how many distinct customers have them
 * (a cell of the matrix, not the number of lines, so one bulk buyer counts
 * once). Overall, and per segment when each customer's segment is given.
 */
import type { UserItemMatrix } from './interactions.ts';
import { TopK } from './item-knn.ts';

export interface Popularity {
  nItems: number;
  /** Distinct customers per item. */
  count: Int32Array;
  /** Every item, most popular first (ties: lower index first). */
  ranked: Int32Array;
}

export function fitPopularity(m: UserItemMatrix): Popularity {
  const count = new Int32Array(m.nItems);
  // One byUser entry per (customer, item) cell; counted there so a loaded model need not build byItem.
  const { indices } = m.byUser;
  for (let p = 0; p < indices.length; p++) count[indices[p]!]!++;
  const ranked = new Int32Array(m.nItems);
  for (let i = 0; i < m.nItems; i++) ranked[i] = i;
  ranked.sort((a, b) => count[b]! - count[a]! || a - b);
  return { nItems: m.nItems, count, ranked };
}

/**
 * The n most popular items within each segment. segmentOf[u] is user u's segment
 * in 0..nSegments-1, or -1 for none. Counts are kept per segment as one dense
 * row of n_items, so nSegments is meant to be small (RFM segments, clusters).
 */
export function popularityBySegment(
  m: UserItemMatrix,
  segmentOf: Int32Array,
  nSegments: number,
  n: number,
): { item: number; count: number }[][] {
  if (segmentOf.length !== m.nUsers) throw new RangeError('segmentOf must have one entry per user');
  const counts = new Int32Array(nSegments * m.nItems);
  for (let u = 0; u < m.nUsers; u++) {
    const s = segmentOf[u]!;
    if (s < 0 || s >= nSegments) continue;
    const row = s * m.nItems;
    for (let p = m.byUser.indptr[u]!; p < m.byUser.indptr[u + 1]!; p++) counts[row + m.byUser.indices[p]!]!++;
  }
  const out: { item: number; count: number }[][] = [];
  const top = new TopK(n);
  for (let s = 0; s < nSegments; s++) {
    top.clear();
    const row = s * m.nItems;
    for (let i = 0; i < m.nItems; i++) if (counts[row + i]! > 0) top.push(i, counts[row + i]!);
    out.push(top.sorted().map(({ id, score }) => ({ item: id, count: score })));
  }
  return out;
}
