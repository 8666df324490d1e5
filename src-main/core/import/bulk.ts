/**
 * Bulk-load settings for one import transaction. Both are undone before the
 * transaction ends, so an import that fails leaves them as they were.
 */
import type { Db } from '../db/workspace.ts';

/**
 * Secondary (non-unique) indexes of the tables a big import fills are dropped
 * and rebuilt at the end: SQLite builds an index from sorted data many times
 * faster than it maintains one under random inserts (order lines arrive in
 * order-id order, but their product ids are scattered). Unique indexes stay:
 * the upserts need them. Worth it only when the file is large next to what the
 * tables already hold; DDL is transactional, so a rollback restores them.
 */
export function deferSecondaryIndexes(db: Db, tables: readonly string[], estimatedRows: number): () => void {
  const existing = tables.reduce(
    (n, t) =>
      n +
      (db
        .prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM ${t} LIMIT ?)`)
        .pluck()
        .get(Math.ceil(estimatedRows * 4)) as number),
    0,
  );
  if (estimatedRows < 20_000 || existing > estimatedRows * 2) return () => {};
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master
        WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
          AND tbl_name IN (${tables.map(() => '?').join(',')})`,
    )
    .all(...tables) as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`DROP INDEX "${ix.name}"`);
  return () => {
    for (const ix of indexes) db.exec(ix.sql);
  };
}

/** Tables each kind of import appends to in bulk. */
export const bulkTables: Record<string, readonly string[]> = {
  'order-lines': ['order_items', 'orders'],
  orders: ['orders'],
  events: ['events'],
  ratings: ['ratings'],
  reviews: ['reviews'],
};
