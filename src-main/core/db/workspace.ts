import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { latestVersion, migrations } from './migrations.ts';

export type Db = Database.Database;

export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
}

export interface OpenOptions {
  readonly?: boolean;
  /** Open only if the file already exists (the CLI's read commands). */
  mustExist?: boolean;
  /**
   * Run SQLite's quick_check on open (default true). Job workers skip it: the door that started the job checked
   * the file when it opened the workspace, and the check reads every page (32 s on a 1M-customer, 5 GB shop).
   */
  check?: boolean;
}

/** Above this size quick_check is skipped even on a door's open: SQLite still reports a damaged page when a query meets it. */
export const QUICK_CHECK_MAX_BYTES = 512 * 1024 ** 2;

/**
 * Opens (creating when needed) a workspace file: WAL journal, foreign keys on,
 * schema migrated to the latest version. One writer at a time; readers in other
 * connections see the last committed state.
 */
export function openWorkspace(path: string, options: OpenOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.mustExist ?? options.readonly ?? false,
    });
  } catch (err) {
    throw new WorkspaceError(`cannot open workspace ${path}: ${(err as Error).message}`);
  }
  try {
    // 16 KiB pages for a new file (an existing one keeps its size): bulk loads and the analytics' scans touch a
    // quarter of the pages; a 1M-line import takes ~10% less time and CPU than with SQLite's default 4 KiB.
    if (!options.readonly) db.pragma('page_size = 16384');
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // NORMAL is durable in WAL mode except for the last commits before a power
    // loss; it never corrupts the file, which is what import atomicity needs.
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -32000');
    if (options.check !== false && fileSize(path) <= QUICK_CHECK_MAX_BYTES) {
      const quick = db.pragma('quick_check', { simple: true });
      if (quick !== 'ok') throw new WorkspaceError(`workspace ${path} is damaged: ${String(quick)}`);
    } else {
      // Still prove it is a database of ours: this reads the header and the schema, and fails on a non-SQLite file.
      db.pragma('schema_version', { simple: true });
    }
    if (!options.readonly) migrate(db);
    else if (schemaVersion(db) !== latestVersion) {
      throw new WorkspaceError(`workspace ${path} has schema ${schemaVersion(db)}, expected ${latestVersion}`);
    }
  } catch (err) {
    db.close();
    if (err instanceof WorkspaceError) throw err;
    const message = (err as Error).message;
    throw new WorkspaceError(
      /file is not a database|malformed/i.test(message)
        ? `${path} is not a workspace file (not an SQLite database)`
        : `cannot open workspace ${path}: ${message}`,
    );
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > latestVersion) {
    throw new WorkspaceError(
      `workspace schema ${current} is newer than this app understands (${latestVersion}); update the app`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  ensureMeta(db);
}

function ensureMeta(db: Db): void {
  const insert = db.prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)');
  insert.run('created_at', String(Math.floor(Date.now() / 1000)));
  // The key for pseudonymizing PII lives with the data it protects, so tokens
  // are stable across imports into one workspace and differ between workspaces.
  insert.run('pseudonym_key', randomBytes(32).toString('hex'));
}

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
