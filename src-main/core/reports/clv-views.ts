/**
 * CLV views rebuilt from a stored run's fitted parameters: a stored run keeps
 * its top 100 customers only, yet a report wants the whole distribution and
 * the classic frequency × recency P(alive) matrix (as lifetimes'
 * plot_probability_alive_matrix draws it).
 */
import type { Db } from '../db/workspace.ts';
import type { ClvResult } from '../analytics/jobs.ts';
import { expectedPurchases, probabilityAlive } from '../analytics/clv/bgnbd.ts';
import { customerLifetimeValue, UNITS_PER_MONTH } from '../analytics/clv/gamma-gamma.ts';
import { customerSummary, type CustomerSummary } from '../analytics/clv/summary.ts';

export interface ClvDistribution {
  /** What was binned: CLV over the run's horizon, or expected purchases next month when there is no spend model. */
  measure: 'clv' | 'expectedPurchasesMonth';
  /** Bin i covers [edges[i], edges[i+1]); the last bin includes its upper edge. */
  edges: number[];
  counts: number[];
  /** Share of customers above the last edge, folded into the last bin (long tails). */
  clippedAbove: number;
}

export interface PAliveMatrix {
  /** Rows: repeat purchases; columns: time of the last purchase (run's time unit); T is the longest history. */
  frequency: number[];
  recency: number[];
  T: number;
  values: number[][];
}

const BINS = 20;

/** Equal-width bins up to the 99th percentile, so a few huge values do not squash the rest into one bar. */
export function histogram(values: Float64Array, bins = BINS): Omit<ClvDistribution, 'measure'> {
  if (values.length === 0) return { edges: [0, 1], counts: [0], clippedAbove: 0 };
  const sorted = Float64Array.from(values).sort();
  const lo = Math.min(0, sorted[0]!);
  const hi = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
  const width = hi > lo ? (hi - lo) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  let clipped = 0;
  for (const v of sorted) {
    if (v > hi) clipped++;
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[i]!++;
  }
  return { edges, counts, clippedAbove: clipped / sorted.length };
}

export function clvDistribution(s: CustomerSummary, run: ClvResult): ClvDistribution {
  const values = new Float64Array(s.n);
  const gg = run.gammaGamma !== null && run.gammaGamma.q > 1 ? run.gammaGamma : null;
  for (let i = 0; i < s.n; i++) {
    const x = s.frequency[i]!;
    values[i] = gg
      ? customerLifetimeValue(run.bgnbd, gg, x, s.recency[i]!, s.T[i]!, s.monetary[i]!, {
          unit: run.timeUnit,
          months: run.horizon,
          discountRate: run.discountRate,
        })
      : expectedPurchases(run.bgnbd, UNITS_PER_MONTH[run.timeUnit], x, s.recency[i]!, s.T[i]!);
  }
  return { measure: gg ? 'clv' : 'expectedPurchasesMonth', ...histogram(values) };
}

/** P(alive) on a grid of up to `size` frequencies × `size` recencies, for a customer with the longest history. */
export function pAliveMatrix(s: CustomerSummary, run: ClvResult, size = 12): PAliveMatrix {
  let maxX = 1;
  let maxT = 1;
  for (let i = 0; i < s.n; i++) {
    maxX = Math.max(maxX, s.frequency[i]!);
    maxT = Math.max(maxT, s.T[i]!);
  }
  const xs = [...new Set(Array.from({ length: size }, (_, i) => Math.round((i * maxX) / (size - 1))))];
  const txs = [...new Set(Array.from({ length: size }, (_, i) => Math.round((i * maxT) / (size - 1))))];
  const values = xs.map((x) => txs.map((tx) => probabilityAlive(run.bgnbd, x, tx, maxT)));
  return { frequency: xs, recency: txs, T: Math.round(maxT), values };
}

/** Both views from one pass over the sales up to the run's calibration end. */
export function clvViews(db: Db, run: ClvResult): { distribution: ClvDistribution; pAlive: PAliveMatrix } {
  const s = customerSummary(db, run.calibrationEnd, run.timeUnit);
  return { distribution: clvDistribution(s, run), pAlive: pAliveMatrix(s, run) };
}
