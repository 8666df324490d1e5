/**
 * Job handlers for the customer-value analyses. Each records its run in
 * analysis_runs: a 'running' row first, then completed (metrics + result),
 * failed or cancelled. The caller owns the connection.
 */
import type { Db } from '../db/workspace.ts';
import { failRun, finishRun, startRun } from './run-record.ts';
import { UserError, type JobContext } from '../jobs/context.ts';
import { aggregateBgnbd, expectedPurchases, fitBgnbd, probabilityAlive } from './clv/bgnbd.ts';
import { customerLifetimeValue, expectedAverageProfit, fitGammaGamma, UNITS_PER_MONTH } from './clv/gamma-gamma.ts';
import { customerSummary, parseDay, type TimeUnit } from './clv/summary.ts';
import { computeRfm, DEFAULT_SEGMENT_RULES as DEFAULT_ORDER, type SegmentRule } from './rfm.ts';
import { storeRfmScores } from './rfm-scores.ts';

export interface ClvParams {
  /** Last day of the calibration period, `YYYY-MM-DD` (inclusive). */
  calibrationEnd: string;
  timeUnit: TimeUnit;
  /** CLV horizon in months (default 12). */
  horizon?: number;
  /** Monthly discount rate (default 0.01). */
  discountRate?: number;
}

export interface ClvCustomer {
  customerId: number;
  externalId: string;
  frequency: number;
  recency: number;
  T: number;
  monetary: number;
  pAlive: number;
  /** Expected purchases in the next month. */
  expectedPurchasesMonth: number;
  expectedSpend: number | null;
  clv: number | null;
}

export interface ClvResult {
  runId: number;
  calibrationEnd: string;
  timeUnit: TimeUnit;
  horizon: number;
  discountRate: number;
  customers: number;
  repeatBuyers: number;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
  /** Null when there are fewer than two repeat buyers with positive spend. */
  gammaGamma: { p: number; q: number; v: number; logLikelihood: number } | null;
  /** Sums over customers. */
  totals: { expectedPurchasesMonth: number; clv: number | null; meanPAlive: number };
  /** The 100 customers with the highest CLV (or expected purchases when there is no spend model). */
  top: ClvCustomer[];
}

export interface RfmParams {
  asOf?: string;
  windowDays?: number;
  rules?: readonly SegmentRule[];
}

export interface RfmSegmentSummary {
  segment: string;
  customers: number;
  revenue: number;
}

export interface RfmGrid {
  /** customers[r - 1][f - 1]: how many customers score recency r and frequency f. */
  customers: number[][];
  meanMonetary: number[][];
}

export interface RfmJobResult {
  runId: number;
  asOf: string;
  windowDays: number;
  customers: number;
  segments: RfmSegmentSummary[];
  grid: RfmGrid;
}

