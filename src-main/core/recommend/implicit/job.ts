/**
 * Jobs for implicit-feedback recommendations (sales order lines):
 *   runImplicitEval  item-kNN (or implicit ALS, algo 'als') against popularity on a
 *                    leave-last-out or time split, recorded in analysis_runs
 *                    (kind 'recommend-implicit-eval')
 *   recommendFor     top n for a customer (external id), a segment or "also bought" for a
 *                    SKU, from the workspace's stored model for its current sales, fitted
 *                    and stored on the first request (model-store.ts; synchronous)
 */
import type { Db } from '../../db/workspace.ts';
import { failRun, finishRun, startRun } from '../../analytics/run-record.ts';
import { UserError } from '../../jobs/context.ts';
import type { JobContext } from '../../jobs/context.ts';
import { AlsRecommender, resolveAls } from './als.ts';
import { evaluateSplit, leaveLastOut, timeSplit } from './evaluate.ts';
import type { ImplicitAlgo, RankingMetrics } from './evaluate.ts';
import { loadInteractions } from './interactions.ts';
import type { Weighting } from './item-knn.ts';
import { segmentMembership, servingModel, type ModelSpec } from './model-store.ts';
import { ImplicitRecommender } from './recommend.ts';

export interface ImplicitEvalParams {
  split: 'leave-last-out' | 'time';
  /** `YYYY-MM-DD`, time split only: sales from this day on are the test set. */
  cutoff?: string;
  k: number;
  /** Neighbours kept per item (default 50). */
  neighbours?: number;
  weighting?: Weighting;
  /** Model: item-knn (default) or als. */
  algo?: ImplicitAlgo;
  /** ALS only: latent factors (64), λ (200), confidence α (40), iterations (15). */
  factors?: number;
  regularization?: number;
  alpha?: number;
  iterations?: number;
  seed: number;
}

/** The ALS settings used, in results and stored params (the seed is the run's). */
export interface AlsSettings {
  factors: number;
  regularization: number;
  alpha: number;
  iterations: number;
}

export interface ImplicitEvalResult {
  runId: number;
  split: 'leave-last-out' | 'time';
  cutoff: string | null;
  k: number;
  neighbours: number;
  weighting: Weighting;
  algo: ImplicitAlgo;
  /** Present when algo is 'als'. */
  als?: AlsSettings;
  seed: number;
  /** Customers evaluated. */
  users: number;
  items: number;
  trainInteractions: number;
  model: RankingMetrics;
  popularity: RankingMetrics;
}

/** `YYYY-MM-DD` → unix seconds of its midnight, UTC (times are stored as the shop's wall clock taken as UTC). */
function parseCutoff(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).getUTCDate() !== Number(m[3])) {
    throw new UserError(`cutoff must be a date YYYY-MM-DD, got "${day}"`);
  }
  return t / 1000;
}

type CheckedParams = Pick<
  ImplicitEvalResult,
  'split' | 'cutoff' | 'k' | 'neighbours' | 'weighting' | 'algo' | 'seed'
> & {
  als?: AlsSettings;
};

/** ALS settings with defaults, range-checked (a bad value is the user's mistake). */
function checkAls(p: Pick<ImplicitEvalParams, 'factors' | 'regularization' | 'alpha' | 'iterations'>): AlsSettings {
  try {
    const o = resolveAls(p);
    return { factors: o.factors, regularization: o.regularization, alpha: o.alpha, iterations: o.iterations };
  } catch (err) {
    throw err instanceof RangeError ? new UserError(err.message) : err;
  }
}

