/**
 * A one-hidden-layer perceptron for multi-class targets, shaped like
 * scikit-learn's MLPClassifier(solver='adam'):
 *   h = act(x W1 + b1),  p = softmax(h W2 + b2)   (act: ReLU or tanh)
 *   loss = mean cross-entropy + α/(2m) (‖W1‖² + ‖W2‖²)   (m = batch size)
 * Glorot-uniform initialisation, seeded mini-batch shuffling, Adam, and
 * early stopping on a stratified validation split that keeps the weights
 * with the best validation accuracy. All weights live in one Float64Array
 * ([W1 d×h, b1 h, W2 h×k, b2 k]) so the optimizer is one loop.
 */
import { Rng } from '../../sample/rng.ts';

export type Activation = 'relu' | 'tanh';

export interface MlpModel {
  d: number;
  hidden: number;
  k: number;
  activation: Activation;
  /** Packed parameters, see the module comment. */
  params: Float64Array;
}

export interface MlpOptions {
  hidden?: number;
  activation?: Activation;
  /** L2 strength (scikit-learn's alpha, default 1e-4). */
  alpha?: number;
  learningRate?: number;
  batchSize?: number;
  maxEpochs?: number;
  /** Hold out validationFraction of the rows (stratified) and stop when its accuracy stalls (default true). */
  earlyStopping?: boolean;
  validationFraction?: number;
  /** Epochs without an improvement above tol before stopping (default 10). */
  patience?: number;
  tol?: number;
  seed: number;
  /** Called after each epoch (e.g. to honour cancellation). */
  onEpoch?: (epoch: number) => void;
}

export interface MlpFit {
  model: MlpModel;
  epochs: number;
  /** Training loss per epoch (with the penalty, as scikit-learn's loss_curve_). */
  lossCurve: number[];
  /** Validation accuracy per epoch; empty without early stopping. */
  validationScores: number[];
  bestValidationScore: number | null;
  stoppedEarly: boolean;
}

interface Layout {
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  size: number;
}

function layoutOf(d: number, h: number, k: number): Layout {
  return { w1: 0, b1: d * h, w2: d * h + h, b2: d * h + h + h * k, size: d * h + h + h * k + k };
}

/** A model with Glorot-uniform weights (bound √(6 / (fan_in + fan_out)), scikit-learn's for ReLU and tanh). */
export function initMlp(d: number, hidden: number, k: number, activation: Activation, seed: number): MlpModel {
  const L = layoutOf(d, hidden, k);
  const params = new Float64Array(L.size);
  const rng = new Rng(seed, 0x6d6c70);
  const fill = (from: number, count: number, fanIn: number, fanOut: number) => {
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    for (let t = 0; t < count; t++) params[from + t] = rng.uniform(-bound, bound);
  };
  fill(L.w1, d * hidden, d, hidden);
  fill(L.b1, hidden, d, hidden);
  fill(L.w2, hidden * k, hidden, k);
  fill(L.b2, k, hidden, k);
  return { d, hidden, k, activation, params };
}

/** Work buffers for a batch of up to m rows. */
interface Scratch {
  H: Float64Array;
  P: Float64Array;
  dH: Float64Array;
}

const scratch = (m: number, h: number, k: number): Scratch => ({
  H: new Float64Array(m * h),
  P: new Float64Array(m * k),
  dH: new Float64Array(m * h),
});

