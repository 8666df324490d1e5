/**
 * The per-customer side of an RFM run: scores stored per run (table rfm_scores), read back a page at a time,
 * sorted and filtered in SQL, so a segment of a million customers drills down without loading it whole.
 * Only the latest few runs keep their scores; older runs keep their summary in analysis_runs.
 */
import type { Db } from '../db/workspace.ts';
import type { RfmCustomer } from './rfm.ts';

/** Runs whose customer scores are kept (older ones are pruned when a new run stores its scores). */
export const KEEP_SCORED_RUNS = 3;

export function storeRfmScores(db: Db, runId: number, customers: readonly RfmCustomer[]): void {
  const insert = db.prepare(
    `INSERT INTO rfm_scores (run_id, customer_id, segment, r, f, m, recency_days, frequency, monetary)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const c of customers) {
      insert.run(runId, c.customerId, c.segment, c.r, c.f, c.m, c.recencyDays, c.frequency, c.monetary);
    }
    db.prepare(
      `DELETE FROM rfm_scores WHERE run_id NOT IN (
         SELECT DISTINCT run_id FROM rfm_scores ORDER BY run_id DESC LIMIT ?)`,
    ).run(KEEP_SCORED_RUNS);
  })();
}

export const RFM_SORTS = ['monetary', 'frequency', 'recency', 'score'] as const;
export type RfmSort = (typeof RFM_SORTS)[number];

export interface RfmPageQuery {
  /** Default: the latest run with stored scores. */
  runId?: number | undefined;
  segment?: string | undefined;
  sort: RfmSort;
  descending: boolean;
  offset: number;
  limit: number;
}

export interface RfmCustomerRow {
  externalId: string;
  segment: string;
  r: number;
  f: number;
  m: number;
  recencyDays: number;
  frequency: number;
  monetary: number;
  city: string | null;
}

export interface RfmPage {
  runId: number | null;
  total: number;
  rows: RfmCustomerRow[];
}

// Column names come from this table only, never from the caller: the sort is safe to splice into SQL.
const ORDER: Record<RfmSort, string> = {
  monetary: 's.monetary',
  frequency: 's.frequency',
  recency: 's.recency_days',
  score: '(s.r * 100 + s.f * 10 + s.m)',
};

export function latestScoredRun(db: Db): number | null {
  return (db.prepare('SELECT MAX(run_id) FROM rfm_scores').pluck().get() as number | null) ?? null;
}

export function rfmCustomersPage(db: Db, q: RfmPageQuery): RfmPage {
  const runId = q.runId ?? latestScoredRun(db);
  if (runId === null) return { runId: null, total: 0, rows: [] };
  const where = q.segment === undefined ? 's.run_id = ?' : 's.run_id = ? AND s.segment = ?';
  const args = q.segment === undefined ? [runId] : [runId, q.segment];
  const total = db
    .prepare(`SELECT COUNT(*) FROM rfm_scores s WHERE ${where}`)
    .pluck()
    .get(...args) as number;
  const dir = q.descending ? 'DESC' : 'ASC';
  const rows = db
    .prepare(
      `SELECT c.external_id AS externalId, s.segment, s.r, s.f, s.m, s.recency_days AS recencyDays,
              s.frequency, s.monetary, c.city
       FROM rfm_scores s JOIN customers c ON c.id = s.customer_id
       WHERE ${where}
       ORDER BY ${ORDER[q.sort]} ${dir}, s.customer_id
       LIMIT ? OFFSET ?`,
    )
    .all(...args, q.limit, q.offset) as RfmCustomerRow[];
  return { runId, total, rows };
}
