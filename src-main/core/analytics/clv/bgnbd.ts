/**
 * BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
 * Way"): while alive a customer buys at Poisson rate λ ~ Gamma(r, α), and after
 * each purchase drops out with probability p ~ Beta(a, b). Maximum likelihood
 * with analytic gradients, in log-parameter space (all four are positive), by
 * L-BFGS on rows aggregated by identical (x, t_x, T).
 */
import { minimizeLbfgs, numericHessian, invert } from '../optim/lbfgs.ts';
import { hyp2f1, lgamma } from '../../math/special.ts';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Distinct (x, t_x, T) rows with their multiplicities. */
export interface BgnbdData {
  x: Int32Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** Largest x, for the per-x tables. */
  maxX: number;
  /** Sum of the weights: the number of customers. */
  total: number;
}

export interface BgnbdFit {
  params: BgnbdParams;
  logLikelihood: number;
  /** Standard errors of (r, α, a, b) from the observed information (delta method from log space). */
  standardErrors: BgnbdParams | null;
  iterations: number;
  evaluations: number;
  converged: boolean;
  customers: number;
  rows: number;
}

/** Groups customers with identical (x, t_x, T); x must be a non-negative integer, 0 ≤ t_x ≤ T. */
export function aggregateBgnbd(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>): BgnbdData {
  const n = x.length;
  if (tx.length !== n || T.length !== n) throw new RangeError('x, t_x and T must have the same length');
  // Nested maps on numeric keys: several times faster than string keys for ~10^4 customers.
  const index = new Map<number, Map<number, Map<number, number>>>();
  const xs: number[] = [];
  const txs: number[] = [];
  const Ts: number[] = [];
  const ws: number[] = [];
  let maxX = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const ti = xi === 0 ? 0 : tx[i]!; // t_x is irrelevant when x = 0
    const Ti = T[i]!;
    if (!Number.isInteger(xi) || xi < 0) throw new RangeError(`frequency must be a non-negative integer, got ${xi}`);
    if (!(ti >= 0 && ti <= Ti)) throw new RangeError(`need 0 ≤ recency ≤ T, got ${ti} and ${Ti}`);
    let byTx = index.get(xi);
    if (!byTx) index.set(xi, (byTx = new Map()));
    let byT = byTx.get(ti);
    if (!byT) byTx.set(ti, (byT = new Map()));
    const at = byT.get(Ti);
    if (at !== undefined) ws[at]!++;
    else {
      byT.set(Ti, xs.length);
      xs.push(xi);
      txs.push(ti);
      Ts.push(Ti);
      ws.push(1);
      if (xi > maxX) maxX = xi;
    }
  }
  return {
    x: Int32Array.from(xs),
    tx: Float64Array.from(txs),
    T: Float64Array.from(Ts),
    weight: Float64Array.from(ws),
    maxX,
    total: n,
  };
}

/** Scratch tables of Σ_{k<x} ln(c+k) and Σ_{k<x} 1/(c+k), i.e. ln Γ(c+x) − ln Γ(c) and ψ(c+x) − ψ(c) for integer x. */
function fillTables(c: number, maxX: number, logSum: Float64Array, invSum: Float64Array): void {
  logSum[0] = 0;
  invSum[0] = 0;
  for (let k = 0; k < maxX; k++) {
    logSum[k + 1] = logSum[k]! + Math.log(c + k);
    invSum[k + 1] = invSum[k]! + 1 / (c + k);
  }
}

/**
 * Log-likelihood Σ w_i ln L_i and, when grad is given, its gradient in the
 * natural parameters (r, α, a, b). Per customer (FHL 2005, eq. 6):
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r) · [(α+T)^−(r+x) + δ_{x>0} a/(b+x−1) (α+t_x)^−(r+x)]
 * since B(a+1, b+x−1)/B(a, b+x) = a/(b+x−1). Integer x turns the gamma-function
 * ratios into finite sums, tabulated once per evaluation.
 */
