/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005b, "RFM and CLV: Using
 * Iso-Value Curves"; Fader & Hardie's note "The Gamma-Gamma Model of Monetary
 * Value"): a customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ)
 * across customers (γ is lifetimes' v). Fitted on repeat buyers' mean repeat
 * spend z̄ over x transactions; the marginal density is
 *   f(z̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q x^{px} z̄^{px−1} / (γ + x z̄)^{px+q}.
 */
import { minimizeLbfgs } from '../optim/lbfgs.ts';
import { digamma, lgamma } from '../../math/special.ts';
import { expectedPurchases, logSpaceStandardErrors, type BgnbdParams } from './bgnbd.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  standardErrors: GammaGammaParams | null;
  iterations: number;
  converged: boolean;
  customers: number;
}

/** Σ ln f(z̄_i | x_i) over repeat buyers, and its gradient in (p, q, v) when grad is given. */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  x: ArrayLike<number>,
  zbar: ArrayLike<number>,
  grad?: Float64Array,
): number {
  const { p, q, v } = params;
  if (!(p > 0 && q > 0 && v > 0)) return NaN;
  const lgq = lgamma(q);
  const psiQ = digamma(q);
  const logV = Math.log(v);
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gv = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const z = zbar[i]!;
    const px = p * xi;
    const logX = Math.log(xi);
    const logZ = Math.log(z);
    const logVXZ = Math.log(v + xi * z);
    ll += lgamma(px + q) - lgamma(px) - lgq + q * logV + px * logX + (px - 1) * logZ - (px + q) * logVXZ;
    if (grad) {
      const psiPXQ = digamma(px + q);
      gp += xi * (psiPXQ - digamma(px) + logX + logZ - logVXZ);
      gq += psiPXQ - psiQ + logV - logVXZ;
      gv += q / v - (px + q) / (v + xi * z);
    }
  }
  if (grad) {
    grad[0] = gp;
    grad[1] = gq;
    grad[2] = gv;
  }
  return ll;
}

/**
 * MLE of (p, q, v) from repeat buyers: x > 0 transactions with mean value z̄ > 0
 * (customers with x = 0 or z̄ ≤ 0 are skipped: the model has no spend for them).
 */
export function fitGammaGamma(x: ArrayLike<number>, zbar: ArrayLike<number>): GammaGammaFit {
  const xs: number[] = [];
  const zs: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > 0 && zbar[i]! > 0) {
      xs.push(x[i]!);
      zs.push(zbar[i]!);
    }
  }
  const n = xs.length;
  if (n < 2) throw new RangeError('the spend model needs at least two repeat buyers');
  const X = Float64Array.from(xs);
  const Z = Float64Array.from(zs);
  const g = new Float64Array(3);
  const f = (theta: Float64Array, out: Float64Array): number => {
    const prm = { p: Math.exp(theta[0]!), q: Math.exp(theta[1]!), v: Math.exp(theta[2]!) };
    const ll = gammaGammaLogLikelihood(prm, X, Z, g);
    out[0] = (-g[0]! * prm.p) / n;
    out[1] = (-g[1]! * prm.q) / n;
    out[2] = (-g[2]! * prm.v) / n;
    return Number.isFinite(ll) ? -ll / n : Infinity;
  };
  // Start: p = q = 2, v from the mean spend so that the prior mean pv/(q−1) matches it.
  let meanZ = 0;
  for (let i = 0; i < n; i++) meanZ += Z[i]!;
  meanZ /= n;
  const res = minimizeLbfgs(f, [Math.log(2), Math.log(2), Math.log(meanZ / 2)], {
    maxIterations: 1000,
    gradientTolerance: 1e-10,
  });
  const params = { p: Math.exp(res.x[0]!), q: Math.exp(res.x[1]!), v: Math.exp(res.x[2]!) };
  return {
    params,
    logLikelihood: -res.value * n,
    standardErrors: logSpaceStandardErrors(f, res.x, n, (se) => ({
      p: params.p * se[0]!,
      q: params.q * se[1]!,
      v: params.v * se[2]!,
    })),
    iterations: res.iterations,
    converged: res.converged,
    customers: n,
  };
}

/**
 * E[average transaction value | x, z̄] = p(v + x z̄) / (px + q − 1): a weighted mean of
 * the population mean pv/(q−1) and the customer's own z̄ (x = 0 gives the former).
 * Needs q > 1 (otherwise the population mean is infinite).
 */
export function expectedAverageProfit(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, v } = params;
  return (p * (v + x * zbar)) / (p * x + q - 1);
}

/** Time units per month, as lifetimes counts them (weeks: 4.345, days: 30). */
export const UNITS_PER_MONTH = { day: 30, week: 4.345 } as const;

export interface ClvOptions {
  /** Months ahead (default 12). */
  months?: number;
  /** Discount rate per month (default 0.01). */
  discountRate?: number;
  /** Units of t_x and T (and of the BG/NBD fit). */
  unit: 'day' | 'week';
}

/**
 * Discounted customer lifetime value over a horizon, the way lifetimes'
 * customer_lifetime_value does it: for each month k = 1..months, expected
 * purchases in month k (difference of cumulative expectations) × expected
 * average spend / (1 + d)^k.
 */
export function customerLifetimeValue(
  bg: BgnbdParams,
  gg: GammaGammaParams,
  x: number,
  tx: number,
  T: number,
  zbar: number,
  options: ClvOptions,
): number {
  const months = options.months ?? 12;
  const d = options.discountRate ?? 0.01;
  const perMonth = UNITS_PER_MONTH[options.unit];
  const spend = expectedAverageProfit(gg, x, x > 0 ? zbar : 0);
  let clv = 0;
  let prev = 0;
  for (let k = 1; k <= months; k++) {
    const cum = expectedPurchases(bg, k * perMonth, x, tx, T);
    clv += ((cum - prev) * spend) / Math.pow(1 + d, k);
    prev = cum;
  }
  return clv;
}
