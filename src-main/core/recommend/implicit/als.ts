/**
 * Implicit ALS: confidence-weighted matrix factorisation (Hu, Koren & Volinsky
 * 2008, "Collaborative Filtering for Implicit Feedback Datasets"). Every
 * (customer, item) cell counts: preference p = 1 where the customer has the
 * item, else 0, weighed by a confidence c = 1 + α·r on the cells they have
 * (r = the cell's summed weight: the purchase count for sales, or, with
 * `confidence: 'log'`, c = 1 + α·ln(1 + r)) and c = 1 everywhere else.
 * The loss
 *   L = Σ_u Σ_i c_ui (p_ui − x_u·y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
 * is minimised by alternating half-steps: with Y fixed each x_u solves
 *   (YᵀY + Yᵀ(C_u − I)Y + λI) x_u = Yᵀ C_u p(u)
 * where YᵀY is computed once per half-step and the rest touches only the
 * customer's own cells (the paper's trick). Long rows take a few
 * conjugate-gradient steps warm-started from the current vector (Takács,
 * Pilászy & Tikk 2011; the `implicit` library's default, 3 steps); short rows
 * (most customers) are solved exactly through G⁻¹ by Woodbury, which is cheaper
 * there (als-kernel.ts); the exact f×f Cholesky solver is there to check both.
 * Rows are split over two threads on a big fit (als-engine.ts), with identical
 * results. Factors are stored as Float32Array (memory at shop scale, as
 * `implicit`); every sum is taken in doubles.
 */
import { Mt19937 } from '../random.ts';
import { createAlsEngine } from './als-engine.ts';
import { choleskyFactor, choleskySubstitute, dot32, gram, type AlsSolver } from './als-kernel.ts';
import type { UserItemMatrix } from './interactions.ts';
import type { Popularity } from './popularity.ts';
import { PopularityServing, topOfSegmentScores, type Recommendation } from './serving.ts';

export type { AlsSolver } from './als-kernel.ts';
export {
  choleskyFactor,
  choleskySolve,
  choleskySubstitute,
  gram,
  inverseSpd,
  RowSolver,
  woodburyLimit,
} from './als-kernel.ts';
export type Confidence = 'linear' | 'log';

export interface AlsOptions {
  /** Latent factors f (default 64). */
  factors?: number;
  /**
   * λ (default 200). Picked by NDCG@10 on the sample shop (3000 customers, seed 7, leave-last-out): of the
   * 24 pairs tried (λ from 0.01 to 1000, α from 1 to 100, f = 32 and 64), λ = 200 with α = 40 was best (0.208 vs popularity 0.192); λ ≤ 1 over-fits those dense baskets (0.07–0.17). λ counts against
   * Σ c over a row's cells, so a shop with much longer histories may want it larger.
   */
  regularization?: number;
  /** α of the confidence c = 1 + α·r (default 40, the paper's). */
  alpha?: number;
  confidence?: Confidence;
  /** Full sweeps (users then items), default 15. */
  iterations?: number;
  /**
   * 'auto' (default): each short row solved exactly through G⁻¹ (Woodbury) where that is cheaper, the long rows by
   * CG; 'cg': CG on every row; 'cholesky': exact f×f solves (checks, small data). See als-kernel.ts.
   */
  solver?: AlsSolver;
  /** Conjugate-gradient steps per row and half-step (default 3). */
  cgSteps?: number;
  seed?: number;
  /** Threads solving rows: 0 (default) = two on a big enough fit when the machine has two cores; or 1 or 2. */
  threads?: number;
}

export interface AlsHooks {
  /** After each full iteration (and with 0 before the first), with the model as it stands. */
  onIteration?: (done: number, total: number, model: AlsModel) => void;
  /** Called between chunks of rows (about a thousandth of a side apart); throws to stop (a job's throwIfCancelled). */
  checkCancelled?: () => void;
}

export interface AlsModel {
  nUsers: number;
  nItems: number;
  factors: number;
  /** Row-major users × factors and items × factors. */
  userFactors: Float32Array;
  itemFactors: Float32Array;
  /** The settings fitted with (explanations rebuild a customer's system from them). */
  alpha: number;
  confidence: Confidence;
  regularization: number;
}