function checkParams(p: ImplicitEvalParams): CheckedParams {
  if (p.split !== 'leave-last-out' && p.split !== 'time') {
    throw new UserError(`split must be leave-last-out or time, got "${String(p.split)}"`);
  }
  if (p.split === 'time' && typeof p.cutoff !== 'string') throw new UserError('the time split needs a cutoff date');
  if (p.split !== 'time' && p.cutoff !== undefined) throw new UserError('cutoff applies to the time split only');
  if (!(Number.isInteger(p.k) && p.k >= 1 && p.k <= 1000)) throw new UserError(`k must be an integer 1..1000`);
  const neighbours = p.neighbours ?? 50;
  if (!(Number.isInteger(neighbours) && neighbours >= 1 && neighbours <= 10000)) {
    throw new UserError('neighbours must be an integer 1..10000');
  }
  const weighting = p.weighting ?? 'cosine';
  if (weighting !== 'cosine' && weighting !== 'bm25') throw new UserError('weighting must be cosine or bm25');
  if (!(Number.isInteger(p.seed) && p.seed >= 0 && p.seed <= 0xffffffff)) {
    throw new UserError('seed must be an integer in 0..4294967295');
  }
  const algo = p.algo ?? 'item-knn';
  if (algo !== 'item-knn' && algo !== 'als') throw new UserError('algo must be item-knn or als');
  const alsGiven = [p.factors, p.regularization, p.alpha, p.iterations].some((v) => v !== undefined);
  if (algo !== 'als' && alsGiven)
    throw new UserError('factors, regularization, alpha and iterations apply to als only');
  const out: CheckedParams = {
    split: p.split,
    cutoff: p.cutoff ?? null,
    k: p.k,
    neighbours,
    weighting,
    algo,
    seed: p.seed,
  };
  if (algo === 'als') out.als = checkAls(p);
  return out;
}

