import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shopTables } from '../../src-main/core/db/migrations.ts';
import { openWorkspace, type Db } from '../../src-main/core/db/workspace.ts';
import { CancelledError, type JobContext } from '../../src-main/core/jobs/context.ts';

export const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'shop', name);

/** A fresh workspace file in its own temp folder; `cleanup` removes both. */
export function tempWorkspace(): { dir: string; path: string; db: Db; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'wb-test-'));
  const path = join(dir, 'shop.db');
  const db = openWorkspace(path);
  return {
    dir,
    path,
    db,
    cleanup: () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A job context run in-thread, recording progress; `cancelAfter` cancels once that many progress calls came. */
export function testContext(dbPath: string, cancelAfter = Infinity): JobContext & { calls: number } {
  let cancelled = false;
  const ctx = {
    dbPath,
    calls: 0,
    progress() {
      ctx.calls++;
      if (ctx.calls >= cancelAfter) cancelled = true;
    },
    get cancelled() {
      return cancelled;
    },
    throwIfCancelled() {
      if (cancelled) throw new CancelledError();
    },
  };
  return ctx;
}

/** Every user table's rows, without the bookkeeping columns an import run stamps. */
export function snapshot(db: Db): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of shopTables) {
    out[t] = (db.prepare(`SELECT * FROM ${t} ORDER BY id`).all() as Record<string, unknown>[]).map((r) => {
      const { import_run_id: _ignored, ...rest } = r;
      return rest;
    });
  }
  return out;
}
