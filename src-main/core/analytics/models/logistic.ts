/**
 * Binary L2-penalized logistic regression, scikit-learn's
 * LogisticRegression(C, penalty='l2') objective:
 *   C · Σ log(1 + exp(−ỹᵢ (xᵢ·w + b))) + ½ ‖w‖²   (intercept b not penalized)
 * minimized with the project's L-BFGS. The optimum is the same as
 * scikit-learn's lbfgs solver; we scale the objective by 1/(C n) so the
 * gradient tolerance means the same thing whatever n and C are.
 */
import { minimizeLbfgs } from '../optim/lbfgs.ts';

export interface LogisticModel {
  intercept: number;
  coef: Float64Array;
}

export interface LogisticResult extends LogisticModel {
  iterations: number;
  converged: boolean;
  /** Mean log-loss on the training data (no penalty). */
  logLoss: number;
}

export interface LogisticOptions {
  /** Inverse regularization strength (default 1, as scikit-learn). Infinity = unpenalized. */
  C?: number;
  maxIterations?: number;
  /** Max |gradient| of the scaled objective at which to stop (default 1e-9; much lower is below the rounding noise of large sums). */
  gradientTolerance?: number;
  /** Per-sample weights (default 1), e.g. class balancing. */
  sampleWeight?: ArrayLike<number>;
}

/** log(1 + exp(z)) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Fits on rows of X (n × d row-major) with labels y ∈ {0, 1}. */
export function fitLogistic(
  X: Float64Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticResult {
  if (X.length !== n * d || y.length !== n || n === 0) throw new RangeError('X must be n × d and y of length n ≥ 1');
  const C = options.C ?? 1;
  if (!(C > 0)) throw new RangeError('C must be > 0');
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError('labels must be 0 or 1');
    pos += y[i]!;
  }
  if (pos === 0 || pos === n) throw new RangeError('both classes must be present to fit a logistic regression');
  const sw = options.sampleWeight;
  const penalty = Number.isFinite(C) ? 1 / C : 0;
  // Parameters: [w_0 … w_{d−1}, b]; objective (Σ sw·loss + ½‖w‖²/C) / n.
  const f = (p: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let v = 0;
    const b = p[d]!;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let j = 0; j < d; j++) z += X[i * d + j]! * p[j]!;
      const wi = sw ? sw[i]! : 1;
      // loss = softplus(z) − y z; d/dz = σ(z) − y.
      v += wi * (softplus(z) - y[i]! * z);
      const r = wi * (sigmoid(z) - y[i]!);
      for (let j = 0; j < d; j++) g[j]! += r * X[i * d + j]!;
      g[d]! += r;
    }
    for (let j = 0; j < d; j++) {
      v += 0.5 * penalty * p[j]! ** 2;
      g[j]! += penalty * p[j]!;
    }
    for (let j = 0; j <= d; j++) g[j]! /= n;
    return v / n;
  };
  const res = minimizeLbfgs(f, new Float64Array(d + 1), {
    maxIterations: options.maxIterations ?? 1000,
    gradientTolerance: options.gradientTolerance ?? 1e-9,
    memory: 10,
  });
  const coef = res.x.slice(0, d);
  const intercept = res.x[d]!;
  const p = predictProba({ intercept, coef }, X, n);
  let ll = 0;
  for (let i = 0; i < n; i++) {
    const pi = Math.min(Math.max(p[i]!, 1e-15), 1 - 1e-15);
    ll -= y[i] === 1 ? Math.log(pi) : Math.log(1 - pi);
  }
  return {
    intercept,
    coef,
    iterations: res.iterations,
    converged: res.converged || res.message === 'objective stopped decreasing',
    logLoss: ll / n,
  };
}

/** P(y = 1 | x) for each row. */
export function predictProba(model: LogisticModel, X: Float64Array, n: number): Float64Array {
  const d = model.coef.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = model.intercept;
    for (let j = 0; j < d; j++) z += X[i * d + j]! * model.coef[j]!;
    out[i] = sigmoid(z);
  }
  return out;
}
