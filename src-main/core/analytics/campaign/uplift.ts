/**
 * Response rates and treatment − control uplift of a randomized campaign.
 * The 95% interval is the normal (Wald) approximation to a difference of two
 * independent proportions, unpooled SE √(pT(1−pT)/nT + pC(1−pC)/nC); it is
 * flagged as rough when any arm has fewer than 5 responders or non-responders.
 */

export const Z95 = 1.959963984540054;

export interface ArmStats {
  n: number;
  responders: number;
  rate: number;
}

export interface Uplift {
  treatment: ArmStats;
  control: ArmStats;
  /** pT − pC. */
  uplift: number;
  se: number;
  ci95: [number, number];
  /** Two-sided p-value of the same z statistic (1 when se is 0 and uplift 0). */
  pValue: number;
  /** True when every arm has ≥ 5 responders and ≥ 5 non-responders (the approximation is reasonable). */
  normalApproxOk: boolean;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, error < 1.5e-7). */
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

const arm = (n: number, responders: number): ArmStats => ({ n, responders, rate: n > 0 ? responders / n : 0 });

export function uplift(nT: number, rT: number, nC: number, rC: number): Uplift {
  const t = arm(nT, rT);
  const c = arm(nC, rC);
  const d = t.rate - c.rate;
  const se = nT > 0 && nC > 0 ? Math.sqrt((t.rate * (1 - t.rate)) / nT + (c.rate * (1 - c.rate)) / nC) : NaN;
  const pValue = se > 0 ? 2 * (1 - normCdf(Math.abs(d) / se)) : d === 0 ? 1 : 0;
  return {
    treatment: t,
    control: c,
    uplift: d,
    se,
    ci95: [d - Z95 * se, d + Z95 * se],
    pValue,
    normalApproxOk: Math.min(rT, nT - rT, rC, nC - rC) >= 5,
  };
}

/** Per segment: [treated, treated responders, controls, control responders]. */
export type Tallies = Map<string, [number, number, number, number]>;

/** Adds one contact to its segment's tally. */
export function tally(acc: Tallies, segment: string, treated: boolean, responded: boolean): void {
  let a = acc.get(segment);
  if (!a) acc.set(segment, (a = [0, 0, 0, 0]));
  const k = treated ? 0 : 2;
  a[k]!++;
  if (responded) a[k + 1]!++;
}

/** Per-segment uplifts from tallies, largest group first. */
export function upliftOfTallies(acc: Tallies) {
  return [...acc]
    .map(([segment, [nT, rT, nC, rC]]) => ({ segment, ...uplift(nT, rT, nC, rC) }))
    .sort((x, y) => y.treatment.n + y.control.n - (x.treatment.n + x.control.n) || (x.segment < y.segment ? -1 : 1));
}

/** Tallies (segment, arm, responded) rows into per-segment uplifts, largest group first. */
export function upliftBySegment(rows: Iterable<{ segment: string; arm: 'treatment' | 'control'; responded: boolean }>) {
  const acc: Tallies = new Map();
  for (const r of rows) tally(acc, r.segment, r.arm === 'treatment', r.responded);
  return upliftOfTallies(acc);
}