export function resolveAls(options: AlsOptions): Required<AlsOptions> {
  const o = {
    factors: options.factors ?? 64,
    regularization: options.regularization ?? 200,
    alpha: options.alpha ?? 40,
    confidence: options.confidence ?? 'linear',
    iterations: options.iterations ?? 15,
    solver: options.solver ?? 'auto',
    cgSteps: options.cgSteps ?? 3,
    seed: options.seed ?? 0,
    threads: options.threads ?? 0,
  };
  const positiveInt = (name: string, v: number, max: number) => {
    if (!(Number.isInteger(v) && v >= 1 && v <= max)) throw new RangeError(`${name} must be an integer 1..${max}`);
  };
  positiveInt('factors', o.factors, 1024);
  positiveInt('iterations', o.iterations, 1000);
  positiveInt('cgSteps', o.cgSteps, 1000);
  if (!(Number.isFinite(o.regularization) && o.regularization >= 0)) {
    throw new RangeError('regularization must be a number ≥ 0');
  }
  if (!(Number.isFinite(o.alpha) && o.alpha >= 0)) throw new RangeError('alpha must be a number ≥ 0');
  if (o.confidence !== 'linear' && o.confidence !== 'log') throw new RangeError('confidence must be linear or log');
  if (o.solver !== 'auto' && o.solver !== 'cg' && o.solver !== 'cholesky') {
    throw new RangeError('solver must be auto, cg or cholesky');
  }
  if (!(Number.isInteger(o.threads) && o.threads >= 0 && o.threads <= 2))
    throw new RangeError('threads must be 0, 1 or 2');
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) {
    throw new RangeError('seed must be an integer in 0..4294967295');
  }
  return o;
}

/** c − 1 per stored cell (what the confidence adds over the c = 1 of an empty cell). */
export function confidenceMinusOne(values: Float64Array, alpha: number, kind: Confidence): Float64Array {
  const out = new Float64Array(values.length);
  for (let p = 0; p < values.length; p++) {
    const r = values[p]!;
    out[p] = kind === 'log' ? alpha * Math.log1p(r) : alpha * r;
  }
  return out;
}

/** Small random normal start (σ = 0.1/√f), users then items from one seeded stream. */
export function initAls(
  nUsers: number,
  nItems: number,
  f: number,
  seed: number,
  settings: Pick<AlsModel, 'alpha' | 'confidence' | 'regularization'> = {
    alpha: 40,
    confidence: 'linear',
    regularization: 200,
  },
): AlsModel {
  const rng = new Mt19937(seed);
  const scale = 0.1 / Math.sqrt(f);
  const userFactors = new Float32Array(nUsers * f);
  const itemFactors = new Float32Array(nItems * f);
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = scale * rng.normal();
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = scale * rng.normal();
  return { nUsers, nItems, factors: f, userFactors, itemFactors, ...settings };
}

/**
 * The engine from the seeded start. In a function of its own so the start factors and c − 1 arrays are garbage
 * once a threaded engine has copied them into shared memory (256 MB of factors at a million customers).
 */
function startEngine(m: UserItemMatrix, o: Required<AlsOptions>) {
  const settings = { alpha: o.alpha, confidence: o.confidence, regularization: o.regularization };
  const start = initAls(m.nUsers, m.nItems, o.factors, o.seed, settings);
  const cmUser = confidenceMinusOne(m.byUser.values, o.alpha, o.confidence);
  const cmItem = confidenceMinusOne(m.byItem.values, o.alpha, o.confidence);
  return createAlsEngine(m, start.userFactors, start.itemFactors, cmUser, cmItem, o.factors, o);
}

/** Fits user and item factors on the matrix (all cells, sales and weighted events alike). */
export function fitAls(m: UserItemMatrix, options: AlsOptions = {}, hooks: AlsHooks = {}): AlsModel {
  const o = resolveAls(options);
  const engine = startEngine(m, o);
  try {
    // The engine's factors: the start's own arrays, or their copies in shared memory when a helper thread joins.
    const model: AlsModel = {
      nUsers: m.nUsers,
      nItems: m.nItems,
      factors: o.factors,
      userFactors: engine.userFactors,
      itemFactors: engine.itemFactors,
      alpha: o.alpha,
      confidence: o.confidence,
      regularization: o.regularization,
    };
    hooks.onIteration?.(0, o.iterations, model);
    for (let it = 0; it < o.iterations; it++) {
      engine.halfStep(0, hooks.checkCancelled);
      engine.halfStep(1, hooks.checkCancelled);
      hooks.onIteration?.(it + 1, o.iterations, model);
    }
    return model;
  } finally {
    engine.close();
  }
}

