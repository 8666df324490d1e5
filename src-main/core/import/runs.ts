import type { Db } from '../db/workspace.ts';

export function listImportRuns(db: Db) {
  return db
    .prepare(
      `SELECT id, file_name AS fileName, kind, started_at AS startedAt, rows_read AS rowsRead,
              rows_imported AS rowsImported, rows_rejected AS rowsRejected
         FROM import_runs ORDER BY id DESC LIMIT 200`,
    )
    .all() as {
    id: number;
    fileName: string;
    kind: string;
    startedAt: number;
    rowsRead: number;
    rowsImported: number;
    rowsRejected: number;
  }[];
}

export function listImportErrors(db: Db, runId: number, offset: number, limit: number) {
  const total = (db.prepare('SELECT COUNT(*) AS n FROM import_errors WHERE run_id = ?').get(runId) as { n: number }).n;
  const errors = db
    .prepare('SELECT line, column, reason FROM import_errors WHERE run_id = ? ORDER BY line, id LIMIT ? OFFSET ?')
    .all(runId, limit, offset) as { line: number; column: string | null; reason: string }[];
  return { total, errors };
}
