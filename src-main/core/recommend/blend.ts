/**
 * Linear blend of rating predictors, its weights learned inside the training
 * set it is given (so, under cross-validation, never from the test fold):
 *   1. a seeded `holdout` share of the training ratings is set aside;
 *   2. every member is fitted on the rest and predicts the held-out ratings;
 *   3. ridge regression of the held-out ratings on [1, member predictions]
 *      gives the weights (intercept unpenalised);
 *   4. every member is refitted on the whole training set, and the blend
 *      predicts clip(w₀ + Σ w_k r̂_k).
 * fit() sees only the TrainSet handed to it: the test fold is out of reach by
 * construction (tests/recommend-svdpp.test.ts checks this with spy members).
 */
import { buildTrainSet, clip } from './dataset.ts';
import type { Algorithm, Predictor, TrainSet } from './dataset.ts';
import { Mt19937 } from './random.ts';

export interface BlendOptions {
  members: Algorithm[];
  /** Share of the training ratings held out to learn the weights (default 0.1). */
  holdout?: number;
  /** Ridge penalty on the member weights, per held-out rating (default 1e-4). */
  ridge?: number;
  seed?: number;
}

export interface BlendModel extends Predictor {
  /** [intercept, one weight per member]. */
  weights: Float64Array;
  /** Training-set rating positions used to learn the weights. */
  holdoutRows: Int32Array;
}

export interface BlendAlgorithm extends Algorithm {
  fit(train: TrainSet): BlendModel;
}

export function blend(options: BlendOptions): BlendAlgorithm {
  const members = options.members;
  const holdout = options.holdout ?? 0.1;
  const ridge = options.ridge ?? 1e-4;
  const seed = options.seed ?? 0;
  if (members.length === 0) throw new RangeError('a blend needs at least one member');
  if (!(holdout > 0 && holdout < 1)) throw new RangeError(`holdout must be in (0, 1), got ${holdout}`);
  return {
    name: `Blend(${members.map((m) => m.name).join(' + ')})`,
    fit(train: TrainSet): BlendModel {
      const data = train.data;
      const shuffled = train.rows.slice();
      new Mt19937(seed).shuffle(shuffled);
      const nHold = Math.max(1, Math.min(shuffled.length - 1, Math.round(shuffled.length * holdout)));
      const holdRows = shuffled.slice(0, nHold);
      // The rest keeps the training order (the members' visiting order depends on it).
      const isHeld = new Uint8Array(data.ratings.length);
      for (let t = 0; t < nHold; t++) isHeld[holdRows[t]!] = 1;
      const inner = new Int32Array(train.rows.length - nHold);
      let m = 0;
      for (let t = 0; t < train.rows.length; t++) {
        const k = train.rows[t]!;
        if (isHeld[k] === 0) inner[m++] = k;
      }
      const innerSet = buildTrainSet(data, inner);
      const d = members.length + 1;
      // Normal equations XᵀX w = Xᵀy over the held-out ratings, X = [1, r̂_1..r̂_m].
      const xtx = new Float64Array(d * d);
      const xty = new Float64Array(d);
      const x = new Float64Array(d);
      const fitted = members.map((a) => a.fit(innerSet));
      for (let t = 0; t < nHold; t++) {
        const k = holdRows[t]!;
        const u = data.users[k]!;
        const i = data.items[k]!;
        x[0] = 1;
        for (let a = 0; a < fitted.length; a++) x[a + 1] = fitted[a]!.predict(u, i);
        const y = data.ratings[k]!;
        for (let r = 0; r < d; r++) {
          xty[r] = xty[r]! + x[r]! * y;
          for (let c = 0; c < d; c++) xtx[r * d + c] = xtx[r * d + c]! + x[r]! * x[c]!;
        }
      }
      for (let r = 1; r < d; r++) xtx[r * d + r] = xtx[r * d + r]! + ridge * nHold;
      const weights = solve(xtx, xty, d);
      const full = members.map((a) => a.fit(train));
      const nMembers = full.length;
      return {
        weights,
        holdoutRows: holdRows,
        predict(u: number, i: number): number {
          let est = weights[0]!;
          for (let a = 0; a < nMembers; a++) est += weights[a + 1]! * full[a]!.predict(u, i);
          return clip(est, data);
        },
      };
    },
  };
}

/** Solves the d×d system A w = b (A symmetric positive definite after the ridge) by Gaussian elimination with partial pivoting. */
export function solve(aIn: Float64Array, bIn: Float64Array, d: number): Float64Array {
  const a = aIn.slice();
  const b = bIn.slice();
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(a[r * d + col]!) > Math.abs(a[piv * d + col]!)) piv = r;
    if (a[piv * d + col] === 0) throw new RangeError('singular blend system');
    if (piv !== col) {
      for (let c = 0; c < d; c++) {
        const tmp = a[col * d + c]!;
        a[col * d + c] = a[piv * d + c]!;
        a[piv * d + c] = tmp;
      }
      const tb = b[col]!;
      b[col] = b[piv]!;
      b[piv] = tb;
    }
    for (let r = col + 1; r < d; r++) {
      const factor = a[r * d + col]! / a[col * d + col]!;
      if (factor === 0) continue;
      for (let c = col; c < d; c++) a[r * d + c] = a[r * d + c]! - factor * a[col * d + c]!;
      b[r] = b[r]! - factor * b[col]!;
    }
  }
  const w = new Float64Array(d);
  for (let r = d - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let c = r + 1; c < d; c++) s -= a[r * d + c]! * w[c]!;
    w[r] = s / a[r * d + r]!;
  }
  return w;
}