export function bgnbdLogLikelihood(p: BgnbdParams, data: BgnbdData, grad?: Float64Array): number {
  const { r, alpha, a, b } = p;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return NaN;
  const m = data.maxX + 1;
  const lr = new Float64Array(m);
  const ir = new Float64Array(m);
  const lb = new Float64Array(m);
  const ib = new Float64Array(m);
  const lab = new Float64Array(m);
  const iab = new Float64Array(m);
  fillTables(r, data.maxX, lr, ir);
  fillTables(b, data.maxX, lb, ib);
  fillTables(a + b, data.maxX, lab, iab);
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  const { x, tx, T, weight } = data;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const w = weight[i]!;
    const rx = r + xi;
    const logAT = Math.log(alpha + T[i]!);
    const a3 = -rx * logAT;
    // A1 + A2: the terms common to both parts of the likelihood.
    const base = lr[xi]! + r * logAlpha + lb[xi]! - lab[xi]!;
    // d(base)/d(r, α, a, b)
    let dr = ir[xi]! + logAlpha;
    let dAlpha = r / alpha;
    let da = -iab[xi]!;
    let db = ib[xi]! - iab[xi]!;
    if (xi === 0) {
      ll += w * (base + a3);
      dr -= logAT;
      dAlpha -= rx / (alpha + T[i]!);
    } else {
      // ln(b+x−1) and 1/(b+x−1) are the last terms of the b tables.
      const logBx1 = lb[xi]! - lb[xi - 1]!;
      const invBx1 = ib[xi]! - ib[xi - 1]!;
      const logATx = Math.log(alpha + tx[i]!);
      const a4 = logA - logBx1 - rx * logATx;
      // ln(e^A3 + e^A4) without overflow; w4 = e^A4 / (e^A3 + e^A4).
      const diff = a4 - a3;
      let lse: number;
      let w4: number;
      if (diff > 0) {
        const e = Math.exp(-diff);
        lse = a4 + Math.log1p(e);
        w4 = 1 / (1 + e);
      } else {
        const e = Math.exp(diff);
        lse = a3 + Math.log1p(e);
        w4 = e / (1 + e);
      }
      const w3 = 1 - w4;
      ll += w * (base + lse);
      dr -= w3 * logAT + w4 * logATx;
      dAlpha -= w3 * (rx / (alpha + T[i]!)) + w4 * (rx / (alpha + tx[i]!));
      da += w4 / a;
      db -= w4 * invBx1;
    }
    gr += w * dr;
    gAlpha += w * dAlpha;
    ga += w * da;
    gb += w * db;
  }
  if (grad) {
    grad[0] = gr;
    grad[1] = gAlpha;
    grad[2] = ga;
    grad[3] = gb;
  }
  return ll;
}

/** The optimizer's objective: −LL per customer as a function of θ = ln(r, α, a, b), with its gradient. */
function objective(data: BgnbdData) {
  const g = new Float64Array(4);
  const scale = 1 / data.total;
  return (theta: Float64Array, out: Float64Array): number => {
    const p = { r: Math.exp(theta[0]!), alpha: Math.exp(theta[1]!), a: Math.exp(theta[2]!), b: Math.exp(theta[3]!) };
    const ll = bgnbdLogLikelihood(p, data, g);
    // Chain rule: ∂/∂ln θ = θ ∂/∂θ.
    out[0] = -g[0]! * p.r * scale;
    out[1] = -g[1]! * p.alpha * scale;
    out[2] = -g[2]! * p.a * scale;
    out[3] = -g[3]! * p.b * scale;
    return Number.isFinite(ll) ? -ll * scale : Infinity;
  };
}

export interface BgnbdFitOptions {
  /** Starting point (default r = a = b = 1, α = mean T, the scale of the purchase rate's inverse). */
  start?: BgnbdParams;
  maxIterations?: number;
  /** Also compute standard errors (four extra gradient pairs; default true). */
  standardErrors?: boolean;
}

