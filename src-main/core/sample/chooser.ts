/**
 * What a shopper picks: a category from their category weights, then a product
 * from softmax(u·v + popularity) within that category, optionally restricted to
 * a price window. Weights are prefix sums per category, computed once per
 * shopper, so each pick is two binary searches.
 */
import type { Catalog } from './catalog.ts';
import { latentModel } from './model.ts';
import type { Rng } from './rng.ts';

export class Chooser {
  private readonly cat: Catalog;
  /** Per category, cumulative product weights (restarting at 0 in each category). */
  private readonly cum: Float64Array;
  readonly catWeights: Float64Array;
  private readonly cheapestCat: number;

  constructor(catalog: Catalog) {
    this.cat = catalog;
    this.cum = new Float64Array(catalog.size);
    this.catWeights = new Float64Array(catalog.catMinPrice.length);
    let best = 0;
    for (let c = 1; c < catalog.catMinPrice.length; c++) {
      if ((catalog.catMinPrice[c] ?? Infinity) < (catalog.catMinPrice[best] ?? Infinity)) best = c;
    }
    this.cheapestCat = best;
  }

  /** Loads a customer: product weights exp(u·v_j + pop_j). Category weights are set by the caller. */
  setLatent(u: Float64Array): void {
    const { factors, popularity, catStart } = this.cat;
    const k = latentModel.k;
    for (let c = 0; c + 1 < catStart.length; c++) {
      let acc = 0;
      for (let j = catStart[c] ?? 0; j < (catStart[c + 1] ?? 0); j++) {
        let s = popularity[j] ?? 0;
        for (let f = 0; f < k; f++) s += (u[f] ?? 0) * (factors[j * k + f] ?? 0);
        acc += Math.exp(s);
        this.cum[j] = acc;
      }
    }
  }

  /** Anonymous visitors: popularity only. */
  setPopularity(): void {
    const { popularity, catStart } = this.cat;
    for (let c = 0; c + 1 < catStart.length; c++) {
      let acc = 0;
      for (let j = catStart[c] ?? 0; j < (catStart[c + 1] ?? 0); j++) {
        acc += Math.exp(popularity[j] ?? 0);
        this.cum[j] = acc;
      }
    }
  }

  /** A category with some product at or under maxPrice (the cheapest category when none has). */
  category(rng: Rng, maxPrice = Infinity): number {
    const w = this.catWeights;
    const min = this.cat.catMinPrice;
    let total = 0;
    for (let c = 0; c < w.length; c++) if ((min[c] ?? Infinity) <= maxPrice) total += w[c] ?? 0;
    if (total <= 0) return this.cheapestCat;
    let x = rng.float() * total;
    let last = this.cheapestCat;
    for (let c = 0; c < w.length; c++) {
      if ((min[c] ?? Infinity) > maxPrice) continue;
      last = c;
      x -= w[c] ?? 0;
      if (x < 0) return c;
    }
    return last;
  }

  /**
   * A product of category c priced in [lo, hi]; when none is, one priced at or
   * under hi; when none is, the category's cheapest.
   */
  product(rng: Rng, c: number, lo = 0, hi = Infinity): number {
    const price = this.cat.price;
    const s = this.cat.catStart[c] ?? 0;
    const e = this.cat.catStart[c + 1] ?? s + 1;
    let a = lowerBound(price, s, e, lo);
    let b = upperBound(price, s, e, hi);
    if (a >= b) {
      a = s;
      b = Math.max(b, s + 1);
    }
    const cum = this.cum;
    const base = a > s ? (cum[a - 1] ?? 0) : 0;
    const x = base + rng.float() * ((cum[b - 1] ?? 0) - base);
    // First index in [a, b) whose cumulative weight exceeds x.
    let l = a;
    let r = b - 1;
    while (l < r) {
      const m = (l + r) >> 1;
      if ((cum[m] ?? 0) > x) r = m;
      else l = m + 1;
    }
    return l;
  }
}

/** First index in [s, e) with arr[i] >= v. */
function lowerBound(arr: Float64Array, s: number, e: number, v: number): number {
  let l = s;
  let r = e;
  while (l < r) {
    const m = (l + r) >> 1;
    if ((arr[m] ?? 0) < v) l = m + 1;
    else r = m;
  }
  return l;
}

/** First index in [s, e) with arr[i] > v. */
function upperBound(arr: Float64Array, s: number, e: number, v: number): number {
  let l = s;
  let r = e;
  while (l < r) {
    const m = (l + r) >> 1;
    if ((arr[m] ?? 0) <= v) l = m + 1;
    else r = m;
  }
  return l;
}
