/**
 * The core behind every door: validates a call against the contract, runs it
 * and validates what it returns. Electron IPC, the HTTP server and the CLI hold
 * one of these per open workspace.
 */
import { z } from 'zod';
import {
  api,
  isMethod,
  type ApiErrorCode,
  type Input,
  type JobState,
  type Method,
  type Output,
  type ServerEvent,
} from './contract.ts';
import { openWorkspace, getMeta, schemaVersion, type Db } from '../db/workspace.ts';
import { JobRunner } from '../jobs/runner.ts';
import { FiguresCache } from '../stats/figures.ts';
import { previewImport } from '../import/preview.ts';
import { listImportRuns, listImportErrors } from '../import/runs.ts';
import { analysisResult, listAnalysisRuns } from '../analytics/runs.ts';
import { rfmCustomersPage } from '../analytics/rfm-scores.ts';
import { ChatHost, type ChatEvent, type ChatHostOptions } from '../chat/host.ts';
import { chatHandlers } from '../chat/handlers.ts';
import { defaultModelsDir } from '../llm/models.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  constructor(code: ApiError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Errors the core raises for a user's mistake; their message is meant for the user. */
const userErrors = new Set(['UserError', 'ImportError', 'WorkspaceError']);

type Handlers = { [M in Method]: (input: z.infer<(typeof api)[M]['input']>) => Promise<Output<M>> | Output<M> };

export interface ServiceOptions {
  /** The model library folder (default ~/.merchant-workbench/models or $WORKBENCH_MODELS). */
  modelsDir?: string;
  /** How the chat's model process loads models (threads, context, GPU). */
  llm?: ChatHostOptions;
}

export class WorkbenchService {
  readonly dbPath: string;
  readonly jobs: JobRunner;
  readonly modelsDir: string;
  private readonly db: Db;
  private readonly handlers: Handlers;
  private readonly chat: ChatHost;
  private readonly figures: FiguresCache;
  private readonly chatListeners = new Set<(event: ChatEvent) => void>();

  constructor(dbPath: string, options: ServiceOptions = {}) {
    this.dbPath = dbPath;
    this.db = openWorkspace(dbPath);
    this.jobs = new JobRunner(dbPath);
    this.modelsDir = options.modelsDir ?? defaultModelsDir();
    this.figures = new FiguresCache(dbPath, this.db);
    // Jobs that change the shop's data make the Overview's figures stale.
    this.jobs.onUpdate((job) => {
      if (job.finishedAt !== null && (job.kind === 'import' || job.kind === 'sample')) this.figures.clear();
    });
    this.chat = new ChatHost(this.db, options.llm ?? {}, (event) => {
      for (const l of this.chatListeners) l(event);
    });
    this.handlers = this.createHandlers();
  }

  /** Validates the raw input, runs the method, validates the output. */
  async call(method: string, rawInput: unknown): Promise<unknown> {
    if (!isMethod(method)) throw new ApiError('not_found', `unknown method: ${method}`);
    const parsed = api[method].input.safeParse(rawInput ?? {});
    if (!parsed.success) throw new ApiError('invalid_input', z.prettifyError(parsed.error));
    const handler = this.handlers[method] as (input: unknown) => unknown;
    let output: unknown;
    try {
      output = await handler(parsed.data);
    } catch (err) {
      if (err instanceof Error && userErrors.has(err.name)) throw new ApiError('rejected', err.message);
      throw err;
    }
    return api[method].output.parse(output);
  }