export async function runImplicitEval(
  db: Db,
  params: ImplicitEvalParams,
  ctx: JobContext,
): Promise<ImplicitEvalResult> {
  const p = checkParams(params);
  const cutoff = p.cutoff === null ? null : parseCutoff(p.cutoff);
  const runId = startRun(db, 'recommend-implicit-eval', p, p.seed);
  try {
    const t0 = performance.now();
    ctx.progress(0, null, 'loading sales');
    const log = loadInteractions(db);
    ctx.throwIfCancelled();
    const split = cutoff === null ? leaveLastOut(log, p.seed) : timeSplit(log, cutoff);
    if (split.users.length === 0) {
      throw new UserError(
        cutoff === null
          ? 'no customer has bought two different products: nothing to hold out'
          : `no customer with sales before ${p.cutoff} bought something new on or after it`,
      );
    }
    const t1 = performance.now();
    const options = { neighbours: p.neighbours, weighting: p.weighting, algo: p.algo, als: { ...p.als, seed: p.seed } };
    const fitting = p.algo === 'als' ? 'ALS iterations' : 'item similarities';
    const r = evaluateSplit(log, split, p.k, options, (stage, d, t) => {
      ctx.progress(d, t, stage === 'fit' ? fitting : 'scoring customers');
      ctx.throwIfCancelled();
    });
    const result: ImplicitEvalResult = { runId, ...p, ...r };
    const metrics = {
      seconds: { load: (t1 - t0) / 1000, fitAndScore: (performance.now() - t1) / 1000 },
      model: r.model,
      popularity: r.popularity,
    };
    finishRun(db, runId, metrics, result);
    return result;
  } catch (err) {
    failRun(db, runId, err);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
}

export interface RecommendForParams {
  /** Customer external id: their top n. */
  customer?: string;
  /** Product SKU: "customers who bought this also bought". */
  alsoBought?: string;
  /** RFM segment name ("At Risk", "Champions" …): what to promote to that segment. */
  segment?: string;
  n: number;
  neighbours?: number;
  /** Model: item-knn (default) or als, with the ALS settings of ImplicitEvalParams. */
  algo?: ImplicitAlgo;
  factors?: number;
  regularization?: number;
  alpha?: number;
  iterations?: number;
  /** ALS initialisation seed (default 0). */
  seed?: number;
}

export interface RecommendedItem {
  sku: string;
  title: string | null;
  score: number;
  reason: string;
}

export interface RecommendForResult {
  /** True when the answer is popularity alone (no purchases to go on). */
  coldStart: boolean;
  items: RecommendedItem[];
  /** True when the model came from the workspace's stored model file rather than a fit for this request. */
  fromCache: boolean;
}

/**
 * Answers one request from the model of the workspace's current sales: read from the model file stored beside
 * the workspace for this data and these settings (model-store.ts), or fitted on every sale and stored.
 */
export function recommendFor(db: Db, params: RecommendForParams): RecommendForResult {
  const asked = [params.customer, params.alsoBought, params.segment].filter((v) => v !== undefined).length;
  if (asked !== 1) throw new UserError('give one of a customer, an also-bought SKU or a segment');
  if (!(Number.isInteger(params.n) && params.n >= 1 && params.n <= 1000)) throw new UserError('n must be 1..1000');
  const algo = params.algo ?? 'item-knn';
  if (algo !== 'item-knn' && algo !== 'als') throw new UserError('algo must be item-knn or als');
  const als = algo === 'als' ? checkAls(params) : null;
  const seed = params.seed ?? 0;
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new UserError('seed must be an integer in 0..4294967295');
  }
  const neighbours = Math.max(params.neighbours ?? 50, params.n);
  if (!(Number.isInteger(neighbours) && neighbours <= 10000))
    throw new UserError('neighbours must be an integer 1..10000');
  const spec: ModelSpec = als ? { algo: 'als', ...als, seed } : { algo: 'item-knn', neighbours };
  const served = servingModel(db, spec);
  const { rec, fromCache } = served;
  const product = db.prepare('SELECT sku, title FROM products WHERE id = ?');
  const describe = (item: number) => product.get(served.itemIds[item]!) as { sku: string; title: string | null };
  const label = (item: number) => {
    const d = describe(item);
    return d.title ?? d.sku;
  };

  if (params.segment !== undefined) {
    // Segment membership from RFM as of the last sale (stored beside the models); the list sums the model's
    // scores over its members.
    const seg = segmentMembership(db);
    const which = seg.names.indexOf(params.segment);
    if (which < 0) {
      throw new UserError(`no customers in segment "${params.segment}" (segments: ${seg.names.join(', ')})`);
    }
    // Members marked in an array over customer ids (ascending, so the last is the largest): a million lookups in a
    // Set took a quarter of a second. Only needed when the segment's scores are not stored yet.
    const segmentOf = () => {
      const { customerIds } = seg;
      const member = new Uint8Array((customerIds[customerIds.length - 1] ?? -1) + 1);
      for (let c = 0; c < customerIds.length; c++) if (seg.segment[c] === which) member[customerIds[c]!] = 1;
      const { userIds } = served;
      const out = new Int32Array(userIds.length);
      for (let u = 0; u < userIds.length; u++) out[u] = member[userIds[u]!] === 1 ? 0 : -1;
      return out;
    };
    const list = served.segmentList(params.segment, segmentOf, params.n);
    return {
      coldStart: false,
      fromCache,
      items: list.map((r) => ({
        ...describe(r.item),
        score: r.score,
        reason: als
          ? `fits the ${params.segment} segment's purchase patterns`
          : `bought alongside the ${params.segment} segment's purchases`,
      })),
    };
  }

  if (params.customer !== undefined) {
    const id = db.prepare('SELECT id FROM customers WHERE external_id = ?').pluck().get(params.customer) as
      number | undefined;
    if (id === undefined) throw new UserError(`no customer "${params.customer}"`);
    // One customer's row of the stored matrix, not every customer's (model-store.ts).
    const one = served.forCustomer(served.userIds.indexOf(id));
    const recs = one.rec.forUser(one.u, params.n);
    return {
      coldStart: recs.every((r) => r.source === 'popular'),
      fromCache,
      items: recs.map((r) => ({
        ...describe(r.item),
        score: r.score,
        reason:
          r.source !== 'popular' ? `because you bought ${label(r.because)}` : `popular: bought by ${r.score} customers`,
      })),
    };
  }

  const pid = db.prepare('SELECT id FROM products WHERE sku = ?').pluck().get(params.alsoBought) as number | undefined;
  if (pid === undefined) throw new UserError(`no product with SKU "${params.alsoBought}"`);
  const item = served.itemIds.indexOf(pid);
  if (rec instanceof AlsRecommender) {
    const similar = rec.similarItems(item, params.n);
    if (similar.length > 0) {
      return {
        coldStart: false,
        fromCache,
        items: similar.map((a) => ({
          ...describe(a.item),
          score: a.similarity,
          reason: 'bought by similar customers (ALS factors)',
        })),
      };
    }
  }
  const also = rec instanceof ImplicitRecommender ? rec.alsoBought(item, params.n) : [];
  if (also.length > 0) {
    return {
      coldStart: false,
      fromCache,
      items: also.map((a) => ({
        ...describe(a.item),
        score: a.similarity,
        reason: `${a.together} ${a.together === 1 ? 'customer' : 'customers'} bought both`,
      })),
    };
  }
  // Never sold (or sold alone): the best sellers other than itself.
  const popular: RecommendedItem[] = [];
  for (const i of rec.popularity.ranked) {
    if (popular.length >= params.n) break;
    if (i === item || rec.popularity.count[i] === 0) continue;
    popular.push({
      ...describe(i),
      score: rec.popularity.count[i]!,
      reason: `popular: bought by ${rec.popularity.count[i]} customers`,
    });
  }
  return { coldStart: true, fromCache, items: popular };
}
