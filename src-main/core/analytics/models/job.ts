/**
 * The churn job: who is likely to stop buying, as of a day.
 *
 * Out-of-time evaluation that never sees the future (h = horizonDays, and
 * the cut-off T = the day after asOf, so asOf's own sales are history):
 *   train    features before T − 2h, labels from [T − 2h, T − h)
 *   evaluate features before T − h,  labels from [T − h, T)
 *   score    refit on the evaluation window's data, features before T
 * Every label used is observed by asOf; the evaluated model never saw
 * anything at or after T − h, the evaluation cut-off. The customers at risk
 * are then scored with the refit model (its labels end at T, so nothing after
 * asOf is read). A recency-only logistic regression is fitted and evaluated
 * the same way as the baseline.
 */
import type { Db } from '../../db/workspace.ts';
import { UserError, type JobContext } from '../../jobs/context.ts';
import { failRun, finishRun, startRun } from '../run-record.ts';
import { CHURN_FEATURES, churnFeatures, churnLabels, scoringDay, isoOf, type ChurnData } from './churn.ts';
import { fitLogistic, predictProba } from './logistic.ts';
import {
  classificationReport,
  permutationImportance,
  rocAuc,
  rocCurve,
  threshold,
  type ClassificationReport,
} from './metrics.ts';
import { fitTree, pathOf, predictTree, treeRules, type Tree } from './tree.ts';

export interface ChurnParams {
  /** `YYYY-MM-DD`: the last day of known history. */
  asOf: string;
  /** Days without a sale that count as churn (default 90). */
  horizonDays?: number;
  model: 'logistic' | 'tree';
  seed: number;
  /** Logistic: inverse regularization strength (default 1). */
  C?: number;
  /** Tree: default 4 and 20. */
  maxDepth?: number;
  minSamplesLeaf?: number;
  /** Length of the at-risk list (default 200). */
  top?: number;
}

export interface ChurnMetrics extends ClassificationReport {
  auc: number;
}

export interface AtRisk {
  customerId: number;
  externalId: string;
  probability: number;
  /** Why, most important first: log-odds contributions (logistic) or the tree path. */
  reasons: string[];
}

export interface ChurnResult {
  runId: number;
  asOf: string;
  horizonDays: number;
  model: 'logistic' | 'tree';
  windows: { trainCutoff: string; evalCutoff: string; scoreCutoff: string };
  features: string[];
  train: { customers: number; churnRate: number };
  evaluation: { customers: number; churnRate: number };
  /** Out-of-time metrics of the model, and of the recency-only baseline, at threshold 0.5. */
  metrics: ChurnMetrics;
  baseline: ChurnMetrics;
  /** Evaluation ROC curve, thinned to at most 201 points. */
  roc: { fpr: number[]; tpr: number[] };
  /** Logistic (final model): per standardized feature (after log1p where noted); null for the tree. */
  coefficients: { feature: string; coef: number }[] | null;
  intercept: number | null;
  /** Drop of evaluation AUC when the feature is shuffled (seeded), mean ± std over 5 shuffles. */
  importances: { feature: string; mean: number; std: number }[];
  /** Tree (final model): one readable rule per leaf; null for logistic. */
  rules: string[] | null;
  scored: number;
  atRisk: AtRisk[];
}

// Skewed, non-negative counts and amounts enter the logistic model as log1p.
export const LOGGED = new Set<string>(['recency', 'frequency', 'monetary', 'tenure', 'aov', 'meanGap', 'recent90']);

export interface Scaler {
  cols: number[];
  mean: Float64Array;
  sd: Float64Array;
}

function prepRow(v: number, name: string): number {
  return LOGGED.has(name) ? Math.log1p(Math.max(0, v)) : v;
}

/** Selected columns, log1p where LOGGED, standardized with the scaler fitted on the training rows. */
export function design(data: ChurnData, cols: number[], scaler?: Scaler): { Z: Float64Array; scaler: Scaler } {
  const { n, d, X } = data;
  const k = cols.length;
  const Z = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) Z[i * k + c] = prepRow(X[i * d + cols[c]!]!, CHURN_FEATURES[cols[c]!]!);
  }
  let s = scaler;
  if (!s) {
    const mean = new Float64Array(k);
    const sd = new Float64Array(k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) mean[c]! += Z[i * k + c]! / n;
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) sd[c]! += (Z[i * k + c]! - mean[c]!) ** 2 / n;
    // A constant column stays 0 after centering; sd 1 avoids dividing by zero.
    for (let c = 0; c < k; c++) sd[c] = sd[c]! > 0 ? Math.sqrt(sd[c]!) : 1;
    s = { cols, mean, sd };
  }
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) Z[i * k + c] = (Z[i * k + c]! - s.mean[c]!) / s.sd[c]!;
  return { Z, scaler: s };
}

