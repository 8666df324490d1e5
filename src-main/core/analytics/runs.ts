/** Stored analysis runs: what views, reports and the CLI read instead of recomputing. */
import type { Db } from '../db/workspace.ts';

interface RunRow {
  id: number;
  kind: string;
  status: string;
  params: string;
  metrics: string;
  createdAt: number;
}

export function listAnalysisRuns(db: Db, kind?: string) {
  const rows = db
    .prepare(
      `SELECT id, kind, status, params, metrics, created_at AS createdAt FROM analysis_runs
        WHERE (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT 200`,
    )
    .all(kind ?? null, kind ?? null) as RunRow[];
  return rows.map((r) => ({
    ...r,
    params: JSON.parse(r.params) as unknown,
    metrics: JSON.parse(r.metrics) as unknown,
  }));
}

export function analysisResult(db: Db, runId: number): unknown {
  const row = db.prepare('SELECT result FROM analysis_runs WHERE id = ?').get(runId) as
    { result: string | null } | undefined;
  if (!row) return undefined;
  return row.result === null ? null : (JSON.parse(row.result) as unknown);
}
