/**
 * One job runner for all long work. Each job runs in its own worker thread so
 * the caller's thread (Electron main, the HTTP server, the CLI's progress bar)
 * never blocks. Jobs that write run one at a time: SQLite has one writer, and
 * queuing here is clearer than busy-timeouts inside the workers.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { JobState } from '../api/contract.ts';
import type { WorkerMessage, WorkerStart } from './protocol.ts';
import { CancelledError, type JobContext } from './context.ts';
import { workerResourceLimits } from './limits.ts';

export type JobListener = (job: JobState) => void;

/**
 * A job that must run in this thread because it drives something the thread owns (the language model's
 * process). It shares the queue with the worker jobs, so its writes never race an import for SQLite's lock.
 */
export type LocalJob = (ctx: JobContext, signal: AbortSignal) => Promise<unknown>;

interface Entry {
  state: JobState;
  params: unknown;
  cancelFlag: Int32Array<SharedArrayBuffer>;
  unit: string;
  worker: Worker | null;
  settled: Promise<JobState>;
  resolve: (s: JobState) => void;
  /** First progress sample after start, for an overall rate that noise does not swing. */
  rateBase: { t: number; done: number } | null;
  local: LocalJob | null;
  abort: AbortController | null;
}

let workerUrl: URL = new URL('./worker.ts', import.meta.url);

/** The Electron bundle ships the worker as its own file; it points the runner at it. */
export function setJobWorkerUrl(url: URL): void {
  workerUrl = url;
}

export class JobRunner {
  private readonly jobs = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private running: Entry | null = null;
  /** Resolves when the running job's worker thread has exited (it may still close up after its result). */
  private exited: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<JobListener>();
  private readonly dbPath: string;

  constructor(dbPath: string) {
    this.dbPath = dbPath;
  }

  onUpdate(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues `run` to run in this thread (see LocalJob); otherwise like `start`. */
  startLocal(kind: string, params: unknown, unit: string, run: LocalJob): JobState {
    return this.start(kind, params, unit, run);
  }

  start(kind: string, params: unknown, unit = 'rows', local: LocalJob | null = null): JobState {
    let resolve!: (s: JobState) => void;
    const settled = new Promise<JobState>((r) => (resolve = r));
    const entry: Entry = {
      state: {
        id: randomUUID(),
        kind,
        status: 'queued',
        done: 0,
        total: null,
        unit,
        ratePerSecond: null,
        etaSeconds: null,
        message: null,
        error: null,
        startedAt: Date.now(),
        finishedAt: null,
      },
      params,
      cancelFlag: new Int32Array(new SharedArrayBuffer(4)),
      unit,
      worker: null,
      settled,
      resolve,
      rateBase: null,
      local,
      abort: null,
    };
    this.jobs.set(entry.state.id, entry);
    this.queue.push(entry);
    this.emit(entry);
    this.pump();
    return { ...entry.state };
  }

  get(id: string): JobState | undefined {
    const e = this.jobs.get(id);
    return e ? { ...e.state } : undefined;
  }

  list(): JobState[] {
    return [...this.jobs.values()].map((e) => ({ ...e.state }));
  }

  /** Resolves when the job has finished, whatever the outcome. */
  wait(id: string): Promise<JobState> {
    const e = this.jobs.get(id);
    if (!e) return Promise.reject(new Error(`no job ${id}`));
    return e.settled;
  }

  cancel(id: string): boolean {
    const e = this.jobs.get(id);
    if (!e || e.state.finishedAt !== null) return false;
    Atomics.store(e.cancelFlag, 0, 1);
    e.abort?.abort();
    if (e.state.status === 'queued') {
      this.queue.splice(this.queue.indexOf(e), 1);
      this.finish(e, { status: 'cancelled' });
    }
    return true;
  }

  /** Cancels everything and waits for workers to wind down (their transactions roll back). */
  async close(): Promise<void> {
    for (const id of this.jobs.keys()) this.cancel(id);
    await Promise.all([...this.jobs.values()].map((e) => e.settled));
    await this.exited;
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = next;
    next.state.status = 'running';
    next.state.startedAt = Date.now();
    this.emit(next);
    if (next.local) {
      this.runLocal(next, next.local);
      return;
    }
    const data: WorkerStart = {
      kind: next.state.kind,
      params: next.params,
      dbPath: this.dbPath,
      cancelFlag: next.cancelFlag.buffer,
    };
    const worker = new Worker(workerUrl, {
      workerData: data,
      resourceLimits: workerResourceLimits(next.state.kind, next.params),
    });
    next.worker = worker;
    let outcome: Partial<JobState> | null = null;
    // The job is finished when its outcome arrives; the thread may still close up (see JobContext.afterResult),
    // so the next job starts only when it has exited: one writer at a time.
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        this.progress(next, m);
        return;
      }
      outcome =
        m.type === 'done'
          ? { status: 'completed', result: m.result }
          : { status: m.cancelled ? 'cancelled' : 'failed', error: m.cancelled ? null : m.message };
      this.finish(next, outcome);
    });
    worker.on('error', (err) => {
      outcome ??= { status: 'failed', error: err.message };
    });
    this.exited = new Promise<void>((resolve) =>
      worker.on('exit', (code) => {
        this.finish(next, outcome ?? { status: 'failed', error: `job worker exited with code ${code}` });
        this.running = null;
        resolve();
        this.pump();
      }),
    );
  }

  private runLocal(e: Entry, run: LocalJob): void {
    const abort = new AbortController();
    e.abort = abort;
    const flag = e.cancelFlag;
    const ctx: JobContext = {
      dbPath: this.dbPath,
      progress: (done, total = null, message) => this.progress(e, { done, total, message: message ?? null }),
      get cancelled() {
        return Atomics.load(flag, 0) === 1;
      },
      throwIfCancelled() {
        if (Atomics.load(flag, 0) === 1) throw new CancelledError();
      },
    };
    void Promise.resolve()
      .then(() => run(ctx, abort.signal))
      .then(
        (result) => this.finish(e, { status: 'completed', result }),
        (err: unknown) =>
          this.finish(
            e,
            err instanceof CancelledError || ctx.cancelled
              ? { status: 'cancelled' }
              : { status: 'failed', error: err instanceof Error ? err.message : String(err) },
          ),
      )
      .finally(() => {
        e.abort = null;
        this.running = null;
        this.pump();
      });
  }

  private progress(e: Entry, m: { done: number; total: number | null; message: string | null }): void {
    const now = Date.now();
    e.state.done = m.done;
    e.state.total = m.total;
    e.state.message = m.message;
    if (!e.rateBase) e.rateBase = { t: now, done: m.done };
    const dt = (now - e.rateBase.t) / 1000;
    if (dt > 0.2) {
      const rate = (m.done - e.rateBase.done) / dt;
      e.state.ratePerSecond = rate;
      e.state.etaSeconds = m.total !== null && rate > 0 ? Math.max(0, (m.total - m.done) / rate) : null;
    }
    this.emit(e);
  }

  private finish(e: Entry, outcome: Partial<JobState>): void {
    if (e.state.finishedAt !== null) return;
    Object.assign(e.state, outcome, { finishedAt: Date.now(), etaSeconds: null });
    e.worker = null;
    this.emit(e);
    e.resolve({ ...e.state });
  }

  private emit(e: Entry): void {
    const snapshot = { ...e.state };
    for (const l of this.listeners) l(snapshot);
  }
}