export function fitBgnbd(data: BgnbdData, options: BgnbdFitOptions = {}): BgnbdFit {
  if (data.total === 0) throw new RangeError('no customers to fit');
  let meanT = 0;
  for (let i = 0; i < data.T.length; i++) meanT += data.weight[i]! * data.T[i]!;
  meanT = Math.max(meanT / data.total, 1e-6);
  const s = options.start ?? { r: 1, alpha: meanT, a: 1, b: 1 };
  const f = objective(data);
  const res = minimizeLbfgs(f, [Math.log(s.r), Math.log(s.alpha), Math.log(s.a), Math.log(s.b)], {
    maxIterations: options.maxIterations ?? 1000,
    gradientTolerance: 1e-10,
  });
  const params = {
    r: Math.exp(res.x[0]!),
    alpha: Math.exp(res.x[1]!),
    a: Math.exp(res.x[2]!),
    b: Math.exp(res.x[3]!),
  };
  let standardErrors: BgnbdParams | null = null;
  if (options.standardErrors ?? true) {
    standardErrors = logSpaceStandardErrors(f, res.x, data.total, (se) => ({
      r: params.r * se[0]!,
      alpha: params.alpha * se[1]!,
      a: params.a * se[2]!,
      b: params.b * se[3]!,
    }));
  }
  return {
    params,
    logLikelihood: -res.value * data.total,
    standardErrors,
    iterations: res.iterations,
    evaluations: res.evaluations,
    converged: res.converged,
    customers: data.total,
    rows: data.x.length,
  };
}

/**
 * Standard errors of the log-parameters from the inverse observed information
 * (the objective is −LL/N, so the information is N × its Hessian); `map` turns
 * them into the natural parameters' (delta method: se(θ) ≈ θ · se(ln θ)).
 * Null when the Hessian is not positive definite (a boundary or flat optimum).
 */
export function logSpaceStandardErrors<T>(
  f: (x: Float64Array, g: Float64Array) => number,
  theta: Float64Array,
  total: number,
  map: (se: Float64Array) => T,
): T | null {
  try {
    const H = numericHessian(f, theta, 1e-5);
    const cov = invert(H.map((row) => row.map((v) => v * total)));
    const se = new Float64Array(theta.length);
    for (let i = 0; i < theta.length; i++) {
      const v = cov[i]![i]!;
      if (!(v > 0)) return null;
      se[i] = Math.sqrt(v);
    }
    return map(se);
  } catch {
    return null;
  }
}

/** P(alive | x, t_x, T) (FHL 2005, eq. 11); 1 for customers with no repeat purchase. */
export function probabilityAlive(p: BgnbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logRatio = (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
  return 1 / (1 + (p.a / (p.b + x - 1)) * Math.exp(logRatio));
}

/**
 * Expected purchases in (T, T + t] given (x, t_x, T) (FHL 2005, eq. 10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive)
 * The 2F1 factor times the power is computed in logs to avoid overflow for large x.
 */
export function expectedPurchases(p: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const logPow = (r + x) * Math.log((alpha + T) / (alpha + T + t));
  const h = hyp2f1(r + x, b + x, a + b + x - 1, z);
  const bracket = -Math.expm1(logPow + Math.log(h));
  return ((a + b + x - 1) / (a - 1)) * bracket * probabilityAlive(p, x, tx, T);
}

/** Unconditional E[X(t)] for a new customer (FHL 2005, eq. 7). */
export function expectedPurchasesNew(p: BgnbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + t);
  const h = hyp2f1(r, b, a + b - 1, z);
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * h);
}

/** ln B(x, y), exported for the tests' closed-form checks. */
export function lbeta(x: number, y: number): number {
  return lgamma(x) + lgamma(y) - lgamma(x + y);
}