/**
 * The paper's loss (with the model's α, λ unless given), Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²), without visiting the
 * empty cells: Σ over all cells of (x_u·y_i)² is Σ_u x_uᵀ(YᵀY)x_u, and each stored cell then
 * swaps its (x·y)² for c (1 − x·y)².
 */
export function alsLoss(
  m: UserItemMatrix,
  model: AlsModel,
  options: Pick<AlsOptions, 'alpha' | 'confidence' | 'regularization'> = {},
): number {
  const alpha = options.alpha ?? model.alpha;
  const lambda = options.regularization ?? model.regularization;
  const f = model.factors;
  const X = model.userFactors;
  const Y = model.itemFactors;
  const G = gram(Y, m.nItems, f, 0);
  const cm1 = confidenceMinusOne(m.byUser.values, alpha, options.confidence ?? model.confidence);
  let loss = 0;
  let norms = 0;
  for (let u = 0; u < m.nUsers; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) {
      const xa = X[xo + a]!;
      norms += xa * xa;
      let s = 0;
      for (let b = 0; b < f; b++) s += G[a * f + b]! * X[xo + b]!;
      loss += xa * s;
    }
    for (let p = m.byUser.indptr[u]!; p < m.byUser.indptr[u + 1]!; p++) {
      const yo = m.byUser.indices[p]! * f;
      let s = 0;
      for (let a = 0; a < f; a++) s += X[xo + a]! * Y[yo + a]!;
      loss += (1 + cm1[p]!) * (1 - s) * (1 - s) - s * s;
    }
  }
  for (let k = 0; k < Y.length; k++) norms += Y[k]! * Y[k]!;
  return loss + lambda * norms;
}

/**
 * Serves a fitted ALS model as the app serves item-kNN: x_u·y_i over the items seen in training,
 * without what the customer bought, completed by popularity (and popularity alone for a customer
 * without history). The explanation is the paper's (Hu et al. §5): x_u = W Σ_j c_j y_j with
 * W = (YᵀC_uY + λI)⁻¹, so the score of i splits into Σ_j c_j (y_iᵀ W y_j) over the customer's
 * items j; the bought item with the largest term is the "because".
 */
export class AlsRecommender extends PopularityServing {
  readonly model: AlsModel;
  /** Explanations cost a Cholesky per customer: off for bulk scoring (evaluation). */
  private readonly explain: boolean;
  private readonly userVector: Float64Array;
  private explainer: { G: Float64Array; cm1: Float64Array; A: Float64Array; y: Float64Array; z: Float64Array } | null =
    null;

  constructor(matrix: UserItemMatrix, model: AlsModel, popularity: Popularity, options: { explain?: boolean } = {}) {
    if (model.nItems !== matrix.nItems || model.nUsers !== matrix.nUsers) {
      throw new RangeError('model and matrix differ in size');
    }
    super(matrix, popularity);
    this.model = model;
    this.explain = options.explain ?? true;
    this.userVector = new Float64Array(model.factors);
  }

  /** For each recommended item, the bought item j with the largest c_j · y_iᵀ W y_j (-1 if none). */
  private because(u: number, items: number[]): number[] {
    const { factors: f, itemFactors: Y } = this.model;
    const { byUser, bought } = this.matrix;
    const from = byUser.indptr[u]!;
    const to = byUser.indptr[u + 1]!;
    this.explainer ??= {
      G: gram(Y, this.model.nItems, f, this.model.regularization),
      cm1: confidenceMinusOne(byUser.values, this.model.alpha, this.model.confidence),
      A: new Float64Array(f * f),
      y: new Float64Array(f),
      z: new Float64Array(f),
    };
    const { G, cm1, A, y, z } = this.explainer;
    A.set(G);
    for (let q = from; q < to; q++) {
      const o = byUser.indices[q]! * f;
      const w = cm1[q]!;
      for (let a = 0; a < f; a++) {
        const wya = w * Y[o + a]!;
        for (let b = 0; b <= a; b++) A[a * f + b]! += wya * Y[o + b]!;
      }
    }
    choleskyFactor(A, f);
    return items.map((i) => {
      for (let a = 0; a < f; a++) y[a] = Y[i * f + a]!;
      choleskySubstitute(A, f, y, z);
      let best = -1;
      let bestTerm = -Infinity;
      for (let q = from; q < to; q++) {
        if (!bought[q]) continue;
        const o = byUser.indices[q]! * f;
        let d = 0;
        for (let a = 0; a < f; a++) d += z[a]! * Y[o + a]!;
        const term = (1 + cm1[q]!) * d;
        if (term > bestTerm) {
          bestTerm = term;
          best = byUser.indices[q]!;
        }
      }
      return best;
    });
  }

