/**
 * The shapes of the analysis jobs' results as the views read them (from a
 * job's `result` or a stored run's `analysis.result`). The contract types them
 * as unknown; `asResult` checks the fields a view relies on before using one.
 */
import type { ClassRuleSet } from '../../../src-main/core/analytics/models/class-rules.ts';

// The classify job's readable tree rules, as the job defines them.
export type { ClassRule, ClassRuleSet } from '../../../src-main/core/analytics/models/class-rules.ts';

export interface RfmSegment {
  segment: string;
  customers: number;
  revenue: number;
}

export interface RfmResult {
  runId: number;
  asOf: string;
  windowDays: number;
  customers: number;
  segments: RfmSegment[];
  /** customers[r - 1][f - 1]; absent in runs stored before the grid was added. */
  grid?: { customers: number[][]; meanMonetary: number[][] };
}

export interface ClusterProfile {
  cluster: number;
  size: number;
  revenueShare: number;
  means: Record<string, number>;
}

export interface ClusterResult {
  runId: number;
  algorithm: 'kmeans' | 'dbscan';
  asOf: string;
  customers: number;
  features: string[];
  k: number;
  inertia: number;
  silhouette: number | null;
  sizes: number[];
  noiseShare: number | null;
  profiles: ClusterProfile[];
  projection: {
    sampleSize: number;
    total: number;
    explained: [number, number];
    x: number[];
    y: number[];
    labels: number[];
  };
}

export interface ClvCustomer {
  customerId: number;
  externalId: string;
  frequency: number;
  monetary: number;
  pAlive: number;
  expectedPurchasesMonth: number;
  expectedSpend: number | null;
  clv: number | null;
}

export interface ClvResult {
  runId: number;
  calibrationEnd: string;
  timeUnit: 'day' | 'week';
  horizon: number;
  discountRate: number;
  customers: number;
  repeatBuyers: number;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
  gammaGamma: { p: number; q: number; v: number; logLikelihood: number } | null;
  totals: { expectedPurchasesMonth: number; clv: number | null; meanPAlive: number };
  top: ClvCustomer[];
}

export const RANKING_METRICS = ['precision', 'recall', 'ndcg', 'map', 'hitRate', 'coverage'] as const;
export type RankingMetric = (typeof RANKING_METRICS)[number];

export interface ImplicitEvalResult {
  runId: number;
  split: string;
  k: number;
  users: number;
  items: number;
  model: Record<RankingMetric, number>;
  popularity: Record<RankingMetric, number>;
}

export interface RecommendItem {
  sku: string;
  title: string;
  score: number;
  reason: string;
}

export interface RecommendResult {
  coldStart: boolean;
  items: RecommendItem[];
}

/** Binary classification metrics at threshold 0.5; confusion is [[tn, fp], [fn, tp]] (rows true, columns predicted). */
export interface ChurnMetrics {
  auc: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  macroF1?: number;
  confusion?: number[][];
}

/** Drop of the evaluation score when the feature is shuffled (permutation importance). */
export interface FeatureImportance {
  feature: string;
  mean: number;
  std: number;
}

/** A churn reason in structured form (the core's ChurnReason), worded by the renderer in the UI language. */
export interface ChurnReason {
  feature: string;
  value: number;
  direction: 'above' | 'below';
  reference: number;
  referenceKind: 'typical' | 'threshold';
  logOdds: number | null;
}

export interface ChurnAtRisk {
  customerId: number;
  externalId: string;
  probability: number;
  /** English text (older results hold only this). */
  reasons: string[];
  why?: ChurnReason[];
}