function evaluate(y: Uint8Array, p: Float64Array): ChurnMetrics {
  return { auc: rocAuc(y, p), ...classificationReport(y, threshold(p, 0.5)) };
}

function check(params: ChurnParams): number {
  if (typeof params.asOf !== 'string') throw new UserError('asOf must be a date YYYY-MM-DD');
  const h = params.horizonDays ?? 90;
  if (!(Number.isInteger(h) && h >= 7 && h <= 730)) throw new UserError('horizonDays must be a whole number 7–730');
  if (params.model !== 'logistic' && params.model !== 'tree') throw new UserError('model must be logistic or tree');
  if (!Number.isInteger(params.seed)) throw new UserError('seed must be a whole number');
  if (params.C !== undefined && !(params.C > 0 && Number.isFinite(params.C))) throw new UserError('C must be > 0');
  if (
    params.maxDepth !== undefined &&
    !(Number.isInteger(params.maxDepth) && params.maxDepth >= 1 && params.maxDepth <= 12)
  ) {
    throw new UserError('maxDepth must be a whole number 1–12');
  }
  if (params.minSamplesLeaf !== undefined && !(Number.isInteger(params.minSamplesLeaf) && params.minSamplesLeaf >= 1)) {
    throw new UserError('minSamplesLeaf must be a whole number ≥ 1');
  }
  if (params.top !== undefined && !(Number.isInteger(params.top) && params.top >= 1 && params.top <= 10_000)) {
    throw new UserError('top must be a whole number 1–10000');
  }
  return h;
}

/** A fitted model on one window: probabilities for another window's data and per-row reasons. */
interface Fitted {
  proba(data: ChurnData): Float64Array;
  /** Probabilities from an already prepared matrix (for permutation importance). */
  probaPrepared(M: Float64Array, n: number): Float64Array;
  prepare(data: ChurnData): Float64Array;
  reasons(M: Float64Array, i: number, raw: ChurnData): string[];
  coefficients: { feature: string; coef: number }[] | null;
  intercept: number | null;
  rules: string[] | null;
}

const ALL = CHURN_FEATURES.map((_, j) => j);
const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 100) / 100);

function fitModel(params: ChurnParams, data: ChurnData, y: Uint8Array, cols: number[] = ALL): Fitted {
  if (params.model === 'tree' && cols === ALL) {
    // Trees are invariant to monotone transforms: raw units keep the rules readable.
    const tree: Tree = fitTree(data.X, data.n, data.d, y, {
      maxDepth: params.maxDepth ?? 4,
      minSamplesLeaf: params.minSamplesLeaf ?? 20,
    });
    const fmt = (j: number, v: number) => String(round(v));
    return {
      prepare: (dd) => dd.X,
      proba: (dd) => predictTree(tree, dd.X, dd.n),
      probaPrepared: (M, n) => predictTree(tree, M, n),
      reasons: (M, i) =>
        pathOf(tree, M, i).map((c) => `${CHURN_FEATURES[c.feature]} ${c.op} ${fmt(c.feature, c.value)}`),
      coefficients: null,
      intercept: null,
      rules: treeRules(tree, CHURN_FEATURES, { outcome: 'churn', format: fmt }).map((r) => r.text),
    };
  }
  const { Z, scaler } = design(data, cols);
  const k = cols.length;
  const model = fitLogistic(Z, data.n, k, y, { C: params.C ?? 1 });
  const names = cols.map((j) => CHURN_FEATURES[j]!);
  // Typical value per feature (mean on the model's scale, mapped back) for the reasons' text.
  const typical = cols.map((j, c) => (LOGGED.has(CHURN_FEATURES[j]!) ? Math.expm1(scaler.mean[c]!) : scaler.mean[c]!));
  return {
    prepare: (dd) => design(dd, cols, scaler).Z,
    proba: (dd) => predictProba(model, design(dd, cols, scaler).Z, dd.n),
    probaPrepared: (M, n) => predictProba(model, M, n),
    reasons: (M, i, raw) => {
      const contrib = cols.map((j, c) => ({ c, j, v: model.coef[c]! * M[i * k + c]! }));
      return contrib
        .filter((e) => e.v > 0)
        .sort((a, b) => b.v - a.v)
        .slice(0, 3)
        .map(
          (e) =>
            `${names[e.c]} ${round(raw.X[i * raw.d + e.j]!)} (typical ${round(typical[e.c]!)}; +${e.v.toFixed(2)} log-odds)`,
        );
    },
    coefficients: names.map((feature, c) => ({ feature, coef: model.coef[c]! })),
    intercept: model.intercept,
    rules: null,
  };
}