  private dotItems(i: number, j: number): number {
    const f = this.model.factors;
    const Y = this.model.itemFactors;
    let s = 0;
    for (let a = 0; a < f; a++) s += Y[i * f + a]! * Y[j * f + a]!;
    return s;
  }

  /** Top n for user u (dense; -1 or out of range = unknown), leaving out what the customer bought. */
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
      const { factors: f, userFactors: X, itemFactors: Y } = this.model;
      const count = this.popularity.count;
      const top = this.topOf(n);
      // x_u in doubles once; the item loop (n_items × f per customer) is the cost of serving ALS.
      const x = this.userVector;
      for (let a = 0; a < f; a++) x[a] = X[u * f + a]!;
      for (let i = 0; i < this.matrix.nItems; i++) {
        // An item nobody has in training has no signal (its factors are 0 after a half-step).
        if (this.excluded[i] === mark || count[i] === 0) continue;
        top.push(i, dot32(Y, i * f, x, 0, f));
      }
      const ranked = top.sorted();
      const because = this.explain
        ? this.because(
            u,
            ranked.map((r) => r.id),
          )
        : null;
      ranked.forEach(({ id, score }, t) => {
        out.push({ item: id, score, source: 'factors', because: because?.[t] ?? -1 });
        this.excluded[id] = mark;
      });
    }
    if (fill) this.fillPopular(out, n, mark);
    return out;
  }

  /** Items closest to `item` by cosine of the item factors (the ALS "also bought"). */
  similarItems(item: number, n: number): { item: number; similarity: number }[] {
    if (item < 0 || item >= this.matrix.nItems || this.popularity.count[item] === 0) return [];
    const norm = (i: number) => Math.sqrt(this.dotItems(i, i));
    const ni = norm(item);
    if (ni === 0) return [];
    const top = this.topOf(n);
    for (let j = 0; j < this.matrix.nItems; j++) {
      if (j === item || this.popularity.count[j] === 0) continue;
      const nj = norm(j);
      if (nj > 0) top.push(j, this.dotItems(item, j) / (ni * nj));
    }
    return top.sorted().map(({ id, score }) => ({ item: id, similarity: score }));
  }

  /** Top n per segment by Σ_{u in segment} x_u·y_i = (Σ x_u)·y_i; nothing excluded. */
  bySegment(segmentOf: Int32Array, nSegments: number, n: number): { item: number; score: number }[][] {
    return topOfSegmentScores(this.segmentScores(segmentOf, nSegments), nSegments, this.matrix.nItems, n);
  }

  /** bySegment's scores before the top n: nSegments rows of nItems, NaN where an item is no candidate. */
  segmentScores(segmentOf: Int32Array, nSegments: number): Float64Array {
    const { nUsers, nItems } = this.matrix;
    if (segmentOf.length !== nUsers) throw new RangeError('segmentOf must have one entry per user');
    const { factors: f, userFactors: X, itemFactors: Y } = this.model;
    const { indptr } = this.matrix.byUser;
    const sums = new Float64Array(nSegments * f);
    const members = new Int32Array(nSegments);
    for (let u = 0; u < nUsers; u++) {
      const s = segmentOf[u]!;
      if (s < 0 || s >= nSegments || indptr[u + 1] === indptr[u]) continue;
      members[s]!++;
      for (let a = 0; a < f; a++) sums[s * f + a]! += X[u * f + a]!;
    }
    const scores = new Float64Array(nSegments * nItems).fill(NaN);
    for (let s = 0; s < nSegments; s++) {
      if (members[s] === 0) continue;
      for (let i = 0; i < nItems; i++) {
        if (this.popularity.count[i] === 0) continue;
        let d = 0;
        for (let a = 0; a < f; a++) d += sums[s * f + a]! * Y[i * f + a]!;
        scores[s * nItems + i] = d;
      }
    }
    return scores;
  }
}
