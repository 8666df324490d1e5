/**
 * Offline evaluation of top-k recommendations, the model and the popularity
 * baseline always side by side on the same split:
 *   leave-last-out  for each customer with ≥ 2 distinct purchased items, the item
 *                   first bought last is held out with all its entries (a tie
 *                   within the last order is broken by the seeded generator)
 *   time            entries before the cut-off train; the relevant items of a
 *                   customer with training history are the items bought on or
 *                   after it that the customer did not have before
 * Metrics per customer, averaged over the evaluated customers:
 *   precision@k = hits / k      recall@k = hits / |relevant|
 *   NDCG@k      = Σ_{hit at rank r} 1/log2(r + 1) / Σ_{r ≤ min(k, |relevant|)} 1/log2(r + 1)
 *   AP@k        = Σ_{hit at rank r} precision@r / min(k, |relevant|)   (MAP = its mean)
 *   hit rate    = share of customers with at least one hit
 *   coverage    = distinct items recommended to anyone / items in the catalogue seen
 * The model is served as the app serves it: item-kNN (or implicit ALS with
 * algo 'als'), completed by popularity when it has fewer than k candidates.
 */
import { Mt19937 } from '../random.ts';
import { AlsRecommender, fitAls } from './als.ts';
import type { AlsOptions } from './als.ts';
import { buildMatrix, groupByUser } from './interactions.ts';
import type { InteractionLog } from './interactions.ts';
import { fitItemKnn } from './item-knn.ts';
import type { ItemKnnOptions } from './item-knn.ts';
import { fitPopularity } from './popularity.ts';
import { ImplicitRecommender } from './recommend.ts';
import type { Recommendation } from './recommend.ts';

export interface RankingMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  hitRate: number;
  coverage: number;
}

export interface UserMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  ap: number;
  hit: boolean;
}

/** Metrics of one ranked list (only its first k count) against a relevant set. */
export function userMetrics(ranked: ArrayLike<number>, relevant: ArrayLike<number>, k: number): UserMetrics {
  const rel = new Set<number>(Array.from(relevant));
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  const m = Math.min(k, ranked.length);
  for (let r = 0; r < m; r++) {
    if (!rel.has(ranked[r]!)) continue;
    hits++;
    dcg += 1 / Math.log2(r + 2);
    apSum += hits / (r + 1);
  }
  const ideal = Math.min(k, rel.size);
  let idcg = 0;
  for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
  return {
    precision: hits / k,
    recall: rel.size > 0 ? hits / rel.size : 0,
    ndcg: idcg > 0 ? dcg / idcg : 0,
    ap: ideal > 0 ? apSum / ideal : 0,
    hit: hits > 0,
  };
}

/** A split: which log entries train, and per evaluated user the relevant (held-out) items. */
export interface Split {
  train: Uint8Array;
  users: Int32Array;
  /** Relevant items of users[t] are items[indptr[t] .. indptr[t+1]). */
  indptr: Int32Array;
  items: Int32Array;
}

export function leaveLastOut(log: InteractionLog, seed: number): Split {
  const rng = new Mt19937(seed);
  const { indptr: gptr, order } = groupByUser(log);
  const train = new Uint8Array(log.user.length).fill(1);
  const firstBuy = new Float64Array(log.nItems);
  const seenBy = new Int32Array(log.nItems).fill(-1);
  const distinct: number[] = [];
  const users: number[] = [];
  const held: number[] = [];
  for (let u = 0; u < log.nUsers; u++) {
    distinct.length = 0;
    for (let t = gptr[u]!; t < gptr[u + 1]!; t++) {
      const k = order[t]!;
      if (!log.purchase[k]) continue;
      const i = log.item[k]!;
      if (seenBy[i] !== u) {
        seenBy[i] = u;
        firstBuy[i] = log.time[k]!;
        distinct.push(i);
      } else if (log.time[k]! < firstBuy[i]!) firstBuy[i] = log.time[k]!;
    }
    if (distinct.length < 2) continue;
    let last = -Infinity;
    for (const i of distinct) if (firstBuy[i]! > last) last = firstBuy[i]!;
    const tied = distinct.filter((i) => firstBuy[i] === last).sort((a, b) => a - b);
    // Only the last order's lines can tie; which of them is "the last" is drawn, reproducibly.
    const pick = tied[tied.length > 1 ? rng.interval(tied.length - 1) : 0]!;
    // Every entry of the held-out pair goes (an earlier view of it would leak the answer).
    for (let t = gptr[u]!; t < gptr[u + 1]!; t++) if (log.item[order[t]!] === pick) train[order[t]!] = 0;
    users.push(u);
    held.push(pick);
  }
  const indptr = new Int32Array(users.length + 1);
  for (let t = 0; t < users.length; t++) indptr[t + 1] = t + 1;
  return { train, users: Int32Array.from(users), indptr, items: Int32Array.from(held) };
}