function labelled(db: Db, cutoffDay: number, h: number, what: string): { data: ChurnData; y: Uint8Array } {
  const data = churnFeatures(db, cutoffDay);
  if (data.n < 20)
    throw new UserError(`only ${data.n} customers had bought before the ${what} cut-off ${isoOf(cutoffDay)}: too few`);
  const y = churnLabels(db, data.customerIds, cutoffDay, h);
  let churned = 0;
  for (let i = 0; i < y.length; i++) churned += y[i]!;
  if (churned === 0 || churned === data.n) {
    throw new UserError(
      `every customer at the ${what} cut-off ${isoOf(cutoffDay)} is in one class: cannot learn churn`,
    );
  }
  return { data, y };
}

/** At most `max` + 1 evenly spaced points of a curve (ends kept), so a large evaluation set stays a small result. */
function thinCurve(fpr: number[], tpr: number[], max: number): { fpr: number[]; tpr: number[] } {
  if (fpr.length <= max + 1) return { fpr, tpr };
  const idx = Array.from({ length: max + 1 }, (_, k) => Math.round((k * (fpr.length - 1)) / max));
  return { fpr: idx.map((i) => fpr[i]!), tpr: idx.map((i) => tpr[i]!) };
}

const rate = (y: Uint8Array) => y.reduce((a, b) => a + b, 0) / y.length;

/** Runs the churn analysis; see the module comment for the time windows. */
export async function runChurn(db: Db, params: ChurnParams, ctx: JobContext): Promise<ChurnResult> {
  const h = check(params);
  const runId = startRun(db, 'churn', params, params.seed);
  try {
    const T = scoringDay(params.asOf);
    ctx.progress(0, 4, 'building training and evaluation windows');
    const train = labelled(db, T - 2 * h, h, 'training');
    const evalSet = labelled(db, T - h, h, 'evaluation');
    ctx.throwIfCancelled();

    ctx.progress(1, 4, 'fitting and evaluating');
    const model = fitModel(params, train.data, train.y);
    const pEval = model.proba(evalSet.data);
    const metrics = evaluate(evalSet.y, pEval);
    const recencyOnly = fitModel({ ...params, model: 'logistic' }, train.data, train.y, [0]);
    const baseline = evaluate(evalSet.y, recencyOnly.proba(evalSet.data));
    const roc = rocCurve(evalSet.y, pEval);
    const Meval = model.prepare(evalSet.data);
    const imp = permutationImportance(
      Meval,
      evalSet.data.n,
      evalSet.data.d,
      (M) => rocAuc(evalSet.y, model.probaPrepared(M, evalSet.data.n)),
      { repeats: 5, seed: params.seed },
    );
    ctx.throwIfCancelled();

    ctx.progress(2, 4, 'refitting on the latest labelled window');
    const final = fitModel(params, evalSet.data, evalSet.y);
    ctx.throwIfCancelled();

    ctx.progress(3, 4, 'scoring customers');
    const now = churnFeatures(db, T);
    const Mnow = final.prepare(now);
    const pNow = final.probaPrepared(Mnow, now.n);
    const order = Array.from({ length: now.n }, (_, i) => i).sort(
      (a, b) => pNow[b]! - pNow[a]! || now.customerIds[a]! - now.customerIds[b]!,
    );
    const atRisk: AtRisk[] = order.slice(0, params.top ?? 200).map((i) => ({
      customerId: now.customerIds[i]!,
      externalId: now.externalIds[i]!,
      probability: pNow[i]!,
      reasons: final.reasons(Mnow, i, now),
    }));
    ctx.progress(4, 4);

    const result: ChurnResult = {
      runId,
      asOf: params.asOf,
      horizonDays: h,
      model: params.model,
      windows: { trainCutoff: isoOf(T - 2 * h), evalCutoff: isoOf(T - h), scoreCutoff: isoOf(T) },
      features: [...CHURN_FEATURES],
      train: { customers: train.data.n, churnRate: rate(train.y) },
      evaluation: { customers: evalSet.data.n, churnRate: rate(evalSet.y) },
      metrics,
      baseline,
      roc: thinCurve(roc.fpr, roc.tpr, 200),
      coefficients: final.coefficients,
      intercept: final.intercept,
      importances: CHURN_FEATURES.map((feature, j) => ({ feature, mean: imp.mean[j]!, std: imp.std[j]! })),
      rules: final.rules,
      scored: now.n,
      atRisk,
    };
    finishRun(
      db,
      runId,
      { auc: metrics.auc, baselineAuc: baseline.auc, accuracy: metrics.accuracy, f1: metrics.f1 },
      result,
    );
    return result;
  } catch (err) {
    failRun(db, runId, err);
    if (err instanceof RangeError) throw new UserError(err.message);
    throw err;
  }
}
