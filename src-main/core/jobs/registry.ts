/**
 * Job kinds a worker can run. Each handler opens its own connection to the
 * workspace (better-sqlite3 connections cannot cross threads) and closes it.
 * Handlers load their module when a job of their kind runs: a worker runs one
 * job, and loading every analysis (echarts for reports, exceljs …) up front
 * cost about two seconds before each job, imports included.
 */
import { statSync } from 'node:fs';
import type { ImportOptions } from '../api/contract.ts';
import type { ClvParams, RfmParams } from '../analytics/jobs.ts';
import type { CampaignParams } from '../analytics/campaign/job.ts';
import type { ClusterParams } from '../analytics/cluster/job.ts';
import type { DemandParams } from '../analytics/demand/job.ts';
import type { NextActionParams } from '../analytics/nextaction/job.ts';
import type { ChurnParams } from '../analytics/models/job.ts';
import type { RegressParams } from '../analytics/models/regress-job.ts';
import type { ClassifyParams } from '../analytics/models/classify-job.ts';
import { openWorkspace } from '../db/workspace.ts';
import type { SegmentExportParams } from '../reports/segment-export.ts';
import type { ImplicitEvalParams, RecommendForParams } from '../recommend/implicit/job.ts';
import type { RecommendEvalParams } from '../recommend/job.ts';
import type { ReportParams } from '../reports/create.ts';
import { UserError, type JobContext, type JobHandler } from './context.ts';

function withDb<T>(ctx: JobContext, fn: (db: ReturnType<typeof openWorkspace>) => Promise<T> | T): Promise<T> {
  // The door checked the file when it opened the workspace; a per-job check would read every page again.
  const db = openWorkspace(ctx.dbPath, { check: false });
  return Promise.resolve()
    .then(() => fn(db))
    .finally(() => (ctx.afterResult ? ctx.afterResult(() => db.close()) : db.close()));
}

export const handlers: Record<string, JobHandler> = {
  clv: async (params, ctx) => {
    const { runClv } = await import('../analytics/jobs.ts');
    return withDb(ctx, (db) => runClv(db, params as ClvParams, ctx));
  },
  rfm: async (params, ctx) => {
    const { runRfm } = await import('../analytics/jobs.ts');
    return withDb(ctx, (db) => runRfm(db, params as RfmParams, ctx));
  },
  cluster: async (params, ctx) => {
    const { runCluster } = await import('../analytics/cluster/job.ts');
    return withDb(ctx, (db) => runCluster(db, params as ClusterParams, ctx));
  },
  'next-action': async (params, ctx) => {
    const { runNextAction } = await import('../analytics/nextaction/job.ts');
    return withDb(ctx, (db) => runNextAction(db, params as NextActionParams, ctx));
  },
  demand: async (params, ctx) => {
    const { runDemand } = await import('../analytics/demand/job.ts');
    return withDb(ctx, (db) => runDemand(db, params as DemandParams, ctx));
  },
  campaign: async (params, ctx) => {
    const { runCampaign } = await import('../analytics/campaign/job.ts');
    return withDb(ctx, (db) => runCampaign(db, params as CampaignParams, ctx));
  },
  churn: async (params, ctx) => {
    const { runChurn } = await import('../analytics/models/job.ts');
    return withDb(ctx, (db) => runChurn(db, params as ChurnParams, ctx));
  },
  regress: async (params, ctx) => {
    const { runRegress } = await import('../analytics/models/regress-job.ts');
    return withDb(ctx, (db) => runRegress(db, params as RegressParams, ctx));
  },
  classify: async (params, ctx) => {
    const { runClassify } = await import('../analytics/models/classify-job.ts');
    return withDb(ctx, (db) => runClassify(db, params as ClassifyParams, ctx));
  },
  'recommend-implicit-eval': async (params, ctx) => {
    const { runImplicitEval } = await import('../recommend/implicit/job.ts');
    return withDb(ctx, (db) => runImplicitEval(db, params as ImplicitEvalParams, ctx));
  },
  'recommend-for': async (params, ctx) => {
    const { recommendFor } = await import('../recommend/implicit/job.ts');
    return withDb(ctx, (db) => recommendFor(db, params as RecommendForParams));
  },
  'recommend-eval': async (params, ctx) => {
    const { runRecommendEval } = await import('../recommend/job.ts');
    return withDb(ctx, (db) => runRecommendEval(db, params as RecommendEvalParams, ctx));
  },
  import: async (params, ctx) => {
    // A big file's reader thread boots while this one loads the importer and plans the import.
    const { ReaderThread, THREAD_MIN_BYTES } = await import('../import/reader-thread.ts');
    const path = (params as ImportOptions).path;
    const size = typeof path === 'string' ? (statSync(path, { throwIfNoEntry: false })?.size ?? 0) : 0;
    const reader = size >= THREAD_MIN_BYTES ? ReaderThread.start() : null;
    try {
      const { runImport } = await import('../import/importer.ts');
      return await withDb(ctx, (db) => runImport(db, params as ImportOptions, ctx, reader));
    } finally {
      await reader?.stop(); // when the import never got to it
    }
  },
  'segment-export': async (params, ctx) => {
    const { exportSegment } = await import('../reports/segment-export.ts');
    return withDb(ctx, (db) => exportSegment(db, params as SegmentExportParams, ctx));
  },
  report: async (params, ctx) => {
    const { createReport } = await import('../reports/create.ts');
    return withDb(ctx, (db) => createReport(db, params as ReportParams, ctx));
  },
  sample: async (params, ctx) => {
    const { generateSampleShop } = await import('../sample/index.ts');
    return withDb(ctx, (db) => {
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
    });
  },
};
