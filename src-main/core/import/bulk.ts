/** Index handling for one big import (see db/bulk.ts for why). */
import { dropIndexes } from '../db/bulk.ts';
import type { Db } from '../db/workspace.ts';

/**
 * Drops the non-unique indexes of the tables a big import fills, to rebuild
 * them at the end (see db/bulk.ts); the unique ones stay, the upserts need
 * them. Worth it only when the file is large next to what the tables hold.
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
  return dropIndexes(db, tables, false);
}

/** Tables each kind of import appends to in bulk. */
export const bulkTables: Record<string, readonly string[]> = {
  'order-lines': ['order_items', 'orders'],
  orders: ['orders'],
  events: ['events'],
  ratings: ['ratings'],
  reviews: ['reviews'],
};
