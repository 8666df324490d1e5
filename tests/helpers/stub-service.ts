/**
 * A stand-in for WorkbenchService for the doors' tests: the same call/onEvent
 * surface and the same contract validation, canned answers instead of SQLite.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  api,
  isMethod,
  type ImportPreview,
  type ImportResult,
  type JobState,
  type ServerEvent,
  type Stats,
} from '../../src-main/core/api/contract.ts';
import type { ApiErrorCode } from '../../src-main/core/api/error-codes.ts';
import { suggestMapping } from '../../src-main/core/import/fields.ts';

export class StubApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  constructor(code: StubApiError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export const stubStats: Stats = {
  customers: 20000,
  orders: 51234,
  orderItems: 120000,
  products: 300,
  events: 0,
  ratings: 0,
  reviews: 0,
  revenue: 4_321_987.65,
  returns: 812,
  returnedAmount: 54_321.5,
  cancelled: 120,
  firstOrderAt: '2023-01-02T00:00:00.000Z',
  lastOrderAt: '2024-12-30T00:00:00.000Z',
};

export function stubJob(patch: Partial<JobState> = {}): JobState {
  return {
    id: 'job-1',
    kind: 'import',
    status: 'running',
    done: 10,
    total: 100,
    unit: 'rows',
    ratePerSecond: 5,
    etaSeconds: 18,
    message: null,
    error: null,
    startedAt: Date.now(),
    finishedAt: null,
    ...patch,
  };
}

export class StubService {
  readonly calls: { method: string; input: unknown }[] = [];
  private readonly listeners = new Set<(e: ServerEvent) => void>();
  private readonly jobs = new Map<string, JobState>();
  private nextJob = 1;
  stats: Stats;

  constructor(stats: Stats = stubStats) {
    this.stats = stats;
  }

  async call(method: string, rawInput: unknown): Promise<unknown> {
    this.calls.push({ method, input: rawInput });
    if (!isMethod(method)) throw new StubApiError('not_found', `unknown method: ${method}`);
    const parsed = api[method].input.safeParse(rawInput ?? {});
    if (!parsed.success) throw new StubApiError('invalid_input', z.prettifyError(parsed.error));
    const input = parsed.data as Record<string, unknown>;
    switch (method) {
      case 'stats.get':
        return this.stats;
      case 'workspace.info':
        return { path: '/tmp/stub.db', schemaVersion: 1, isSample: true };
      case 'jobs.list':
        return [...this.jobs.values()];
      case 'jobs.get': {
        if (input['jobId'] === 'boom') throw new Error('disk on fire');
        return this.jobs.get(String(input['jobId'])) ?? stubJob();
      }
      case 'jobs.cancel':
        return { cancelled: false };
      case 'sample.start':
        return {
          jobId: this.runJob('sample', 'customers', Number(input['customers']), () => (this.stats = stubStats)),
        };
      case 'import.preview':
        return previewOf(String(input['path']));
      case 'import.start': {
        const preview = previewOf(String(input['path']));
        const rows = preview.rows.length;
        const result: ImportResult = {
          runId: 1,
          kind: preview.kind ?? 'orders',
          rowsRead: rows,
          rowsImported: rows - 1,
          rowsRejected: 1,
          tables: { orders: rows - 1 },
          touched: { orders: rows - 1 },
          errors: [{ line: 3, column: 'Quantity', reason: 'not a number: "x"' }],
          errorCount: 1,
          seconds: 0.2,
        };
        return { jobId: this.runJob('import', 'rows', rows, () => result) };
      }
      default:
        throw new StubApiError('failed', `stub does not implement ${method}`);
    }
  }

  /** A job that runs for a few hundred milliseconds, reporting progress like the real runner. */
  private runJob(kind: string, unit: string, total: number, finish: () => unknown): string {
    const id = `stub-${this.nextJob++}`;
    const startedAt = Date.now();
    const publish = (patch: Partial<JobState>) => {
      const job = { ...stubJob({ id, kind, unit, total, done: 0, startedAt }), ...patch };
      this.jobs.set(id, job);
      this.emit({ type: 'job', job });
    };
    publish({ status: 'running' });
    setTimeout(
      () => publish({ status: 'running', done: Math.floor(total / 2), ratePerSecond: total, etaSeconds: 1 }),
      150,
    );
    setTimeout(() => {
      const result = finish();
      publish({ status: 'completed', done: total, result, etaSeconds: null, finishedAt: Date.now() });
    }, 400);
    return id;
  }

  onEvent(listener: (e: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ServerEvent): void {
    for (const l of this.listeners) l(event);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** A canned preview built from the file's first lines (comma-separated, UTF-8). */
function previewOf(path: string): ImportPreview {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = (lines[0] ?? '').split(',');
  return {
    path,
    format: 'delimited',
    encoding: 'utf-8',
    encodingSource: 'detected',
    delimiter: ',',
    header,
    rows: lines.slice(1, 21).map((l) => l.split(',')),
    kind: 'order-lines',
    mapping: suggestMapping(header, 'order-lines'),
    mappingSource: 'suggested',
    missingRequired: [],
  };
}
