/**
 * Serving recommendations from a fitted item-kNN: per customer (excluding what
 * they already bought, explained by the basket item that contributed most),
 * per segment, "also bought" for an item, and popularity for whoever the
 * model cannot place (no purchases, or too few neighbours to fill the list).
 */
import type { UserItemMatrix } from './interactions.ts';
import { ItemScorer } from './item-knn.ts';
import type { ItemKnnModel } from './item-knn.ts';
import type { Popularity } from './popularity.ts';
import { PopularityServing, topOfSegmentScores, type Recommendation } from './serving.ts';

export type { Recommendation } from './serving.ts';

export interface AlsoBought {
  item: number;
  similarity: number;
  /** Customers who have both items. */
  together: number;
}

export class ImplicitRecommender extends PopularityServing {
  private readonly scorer: ItemScorer;
  readonly model: ItemKnnModel;

  constructor(matrix: UserItemMatrix, model: ItemKnnModel, popularity: Popularity) {
    super(matrix, popularity);
    this.model = model;
    this.scorer = new ItemScorer(model);
  }

  /**
   * Top n for user u (dense index; -1 or out of range = unknown customer), leaving out
   * what the customer bought. With `fill` (default) popular items complete a short list.
   */
  forUser(u: number, n: number, options: { fill?: boolean } = {}): Recommendation[] {
    const fill = options.fill ?? true;
    const { byUser, bought } = this.matrix;
    const known = u >= 0 && u < this.matrix.nUsers;
    const from = known ? byUser.indptr[u]! : 0;
    const to = known ? byUser.indptr[u + 1]! : 0;
    const mark = ++this.stamp;
    for (let p = from; p < to; p++) if (bought[p]) this.excluded[byUser.indices[p]!] = mark;
    const out: Recommendation[] = [];
    if (to > from) {
      const sc = this.scorer;
      sc.scoreBasket(byUser.indices, from, to);
      const top = this.topOf(n);
      for (let t = 0; t < sc.nTouched; t++) {
        const i = sc.touched[t]!;
        if (this.excluded[i] !== mark) top.push(i, sc.score[i]!);
      }
      for (const { id, score } of top.sorted()) {
        out.push({ item: id, score, source: 'similar', because: sc.because[id]! });
        this.excluded[id] = mark;
      }
    }
    if (fill) this.fillPopular(out, n, mark);
    return out;
  }

  /** "Customers who bought X also bought": X's kept neighbours, most similar first, with co-occurrence counts. */
  alsoBought(item: number, n: number): AlsoBought[] {
    if (item < 0 || item >= this.model.nItems) return [];
    const { indptr, indices, sim, co } = this.model;
    const out: AlsoBought[] = [];
    for (let p = indptr[item]!; p < indptr[item + 1]! && out.length < n; p++) {
      out.push({ item: indices[p]!, similarity: sim[p]!, together: co[p]! });
    }
    return out;
  }

  /**
   * Top n items per segment by the model's score summed over the segment's customers
   * (nothing excluded: a segment list is for merchandising, not for one basket).
   * segmentOf[u] in 0..nSegments-1, or -1 for none.
   */
  bySegment(segmentOf: Int32Array, nSegments: number, n: number): { item: number; score: number }[][] {
    return topOfSegmentScores(this.segmentScores(segmentOf, nSegments), nSegments, this.matrix.nItems, n);
  }

  /** bySegment's scores before the top n: nSegments rows of nItems, NaN where an item is no candidate (sum 0). */
  segmentScores(segmentOf: Int32Array, nSegments: number): Float64Array {
    const { nUsers, nItems, byUser } = this.matrix;
    if (segmentOf.length !== nUsers) throw new RangeError('segmentOf must have one entry per user');
    const sums = new Float64Array(nSegments * nItems);
    const sc = this.scorer;
    for (let u = 0; u < nUsers; u++) {
      const s = segmentOf[u]!;
      if (s < 0 || s >= nSegments) continue;
      sc.scoreBasket(byUser.indices, byUser.indptr[u]!, byUser.indptr[u + 1]!);
      const row = s * nItems;
      for (let t = 0; t < sc.nTouched; t++) {
        const i = sc.touched[t]!;
        sums[row + i]! += sc.score[i]!;
      }
    }
    sc.reset();
    for (let k = 0; k < sums.length; k++) if (!(sums[k]! > 0)) sums[k] = NaN;
    return sums;
  }
}
