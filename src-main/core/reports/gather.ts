/**
 * Collects what a report shows from what is already stored: the latest
 * completed run of each analysis, workspace totals, personas and review
 * insights. Nothing is re-fitted; a section whose analysis never ran is null
 * and the report says "not run yet". Two views are derived from stored fits
 * because the runs keep only their top rows: the CLV distribution and the
 * P(alive) matrix (from the stored BG/NBD and Gamma-Gamma parameters), and
 * the per-segment recommendation lists (item-kNN on the workspace's sales).
 */
import type { Stats } from '../api/contract.ts';
import type { Db } from '../db/workspace.ts';
import type { ClvResult, RfmJobResult } from '../analytics/jobs.ts';
import type { ClusterResult } from '../analytics/cluster/job.ts';
import type { ChurnResult } from '../analytics/models/job.ts';
import type { CampaignResult } from '../analytics/campaign/job.ts';
import type { DemandResult } from '../analytics/demand/job.ts';
import type { NextActionResult } from '../analytics/nextaction/job.ts';
import type { ImplicitEvalResult } from '../recommend/implicit/job.ts';
import type { RecommendEvalResult } from '../recommend/job.ts';
import { analysisResult, listAnalysisRuns } from '../analytics/runs.ts';
import { workspaceStats } from '../stats/stats.ts';
import { clvViews as buildClvViews, type ClvDistribution, type PAliveMatrix } from './clv-views.ts';
import { segmentRecommendations, type SegmentList } from './segment-lists.ts';
import type { ReportSection } from './sections.ts';

export interface Stored<T> {
  runId: number;
  createdAt: number;
  result: T;
}

export interface PersonaRow {
  scope: string;
  subject: string;
  persona: unknown;
  model: string;
  createdAt: number;
}

export interface ReviewInsightsSummary {
  analysed: number;
  meanSentiment: number;
  positive: number;
  neutral: number;
  negative: number;
  aspects: { aspect: string; count: number }[];
  /** The most negative reviews first: what needs a reply. */
  items: { product: string | null; rating: number | null; sentiment: number; summary: string; reply: string | null }[];
}

export interface ReportData {
  generatedAt: string;
  workspace: string;
  sections: ReportSection[];
  stats: Stats;
  rfm: Stored<RfmJobResult> | null;
  cluster: Stored<ClusterResult> | null;
  clv: Stored<ClvResult> | null;
  /** Only when the value section is asked for: they read every sale. */
  clvViews: { distribution: ClvDistribution; pAlive: PAliveMatrix } | null;
  churn: Stored<ChurnResult> | null;
  recommendEval: Stored<ImplicitEvalResult> | null;
  /** The latest rating-model cross-validation (`recommend eval --algo …`). */
  ratingEval: Stored<RecommendEvalResult> | null;
  segmentLists: SegmentList[] | null;
  campaign: Stored<CampaignResult> | null;
  demand: Stored<DemandResult> | null;
  nextAction: Stored<NextActionResult> | null;
  personas: PersonaRow[];
  reviews: ReviewInsightsSummary | null;
}

/** The newest completed run of a kind, with its stored result. */
export function latestRun<T>(db: Db, kind: string): Stored<T> | null {
  const run = listAnalysisRuns(db, kind).find((r) => r.status === 'completed');
  if (!run) return null;
  const result = analysisResult(db, run.id);
  if (result === null || result === undefined) return null;
  return { runId: run.id, createdAt: run.createdAt, result: result as T };
}

function personas(db: Db): PersonaRow[] {
  const rows = db
    .prepare(
      `SELECT scope, subject, persona, model, created_at AS createdAt FROM personas ORDER BY scope, subject LIMIT 200`,
    )
    .all() as (Omit<PersonaRow, 'persona'> & { persona: string })[];
  return rows.map((r) => {
    let persona: unknown;
    try {
      persona = JSON.parse(r.persona) as unknown;
    } catch {
      persona = r.persona; // shown as text rather than dropped
    }
    return { ...r, persona };
  });
}

