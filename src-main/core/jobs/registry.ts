/**
 * Job kinds a worker can run. Each handler opens its own connection to the
 * workspace (better-sqlite3 connections cannot cross threads) and closes it.
 */
import type { ImportOptions } from '../api/contract.ts';
import { runClv, runRfm, type ClvParams, type RfmParams } from '../analytics/jobs.ts';
import { runCampaign, type CampaignParams } from '../analytics/campaign/job.ts';
import { runCluster, type ClusterParams } from '../analytics/cluster/job.ts';
import { runDemand, type DemandParams } from '../analytics/demand/job.ts';
import { runNextAction, type NextActionParams } from '../analytics/nextaction/job.ts';
import { runChurn, type ChurnParams } from '../analytics/models/job.ts';
import { runRegress, type RegressParams } from '../analytics/models/regress-job.ts';
import { runClassify, type ClassifyParams } from '../analytics/models/classify-job.ts';
import { openWorkspace } from '../db/workspace.ts';
import { exportSegment, type SegmentExportParams } from '../reports/segment-export.ts';
import {
  recommendFor,
  runImplicitEval,
  type ImplicitEvalParams,
  type RecommendForParams,
} from '../recommend/implicit/job.ts';
import { runRecommendEval, type RecommendEvalParams } from '../recommend/job.ts';
import { runImport } from '../import/importer.ts';
import { createReport, type ReportParams } from '../reports/create.ts';
import { generateSampleShop } from '../sample/index.ts';
import { UserError, type JobContext, type JobHandler } from './context.ts';

function withDb<T>(ctx: JobContext, fn: (db: ReturnType<typeof openWorkspace>) => Promise<T> | T): Promise<T> {
  const db = openWorkspace(ctx.dbPath);
  return Promise.resolve()
    .then(() => fn(db))
    .finally(() => db.close());
}

export const handlers: Record<string, JobHandler> = {
  clv: (params, ctx) => withDb(ctx, (db) => runClv(db, params as ClvParams, ctx)),
  rfm: (params, ctx) => withDb(ctx, (db) => runRfm(db, params as RfmParams, ctx)),
  cluster: (params, ctx) => withDb(ctx, (db) => runCluster(db, params as ClusterParams, ctx)),
  'next-action': (params, ctx) => withDb(ctx, (db) => runNextAction(db, params as NextActionParams, ctx)),
  demand: (params, ctx) => withDb(ctx, (db) => runDemand(db, params as DemandParams, ctx)),
  campaign: (params, ctx) => withDb(ctx, (db) => runCampaign(db, params as CampaignParams, ctx)),
  churn: (params, ctx) => withDb(ctx, (db) => runChurn(db, params as ChurnParams, ctx)),
  regress: (params, ctx) => withDb(ctx, (db) => runRegress(db, params as RegressParams, ctx)),
  classify: (params, ctx) => withDb(ctx, (db) => runClassify(db, params as ClassifyParams, ctx)),
  'recommend-implicit-eval': (params, ctx) =>
    withDb(ctx, (db) => runImplicitEval(db, params as ImplicitEvalParams, ctx)),
  'recommend-for': (params, ctx) => withDb(ctx, (db) => recommendFor(db, params as RecommendForParams)),
  'recommend-eval': (params, ctx) => withDb(ctx, (db) => runRecommendEval(db, params as RecommendEvalParams, ctx)),
  import: (params, ctx) => withDb(ctx, (db) => runImport(db, params as ImportOptions, ctx)),
  'segment-export': (params, ctx) => withDb(ctx, (db) => exportSegment(db, params as SegmentExportParams, ctx)),
  report: (params, ctx) => withDb(ctx, (db) => createReport(db, params as ReportParams, ctx)),
  sample: (params, ctx) =>
    withDb(ctx, (db) => {
      const { customers, seed } = params as { customers: number; seed: number };
      try {
        return generateSampleShop(db, {
          customers,
          seed,
          onProgress: (done, total) => ctx.progress(done, total),
          shouldCancel: () => ctx.cancelled,
        });
      } catch (err) {
        if (ctx.cancelled) ctx.throwIfCancelled();
        if (err instanceof Error && /already has|not empty/i.test(err.message)) throw new UserError(err.message);
        throw err;
      }
    }),
};
