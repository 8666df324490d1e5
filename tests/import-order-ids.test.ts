/**
 * New orders of an order-line import are inserted many per statement and numbered without RETURNING rows
 * (writers.ts: SQLite gives them max(id) + 1, + 2, …); a batch that meets orders stored before falls back to
 * looking them up. Either way every line must land on its own order, and the amounts must add up.
 * Also: through the job runner, the import's WAL is copied into the database file after the result is out.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { JobRunner } from '../src-main/core/jobs/runner.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/** Lines of orders `from`…`to` (3 lines each: SKUs and prices follow from the order number). */
function lines(from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    for (let k = 0; k < 3; k++) {
      const sku = `S${(n * 7 + k) % 40}`;
      out.push(
        `${n},${sku},Item ${sku},${1 + ((n + k) % 5)},3/${1 + (n % 28)}/2011 10:00,${(1 + k * 0.5).toFixed(2)},${1000 + (n % 30)},France`,
      );
    }
  }
  return out;
}

/** Order → its lines as `sku quantity price`, sorted, from the file's text; a line exported twice is kept once. */
function expectedLines(text: string[]): Map<string, string[]> {
  const byOrder = new Map<string, Set<string>>();
  for (const l of text) {
    const [order, sku, , qty, , price] = l.split(',');
    const set = byOrder.get(order!) ?? new Set<string>();
    set.add(`${sku} ${Number(qty)} ${Number(price)}`);
    byOrder.set(order!, set);
  }
  return new Map([...byOrder].map(([order, set]) => [order, [...set].sort()]));
}

function storedLines(db: ReturnType<typeof tempWorkspace>['db']): Map<string, string[]> {
  const rows = db
    .prepare(
      `SELECT o.external_id AS orderKey, p.sku, i.quantity, i.unit_price AS price
         FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id`,
    )
    .all() as { orderKey: string; sku: string; quantity: number; price: number }[];
  const byOrder = new Map<string, string[]>();
  for (const r of rows) {
    const list = byOrder.get(r.orderKey) ?? [];
    list.push(`${r.sku} ${r.quantity} ${r.price}`);
    byOrder.set(r.orderKey, list);
  }
  for (const list of byOrder.values()) list.sort();
  return byOrder;
}

const workspaces: ReturnType<typeof tempWorkspace>[] = [];
afterAll(() => workspaces.forEach((w) => w.cleanup()));

describe('order ids of a bulk order-line import', () => {
  it('puts every line on its own order when a second file repeats some stored orders and adds new ones', async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const first = lines(1, 400);
    const second = lines(301, 700); // 301–400 stored already, 401–700 new, in one file
    writeFileSync(join(ws.dir, 'a.csv'), [HEADER, ...first].join('\n'));
    writeFileSync(join(ws.dir, 'b.csv'), [HEADER, ...second].join('\n'));
    await runImport(ws.db, { path: join(ws.dir, 'a.csv') }, testContext(ws.path));
    // The newest order deleted: the next new order takes its number again (max(id) + 1), not a stale one.
    ws.db.exec('DELETE FROM orders WHERE id = (SELECT MAX(id) FROM orders)');
    const r = await runImport(ws.db, { path: join(ws.dir, 'b.csv') }, testContext(ws.path));
    expect(r.rowsImported).toBe(second.length);
    expect(r.tables.orders).toBe(301); // 401–700, and 400 again (deleted above)

    const expected = expectedLines([...first.filter((l) => !l.startsWith('400,')), ...second]);
    const stored = storedLines(ws.db);
    expect(stored.size).toBe(700);
    for (const [order, want] of expected) expect(stored.get(order), `order ${order}`).toEqual(want);

    // Amounts (the file has none): the sum of each order's lines, whichever way its id was found.
    const wrong = ws.db
      .prepare(
        `SELECT COUNT(*) FROM orders o
          WHERE ABS(o.amount - (SELECT SUM(quantity * unit_price) FROM order_items WHERE order_id = o.id)) > 1e-9`,
      )
      .pluck()
      .get();
    expect(wrong).toBe(0);
  });
});

describe('an import through the job runner', () => {
  it('leaves its WAL copied into the database file once the runner has closed', async () => {
    const ws = tempWorkspace(); // its connection stays open, so closing the job's connection checkpoints nothing
    workspaces.push(ws);
    const file = join(ws.dir, 'big.csv');
    writeFileSync(file, [HEADER, ...lines(1, 30_000)].join('\n'));
    const runner = new JobRunner(ws.path);
    const job = await runner.wait(runner.start('import', { path: file }).id);
    expect(job.status).toBe('completed');
    await runner.close();
    const pages = ws.db.pragma('page_count', { simple: true }) as number;
    const pageSize = ws.db.pragma('page_size', { simple: true }) as number;
    expect(pages * pageSize).toBeGreaterThan(4_000_000);
    // Every page is in the database file itself, not only in the WAL.
    expect(statSync(ws.path).size).toBe(pages * pageSize);
  });
});
