/**
 * The churn job: who is likely to stop buying, as of a day.
 *
 * Out-of-time evaluation that never sees the future (h = horizonDays, and
 * the cut-off T = the day after asOf, so asOf's own sales are history):
 *   train    features before T − 2h, labels from [T − 2h, T − h), pooled with
 *            the W − 1 earlier windows (features before T − kh, labels from
 *            [T − kh, T − (k−1)h), k = 3 … W + 1; default W = 3)
 *   evaluate features before T − h,  labels from [T − h, T)
 *   score    refit on the W latest labelled windows (k = 1 … W), features before T
 * Every label used is observed by asOf; the evaluated model never saw
 * anything at or after T − h, the evaluation cut-off. The customers at risk
 * are then scored with the refit model (its labels end at T, so nothing after
 * asOf is read). A recency-only logistic regression is fitted and evaluated
 * the same way as the baseline.
 *
 * Why pool windows: one window of a small shop holds a few hundred labelled
 * customers, too few for eight features to add anything over recency. On
 * eight 500-customer sample shops (seeds 11–18) the single-window model with
 * C = 1 averaged 0.861 AUC against the recency-only 0.864; pooled, with C
 * chosen by cross-validation on the training windows, 0.867. On the sample
 * shops recency carries nearly all the signal, so the two stay close: seed
 * 11 went from 0.866 to 0.874 against 0.875, inside the ±0.02 standard
 * error of an AUC on 433 customers. A customer may appear in several
 * windows, each time with that window's history and label.
 */
import type { Db } from '../../db/workspace.ts';
import { UserError, type JobContext } from '../../jobs/context.ts';
import { failRun, finishRun, startRun } from '../run-record.ts';
import {
  CHURN_FEATURES,
  churnFeatures,
  churnLabels,
  scoringDay,
  isoOf,
  type ChurnData,
  type ChurnFeature,
} from './churn.ts';
import { chooseC, type CChoice } from './choose-c.ts';
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
  /** Logistic: inverse regularization strength (default: chosen by 5-fold cross-validated AUC on the training rows). */
  C?: number;
  /** Tree: default 4 and 20. */
  maxDepth?: number;
  minSamplesLeaf?: number;
  /** Length of the at-risk list (default 200). */
  top?: number;
  /** Labelled windows pooled for training (default 3; earlier windows with too little data are skipped). */
  trainWindows?: number;
}

export interface ChurnMetrics extends ClassificationReport {
  auc: number;
}

/**
 * One reason in structured form, so a front door can word it in its own
 * language: the customer's value of a feature lies above or below a
 * reference — the typical (training mean) value for logistic regression, a
 * split threshold of the tree path.
 */
export interface ChurnReason {
  feature: ChurnFeature;
  /** The customer's value, raw units. */
  value: number;
  direction: 'above' | 'below';
  reference: number;
  referenceKind: 'typical' | 'threshold';
  /** Logistic: the feature's contribution to the log-odds of churn; null for the tree. */
  logOdds: number | null;
}

export interface AtRisk {
  customerId: number;
  externalId: string;
  probability: number;
  /** Why, most important first, in English: log-odds contributions (logistic) or the tree path. */
  reasons: string[];
  /** The same reasons, structured (one per entry of `reasons`, same order). */
  why: ChurnReason[];
}

export interface ChurnResult {
  runId: number;
  asOf: string;
  horizonDays: number;
  model: 'logistic' | 'tree';
  windows: { trainCutoff: string; evalCutoff: string; scoreCutoff: string };
  features: string[];
  /** Rows over the pooled windows (a customer counts once per window). */
  train: { customers: number; churnRate: number };
  /** Cut-offs of the pooled training windows (latest first) and of the final model's. */
  pooling: { trainCutoffs: string[]; refitCutoffs: string[] };
  evaluation: { customers: number; churnRate: number };
  /** Out-of-time metrics of the model, and of the recency-only baseline, at threshold 0.5. */
  metrics: ChurnMetrics;
  baseline: ChurnMetrics;
  /** Evaluation ROC curve, thinned to at most 201 points. */
  roc: { fpr: number[]; tpr: number[] };
  /**
   * Logistic: the C of the evaluated and of the final model, given or chosen
   * by cross-validation on each one's own training window (grid: mean CV AUC); null for the tree.
   */
  regularization: {
    C: number;
    finalC: number;
    chosenBy: 'parameter' | 'cross-validation';
    grid: CChoice['grid'];
  } | null;
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
  const w = params.trainWindows;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1 && w <= 12)) {
    throw new UserError('trainWindows must be a whole number 1–12');
  }
  return h;
}

/** A fitted model on one window: probabilities for another window's data and per-row reasons. */
interface Fitted {
  proba(data: ChurnData): Float64Array;
  /** Probabilities from an already prepared matrix (for permutation importance). */
  probaPrepared(M: Float64Array, n: number): Float64Array;
  prepare(data: ChurnData): Float64Array;
  reasons(M: Float64Array, i: number, raw: ChurnData): ChurnReason[];
  coefficients: { feature: string; coef: number }[] | null;
  intercept: number | null;
  rules: string[] | null;
  /** Logistic: the C used and, when chosen, the cross-validation grid. */
  C: number | null;
  grid: CChoice['grid'];
}

const ALL = CHURN_FEATURES.map((_, j) => j);
const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 100) / 100);