/** cutoff: unix seconds; entries strictly before it train. */
export function timeSplit(log: InteractionLog, cutoff: number): Split {
  const train = new Uint8Array(log.user.length);
  for (let k = 0; k < train.length; k++) train[k] = log.time[k]! < cutoff ? 1 : 0;
  const { indptr: gptr, order } = groupByUser(log);
  const had = new Int32Array(log.nItems).fill(-1);
  const added = new Int32Array(log.nItems).fill(-1);
  const users: number[] = [];
  const indptr: number[] = [0];
  const items: number[] = [];
  for (let u = 0; u < log.nUsers; u++) {
    let history = false;
    for (let t = gptr[u]!; t < gptr[u + 1]!; t++) {
      const k = order[t]!;
      if (train[k]) {
        history = true;
        had[log.item[k]!] = u;
      }
    }
    if (!history) continue;
    const start = items.length;
    for (let t = gptr[u]!; t < gptr[u + 1]!; t++) {
      const k = order[t]!;
      const i = log.item[k]!;
      if (train[k] || !log.purchase[k] || had[i] === u || added[i] === u) continue;
      added[i] = u;
      items.push(i);
    }
    if (items.length === start) continue;
    users.push(u);
    indptr.push(items.length);
  }
  return { train, users: Int32Array.from(users), indptr: Int32Array.from(indptr), items: Int32Array.from(items) };
}

export interface EvalResult {
  k: number;
  users: number;
  items: number;
  trainInteractions: number;
  model: RankingMetrics;
  popularity: RankingMetrics;
}

class Accumulator {
  private precision = 0;
  private recall = 0;
  private ndcg = 0;
  private ap = 0;
  private hits = 0;
  private users = 0;
  private readonly shown: Uint8Array;
  constructor(nItems: number) {
    this.shown = new Uint8Array(nItems);
  }
  add(recs: Recommendation[], relevant: Int32Array, k: number): void {
    const ranked = recs.map((r) => r.item);
    for (const i of ranked) this.shown[i] = 1;
    const m = userMetrics(ranked, relevant, k);
    this.precision += m.precision;
    this.recall += m.recall;
    this.ndcg += m.ndcg;
    this.ap += m.ap;
    if (m.hit) this.hits++;
    this.users++;
  }
  result(): RankingMetrics {
    const n = this.users || 1;
    let covered = 0;
    for (let i = 0; i < this.shown.length; i++) covered += this.shown[i]!;
    return {
      precision: this.precision / n,
      recall: this.recall / n,
      ndcg: this.ndcg / n,
      map: this.ap / n,
      hitRate: this.hits / n,
      coverage: this.shown.length > 0 ? covered / this.shown.length : 0,
    };
  }
}

export type ImplicitAlgo = 'item-knn' | 'als';

export interface EvalOptions extends ItemKnnOptions {
  /** Default item-knn. */
  algo?: ImplicitAlgo;
  /** ALS parameters (algo 'als'). */
  als?: AlsOptions;
}

/** Fits the model (item-kNN or ALS) and popularity on the split's training entries and scores both on its users. */
export function evaluateSplit(
  log: InteractionLog,
  split: Split,
  k: number,
  options: EvalOptions = {},
  onProgress?: (stage: 'fit' | 'score', done: number, total: number) => void,
): EvalResult {
  const matrix = buildMatrix(log, split.train);
  const popularity = fitPopularity(matrix);
  // ALS re-reports its iteration every 1024 rows too: the caller's progress hook is where a job checks for a cancel.
  let iteration = 0;
  const iterations = options.als?.iterations ?? 15;
  const rec =
    options.algo === 'als'
      ? new AlsRecommender(
          matrix,
          fitAls(matrix, options.als, {
            onIteration: (d, t) => onProgress?.('fit', (iteration = d), t),
            checkCancelled: () => onProgress?.('fit', iteration, iterations),
          }),
          popularity,
          { explain: false },
        )
      : new ImplicitRecommender(
          matrix,
          fitItemKnn(matrix, options, (d, t) => onProgress?.('fit', d, t)),
          popularity,
        );
  const accModel = new Accumulator(log.nItems);
  const accPop = new Accumulator(log.nItems);
  const nUsers = split.users.length;
  for (let t = 0; t < nUsers; t++) {
    if (onProgress && (t & 1023) === 0) onProgress('score', t, nUsers);
    const u = split.users[t]!;
    const relevant = split.items.subarray(split.indptr[t]!, split.indptr[t + 1]!);
    accModel.add(rec.forUser(u, k), relevant, k);
    accPop.add(rec.popularFor(u, k), relevant, k);
  }
  onProgress?.('score', nUsers, nUsers);
  return {
    k,
    users: nUsers,
    items: log.nItems,
    trainInteractions: matrix.byUser.indices.length,
    model: accModel.result(),
    popularity: accPop.result(),
  };
}
