/**
 * The shapes of the analysis jobs' results as the views read them (from a
 * job's `result` or a stored run's `analysis.result`). The contract types them
 * as unknown; `asResult` checks the fields a view relies on before using one.
 */
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

export type AnalysisKind = 'rfm' | 'cluster' | 'clv' | 'recommend-implicit-eval';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The fields each kind's view cannot do without. */
const required: Record<AnalysisKind | 'recommend-for', string[]> = {
  rfm: ['segments', 'customers', 'asOf'],
  cluster: ['profiles', 'projection', 'k', 'inertia'],
  clv: ['bgnbd', 'totals', 'top', 'calibrationEnd'],
  'recommend-implicit-eval': ['model', 'popularity'],
  'recommend-for': ['items', 'coldStart'],
};

export interface ResultOf {
  rfm: RfmResult;
  cluster: ClusterResult;
  clv: ClvResult;
  'recommend-implicit-eval': ImplicitEvalResult;
  'recommend-for': RecommendResult;
}

/** The value as a result of the given kind, or null when it lacks a field the view needs. */
export function asResult<K extends keyof ResultOf>(kind: K, value: unknown): ResultOf[K] | null {
  if (!isRecord(value)) return null;
  return required[kind].every((f) => value[f] !== undefined) ? (value as unknown as ResultOf[K]) : null;
}
