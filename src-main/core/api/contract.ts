/**
 * The one API contract. Electron IPC, the CLI and browser mode serve these
 * methods, and the renderer calls them; every door validates the input with the
 * schema here before the core sees it. Kept free of Node imports so the
 * renderer can bundle it.
 */
import { z } from 'zod';
import { importKinds } from '../import/fields.ts';
import { apiErrorCodes } from './error-codes.ts';
import { reportFormats, reportLangs, reportSections } from '../reports/sections.ts';
import { chatApi, chatEventSchema, downloadEventSchema } from './contract-chat.ts';

export { apiErrorCodes, type ApiErrorCode } from './error-codes.ts';

export const importKindSchema = z.enum(['auto', ...importKinds]);

export const missingPolicySchema = z.union([
  z.enum(['drop', 'ffill', 'mean', 'median', 'mode', 'keep']),
  z.object({ constant: z.union([z.string(), z.number()]) }),
]);

export const importOptionsSchema = z.object({
  path: z.string().min(1),
  kind: importKindSchema.default('auto'),
  encoding: z.string().optional(),
  format: z.enum(['delimited', 'whitespace', 'xlsx', 'json', 'ndjson']).optional(),
  delimiter: z.string().optional(),
  sheet: z.string().optional(),
  /** Names of a headerless file's columns in order (field names; `_` skips a column). */
  columns: z.array(z.string()).optional(),
  /** Overrides of the suggested mapping: source column → field name, or null to ignore it. */
  map: z.record(z.string(), z.string().nullable()).optional(),
  /** Per-field missing-value policy; fields without one reject rows missing a required value. */
  missing: z.record(z.string(), missingPolicySchema).optional(),
  /** Keep names, phones, emails and addresses as they are instead of pseudonymizing them. */
  keepPii: z.boolean().default(false),
  /** Slash dates: month first (US exports) or day first; detected from the data when absent. */
  dateOrder: z.enum(['mdy', 'dmy']).optional(),
});
export type ImportOptions = z.input<typeof importOptionsSchema>;
/** Import options with their defaults filled in. */
export type ImportSettings = z.output<typeof importOptionsSchema>;

export const rowErrorSchema = z.object({
  line: z.number().int(),
  column: z.string().nullable(),
  reason: z.string(),
});

export const importPreviewSchema = z.object({
  path: z.string(),
  format: z.string(),
  encoding: z.string(),
  encodingSource: z.string(),
  delimiter: z.string().nullable(),
  header: z.array(z.string()),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  kind: importKindSchema.exclude(['auto']).nullable(),
  mapping: z.record(z.string(), z.string().nullable()),
  /** Where the mapping came from: remembered for this layout, a known platform's export, header names, --columns. */
  mappingSource: z.enum(['remembered', 'preset', 'suggested', 'columns']),
  missingRequired: z.array(z.string()),
  /** What the check of the first values found: columns left unmapped and why, mixed currencies. */
  notes: z.array(z.string()).optional(),
});
export type ImportPreview = z.infer<typeof importPreviewSchema>;

export const tableCountsSchema = z.record(z.string(), z.number());

export const importResultSchema = z.object({
  runId: z.number().int().nullable(),
  kind: z.string(),
  rowsRead: z.number().int(),
  rowsImported: z.number().int(),
  rowsRejected: z.number().int(),
  /** Rows added to each table (0 everywhere when the same file is imported again). */
  tables: tableCountsSchema,
  /** Rows this import created or updated in each table. */
  touched: tableCountsSchema,
  errors: z.array(rowErrorSchema),
  errorCount: z.number().int(),
  seconds: z.number(),
});
export type ImportResult = z.infer<typeof importResultSchema>;

export const statsSchema = z.object({
  customers: z.number().int(),
  orders: z.number().int(),
  orderItems: z.number().int(),
  products: z.number().int(),
  events: z.number().int(),
  ratings: z.number().int(),
  reviews: z.number().int(),
  revenue: z.number(),
  returns: z.number().int(),
  returnedAmount: z.number(),
  cancelled: z.number().int(),
  firstOrderAt: z.string().nullable(),
  lastOrderAt: z.string().nullable(),
});
export type Stats = z.infer<typeof statsSchema>;