function reviewInsights(db: Db): ReviewInsightsSummary | null {
  const rows = db
    .prepare(
      `SELECT ri.sentiment, ri.aspects, ri.summary, ri.reply, r.rating, p.title, p.sku
         FROM review_insights ri JOIN reviews r ON r.id = ri.review_id LEFT JOIN products p ON p.id = r.product_id
        ORDER BY ri.sentiment, ri.review_id`,
    )
    .all() as {
    sentiment: number;
    aspects: string;
    summary: string;
    reply: string | null;
    rating: number | null;
    title: string | null;
    sku: string | null;
  }[];
  if (rows.length === 0) return null;
  const aspects = new Map<string, number>();
  let sum = 0;
  let positive = 0;
  let negative = 0;
  for (const r of rows) {
    sum += r.sentiment;
    if (r.sentiment > 0.2) positive++;
    else if (r.sentiment < -0.2) negative++;
    let list: unknown;
    try {
      list = JSON.parse(r.aspects) as unknown;
    } catch {
      list = [];
    }
    if (Array.isArray(list)) for (const a of list) if (typeof a === 'string') aspects.set(a, (aspects.get(a) ?? 0) + 1);
  }
  return {
    analysed: rows.length,
    meanSentiment: sum / rows.length,
    positive,
    neutral: rows.length - positive - negative,
    negative,
    aspects: [...aspects]
      .map(([aspect, count]) => ({ aspect, count }))
      .sort((a, b) => b.count - a.count || a.aspect.localeCompare(b.aspect))
      .slice(0, 20),
    items: rows.slice(0, 20).map((r) => ({
      product: r.title ?? r.sku,
      rating: r.rating,
      sentiment: r.sentiment,
      summary: r.summary,
      reply: r.reply,
    })),
  };
}

export interface GatherOptions {
  sections: ReportSection[];
  workspace: string;
  /** Derive the chart-only views (CLV distribution, P(alive) matrix); a spreadsheet does not need them. */
  charts?: boolean;
  /** Called between the slower steps; may throw to cancel. */
  step?: (message: string) => void;
}

export function gatherReportData(db: Db, options: GatherOptions): ReportData {
  const want = new Set(options.sections);
  const step = options.step ?? (() => {});
  const needRfm = want.has('segments') || want.has('overview') || want.has('recommendations');
  const rfm = needRfm ? latestRun<RfmJobResult>(db, 'rfm') : null;
  const clv = want.has('value') || want.has('overview') ? latestRun<ClvResult>(db, 'clv') : null;
  let clvViews: ReportData['clvViews'] = null;
  if (clv && want.has('value') && options.charts !== false) {
    step('customer value');
    clvViews = buildClvViews(db, clv.result);
  }
  let segmentLists: SegmentList[] | null = null;
  if (want.has('recommendations') && rfm) {
    step('recommendations per segment');
    segmentLists = segmentRecommendations(db, rfm.result, 10, rfm.runId);
  }
  const runOf = <T>(section: ReportSection, kind: string) => (want.has(section) ? latestRun<T>(db, kind) : null);
  return {
    generatedAt: new Date().toISOString(),
    workspace: options.workspace,
    sections: options.sections,
    stats: workspaceStats(db),
    rfm,
    cluster: runOf<ClusterResult>('clusters', 'cluster'),
    clv,
    clvViews,
    churn: want.has('churn') || want.has('overview') ? latestRun<ChurnResult>(db, 'churn') : null,
    recommendEval: runOf<ImplicitEvalResult>('recommendations', 'recommend-implicit-eval'),
    ratingEval: runOf<RecommendEvalResult>('recommendations', 'recommend-eval'),
    segmentLists,
    campaign: runOf<CampaignResult>('campaigns', 'campaign'),
    demand: runOf<DemandResult>('campaigns', 'demand'),
    nextAction: runOf<NextActionResult>('campaigns', 'next-action'),
    personas: want.has('personas') ? personas(db) : [],
    reviews: want.has('reviews') ? reviewInsights(db) : null,
  };
}