export interface ChurnResult {
  runId: number;
  asOf: string;
  horizonDays: number;
  model: 'logistic' | 'tree';
  windows?: { trainCutoff: string; evalCutoff: string; scoreCutoff: string };
  train?: { customers: number; churnRate: number };
  evaluation?: { customers: number; churnRate: number };
  metrics: ChurnMetrics;
  baseline?: ChurnMetrics;
  /** Evaluation ROC curve; absent in a result that did not store it. */
  roc?: { fpr: number[]; tpr: number[] };
  /** Evaluation scores and true labels, should a result hold them instead of the curve. */
  scores?: number[];
  labels?: number[];
  coefficients?: { feature: string; coef: number }[] | null;
  importances?: FeatureImportance[];
  rules?: string[] | null;
  /** Cut-offs of the pooled training windows (latest first); absent in older results. */
  pooling?: { trainCutoffs: string[]; refitCutoffs: string[] };
  /** Logistic: C given or chosen by cross-validation on the training windows. */
  regularization?: { C: number; finalC: number; chosenBy: 'parameter' | 'cross-validation' } | null;
  scored?: number;
  atRisk: ChurnAtRisk[];
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
  windows?: { trainCutoff: string; evalCutoff: string; scoreCutoff: string };
  train?: { customers: number; meanSpend: number };
  evaluation?: { customers: number; meanSpend: number };
  metrics: RegressMetrics;
  baseline?: RegressMetrics;
  intercept?: number;
  coefficients?: { feature: string; coef: number; se: number | null; t: number | null }[];
  importances?: FeatureImportance[];
  top: { customerId: number; externalId: string; predicted: number }[];
}

export interface ClassifyClassMetrics {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassifyResult {
  runId: number;
  asOf?: string;
  target: string;
  model: 'logistic' | 'tree' | 'mlp';
  horizonDays?: number | null;
  classes: string[];
  features?: string[];
  preparation?: { featureSelection?: { keptFeatures?: string[]; dropped?: { feature: string }[] } };
  train?: { customers: number; classCounts?: number[]; droppedRareClass?: number };
  evaluation?: { customers: number; droppedUnseenClass?: number };
  metrics: {
    accuracy: number;
    macroPrecision: number;
    macroRecall: number;
    macroF1: number;
    perClass?: ClassifyClassMetrics[];
    /** Rows true class, columns predicted, in `classes` order. */
    confusion?: number[][];
  };
  baseline?: { majority: number; history: number | null };
  /** Preferred category: cut-offs of the pooled training windows (latest first). */
  pooling?: { trainCutoffs: string[]; refitCutoffs: string[] } | null;
  /** The same model deciding as if every class were equally common (absent in older results). */
  balancedDecision?: { accuracy: number; macroPrecision: number; macroRecall: number; macroF1: number };
  importances?: FeatureImportance[];
  /** Tree model: readable rules per class (raw units), largest support first; absent in older results. */
  classRules?: ClassRuleSet[] | null;
  scored?: number;
  customers: {
    customerId: number;
    externalId: string;
    predicted: string;
    probability: number;
    actual: string | null;
  }[];
}

/** A finished report job's result: the file it wrote. */
export interface ReportResult {
  path: string;
  format: 'html' | 'pdf' | 'xlsx';
  lang?: string;
  sections?: string[];
  bytes?: number;
  seconds?: number;
}

export type AnalysisKind = 'rfm' | 'cluster' | 'clv' | 'recommend-implicit-eval' | 'churn' | 'regress' | 'classify';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The fields each kind's view cannot do without. */
const required: Record<AnalysisKind | 'recommend-for' | 'report', string[]> = {
  rfm: ['segments', 'customers', 'asOf'],
  cluster: ['profiles', 'projection', 'k', 'inertia'],
  clv: ['bgnbd', 'totals', 'top', 'calibrationEnd'],
  'recommend-implicit-eval': ['model', 'popularity'],
  'recommend-for': ['items', 'coldStart'],
  churn: ['metrics', 'atRisk', 'asOf'],
  regress: ['metrics', 'top', 'asOf'],
  classify: ['metrics', 'classes', 'customers'],
  report: ['path', 'format'],
};

export interface ResultOf {
  rfm: RfmResult;
  cluster: ClusterResult;
  clv: ClvResult;
  'recommend-implicit-eval': ImplicitEvalResult;
  'recommend-for': RecommendResult;
  churn: ChurnResult;
  regress: RegressResult;
  classify: ClassifyResult;
  report: ReportResult;
}

/** The value as a result of the given kind, or null when it lacks a field the view needs. */
export function asResult<K extends keyof ResultOf>(kind: K, value: unknown): ResultOf[K] | null {
  if (!isRecord(value)) return null;
  return required[kind].every((f) => value[f] !== undefined) ? (value as unknown as ResultOf[K]) : null;
}