/** Forward pass over rows idx of X: hidden activations into s.H, class probabilities into s.P. */
function forward(model: MlpModel, X: Float64Array, idx: ArrayLike<number>, s: Scratch): void {
  const { d, hidden: h, k, params: w } = model;
  const L = layoutOf(d, h, k);
  const relu = model.activation === 'relu';
  const m = idx.length;
  for (let r = 0; r < m; r++) {
    const xo = idx[r]! * d;
    const ho = r * h;
    for (let u = 0; u < h; u++) s.H[ho + u] = w[L.b1 + u]!;
    for (let j = 0; j < d; j++) {
      const x = X[xo + j]!;
      if (x === 0) continue;
      const wo = L.w1 + j * h;
      for (let u = 0; u < h; u++) s.H[ho + u]! += x * w[wo + u]!;
    }
    for (let u = 0; u < h; u++) {
      const z = s.H[ho + u]!;
      s.H[ho + u] = relu ? (z > 0 ? z : 0) : Math.tanh(z);
    }
    const po = r * k;
    for (let c = 0; c < k; c++) s.P[po + c] = w[L.b2 + c]!;
    for (let u = 0; u < h; u++) {
      const a = s.H[ho + u]!;
      if (a === 0) continue;
      const wo = L.w2 + u * k;
      for (let c = 0; c < k; c++) s.P[po + c]! += a * w[wo + c]!;
    }
    // Softmax, shifted by the max so exp never overflows.
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, s.P[po + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(s.P[po + c]! - max);
      s.P[po + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) s.P[po + c]! /= sum;
  }
}

/**
 * Penalized loss over rows idx and its gradient into `grad` (same layout as
 * params); exported so tests can check backpropagation against finite differences.
 */
export function mlpLossAndGradient(
  model: MlpModel,
  X: Float64Array,
  y: ArrayLike<number>,
  idx: ArrayLike<number>,
  alpha: number,
  grad: Float64Array,
  s: Scratch = scratch(idx.length, model.hidden, model.k),
): number {
  const { d, hidden: h, k, params: w } = model;
  const L = layoutOf(d, h, k);
  const m = idx.length;
  forward(model, X, idx, s);
  grad.fill(0);
  let loss = 0;
  const relu = model.activation === 'relu';
  for (let r = 0; r < m; r++) {
    const po = r * k;
    const ho = r * h;
    const yi = y[idx[r]!]!;
    loss -= Math.log(Math.max(s.P[po + yi]!, 1e-300));
    // dL/dz2 = (p − onehot) / m, kept in s.P.
    s.P[po + yi]! -= 1;
    for (let c = 0; c < k; c++) s.P[po + c]! /= m;
    for (let c = 0; c < k; c++) grad[L.b2 + c]! += s.P[po + c]!;
    for (let u = 0; u < h; u++) {
      const a = s.H[ho + u]!;
      let back = 0;
      const wo = L.w2 + u * k;
      for (let c = 0; c < k; c++) {
        const g = s.P[po + c]!;
        grad[wo + c]! += a * g;
        back += w[wo + c]! * g;
      }
      // Activation derivative from the activation itself: ReLU 1[a > 0], tanh 1 − a².
      s.dH[ho + u] = relu ? (a > 0 ? back : 0) : back * (1 - a * a);
    }
    const xo = idx[r]! * d;
    for (let u = 0; u < h; u++) grad[L.b1 + u]! += s.dH[ho + u]!;
    for (let j = 0; j < d; j++) {
      const x = X[xo + j]!;
      if (x === 0) continue;
      const wo = L.w1 + j * h;
      for (let u = 0; u < h; u++) grad[wo + u]! += x * s.dH[ho + u]!;
    }
  }
  loss /= m;
  let sq = 0;
  const pen = alpha / m;
  for (const [from, count] of [
    [L.w1, d * h],
    [L.w2, h * k],
  ] as const) {
    for (let t = from; t < from + count; t++) {
      sq += w[t]! * w[t]!;
      grad[t]! += pen * w[t]!;
    }
  }
  return loss + (0.5 * alpha * sq) / m;
}

/** Class probabilities, n × k row-major. */
export function mlpPredictProba(model: MlpModel, X: Float64Array, n: number): Float64Array {
  if (X.length !== n * model.d) throw new RangeError(`rows must have ${model.d} columns`);
  const out = new Float64Array(n * model.k);
  const B = 512;
  const s = scratch(B, model.hidden, model.k);
  for (let from = 0; from < n; from += B) {
    const idx = Int32Array.from({ length: Math.min(B, n - from) }, (_, r) => from + r);
    forward(model, X, idx, s);
    out.set(s.P.subarray(0, idx.length * model.k), from * model.k);
  }
  return out;
}

/** Index of the largest probability per row. */
export function argmaxRows(P: Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (P[i * k + c]! > P[i * k + best]!) best = c;
    out[i] = best;
  }
  return out;
}

function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Seeded stratified hold-out: about `fraction` of each class (at least one row of classes with ≥ 2). */
export function stratifiedHoldout(
  y: ArrayLike<number>,
  k: number,
  fraction: number,
  seed: number,
): { train: Int32Array; valid: Int32Array } {
  const rng = new Rng(seed, 0x7661);
  const byClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]!]!.push(i);
  const train: number[] = [];
  const valid: number[] = [];
  for (const rows of byClass) {
    const a = Int32Array.from(rows);
    shuffle(a, rng);
    const v = a.length >= 2 ? Math.max(1, Math.round(a.length * fraction)) : 0;
    for (let t = 0; t < a.length; t++) (t < v ? valid : train).push(a[t]!);
  }
  return { train: Int32Array.from(train).sort(), valid: Int32Array.from(valid).sort() };
}