/** The CLI's English wording of a structured reason (the renderer words it through vue-i18n). */
export function reasonText(r: ChurnReason): string {
  if (r.referenceKind === 'threshold')
    return `${r.feature} ${r.direction === 'above' ? '>' : '≤'} ${round(r.reference)}`;
  const lo = r.logOdds ?? 0;
  return `${r.feature} ${round(r.value)} (typical ${round(r.reference)}; ${lo >= 0 ? '+' : ''}${lo.toFixed(2)} log-odds)`;
}

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
        pathOf(tree, M, i).map((c) => ({
          feature: CHURN_FEATURES[c.feature]!,
          value: M[i * tree.d + c.feature]!,
          direction: c.op === '>' ? 'above' : 'below',
          reference: c.value,
          referenceKind: 'threshold',
          logOdds: null,
        })),
      coefficients: null,
      intercept: null,
      rules: treeRules(tree, CHURN_FEATURES, { outcome: 'churn', format: fmt }).map((r) => r.text),
      C: null,
      grid: [],
    };
  }
  const { Z, scaler } = design(data, cols);
  const k = cols.length;
  // Without a given C the training window alone picks it; the one-column baseline keeps C = 1 (its AUC is
  // recency's ranking whatever the penalty).
  const choice: CChoice =
    params.C !== undefined || cols !== ALL
      ? { C: params.C ?? 1, grid: [] }
      : chooseC(Z, data.n, k, y, { seed: params.seed });
  const model = fitLogistic(Z, data.n, k, y, { C: choice.C });
  const names: ChurnFeature[] = cols.map((j) => CHURN_FEATURES[j]!);
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
        .map((e) => {
          const value = raw.X[i * raw.d + e.j]!;
          return {
            feature: names[e.c]!,
            value,
            // A positive contribution: the standardized value has the coefficient's sign.
            direction: M[i * k + e.c]! >= 0 ? 'above' : 'below',
            reference: typical[e.c]!,
            referenceKind: 'typical',
            logOdds: e.v,
          };
        });
    },
    coefficients: names.map((feature, c) => ({ feature, coef: model.coef[c]! })),
    intercept: model.intercept,
    rules: null,
    C: choice.C,
    grid: choice.grid,
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

// Pooling is for small shops: once this many rows are in, earlier windows add time, not accuracy.
export const POOL_ENOUGH = 20_000;

/**
 * The labelled windows with cut-offs first, first − h, … (up to `count`, and
 * only while fewer than POOL_ENOUGH rows are in), pooled into one training
 * set. The first must hold; an earlier one that has too few customers or one
 * class ends the pooling (the shop's start).
 */
function pooled(
  db: Db,
  first: number,
  h: number,
  count: number,
  what: string,
): { data: ChurnData; y: Uint8Array; cutoffs: string[] } {
  const parts = [labelled(db, first, h, what)];
  let rows = parts[0]!.data.n;
  for (let k = 1; k < count && rows < POOL_ENOUGH; k++) {
    try {
      parts.push(labelled(db, first - k * h, h, what));
      rows += parts.at(-1)!.data.n;
    } catch (err) {
      if (err instanceof UserError) break;
      throw err;
    }
  }
  const n = parts.reduce((a, p) => a + p.data.n, 0);
  const d = parts[0]!.data.d;
  const X = new Float64Array(n * d);
  const customerIds = new Int32Array(n);
  const y = new Uint8Array(n);
  const externalIds: string[] = [];
  let at = 0;
  for (const p of parts) {
    X.set(p.data.X, at * d);
    customerIds.set(p.data.customerIds, at);
    y.set(p.y, at);
    for (const id of p.data.externalIds) externalIds.push(id); // not push(...): a million arguments overflow the stack
    at += p.data.n;
  }
  return {
    data: { cutoffDay: first, customerIds, externalIds, X, n, d },
    y,
    cutoffs: parts.map((p) => isoOf(p.data.cutoffDay)),
  };
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
    const windows = params.trainWindows ?? 3;
    const train = pooled(db, T - 2 * h, h, windows, 'training');
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
    const refit = pooled(db, T - h, h, windows, 'evaluation');
    const final = fitModel(params, refit.data, refit.y);
    ctx.throwIfCancelled();

    ctx.progress(3, 4, 'scoring customers');
    const now = churnFeatures(db, T);
    const Mnow = final.prepare(now);
    const pNow = final.probaPrepared(Mnow, now.n);
    const order = Array.from({ length: now.n }, (_, i) => i).sort(
      (a, b) => pNow[b]! - pNow[a]! || now.customerIds[a]! - now.customerIds[b]!,
    );
    const atRisk: AtRisk[] = order.slice(0, params.top ?? 200).map((i) => {
      const why = final.reasons(Mnow, i, now);
      return {
        customerId: now.customerIds[i]!,
        externalId: now.externalIds[i]!,
        probability: pNow[i]!,
        reasons: why.map(reasonText),
        why,
      };
    });
    ctx.progress(4, 4);

    const result: ChurnResult = {
      runId,
      asOf: params.asOf,
      horizonDays: h,
      model: params.model,
      windows: { trainCutoff: isoOf(T - 2 * h), evalCutoff: isoOf(T - h), scoreCutoff: isoOf(T) },
      features: [...CHURN_FEATURES],
      train: { customers: train.data.n, churnRate: rate(train.y) },
      pooling: { trainCutoffs: train.cutoffs, refitCutoffs: refit.cutoffs },
      evaluation: { customers: evalSet.data.n, churnRate: rate(evalSet.y) },
      metrics,
      baseline,
      roc: thinCurve(roc.fpr, roc.tpr, 200),
      regularization:
        model.C === null || final.C === null
          ? null
          : {
              C: model.C,
              finalC: final.C,
              chosenBy: params.C === undefined ? 'cross-validation' : 'parameter',
              grid: model.grid,
            },
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