/** Wraps a handler body in the analysis_runs bookkeeping. */
async function recorded<T extends { runId: number }>(
  db: Db,
  kind: string,
  params: unknown,
  body: (runId: number) => { metrics: unknown; result: Omit<T, 'runId'> },
): Promise<T> {
  const runId = startRun(db, kind, params);
  try {
    const { metrics, result } = body(runId);
    const full = { runId, ...result } as T;
    finishRun(db, runId, metrics, full);
    return full;
  } catch (err) {
    failRun(db, runId, err);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
}

function checkClvParams(params: ClvParams): Required<ClvParams> {
  if (typeof params.calibrationEnd !== 'string') throw new UserError('calibrationEnd (YYYY-MM-DD) is required');
  try {
    parseDay(params.calibrationEnd);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  if (params.timeUnit !== 'day' && params.timeUnit !== 'week') throw new UserError('timeUnit must be day or week');
  const horizon = params.horizon ?? 12;
  if (!(Number.isInteger(horizon) && horizon >= 1 && horizon <= 600)) {
    throw new UserError('horizon must be a whole number of months, 1 to 600');
  }
  const discountRate = params.discountRate ?? 0.01;
  if (!(discountRate >= 0 && discountRate < 1)) throw new UserError('discountRate must be in [0, 1)');
  return { calibrationEnd: params.calibrationEnd, timeUnit: params.timeUnit, horizon, discountRate };
}

/** BG/NBD + Gamma-Gamma CLV over the workspace's sales up to calibrationEnd. */
export async function runClv(db: Db, params: ClvParams, ctx: JobContext): Promise<ClvResult> {
  const p = checkClvParams(params);
  return recorded<ClvResult>(db, 'clv', p, () => {
    const t0 = performance.now();
    ctx.progress(0, 4, 'summarizing purchases');
    const s = customerSummary(db, p.calibrationEnd, p.timeUnit);
    if (s.n === 0) throw new UserError(`no sales on or before ${p.calibrationEnd}`);
    const t1 = performance.now();
    ctx.throwIfCancelled();
    ctx.progress(1, 4, 'fitting the purchase model (BG/NBD)');
    const bg = fitBgnbd(aggregateBgnbd(s.frequency, s.recency, s.T));
    const t2 = performance.now();
    ctx.throwIfCancelled();
    ctx.progress(2, 4, 'fitting the spend model (Gamma-Gamma)');
    let repeatBuyers = 0;
    for (let i = 0; i < s.n; i++) if (s.frequency[i]! > 0) repeatBuyers++;
    let gg: ReturnType<typeof fitGammaGamma> | null = null;
    try {
      gg = fitGammaGamma(s.frequency, s.monetary);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
    }
    // Without q > 1 the expected spend is infinite: report the fit, but no CLV.
    const spendOk = gg !== null && gg.params.q > 1;
    const t3 = performance.now();
    ctx.throwIfCancelled();
    ctx.progress(3, 4, 'scoring customers');
    const month = UNITS_PER_MONTH[p.timeUnit];
    const rows: ClvCustomer[] = [];
    let sumE = 0;
    let sumClv = 0;
    let sumAlive = 0;
    for (let i = 0; i < s.n; i++) {
      if ((i & 1023) === 1023) ctx.throwIfCancelled();
      const x = s.frequency[i]!;
      const tx = s.recency[i]!;
      const T = s.T[i]!;
      const pAlive = probabilityAlive(bg.params, x, tx, T);
      const e = expectedPurchases(bg.params, month, x, tx, T);
      const spend = spendOk ? expectedAverageProfit(gg!.params, x, s.monetary[i]!) : null;
      const clv = spendOk
        ? customerLifetimeValue(bg.params, gg!.params, x, tx, T, s.monetary[i]!, {
            unit: p.timeUnit,
            months: p.horizon,
            discountRate: p.discountRate,
          })
        : null;
      sumE += e;
      sumAlive += pAlive;
      if (clv !== null) sumClv += clv;
      rows.push({
        customerId: s.customer[i]!,
        externalId: '',
        frequency: x,
        recency: tx,
        T,
        monetary: s.monetary[i]!,
        pAlive,
        expectedPurchasesMonth: e,
        expectedSpend: spend,
        clv,
      });
    }
    // Highest value first; ties by customer id so the list is reproducible.
    rows.sort(
      (u, w) =>
        (w.clv ?? w.expectedPurchasesMonth) - (u.clv ?? u.expectedPurchasesMonth) || u.customerId - w.customerId,
    );
    const top = rows.slice(0, 100);
    const ext = db.prepare('SELECT external_id FROM customers WHERE id = ?').pluck();
    for (const c of top) c.externalId = String(ext.get(c.customerId) ?? '');
    const t4 = performance.now();
    ctx.progress(4, 4);
    const result: Omit<ClvResult, 'runId'> = {
      calibrationEnd: p.calibrationEnd,
      timeUnit: p.timeUnit,
      horizon: p.horizon,
      discountRate: p.discountRate,
      customers: s.n,
      repeatBuyers,
      bgnbd: { ...bg.params, logLikelihood: bg.logLikelihood },
      gammaGamma: gg ? { ...gg.params, logLikelihood: gg.logLikelihood } : null,
      totals: { expectedPurchasesMonth: sumE, clv: spendOk ? sumClv : null, meanPAlive: sumAlive / s.n },
      top,
    };
    const metrics = {
      seconds: {
        summary: (t1 - t0) / 1000,
        bgnbd: (t2 - t1) / 1000,
        gammaGamma: (t3 - t2) / 1000,
        scoring: (t4 - t3) / 1000,
      },
      bgnbd: {
        iterations: bg.iterations,
        converged: bg.converged,
        rows: bg.rows,
        standardErrors: bg.standardErrors,
      },
      gammaGamma: gg
        ? {
            iterations: gg.iterations,
            converged: gg.converged,
            customers: gg.customers,
            standardErrors: gg.standardErrors,
          }
        : null,
    };
    return { metrics, result };
  });
}

/** RFM scores and segments; the result lists segments (all of the rule table's, empty ones too) with counts and revenue. */
/**
 * The 5×5 recency × frequency grid behind the classic RFM heat-map:
 * customers[r-1][f-1] and their mean monetary value (0 for an empty cell).
 */
export function recencyFrequencyGrid(customers: readonly { r: number; f: number; monetary: number }[]): RfmGrid {
  const counts = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
  const sums = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
  for (const c of customers) {
    counts[c.r - 1]![c.f - 1]!++;
    sums[c.r - 1]![c.f - 1]! += c.monetary;
  }
  const meanMonetary = sums.map((row, r) =>
    row.map((sum, f) => (counts[r]![f]! ? Math.round((sum / counts[r]![f]!) * 100) / 100 : 0)),
  );
  return { customers: counts, meanMonetary };
}

export async function runRfm(db: Db, params: RfmParams, ctx: JobContext): Promise<RfmJobResult> {
  if (params.windowDays !== undefined && !(Number.isInteger(params.windowDays) && params.windowDays > 0)) {
    throw new UserError('windowDays must be a positive whole number of days');
  }
  return recorded<RfmJobResult>(db, 'rfm', params, (runId) => {
    const t0 = performance.now();
    ctx.progress(0, 1, 'scoring customers');
    const rfm = computeRfm(db, params);
    ctx.throwIfCancelled();
    storeRfmScores(db, runId, rfm.customers);
    const bySegment = new Map<string, RfmSegmentSummary>();
    for (const rule of params.rules ?? DEFAULT_ORDER) {
      if (!bySegment.has(rule.segment))
        bySegment.set(rule.segment, { segment: rule.segment, customers: 0, revenue: 0 });
    }
    for (const c of rfm.customers) {
      const s = bySegment.get(c.segment)!;
      s.customers++;
      s.revenue += c.monetary;
    }
    const segments = [...bySegment.values()].map((s) => ({ ...s, revenue: Math.round(s.revenue * 100) / 100 }));
    const grid = recencyFrequencyGrid(rfm.customers);
    ctx.progress(1, 1);
    return {
      metrics: { seconds: (performance.now() - t0) / 1000 },
      result: { asOf: rfm.asOf, windowDays: rfm.windowDays, customers: rfm.customers.length, segments, grid },
    };
  });
}
