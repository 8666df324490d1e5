/**
 * The Overview's figures, read on a thread of their own and kept until the shop's data changes: in memory for
 * the service's life, and in the workspace (figures-store.ts) for the next run. The service calls
 * `FiguresCache.get`; an import or a new sample shop clears the memory, and moves the stored values' stamp.
 */
import { Worker } from 'node:worker_threads';
import type { Db } from '../db/workspace.ts';
import { figuresStamp, storedFigures, storeFigures } from './figures-store.ts';
import { workspaceStats } from './stats.ts';
import { workspaceTrend } from './trend.ts';
import { workerEntry } from '../util/worker-entry.ts';

export type FiguresRequest = { kind: 'stats' } | { kind: 'trend'; unit: 'month' | 'week'; compareDays: number };

export function readFigures(db: Db, request: FiguresRequest): unknown {
  return request.kind === 'stats'
    ? workspaceStats(db)
    : workspaceTrend(db, { unit: request.unit, compareDays: request.compareDays });
}

const workerUrl = () => workerEntry(import.meta.url, 'stats-worker.ts', 'stats-worker.js');

/** What the figures thread is given; it stores what it read under `key` at `stamp`. */
export interface FiguresJob {
  dbPath: string;
  request: FiguresRequest;
  key: string;
  stamp: string;
}

function readOffThread(job: FiguresJob): Promise<unknown> {
  const url = workerUrl();
  if (!url) return Promise.reject(new Error('the figures worker is missing from this build'));
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: job });
    let settled = false;
    worker.once('message', (m: { ok: true; value: unknown } | { ok: false; message: string }) => {
      settled = true;
      if (m.ok) resolve(m.value);
      else reject(new Error(m.message));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the figures worker stopped (exit ${code})`));
    });
  });
}

export class FiguresCache {
  private readonly entries = new Map<string, Promise<unknown>>();
  private readonly dbPath: string;
  private readonly fallback: Db;

  constructor(dbPath: string, fallback: Db) {
    this.dbPath = dbPath;
    this.fallback = fallback;
  }

  get(request: FiguresRequest): Promise<unknown> {
    const key = JSON.stringify(request);
    let entry = this.entries.get(key);
    if (!entry) {
      const stamp = figuresStamp(this.fallback);
      const stored = storedFigures(this.fallback, key, stamp);
      entry =
        stored !== undefined
          ? Promise.resolve(stored)
          : readOffThread({ dbPath: this.dbPath, request, key, stamp }).catch((err: unknown) => {
              // No worker file (an unusual build): read here rather than fail the Overview.
              if (err instanceof Error && /missing from this build/.test(err.message)) {
                const value = readFigures(this.fallback, request);
                storeFigures(this.dbPath, key, stamp, value);
                return value;
              }
              this.entries.delete(key);
              throw err;
            });
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The shop's data changed (an import, a sample shop): figures are read afresh next time. */
  clear(): void {
    this.entries.clear();
  }
}
