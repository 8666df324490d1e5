/**
 * The analysis_runs bookkeeping every analysis job shares: a 'running' row
 * first, then 'completed' with metrics and result — or 'failed' / 'cancelled'
 * with the reason — so views and reports read stored results and a run can be
 * reproduced from its parameters and seed.
 */
import type { Db } from '../db/workspace.ts';
import { CancelledError } from '../jobs/context.ts';

const now = () => Math.floor(Date.now() / 1000);

export function startRun(db: Db, kind: string, params: unknown, seed: number | null = null): number {
  return Number(
    db
      .prepare(`INSERT INTO analysis_runs (kind, params, seed, status, created_at) VALUES (?, ?, ?, 'running', ?)`)
      .run(kind, JSON.stringify(params), seed, now()).lastInsertRowid,
  );
}

export function finishRun(db: Db, id: number, metrics: unknown, result: unknown): void {
  db.prepare(
    `UPDATE analysis_runs SET status = 'completed', metrics = ?, result = ?, finished_at = ? WHERE id = ?`,
  ).run(JSON.stringify(metrics), JSON.stringify(result), now(), id);
}

export function failRun(db: Db, id: number, err: unknown): void {
  db.prepare(`UPDATE analysis_runs SET status = ?, metrics = ?, finished_at = ? WHERE id = ?`).run(
    err instanceof CancelledError ? 'cancelled' : 'failed',
    JSON.stringify({ error: (err as Error).message }),
    now(),
    id,
  );
}
