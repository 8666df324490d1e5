/**
 * Index handling for bulk loads. An index keyed by something the rows do not
 * arrive in order of (product id, time, visitor) takes each insert on a
 * different page, so past a few hundred thousand rows every insert misses the
 * page cache; SQLite builds the same index from sorted data many times faster.
 * Dropping and rebuilding happen inside the caller's transaction: DDL is
 * transactional, so a rollback restores the indexes too.
 */
import type { Db } from './workspace.ts';

/**
 * Drops the explicitly created indexes of `tables` — the unique ones too when
 * `unique` (a loader that never upserts; rebuilding re-checks uniqueness) —
 * and returns the function that rebuilds them.
 */
export function dropIndexes(db: Db, tables: readonly string[], unique: boolean): () => void {
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master
        WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(',')})
          AND (? OR sql NOT LIKE 'CREATE UNIQUE%')
        ORDER BY name`,
    )
    .all(...tables, unique ? 1 : 0) as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`DROP INDEX "${ix.name.replaceAll('"', '""')}"`);
  return () => {
    // SQLite's sorter cuts its input into runs the size of the page cache and merges them from temporary files.
    // Runs of ~1 MB sort within the CPU's cache: a 1M-row index builds in about half the CPU time of 16 MB runs.
    const cacheSize = db.pragma('cache_size', { simple: true }) as number;
    db.pragma(`cache_size = ${SORT_RUN_KIB}`);
    try {
      for (const ix of indexes) db.exec(ix.sql);
    } finally {
      db.pragma(`cache_size = ${cacheSize}`);
    }
  };
}

/** The page cache while indexes are rebuilt, in KiB (negative, as the pragma takes it). */
const SORT_RUN_KIB = -1024;
