/**
 * Order lines are checked and prepared on the reading side (line-prep.ts) and written from slots by the writer.
 * The line rules must report bad lines as the writer used to (file line, file column, reason, converted values),
 * and the slot dictionaries, cleared when full, must give exactly the tables that dictionaries that never clear give.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FieldName } from '../src-main/core/import/fields.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import { LinePrep } from '../src-main/core/import/line-prep.ts';
import { createWriter, type Row } from '../src-main/core/import/writers.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const workspaces: ReturnType<typeof tempWorkspace>[] = [];
afterAll(() => workspaces.forEach((w) => w.cleanup()));
const workspace = () => {
  const ws = tempWorkspace();
  workspaces.push(ws);
  return ws;
};

describe('order-line rules on the reading side', () => {
  it('reports lines that cannot be stored with their line, column, reason and values; keeps the rest', async () => {
    const ws = workspace();
    const path = join(ws.dir, 'lines.csv');
    writeFileSync(
      path,
      [
        'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
        // line 2: an order met first without a date is refused …
        '900001,A1,Alpha,2,,1.50,12001,UK',
        // … and created by its next dated line (line 3); a later dateless line of it is fine (line 4).
        '900001,A2,Beta,1,12/1/2010 08:26,2.00,12001,UK',
        '900001,A3,Gamma,3,,0.50,12001,UK',
        '900002,A1,Alpha,0,12/1/2010 09:00,1.50,12002,UK',
        '900002,A2,Beta,1,12/1/2010 09:00,-2.00,12002,UK',
        '900002,A1,Alpha,4,12/1/2010 09:00,1.504,12002,UK',
        // A negative line in a sales invoice is its own return document.
        '900002,A2,Beta,-1,12/1/2010 09:00,2.00,12002,UK',
      ].join('\n') + '\n',
    );
    const r = await runImport(ws.db, { path }, testContext(ws.path));
    expect(r.rowsRead).toBe(7);
    expect(r.rowsImported).toBe(4);
    expect(r.errors.map((e) => [e.line, e.column, e.reason])).toEqual([
      [2, 'InvoiceDate', 'missing date for order 900001'],
      [5, 'Quantity', 'quantity is 0'],
      [6, 'UnitPrice', 'negative unit price -2'],
    ]);
    const raw = ws.db.prepare('SELECT raw FROM import_errors WHERE line = 5').pluck().get() as string;
    expect(raw.split(',').slice(0, 4)).toEqual(['900002', 'A1', 'Alpha', '0']);
    const orders = ws.db.prepare('SELECT external_id, status, amount FROM orders ORDER BY external_id').all();
    expect(orders).toEqual([
      { external_id: '900001', status: 'completed', amount: 3.5 },
      { external_id: '900002', status: 'completed', amount: 6 },
      { external_id: '900002-R', status: 'returned', amount: 2 },
    ]);
    // The price is rounded to cents before it keys the line.
    const prices = ws.db.prepare('SELECT unit_price FROM order_items ORDER BY id').pluck().all();
    expect(prices).toEqual([2, 0.5, 1.5, 2]);
  });
});

const FIELDS: FieldName[] = ['order_id', 'product', 'title', 'quantity', 'unit_price', 'date', 'customer', 'line_no'];

/** 400 lines: 60 orders whose lines come in threes and come back far apart, 25 products, repeated and numbered lines, returns. */
function lines(): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < 400; i++) {
    const order = (Math.floor(i / 3) * 7) % 60; // lines of an order come in threes
    out.push({
      order_id: `${order % 9 === 0 ? 'C' : ''}${5000 + order}`,
      product: `P${(i * 11) % 25}`,
      title: `Product ${(i * 11) % 25}`,
      quantity: i % 13 === 0 ? -2 : 1 + (i % 4),
      unit_price: 1 + ((i * 3) % 5) / 4,
      date: 1_300_000_000 + order * 3600,
      customer: `c${order % 17}`,
      line_no: String(i % 3),
    });
    // Now and then the previous line again (same order, product and price): an export's duplicate.
    if (i % 10 === 9 && i % 3 !== 0) {
      const prev = out[i - 1]!;
      Object.assign(out[i]!, { product: prev.product, title: prev.title, unit_price: prev.unit_price });
    }
  }
  return out;
}