const windowFiguresSchema = z.object({
  from: z.string(),
  to: z.string(),
  orders: z.number().int(),
  revenue: z.number(),
  activeCustomers: z.number().int(),
  averageOrderValue: z.number().nullable(),
});

export const trendSchema = z.object({
  unit: z.enum(['month', 'week']),
  points: z.array(
    z.object({
      period: z.string(),
      orders: z.number().int(),
      revenue: z.number(),
      activeCustomers: z.number().int(),
      newCustomers: z.number().int(),
    }),
  ),
  repeatRate: z.number().nullable(),
  comparison: z
    .object({ days: z.number().int(), current: windowFiguresSchema, previous: windowFiguresSchema })
    .nullable(),
});
export type Trend = z.infer<typeof trendSchema>;

export const jobStateSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  done: z.number(),
  total: z.number().nullable(),
  unit: z.string(),
  ratePerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  result: z.unknown().optional(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type JobState = z.infer<typeof jobStateSchema>;

export const importRunSchema = z.object({
  id: z.number().int(),
  fileName: z.string(),
  kind: z.string(),
  startedAt: z.number(),
  rowsRead: z.number().int(),
  rowsImported: z.number().int(),
  rowsRejected: z.number().int(),
});

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const clvInputSchema = z.object({
  calibrationEnd: isoDay,
  timeUnit: z.enum(['day', 'week']).default('week'),
  /** Months of future value to sum. */
  horizon: z.number().int().min(1).max(120).optional(),
  /** Monthly discount rate. */
  discountRate: z.number().min(0).max(1).optional(),
});

export const rfmInputSchema = z.object({
  asOf: isoDay.optional(),
  windowDays: z.number().int().min(1).optional(),
});

export const analysisRunSchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  status: z.string(),
  params: z.unknown(),
  metrics: z.unknown(),
  createdAt: z.number(),
});

export const recommendEvalInputSchema = z.object({
  algo: z.enum(['baseline', 'user-knn', 'item-knn', 'knn', 'svd', 'svdpp', 'blend']),
  sim: z.enum(['cosine', 'msd', 'pearson', 'pearson-baseline', 'pearson_baseline']).optional(),
  k: z.number().int().min(1).max(1000).optional(),
  centered: z.enum(['none', 'mean', 'baseline']).optional(),
  userBased: z.boolean().optional(),
  folds: z.number().int().min(2).max(20).default(5),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
});

export const clusterInputSchema = z.object({
  features: z
    .array(z.enum(['recency', 'frequency', 'monetary', 'tenure', 'aov']))
    .min(1)
    .default(['recency', 'frequency', 'monetary']),
  transform: z.array(z.enum(['log1p', 'standardize', 'minmax'])).default(['log1p', 'standardize']),
  algorithm: z.enum(['kmeans', 'dbscan']).default('kmeans'),
  k: z.number().int().min(1).max(100).optional(),
  kRange: z.tuple([z.number().int().min(2), z.number().int().max(100)]).optional(),
  nInit: z.number().int().min(1).max(100).optional(),
  seed: z.number().int().min(0).default(0),
  eps: z.number().positive().optional(),
  minSamples: z.number().int().min(1).optional(),
  asOf: isoDay.optional(),
});

export const churnInputSchema = z.object({
  asOf: isoDay,
  horizonDays: z.number().int().min(7).max(730).default(90),
  model: z.enum(['logistic', 'tree']).default('logistic'),
  seed: z.number().int().min(0).default(0),
  C: z.number().positive().optional(),
  maxDepth: z.number().int().min(1).max(20).optional(),
  minSamplesLeaf: z.number().int().min(1).optional(),
  top: z.number().int().min(1).max(10_000).optional(),
  trainWindows: z.number().int().min(1).max(12).optional(),
});

export const regressInputSchema = z.object({
  asOf: isoDay,
  horizonDays: z.number().int().min(7).max(730).default(90),
  model: z.enum(['ols', 'ridge', 'lasso']).default('ridge'),
  alpha: z.number().positive().optional(),
  seed: z.number().int().min(0).default(0),
  top: z.number().int().min(1).max(10_000).optional(),
});