  /** Typed convenience for callers inside the main process (CLI). */
  invoke<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
    return this.call(method, input) as Promise<Output<M>>;
  }

  /** Job events only (the CLI and tests follow jobs). */
  onJob(listener: (event: { type: 'job'; job: JobState }) => void): () => void {
    return this.jobs.onUpdate((job) => listener({ type: 'job', job }));
  }

  onEvent(listener: (event: ServerEvent) => void): () => void {
    const offJobs = this.jobs.onUpdate((job) => listener({ type: 'job', job }));
    this.chatListeners.add(listener);
    return () => {
      offJobs();
      this.chatListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    await this.chat.close();
    await this.jobs.close();
    this.db.close();
  }

  private createHandlers(): Handlers {
    const db = this.db;
    const jobs = this.jobs;
    const job = (id: string) => {
      const state = jobs.get(id);
      if (!state) throw new ApiError('not_found', `no job ${id}`);
      return state;
    };
    const unavailable = (): never => {
      throw new ApiError('rejected', 'switching workspaces is done by the app or browser mode, not this service');
    };
    return {
      'workspace.info': () => ({
        path: this.dbPath,
        schemaVersion: schemaVersion(db),
        isSample: getMeta(db, 'sample_truth') !== undefined,
      }),
      // A bare service is one workspace (the CLI's); the doors' WorkspaceHost answers these.
      'workspaces.list': unavailable,
      'workspaces.open': unavailable,
      'workspaces.create': unavailable,
      'stats.get': async () => (await this.figures.get({ kind: 'stats' })) as Output<'stats.get'>,
      'stats.trend': async (input) =>
        (await this.figures.get({
          kind: 'trend',
          unit: input.unit,
          compareDays: input.compareDays,
        })) as Output<'stats.trend'>,
      'import.preview': (input) => previewImport(db, input),
      'import.start': (input) => ({ jobId: jobs.start('import', input).id }),
      'import.runs': () => listImportRuns(db),
      'import.errors': (input) => listImportErrors(db, input.runId, input.offset, input.limit),
      'sample.start': (input) => ({ jobId: jobs.start('sample', input, 'customers').id }),
      'analysis.clv': (input) => ({ jobId: jobs.start('clv', input, 'steps').id }),
      'analysis.rfm': (input) => ({ jobId: jobs.start('rfm', input, 'steps').id }),
      'segments.customers': (input) => rfmCustomersPage(db, input),
      'segments.export': (input) => ({ jobId: jobs.start('segment-export', input, 'customers').id }),
      'analysis.runs': (input) => listAnalysisRuns(db, input.kind),
      'analysis.result': (input) => {
        const result = analysisResult(db, input.runId);
        if (result === undefined) throw new ApiError('not_found', `no analysis run ${input.runId}`);
        return result;
      },
      'analysis.cluster': (input) => ({ jobId: jobs.start('cluster', input, 'steps').id }),
      'analysis.churn': (input) => ({ jobId: jobs.start('churn', input, 'steps').id }),
      'analysis.nextAction': (input) => ({ jobId: jobs.start('next-action', input, 'steps').id }),
      'analysis.demand': (input) => ({ jobId: jobs.start('demand', input, 'steps').id }),
      'analysis.campaign': (input) => ({ jobId: jobs.start('campaign', input, 'steps').id }),
      'analysis.regress': (input) => ({ jobId: jobs.start('regress', input, 'steps').id }),
      'analysis.classify': (input) => ({ jobId: jobs.start('classify', input, 'steps').id }),
      'recommend.implicitEval': (input) => ({ jobId: jobs.start('recommend-implicit-eval', input, 'steps').id }),
      'recommend.for': (input) => ({ jobId: jobs.start('recommend-for', input, 'steps').id }),
      'recommend.eval': (input) => ({
        jobId: jobs.start('recommend-eval', { ...input, sim: input.sim?.replace('-', '_') }, 'folds').id,
      }),
      'report.create': (input) => ({ jobId: jobs.start('report', input, 'steps').id }),
      'jobs.get': (input) => job(input.jobId),
      'jobs.list': () => jobs.list(),
      'jobs.cancel': (input) => ({ cancelled: jobs.cancel(input.jobId) }),
      ...chatHandlers(db, this.chat, this.modelsDir, jobs),
    };
  }
}
