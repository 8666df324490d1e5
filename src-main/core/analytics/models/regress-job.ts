/**
 * The spend regression job: how much each customer will spend in the next
 * horizon, and which history features drive it. Same features and the same
 * out-of-time scheme as the churn job (T = the day after asOf, h = horizon):
 *   train    features before T − 2h, target = sales in [T − 2h, T − h)
 *   evaluate features before T − h,  target = sales in [T − h, T)
 *   predict  refit on the evaluation window, features before T
 * The baseline predicts "the same as the previous horizon" (each customer's
 * sales in the h days before the cut-off, a common rule of thumb), scored on
 * the same evaluation rows. The model sees the churn features (log1p where
 * skewed, standardized) plus two spend-scale ones, unlogged, since the target
 * is an amount: lastHorizonSpend (the baseline's own prediction, so the model
 * can only improve on it in-sample) and spendPerHorizon (monetary ÷
 * max(tenure, h) × h, the long-run pace).
 */
import type { Db } from '../../db/workspace.ts';
import { UserError, type JobContext } from '../../jobs/context.ts';
import { failRun, finishRun, startRun } from '../run-record.ts';
import { CHURN_FEATURES, churnFeatures, scoringDay, futureSpend, isoOf, type ChurnData } from './churn.ts';
import { design, type Scaler } from './job.ts';
import { lasso, ols, predictLinear, ridge, type LinearModel } from './linear.ts';
import { mae, permutationImportance, r2Score, rmse } from './metrics.ts';

export interface RegressParams {
  /** `YYYY-MM-DD`: the last day of known history. */
  asOf: string;
  horizonDays?: number;
  model: 'ols' | 'ridge' | 'lasso';
  /** Ridge / lasso strength (scikit-learn's alpha, features standardized; default 1). */
  alpha?: number;
  seed: number;
  top?: number;
}

export interface RegressMetrics {
  r2: number;
  rmse: number;
  mae: number;
}

export interface RegressResult {
  runId: number;
  asOf: string;
  horizonDays: number;
  model: 'ols' | 'ridge' | 'lasso';
  windows: { trainCutoff: string; evalCutoff: string; scoreCutoff: string };
  train: { customers: number; meanSpend: number };
  evaluation: { customers: number; meanSpend: number };
  metrics: RegressMetrics;
  baseline: RegressMetrics;
  /** Final model, per standardized REGRESS_FEATURES column (log1p where the churn job logs it); se and t for OLS only. */
  intercept: number;
  coefficients: { feature: string; coef: number; se: number | null; t: number | null }[];
  /** Drop of evaluation R² when the feature is shuffled (seeded), 5 shuffles. */
  importances: { feature: string; mean: number; std: number }[];
  top: { customerId: number; externalId: string; predicted: number }[];
}

function check(params: RegressParams): number {
  if (typeof params.asOf !== 'string') throw new UserError('asOf must be a date YYYY-MM-DD');
  const h = params.horizonDays ?? 90;
  if (!(Number.isInteger(h) && h >= 7 && h <= 730)) throw new UserError('horizonDays must be a whole number 7–730');
  if (!['ols', 'ridge', 'lasso'].includes(params.model)) throw new UserError('model must be ols, ridge or lasso');
  if (!Number.isInteger(params.seed)) throw new UserError('seed must be a whole number');
  if (params.alpha !== undefined && !(params.alpha >= 0 && Number.isFinite(params.alpha))) {
    throw new UserError('alpha must be a number ≥ 0');
  }
  if (params.top !== undefined && !(Number.isInteger(params.top) && params.top >= 1 && params.top <= 10_000)) {
    throw new UserError('top must be a whole number 1–10000');
  }
  return h;
}

const ALL = CHURN_FEATURES.map((_, j) => j);
export const REGRESS_FEATURES = [...CHURN_FEATURES, 'lastHorizonSpend', 'spendPerHorizon'] as const;
const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;

interface Window {
  data: ChurnData;
  /** Sales in the h days after the cut-off (unknown, all 0, at the scoring cut-off). */
  y: Float64Array;
  /** The two spend columns, n × 2, from sales before the cut-off only. */
  extra: Float64Array;
}

function window(db: Db, cutoffDay: number, h: number, what: string): Window {
  const data = churnFeatures(db, cutoffDay);
  if (data.n < 20) {
    throw new UserError(`only ${data.n} customers had bought before the ${what} cut-off ${isoOf(cutoffDay)}: too few`);
  }
  const last = futureSpend(db, data.customerIds, cutoffDay - h, h);
  const extra = new Float64Array(data.n * 2);
  const iM = CHURN_FEATURES.indexOf('monetary');
  const iT = CHURN_FEATURES.indexOf('tenure');
  for (let i = 0; i < data.n; i++) {
    extra[i * 2] = last[i]!;
    extra[i * 2 + 1] = (data.X[i * data.d + iM]! / Math.max(data.X[i * data.d + iT]!, h)) * h;
  }
  return { data, y: futureSpend(db, data.customerIds, cutoffDay, h), extra };
}

interface Design {
  Z: Float64Array;
  scaler: Scaler;
  extraMean: [number, number];
  extraSd: [number, number];
}