export const classifyInputSchema = z.object({
  asOf: isoDay.optional(),
  target: z
    .enum(['preferred-category', 'gender', 'ageGroup', 'city', 'country', 'occupation'])
    .default('preferred-category'),
  horizonDays: z.number().int().min(7).max(730).default(90),
  model: z.enum(['logistic', 'tree', 'mlp']).default('logistic'),
  seed: z.number().int().min(0).default(0),
  C: z.number().positive().optional(),
  maxDepth: z.number().int().min(1).max(12).optional(),
  minSamplesLeaf: z.number().int().min(1).optional(),
  hidden: z.number().int().min(1).max(512).optional(),
  correlationThreshold: z.number().gt(0).max(1).optional(),
  minClassSize: z.number().int().min(1).optional(),
  top: z.number().int().min(1).max(10_000).optional(),
  holdout: z.enum(['random', 'newest']).optional(),
  trainWindows: z.number().int().min(1).max(12).optional(),
});

export const nextActionInputSchema = z.object({
  cutoff: z.string().optional(),
  order: z.union([z.literal(1), z.literal(2)]).default(2),
  prefixes: z.array(z.array(z.string()).min(1)).optional(),
});

export const demandInputSchema = z.object({
  level: z.enum(['category', 'product']).default('category'),
  weeks: z.number().int().min(1).max(52).optional(),
  holdoutWeeks: z.number().int().min(1).max(52).optional(),
  leadTimeWeeks: z.number().int().min(1).max(52).optional(),
  top: z.number().int().min(1).max(10_000).optional(),
});

export const campaignInputSchema = z.object({ campaign: z.string().min(1).optional() });

export const implicitEvalInputSchema = z.object({
  split: z.enum(['leave-last-out', 'time']).default('leave-last-out'),
  cutoff: isoDay.optional(),
  k: z.number().int().min(1).max(1000).default(10),
  neighbours: z.number().int().min(1).max(10_000).optional(),
  weighting: z.enum(['cosine', 'bm25']).optional(),
  seed: z.number().int().min(0).default(0),
  /** item-knn (default) or implicit ALS; factors … iterations apply to als only. */
  algo: z.enum(['item-knn', 'als']).optional(),
  factors: z.number().int().min(1).max(1024).optional(),
  regularization: z.number().min(0).optional(),
  alpha: z.number().min(0).optional(),
  iterations: z.number().int().min(1).max(1000).optional(),
});

export const recommendForInputSchema = z
  .object({
    customer: z.string().min(1).optional(),
    alsoBought: z.string().min(1).optional(),
    segment: z.string().min(1).optional(),
    n: z.number().int().min(1).max(1000).default(10),
    /** item-knn (default) or implicit ALS, fitted at call time with these settings. */
    algo: z.enum(['item-knn', 'als']).optional(),
    factors: z.number().int().min(1).max(1024).optional(),
    regularization: z.number().min(0).optional(),
    alpha: z.number().min(0).optional(),
    iterations: z.number().int().min(1).max(1000).optional(),
  })
  .refine(
    (v) => [v.customer, v.alsoBought, v.segment].filter((x) => x !== undefined).length === 1,
    'give one of a customer, an also-bought SKU or a segment',
  );

/** A report file from the stored results; the job's result holds its path (see reports/create.ts). */
export const reportInputSchema = z.object({
  format: z.enum(reportFormats),
  sections: z.array(z.enum(reportSections)).optional(),
  lang: z.enum(reportLangs).default('en'),
  out: z.string().min(1).optional(),
});

/** One page of an RFM run's customers, sorted and filtered in SQL (the Segments view's drill-down). */
export const rfmCustomersInputSchema = z.object({
  runId: z.number().int().optional(),
  segment: z.string().min(1).optional(),
  sort: z.enum(['monetary', 'frequency', 'recency', 'score']).default('monetary'),
  descending: z.boolean().default(true),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(50),
});

const rfmCustomersPageSchema = z.object({
  runId: z.number().int().nullable(),
  total: z.number().int(),
  rows: z.array(
    z.object({
      externalId: z.string(),
      segment: z.string(),
      r: z.number().int(),
      f: z.number().int(),
      m: z.number().int(),
      recencyDays: z.number(),
      frequency: z.number(),
      monetary: z.number(),
      city: z.string().nullable(),
    }),
  ),
});

const workspacesSchema = z.object({
  folder: z.string(),
  current: z.string(),
  workspaces: z.array(
    z.object({
      path: z.string(),
      name: z.string(),
      sizeBytes: z.number(),
      modifiedAt: z.number().nullable(),
      current: z.boolean(),
    }),
  ),
});

