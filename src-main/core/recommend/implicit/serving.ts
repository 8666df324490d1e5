/**
 * What every implicit recommender serves the same way, whatever its model: per-request exclusion of bought
 * items (a stamp, so nothing is cleared between customers), one reused top-k heap, and popularity that fills a
 * short list or stands alone for a customer the model cannot place.
 */
import type { UserItemMatrix } from './interactions.ts';
import { TopK } from './item-knn.ts';
import type { Popularity } from './popularity.ts';

export interface Recommendation {
  item: number;
  /** Summed similarity ('similar'), x_u·y_i of ALS ('factors') or customers who have the item ('popular'). */
  score: number;
  source: 'similar' | 'factors' | 'popular';
  /** The basket item that contributed most ('similar') or is closest in factors ('factors'), else -1. */
  because: number;
}

export abstract class PopularityServing {
  readonly matrix: UserItemMatrix;
  readonly popularity: Popularity;
  /** excluded[i] === stamp marks item i as excluded for the current request. */
  protected readonly excluded: Int32Array;
  protected stamp = 0;
  /** One heap reused across requests of the same n (scoring every customer must not allocate per customer). */
  private top: TopK | null = null;

  constructor(matrix: UserItemMatrix, popularity: Popularity) {
    this.matrix = matrix;
    this.popularity = popularity;
    this.excluded = new Int32Array(matrix.nItems);
  }

  protected topOf(n: number): TopK {
    if (this.top?.k !== n) this.top = new TopK(n);
    this.top.clear();
    return this.top;
  }

  /** Appends popular items not yet excluded until the list has n entries. */
  protected fillPopular(out: Recommendation[], n: number, mark: number): void {
    const { ranked, count } = this.popularity;
    for (let r = 0; r < ranked.length && out.length < n; r++) {
      const i = ranked[r]!;
      if (this.excluded[i] === mark || count[i] === 0) continue;
      out.push({ item: i, score: count[i]!, source: 'popular', because: -1 });
    }
  }

  /** Popularity alone for user u (the baseline), leaving out what the customer bought. */
  popularFor(u: number, n: number): Recommendation[] {
    const { byUser, bought } = this.matrix;
    const mark = ++this.stamp;
    if (u >= 0 && u < this.matrix.nUsers) {
      for (let p = byUser.indptr[u]!; p < byUser.indptr[u + 1]!; p++) {
        if (bought[p]) this.excluded[byUser.indices[p]!] = mark;
      }
    }
    const out: Recommendation[] = [];
    this.fillPopular(out, n, mark);
    return out;
  }
}

/**
 * The top n of each segment's row of scores (nSegments rows of nItems; NaN = not a candidate), best first, ties to
 * the lower item. Kept apart from the scoring so a stored row of scores answers any n exactly as a fresh one.
 */
export function topOfSegmentScores(
  scores: Float64Array,
  nSegments: number,
  nItems: number,
  n: number,
): { item: number; score: number }[][] {
  const top = new TopK(n);
  const out: { item: number; score: number }[][] = [];
  for (let s = 0; s < nSegments; s++) {
    top.clear();
    const row = s * nItems;
    for (let i = 0; i < nItems; i++) if (!Number.isNaN(scores[row + i]!)) top.push(i, scores[row + i]!);
    out.push(top.sorted().map(({ id, score }) => ({ item: id, score })));
  }
  return out;
}
