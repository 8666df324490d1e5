/**
 * Item-item collaborative filtering on implicit feedback. Similarity of items
 * i and j comes from the customers who have both, accumulated sparsely (one
 * pass over each customer's basket per item, never an n_items² matrix):
 *   cosine  Σ_u a_ui a_uj / √(Σ_u a_ui² · Σ_u a_uj²),  a = ln(1 + weight)
 *           (damped so one customer re-buying an item 50 times does not dominate;
 *           with 0/1 baskets this is co-occurrence / √(n_i · n_j))
 *   bm25    Σ_u a_ui a_uj with a = w (K1 + 1) / (K1 · L_i + w) · idf_u, as the
 *           implicit library's BM25Recommender: L_i = (1 − B) + B · n_i / mean n,
 *           idf_u = ln(n_items) − ln(1 + |basket_u|) (heavy customers count less)
 * Only the `neighbours` most similar items (similarity > 0) are kept per item,
 * so memory is n_items × neighbours whatever the number of customers. A
 * customer's score for an item is the sum of the similarities from the items
 * in their basket that list it as a neighbour; the largest single term names
 * the explanation ("because you bought X").
 */
import type { UserItemMatrix } from './interactions.ts';

export type Weighting = 'cosine' | 'bm25';

export interface ItemKnnOptions {
  /** Neighbours kept per item (default 50). */
  neighbours?: number;
  weighting?: Weighting;
  /** BM25 parameters (defaults 100 and 0.8, as implicit). */
  k1?: number;
  b?: number;
  /**
   * Customers with more distinct items than this are left out of the similarity (their
   * basket costs |basket|² pairs: a reseller account would dominate time and signal).
   * They still get recommendations. Default 2000.
   */
  maxUserItems?: number;
}

export interface ItemKnnModel {
  nItems: number;
  neighbours: number;
  weighting: Weighting;
  /** Row = item; entries = neighbour item, similarity and co-occurrence count, by similarity descending. */
  indptr: Int32Array;
  indices: Int32Array;
  sim: Float64Array;
  co: Int32Array;
}

/**
 * The k best (score, id) pairs seen: a min-heap whose root is the worst kept.
 * Higher score wins; at equal score the lower id wins, so results reproduce.
 */
export class TopK {
  readonly ids: Int32Array;
  readonly scores: Float64Array;
  size = 0;
  readonly k: number;
  constructor(k: number) {
    this.k = k;
    this.ids = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  clear(): void {
    this.size = 0;
  }

  /** a is worse than b. */
  private worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  push(id: number, score: number): void {
    const { ids, scores, k } = this;
    if (k === 0) return;
    if (this.size < k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.worse(score, id, scores[p]!, ids[p]!)) break;
        scores[c] = scores[p]!;
        ids[c] = ids[p]!;
        c = p;
      }
      scores[c] = score;
      ids[c] = id;
      return;
    }
    if (!this.worse(scores[0]!, ids[0]!, score, id)) return;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= k) break;
      const r = l + 1;
      const m = r < k && this.worse(scores[r]!, ids[r]!, scores[l]!, ids[l]!) ? r : l;
      if (!this.worse(scores[m]!, ids[m]!, score, id)) break;
      scores[c] = scores[m]!;
      ids[c] = ids[m]!;
      c = m;
    }
    scores[c] = score;
    ids[c] = id;
  }

  /** Kept ids, best first (the heap is left as is). */
  sortedIds(): number[] {
    const order = Array.from({ length: this.size }, (_, h) => h);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.ids[a]! - this.ids[b]!);
    return order.map((h) => this.ids[h]!);
  }

  /** Kept (id, score), best first. */
  sorted(): { id: number; score: number }[] {
    const order = Array.from({ length: this.size }, (_, h) => h);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.ids[a]! - this.ids[b]!);
    return order.map((h) => ({ id: this.ids[h]!, score: this.scores[h]! }));
  }
}

/** Per-entry weights of the matrix in byUser layout (a) and byItem layout (the same values, transposed). */
function entryWeights(m: UserItemMatrix, o: Required<ItemKnnOptions>): { aUser: Float64Array; aItem: Float64Array } {
  const { byUser, byItem } = m;
  const aUser = new Float64Array(byUser.values.length);
  const aItem = new Float64Array(byItem.values.length);
  if (o.weighting === 'cosine') {
    for (let p = 0; p < aUser.length; p++) aUser[p] = Math.log1p(byUser.values[p]!);
    for (let p = 0; p < aItem.length; p++) aItem[p] = Math.log1p(byItem.values[p]!);
    return { aUser, aItem };
  }
  const idf = new Float64Array(m.nUsers);
  const logN = Math.log(m.nItems);
  for (let u = 0; u < m.nUsers; u++) idf[u] = logN - Math.log1p(byUser.indptr[u + 1]! - byUser.indptr[u]!);
  const rowSum = new Float64Array(m.nItems);
  let total = 0;
  for (let i = 0; i < m.nItems; i++) {
    let s = 0;
    for (let p = byItem.indptr[i]!; p < byItem.indptr[i + 1]!; p++) s += byItem.values[p]!;
    rowSum[i] = s;
    total += s;
  }
  const mean = m.nItems > 0 ? total / m.nItems : 1;
  const bm25 = (u: number, i: number, w: number) =>
    ((w * (o.k1 + 1)) / (o.k1 * (1 - o.b + (o.b * rowSum[i]!) / mean) + w)) * idf[u]!;
  for (let u = 0; u < m.nUsers; u++) {
    for (let p = byUser.indptr[u]!; p < byUser.indptr[u + 1]!; p++)
      aUser[p] = bm25(u, byUser.indices[p]!, byUser.values[p]!);
  }
  for (let i = 0; i < m.nItems; i++) {
    for (let p = byItem.indptr[i]!; p < byItem.indptr[i + 1]!; p++)
      aItem[p] = bm25(byItem.indices[p]!, i, byItem.values[p]!);
  }
  return { aUser, aItem };
}

