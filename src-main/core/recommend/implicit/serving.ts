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