/** Trains on rows of X (n × d row-major) with labels 0..k−1. */
export function fitMlp(
  X: Float64Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  k: number,
  options: MlpOptions,
): MlpFit {
  if (X.length !== n * d || y.length !== n || n < 2) throw new RangeError('X must be n × d and y of length n ≥ 2');
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError('need at least 2 classes');
  for (let i = 0; i < n; i++) {
    if (!(Number.isInteger(y[i]) && y[i]! >= 0 && y[i]! < k))
      throw new RangeError(`labels must be whole numbers 0–${k - 1}`);
  }
  const hidden = options.hidden ?? 32;
  const activation = options.activation ?? 'relu';
  const alpha = options.alpha ?? 1e-4;
  const lr = options.learningRate ?? 1e-3;
  const maxEpochs = options.maxEpochs ?? 200;
  const patience = options.patience ?? 10;
  const tol = options.tol ?? 1e-4;
  const early = options.earlyStopping ?? true;
  if (!(Number.isInteger(hidden) && hidden >= 1)) throw new RangeError('hidden must be a whole number ≥ 1');
  if (!(alpha >= 0) || !(lr > 0)) throw new RangeError('alpha must be ≥ 0 and learningRate > 0');

  const split = early
    ? stratifiedHoldout(y, k, options.validationFraction ?? 0.1, options.seed)
    : { train: Int32Array.from({ length: n }, (_, i) => i), valid: new Int32Array(0) };
  if (early && split.valid.length === 0) throw new RangeError('too few rows for a validation split');
  const order = split.train.slice();
  const nTrain = order.length;
  const batch = Math.min(options.batchSize ?? 200, nTrain);

  const model = initMlp(d, hidden, k, activation, options.seed);
  const w = model.params;
  const grad = new Float64Array(w.length);
  const m1 = new Float64Array(w.length);
  const m2 = new Float64Array(w.length);
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  let step = 0;
  const s = scratch(batch, hidden, k);
  const rng = new Rng(options.seed, 0x73687566);

  const lossCurve: number[] = [];
  const validationScores: number[] = [];
  let best = -Infinity;
  let bestParams = w.slice();
  let bestLoss = Infinity;
  let stall = 0;
  let epochs = 0;
  let stoppedEarly = false;
  const validX = early ? gatherRows(X, d, split.valid) : null;
  for (let epoch = 0; epoch < maxEpochs; epoch++) {
    shuffle(order, rng);
    let total = 0;
    for (let from = 0; from < nTrain; from += batch) {
      const idx = order.subarray(from, Math.min(from + batch, nTrain));
      const loss = mlpLossAndGradient(model, X, y, idx, alpha, grad, s);
      total += loss * idx.length;
      step++;
      // Adam with scikit-learn's bias-corrected step size.
      const lrT = (lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
      for (let t = 0; t < w.length; t++) {
        const g = grad[t]!;
        m1[t] = b1 * m1[t]! + (1 - b1) * g;
        m2[t] = b2 * m2[t]! + (1 - b2) * g * g;
        w[t]! -= (lrT * m1[t]!) / (Math.sqrt(m2[t]!) + eps);
      }
    }
    epochs = epoch + 1;
    const epochLoss = total / nTrain;
    lossCurve.push(epochLoss);
    options.onEpoch?.(epochs);
    if (!Number.isFinite(epochLoss)) throw new RangeError('training diverged (loss is not finite): lower learningRate');
    if (validX) {
      const pred = argmaxRows(mlpPredictProba(model, validX, split.valid.length), split.valid.length, k);
      let hit = 0;
      for (let r = 0; r < pred.length; r++) hit += pred[r] === y[split.valid[r]!] ? 1 : 0;
      const score = hit / pred.length;
      validationScores.push(score);
      if (score > best + tol) stall = 0;
      else stall++;
      if (score > best) {
        best = score;
        bestParams = w.slice();
      }
    } else {
      if (epochLoss > bestLoss - tol) stall++;
      else stall = 0;
      bestLoss = Math.min(bestLoss, epochLoss);
    }
    if (stall >= patience) {
      stoppedEarly = true;
      break;
    }
  }
  if (validX) w.set(bestParams);
  return {
    model,
    epochs,
    lossCurve,
    validationScores,
    bestValidationScore: validX ? best : null,
    stoppedEarly,
  };
}

function gatherRows(X: Float64Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) out.set(X.subarray(rows[r]! * d, rows[r]! * d + d), r * d);
  return out;
}