function resolve(options: ItemKnnOptions): Required<ItemKnnOptions> {
  const o = {
    neighbours: options.neighbours ?? 50,
    weighting: options.weighting ?? 'cosine',
    k1: options.k1 ?? 100,
    b: options.b ?? 0.8,
    maxUserItems: options.maxUserItems ?? 2000,
  };
  if (!(Number.isInteger(o.neighbours) && o.neighbours >= 1)) {
    throw new RangeError(`neighbours must be a positive integer, got ${o.neighbours}`);
  }
  if (o.weighting !== 'cosine' && o.weighting !== 'bm25') throw new RangeError(`unknown weighting "${o.weighting}"`);
  return o;
}

/** Fits the pruned item-item neighbour lists. `onItem` is called every 1024 items (progress, cancellation). */
export function fitItemKnn(
  m: UserItemMatrix,
  options: ItemKnnOptions = {},
  onItem?: (done: number, total: number) => void,
): ItemKnnModel {
  const o = resolve(options);
  const { byUser, byItem, nItems } = m;
  const { aUser, aItem } = entryWeights(m, o);
  const heavy = (u: number) => byUser.indptr[u + 1]! - byUser.indptr[u]! > o.maxUserItems;
  const norm = new Float64Array(nItems);
  if (o.weighting === 'cosine') {
    for (let i = 0; i < nItems; i++) {
      let s = 0;
      for (let p = byItem.indptr[i]!; p < byItem.indptr[i + 1]!; p++) {
        if (!heavy(byItem.indices[p]!)) s += aItem[p]! * aItem[p]!;
      }
      norm[i] = Math.sqrt(s);
    }
  }
  const K = o.neighbours;
  const acc = new Float64Array(nItems);
  const cnt = new Int32Array(nItems);
  const touched = new Int32Array(nItems);
  const top = new TopK(K);
  const indptr = new Int32Array(nItems + 1);
  const indices = new Int32Array(nItems * Math.min(K, Math.max(nItems - 1, 0)));
  const sim = new Float64Array(indices.length);
  const co = new Int32Array(indices.length);
  let nnz = 0;
  for (let i = 0; i < nItems; i++) {
    if (onItem && (i & 1023) === 0) onItem(i, nItems);
    let nt = 0;
    for (let p = byItem.indptr[i]!; p < byItem.indptr[i + 1]!; p++) {
      const u = byItem.indices[p]!;
      if (heavy(u)) continue;
      const ai = aItem[p]!;
      for (let q = byUser.indptr[u]!; q < byUser.indptr[u + 1]!; q++) {
        const j = byUser.indices[q]!;
        if (j === i) continue;
        if (cnt[j] === 0) touched[nt++] = j;
        cnt[j]!++;
        acc[j]! += ai * aUser[q]!;
      }
    }
    top.clear();
    for (let t = 0; t < nt; t++) {
      const j = touched[t]!;
      const den = o.weighting === 'cosine' ? norm[i]! * norm[j]! : 1;
      const s = den > 0 ? acc[j]! / den : 0;
      if (s > 0) top.push(j, s);
    }
    for (const { id: j, score } of top.sorted()) {
      indices[nnz] = j;
      sim[nnz] = score;
      co[nnz] = cnt[j]!;
      nnz++;
    }
    indptr[i + 1] = nnz;
    for (let t = 0; t < nt; t++) {
      acc[touched[t]!] = 0;
      cnt[touched[t]!] = 0;
    }
  }
  if (onItem) onItem(nItems, nItems);
  return {
    nItems,
    neighbours: K,
    weighting: o.weighting,
    indptr,
    indices: indices.slice(0, nnz),
    sim: sim.slice(0, nnz),
    co: co.slice(0, nnz),
  };
}

/**
 * Scores baskets against a fitted model with buffers reused across customers
 * (one allocation of n_items, not one per customer).
 */
export class ItemScorer {
  readonly score: Float64Array;
  /** For each scored item, the basket item with the largest single contribution, and that contribution. */
  readonly because: Int32Array;
  private readonly bestTerm: Float64Array;
  readonly touched: Int32Array;
  nTouched = 0;
  readonly model: ItemKnnModel;

  constructor(model: ItemKnnModel) {
    this.model = model;
    this.score = new Float64Array(model.nItems);
    this.because = new Int32Array(model.nItems).fill(-1);
    this.bestTerm = new Float64Array(model.nItems);
    this.touched = new Int32Array(model.nItems);
  }

  /** Clears the previous scores, then adds the neighbours of each basket item (items[from..to)). */
  scoreBasket(items: Int32Array, from: number, to: number): void {
    this.reset();
    const { indptr, indices, sim } = this.model;
    for (let q = from; q < to; q++) {
      const j = items[q]!;
      if (j < 0 || j >= this.model.nItems) continue;
      for (let p = indptr[j]!; p < indptr[j + 1]!; p++) {
        const i = indices[p]!;
        const s = sim[p]!;
        if (this.because[i] === -1) {
          this.touched[this.nTouched++] = i;
          this.because[i] = j;
          this.bestTerm[i] = s;
        } else if (s > this.bestTerm[i]!) {
          this.because[i] = j;
          this.bestTerm[i] = s;
        }
        this.score[i]! += s;
      }
    }
  }

  reset(): void {
    for (let t = 0; t < this.nTouched; t++) {
      const i = this.touched[t]!;
      this.score[i] = 0;
      this.because[i] = -1;
      this.bestTerm[i] = 0;
    }
    this.nTouched = 0;
  }
}