function importLines(limits: { orderSlots: number; productSlots: number } | undefined, numbered: boolean) {
  const ws = workspace();
  const runId = Number(
    ws.db
      .prepare(
        `INSERT INTO import_runs(file_name, file_path, file_size, file_hash, kind, format, encoding, mapping, options,
                                 started_at) VALUES ('l.csv', '/tmp/l.csv', 1, 'x', 'order-lines', 'csv', 'utf-8', '{}', '{}', 0)`,
      )
      .run().lastInsertRowid,
  );
  const fields = numbered ? FIELDS : FIELDS.filter((f) => f !== 'line_no');
  const prep = new LinePrep(fields, limits);
  const writer = createWriter(ws.db, 'order-lines', runId, new Set(fields));
  let resets = 0;
  const all = lines();
  for (let at = 0; at < all.length; at += 16) {
    const batch = all.slice(at, at + 16);
    prep.start(batch.length);
    for (const row of batch) expect(prep.add(row)).toBeNull();
    const prepared = prep.take();
    if (prepared.resetOrders || prepared.resetProducts) resets++;
    writer.writePrepared!(prepared);
  }
  writer.finish();
  const tables = {
    orders: ws.db
      .prepare(
        `SELECT o.external_id, o.status, o.amount, o.placed_at, c.external_id AS customer
           FROM orders o LEFT JOIN customers c ON c.id = o.customer_id ORDER BY o.external_id`,
      )
      .all(),
    items: ws.db
      .prepare(
        `SELECT o.external_id AS o, p.sku, i.quantity, i.unit_price FROM order_items i
           JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id ORDER BY 1, 2, 4`,
      )
      .all(),
    products: ws.db.prepare('SELECT sku, title FROM products ORDER BY sku').all(),
  };
  return { tables, resets, unsummed: unsummedOrders(ws.db) };
}

describe('order and product slots', () => {
  for (const numbered of [false, true]) {
    it(`cleared when full give the tables slots that never clear give (${numbered ? 'numbered' : 'plain'} lines)`, () => {
      const full = importLines(undefined, numbered);
      const tiny = importLines({ orderSlots: 7, productSlots: 5 }, numbered);
      expect(full.resets).toBe(0);
      expect(tiny.resets).toBeGreaterThan(10);
      expect(tiny.tables).toEqual(full.tables);
      expect(full.tables.products).toHaveLength(25);
      // 60 orders, the 'C' invoices among them returns; negative lines of sales invoices make '-R' return documents.
      expect(full.tables.orders.filter((o) => !(o as { external_id: string }).external_id.endsWith('-R'))).toHaveLength(
        60,
      );
      expect(full.tables.orders.some((o) => (o as { external_id: string }).external_id.endsWith('-R'))).toBe(true);
      // Repeated (order, product, price) lines are kept once: fewer items than lines.
      expect(full.tables.items.length).toBeLessThan(400);
      // Amounts tallied on the reading side (or summed in SQL where lines come back) are the sums of the kept lines.
      expect(full.unsummed).toEqual([]);
      expect(tiny.unsummed).toEqual([]);
    });
  }
});

/** Orders whose amount is not the sum of their stored lines less the discount. */
function unsummedOrders(db: ReturnType<typeof tempWorkspace>['db']): unknown[] {
  return db
    .prepare(
      `SELECT o.external_id, o.amount, ROUND(IFNULL((SELECT SUM(quantity * unit_price) FROM order_items
                                                     WHERE order_id = o.id), 0) - o.discount, 2) AS lines
         FROM orders o WHERE o.amount <> lines`,
    )
    .all();
}

describe('order amounts', () => {
  it('are the sums of the kept lines: repeated lines, lines that come back later, a second file adding lines', async () => {
    const ws = workspace();
    const first = join(ws.dir, 'first.csv');
    const second = join(ws.dir, 'second.csv');
    const head = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
    const date = '12/1/2010 08:26';
    writeFileSync(
      first,
      [
        head,
        `700001,A1,Alpha,2,${date},1.50,1,UK`,
        `700001,A2,Beta,1,${date},2.00,1,UK`,
        // the same line exported twice: kept once
        `700001,A2,Beta,1,${date},2.00,1,UK`,
        // the same product at another price: a line of its own
        `700001,A2,Beta,5,${date},2.25,1,UK`,
        `700002,A1,Alpha,3,${date},1.50,2,UK`,
        // a repeated line with another quantity replaces the earlier one
        `700002,A1,Alpha,7,${date},1.50,2,UK`,
        // 700001 comes back after another order
        `700001,A3,Gamma,4,${date},0.75,1,UK`,
        `700003,A3,Gamma,1,${date},0.75,3,UK`,
      ].join('\n') + '\n',
    );
    // An order of the first file, with one more line and one changed.
    writeFileSync(
      second,
      [head, `700003,A1,Alpha,2,${date},1.50,3,UK`, `700002,A1,Alpha,1,${date},1.50,2,UK`].join('\n') + '\n',
    );
    await runImport(ws.db, { path: first }, testContext(ws.path));
    const amounts = () => ws.db.prepare('SELECT external_id, amount FROM orders ORDER BY external_id').raw().all();
    expect(amounts()).toEqual([
      ['700001', 3 + 2 + 11.25 + 3],
      ['700002', 10.5],
      ['700003', 0.75],
    ]);
    expect(unsummedOrders(ws.db)).toEqual([]);
    await runImport(ws.db, { path: second }, testContext(ws.path));
    expect(amounts()).toEqual([
      ['700001', 19.25],
      ['700002', 1.5],
      ['700003', 3.75],
    ]);
    expect(unsummedOrders(ws.db)).toEqual([]);
  });
});
