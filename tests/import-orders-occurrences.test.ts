/**
 * Transaction logs without an order id (CDNOW's layout): each row's id is its content plus its occurrence count in the
 * file. The counts are kept in a bounded cache; once it has dropped keys, a key is counted from this run's orders
 * instead. A tiny cache must give exactly the ids a cache that never evicts gives.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createWriter } from '../src-main/core/import/writers.ts';
import { tempWorkspace } from './helpers/workspace.ts';

/** Rows of a CDNOW-like log: some customers buy the same amount twice on one day, far apart in the file. */
function rows(): Record<string, string | number | null>[] {
  const out: Record<string, string | number | null>[] = [];
  for (let i = 0; i < 400; i++) {
    const customer = `c${i % 7}`;
    const day = 19970101 + (i % 5);
    out.push({ customer, date: day, amount: (i % 3) * 10 + 5, quantity: 1 + (i % 2) });
  }
  return out;
}

function importedIds(occurrenceCache: number | undefined): string[] {
  const ws = tempWorkspace();
  workspaces.push(ws);
  const runId = Number(
    ws.db
      .prepare(
        `INSERT INTO import_runs(file_name, file_path, file_size, file_hash, kind, format, encoding, mapping, options,
                                 started_at) VALUES ('log.txt', '/tmp/log.txt', 1, 'x', 'orders', 'csv', 'utf-8', '{}', '{}', 0)`,
      )
      .run().lastInsertRowid,
  );
  const writer = createWriter(
    ws.db,
    'orders',
    runId,
    new Set(['customer', 'date', 'amount', 'quantity']),
    occurrenceCache === undefined ? {} : { occurrenceCache },
  );
  for (const row of rows()) writer.write(row);
  writer.finish();
  return ws.db.prepare('SELECT external_id FROM orders ORDER BY id').pluck().all() as string[];
}

const workspaces: ReturnType<typeof tempWorkspace>[] = [];
afterAll(() => workspaces.forEach((w) => w.cleanup()));

describe('order ids of id-less transaction logs', () => {
  it('numbers repeated rows 1, 2, 3 … in file order, the same with a cache of 3 keys as with an unbounded one', () => {
    const full = importedIds(undefined);
    const tiny = importedIds(3);
    expect(tiny).toEqual(full);
    // 7 customers × 5 days × 3 amounts × 2 quantities repeat every 210 rows: the second 190 rows are repeats.
    expect(full.some((id) => id.endsWith('#2'))).toBe(true);
    expect(full.length).toBe(400);
    const base = full[0]!.replace(/#\d+$/, '#');
    const ofBase = full.filter((id) => id.startsWith(base));
    expect(ofBase.map((id) => Number(id.slice(base.length)))).toEqual(ofBase.map((_, i) => i + 1));
  });
});