const empty = z.object({});
const jobRef = z.object({ jobId: z.string() });

/** Method name → input and output schema. */
export const api = {
  'workspace.info': {
    input: empty,
    output: z.object({ path: z.string(), schemaVersion: z.number().int(), isSample: z.boolean() }),
  },
  // Served by the door's WorkspaceHost (core/workspaces/host.ts), which owns the open workspace.
  'workspaces.list': { input: empty, output: workspacesSchema },
  'workspaces.open': { input: z.object({ path: z.string().min(1) }), output: workspacesSchema },
  'workspaces.create': {
    input: z.object({ name: z.string().min(1).max(80), sample: z.boolean().default(false) }),
    output: workspacesSchema.extend({ jobId: z.string().nullable() }),
  },
  'stats.get': { input: empty, output: statsSchema },
  'stats.trend': {
    input: z.object({
      unit: z.enum(['month', 'week']).default('month'),
      compareDays: z.number().int().min(1).max(366).default(30),
    }),
    output: trendSchema,
  },
  'import.preview': { input: importOptionsSchema, output: importPreviewSchema },
  'import.start': { input: importOptionsSchema, output: jobRef },
  'import.runs': { input: empty, output: z.array(importRunSchema) },
  'import.errors': {
    input: z.object({
      runId: z.number().int(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    output: z.object({ total: z.number().int(), errors: z.array(rowErrorSchema) }),
  },
  'sample.start': {
    input: z.object({
      customers: z.number().int().min(10).max(5_000_000).default(20_000),
      seed: z.number().int().default(42),
    }),
    output: jobRef,
  },
  'analysis.clv': { input: clvInputSchema, output: jobRef },
  'analysis.rfm': { input: rfmInputSchema, output: jobRef },
  'segments.customers': { input: rfmCustomersInputSchema, output: rfmCustomersPageSchema },
  'segments.export': {
    input: z.object({
      segment: z.string().min(1).optional(),
      format: z.enum(['csv', 'xlsx']).default('csv'),
      runId: z.number().int().optional(),
    }),
    output: jobRef,
  },
  'analysis.runs': { input: z.object({ kind: z.string().optional() }), output: z.array(analysisRunSchema) },
  'analysis.result': { input: z.object({ runId: z.number().int() }), output: z.unknown() },
  'analysis.cluster': { input: clusterInputSchema, output: jobRef },
  'analysis.churn': { input: churnInputSchema, output: jobRef },
  'analysis.nextAction': { input: nextActionInputSchema, output: jobRef },
  'analysis.demand': { input: demandInputSchema, output: jobRef },
  'analysis.campaign': { input: campaignInputSchema, output: jobRef },
  'analysis.regress': { input: regressInputSchema, output: jobRef },
  'analysis.classify': { input: classifyInputSchema, output: jobRef },
  'recommend.eval': { input: recommendEvalInputSchema, output: jobRef },
  'recommend.implicitEval': { input: implicitEvalInputSchema, output: jobRef },
  'recommend.for': { input: recommendForInputSchema, output: jobRef },
  'report.create': { input: reportInputSchema, output: jobRef },
  'jobs.get': { input: jobRef, output: jobStateSchema },
  'jobs.list': { input: empty, output: z.array(jobStateSchema) },
  'jobs.cancel': { input: jobRef, output: z.object({ cancelled: z.boolean() }) },
  ...chatApi,
} as const;

export type Api = typeof api;
export type Method = keyof Api;
export type Input<M extends Method> = z.input<Api[M]['input']>;
export type Output<M extends Method> = z.infer<Api[M]['output']>;

/** Pushed from the core to every client: job progress and completion, streamed chat replies. */
export const serverEventSchema = z.union([
  z.object({ type: z.literal('job'), job: jobStateSchema }),
  chatEventSchema,
  downloadEventSchema,
  // Another workspace was opened: views reload.
  z.object({ type: z.literal('workspace'), path: z.string() }),
]);
export type ServerEvent = z.infer<typeof serverEventSchema>;

export function isMethod(name: string): name is Method {
  return Object.hasOwn(api, name);
}

/** The error shape every door returns for a call that did not succeed. */
export const apiErrorSchema = z.object({
  error: z.object({ code: z.enum(apiErrorCodes), message: z.string() }),
});
