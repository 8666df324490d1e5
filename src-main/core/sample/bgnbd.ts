/**
 * Closed forms of the BG/NBD model the sample shop draws purchases from, so
 * tests (and the CLV analysis's tests) can compare observed counts with what
 * the known parameters predict. Time is in weeks, as in the truth.
 */

import { hyp2f1 } from '../math/special.ts';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** E[repeat purchases in (0, t] | λ, p] = (1 − e^{−λpt}) / p (dropout only after a purchase). */
export function expectedRepeatsGiven(lambda: number, p: number, t: number): number {
  return -Math.expm1(-lambda * p * t) / p;
}

/** Var[repeat purchases in (0, t] | λ, p], by the series over k purchases (exact up to truncation). */
export function varianceRepeatsGiven(lambda: number, p: number, t: number): number {
  // X = min(N(t), G) with N ~ Poisson(λt) and G ~ Geometric(p) on 1, 2, …:
  // P(X ≥ k) = P(N ≥ k)(1 − p)^{k−1}, so E[X] = Σ P(X ≥ k) and E[X²] = Σ (2k − 1) P(X ≥ k).
  const mu = lambda * t;
  let pmf = Math.exp(-mu); // P(N = 0)
  let tail = 1 - pmf; // P(N ≥ 1)
  let survive = 1;
  let m1 = 0;
  let m2 = 0;
  for (let k = 1; k < 100_000; k++) {
    const pk = tail * survive;
    m1 += pk;
    m2 += (2 * k - 1) * pk;
    if (pk < 1e-15 && k > mu) break;
    pmf *= mu / k;
    tail -= pmf;
    if (tail < 0) tail = 0;
    survive *= 1 - p;
  }
  return Math.max(0, m2 - m1 * m1);
}

/** Population E[X(t)]: expected repeat purchases of a new customer after t weeks (Fader, Hardie & Lee 2005, eq. 9). */
export function expectedRepeats(params: BgnbdParams, t: number): number {
  const { r, alpha, a, b } = params;
  if (a <= 1) throw new Error('E[X(t)] needs a > 1');
  const z = t / (alpha + t);
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, z));
}
