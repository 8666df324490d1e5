/**
 * The Overview's figures kept in the workspace's meta table between runs, so a CLI call or an app start does
 * not scan every order again (6 s on a 1M-customer shop). Each is stored with the data stamp it was read at:
 * the newest id of every table the figures read plus the import runs. The app only ever adds sales (imports,
 * a sample shop into an empty workspace) and an import that updates rows in place is an import run, so any
 * change the figures could see moves the stamp (the rule the model store relies on too). A stored value under
 * another stamp is ignored and replaced. No table of its own, so no migration.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { getMeta, setMeta, type Db } from '../db/workspace.ts';

const KEY_PREFIX = 'figures:';

/** What the figures depend on; cheap (each max(id) is one index lookup). */
export function figuresStamp(db: Db): string {
  const row = db
    .prepare(
      `SELECT (SELECT max(id) FROM customers) AS customers, (SELECT max(id) FROM orders) AS orders,
              (SELECT max(id) FROM order_items) AS lines, (SELECT max(id) FROM products) AS products,
              (SELECT max(id) FROM events) AS events, (SELECT max(id) FROM ratings) AS ratings,
              (SELECT max(id) FROM reviews) AS reviews,
              (SELECT count(*) || ':' || ifnull(max(id), 0) || ':' || ifnull(max(finished_at), 0) || ':' ||
                      total(rows_imported) FROM import_runs) AS imports`,
    )
    .get();
  return createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16);
}

/** The value stored for this request key at this stamp, or undefined. */
export function storedFigures(db: Db, key: string, stamp: string): unknown {
  const raw = getMeta(db, KEY_PREFIX + key);
  if (raw === undefined) return undefined;
  try {
    const stored = JSON.parse(raw) as { stamp?: unknown; value?: unknown };
    return stored.stamp === stamp ? stored.value : undefined;
  } catch {
    return undefined;
  }
}

// A busy workspace (an import writing) is not waited for long: the figures are only a cache.
const STORE_BUSY_MS = 250;

/** Stores a value read at `stamp`; best effort (a read-only or busy file just keeps the old entry). */
export function storeFigures(dbPath: string, key: string, stamp: string, value: unknown): void {
  let db: Db | null = null;
  try {
    // A plain connection, not openWorkspace: the door that asked has migrated the file, and openWorkspace's own
    // writes would wait the full busy timeout behind an import.
    db = new Database(dbPath, { fileMustExist: true, timeout: STORE_BUSY_MS });
    setMeta(db, KEY_PREFIX + key, JSON.stringify({ stamp, value }));
  } catch {
    // Not stored: the next call reads the figures again.
  } finally {
    db?.close();
  }
}