/** The churn design plus the two spend columns, standardized with the training window's statistics. */
function regressDesign(w: Window, fitted?: Design): Design {
  const base = design(w.data, ALL, fitted?.scaler);
  const n = w.data.n;
  const k0 = ALL.length;
  const k = k0 + 2;
  let extraMean = fitted?.extraMean;
  let extraSd = fitted?.extraSd;
  if (!extraMean || !extraSd) {
    const m = new Float64Array(2);
    const v = new Float64Array(2);
    for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) m[c]! += w.extra[i * 2 + c]! / n;
    for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) v[c]! += (w.extra[i * 2 + c]! - m[c]!) ** 2 / n;
    extraMean = [m[0]!, m[1]!];
    extraSd = [v[0]! > 0 ? Math.sqrt(v[0]!) : 1, v[1]! > 0 ? Math.sqrt(v[1]!) : 1];
  }
  const Z = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    Z.set(base.Z.subarray(i * k0, i * k0 + k0), i * k);
    for (let c = 0; c < 2; c++) Z[i * k + k0 + c] = (w.extra[i * 2 + c]! - extraMean[c]!) / extraSd[c]!;
  }
  return { Z, scaler: base.scaler, extraMean, extraSd };
}

/** Runs the spend regression; see the module comment for the time windows. */
export async function runRegress(db: Db, params: RegressParams, ctx: JobContext): Promise<RegressResult> {
  const h = check(params);
  const runId = startRun(db, 'regress', params, params.seed);
  try {
    const T = scoringDay(params.asOf);
    ctx.progress(0, 3, 'building training and evaluation windows');
    const train = window(db, T - 2 * h, h, 'training');
    const evalSet = window(db, T - h, h, 'evaluation');
    const k = REGRESS_FEATURES.length;
    const fit = (Z: Float64Array, n: number, y: Float64Array): LinearModel & { se?: Float64Array; t?: Float64Array } =>
      params.model === 'ols'
        ? ols(Z, n, k, y)
        : params.model === 'ridge'
          ? ridge(Z, n, k, y, params.alpha ?? 1)
          : lasso(Z, n, k, y, params.alpha ?? 1);
    ctx.throwIfCancelled();

    ctx.progress(1, 3, 'fitting and evaluating');
    const trainZ = regressDesign(train);
    const model = fit(trainZ.Z, train.data.n, train.y);
    const evalZ = regressDesign(evalSet, trainZ).Z;
    const score = (y: Float64Array, p: Float64Array): RegressMetrics => ({
      r2: r2Score(y, p),
      rmse: rmse(y, p),
      mae: mae(y, p),
    });
    const metrics = score(evalSet.y, predictLinear(model, evalZ, evalSet.data.n));
    // Previous-horizon spend of the evaluation customers: sales in [T − 2h, T − h).
    const previous = Float64Array.from({ length: evalSet.data.n }, (_, i) => evalSet.extra[i * 2]!);
    const baseline = score(evalSet.y, previous);
    const imp = permutationImportance(
      evalZ,
      evalSet.data.n,
      k,
      (M) => r2Score(evalSet.y, predictLinear(model, M, evalSet.data.n)),
      { repeats: 5, seed: params.seed },
    );
    ctx.throwIfCancelled();

    ctx.progress(2, 3, 'refitting and predicting');
    const finalZ = regressDesign(evalSet);
    const final = fit(finalZ.Z, evalSet.data.n, evalSet.y);
    const nowW = window(db, T, h, 'scoring');
    const now = nowW.data;
    const pred = predictLinear(final, regressDesign(nowW, finalZ).Z, now.n);
    const order = Array.from({ length: now.n }, (_, i) => i).sort(
      (a, b) => pred[b]! - pred[a]! || now.customerIds[a]! - now.customerIds[b]!,
    );
    ctx.progress(3, 3);
    const result: RegressResult = {
      runId,
      asOf: params.asOf,
      horizonDays: h,
      model: params.model,
      windows: { trainCutoff: isoOf(T - 2 * h), evalCutoff: isoOf(T - h), scoreCutoff: isoOf(T) },
      train: { customers: train.data.n, meanSpend: mean(train.y) },
      evaluation: { customers: evalSet.data.n, meanSpend: mean(evalSet.y) },
      metrics,
      baseline,
      intercept: final.intercept,
      coefficients: REGRESS_FEATURES.map((feature, j) => ({
        feature,
        coef: final.coef[j]!,
        se: final.se ? final.se[j]! : null,
        t: final.t ? final.t[j]! : null,
      })),
      importances: REGRESS_FEATURES.map((feature, j) => ({ feature, mean: imp.mean[j]!, std: imp.std[j]! })),
      top: order.slice(0, params.top ?? 200).map((i) => ({
        customerId: now.customerIds[i]!,
        externalId: now.externalIds[i]!,
        predicted: pred[i]!,
      })),
    };
    finishRun(db, runId, { r2: metrics.r2, baselineR2: baseline.r2, rmse: metrics.rmse }, result);
    return result;
  } catch (err) {
    failRun(db, runId, err);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
}
