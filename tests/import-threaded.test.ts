import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../src-main/core/jobs/context.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import { decodeColumn, encodeColumn } from '../src-main/core/import/row-columns.ts';
import { THREAD_MIN_BYTES } from '../src-main/core/import/row-stream.ts';
import { ImportError } from '../src-main/core/import/types.ts';
import { snapshot, tempWorkspace, testContext } from './helpers/workspace.ts';

const LINES = 60_000;
/** File lines (1 = header) that are broken on purpose, and how. */
const BAD_QUANTITY = 30_001;
const SHORT_ROW = 45_002;
const ZERO_QUANTITY = 50_003;

/** An Online-Retail-layout file big enough to be read on the worker thread; every 10th order is a C invoice. */
function orderLines(): {
  text: string;
  orders: Set<string>;
  returns: Set<string>;
  customers: Set<number>;
  total: number;
} {
  const out = ['InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'];
  const orders = new Set<string>();
  const returns = new Set<string>();
  const customers = new Set<number>();
  let total = 0;
  for (let i = 0; i < LINES; i++) {
    const line = i + 2;
    const n = 600000 + Math.floor(i / 6);
    const order = n % 10 === 0 ? `C${n}` : String(n);
    const qty = line === ZERO_QUANTITY ? 0 : ((i * 7) % 9) + 1;
    const price = 1 + (i % 17) / 4;
    const quantity = line === BAD_QUANTITY ? 'lots' : String(order.startsWith('C') ? -qty : qty);
    const date = `4/${1 + (i % 28)}/2011 12:${String(i % 60).padStart(2, '0')}`;
    const row = `${order},SKU${i % 6},Item number ${i % 6},${quantity},${date},${price.toFixed(2)},${30000 + (n % 500)},Spain`;
    out.push(line === SHORT_ROW ? row.split(',').slice(0, 5).join(',') : row);
    if (line === BAD_QUANTITY || line === SHORT_ROW || line === ZERO_QUANTITY) continue;
    (order.startsWith('C') ? returns : orders).add(order);
    customers.add(30000 + (n % 500));
    total += qty * price;
  }
  return { text: out.join('\n'), orders, returns, customers, total };
}

describe('a big import read on its own thread', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let file: string;
  let expected: ReturnType<typeof orderLines>;

  beforeAll(() => {
    ws = tempWorkspace();
    expected = orderLines();
    file = join(ws.dir, 'lines.csv');
    writeFileSync(file, expected.text);
  });
  afterAll(() => ws.cleanup());

  it('is big enough for the reader thread', () => {
    expect(statSync(file).size).toBeGreaterThanOrEqual(THREAD_MIN_BYTES);
  });

  it('imports every good line and reports the bad ones with their line and column, in file order', async () => {
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.rowsRead).toBe(LINES);
    expect(r.rowsImported).toBe(LINES - 3);
    expect(r.rowsRejected).toBe(3);
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([
      [BAD_QUANTITY, 'Quantity'],
      [SHORT_ROW, null],
      [ZERO_QUANTITY, 'Quantity'],
    ]);
    expect(r.errors[1]!.reason).toMatch(/expected 8 fields, found 5/);
    expect(r.errors[2]!.reason).toMatch(/quantity is 0/);
    const stored = ws.db.prepare('SELECT line FROM import_errors WHERE run_id = ? ORDER BY id').pluck().all(r.runId);
    expect(stored).toEqual([BAD_QUANTITY, SHORT_ROW, ZERO_QUANTITY]);

    const count = (sql: string) => ws.db.prepare(sql).pluck().get();
    expect(count(`SELECT COUNT(*) FROM orders WHERE status = 'completed'`)).toBe(expected.orders.size);
    expect(count(`SELECT COUNT(*) FROM orders WHERE status = 'returned'`)).toBe(expected.returns.size);
    expect(count('SELECT COUNT(*) FROM order_items')).toBe(LINES - 3);
    expect(count('SELECT COUNT(*) FROM products')).toBe(6);
    expect(count('SELECT COUNT(*) FROM customers')).toBe(expected.customers.size);
    expect(count('SELECT ROUND(SUM(quantity * unit_price), 2) FROM order_items')).toBeCloseTo(expected.total, 2);
    expect(count('SELECT ROUND(SUM(amount), 2) FROM orders')).toBeCloseTo(expected.total, 2);
    // Every line points at an order and a product that exist.
    expect(count('SELECT COUNT(*) FROM order_items WHERE order_id NOT IN (SELECT id FROM orders)')).toBe(0);
    expect(count('SELECT COUNT(*) FROM order_items WHERE product_id NOT IN (SELECT id FROM products)')).toBe(0);
  });

  it('changes nothing when the same file comes again (existing orders go through the upsert)', async () => {
    const before = snapshot(ws.db);
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.rowsImported).toBe(LINES - 3);
    expect(snapshot(ws.db)).toEqual(before);
  });

  it('a cancel while the reader thread runs leaves the workspace as it was', async () => {
    const before = snapshot(ws.db);
    const runs = ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get();
    await expect(runImport(ws.db, { path: file }, testContext(ws.path, 3))).rejects.toBeInstanceOf(CancelledError);
    expect(snapshot(ws.db)).toEqual(before);
    expect(ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get()).toBe(runs);
  });

  it("a failure in the reader thread fails the import with the reader's message and rolls back", async () => {
    // A JSON list whose syntax breaks near the end: the reader has handed over many rows by then.
    const records = Array.from(
      { length: 40_000 },
      (_, i) =>
        `{"order_id": "J${i >> 2}", "sku": "SKU${i % 6}", "quantity": 2, "price": 3.5, "date": "2011-05-0${1 + (i % 9)}"}`,
    );
    const broken = join(ws.dir, 'broken.json');
    writeFileSync(broken, `[\n${records.join(',\n')},\n{"order_id": "J-last", "sku": }\n]\n`);
    expect(statSync(broken).size).toBeGreaterThanOrEqual(THREAD_MIN_BYTES);
    const before = snapshot(ws.db);
    const runs = ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get();
    const ctx = testContext(ws.path);
    const failure = runImport(ws.db, { path: broken }, ctx);
    await expect(failure).rejects.toBeInstanceOf(ImportError);
    await expect(failure).rejects.toThrow(/"broken.json" is not valid JSON \(near line 400\d\d\)/);
    expect(ctx.calls).toBeGreaterThan(1);
    expect(snapshot(ws.db)).toEqual(before);
    expect(ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get()).toBe(runs);
  });
});

describe('row batch columns', () => {
  it('survive encoding: numbers, texts with nulls and empty strings, and mixed values', () => {
    const cases = [[1.5, null, -3, 0], ['a', null, '', 'ünï'], ['x\u0000y', 'z'], [1, 'two', null], []];
    for (const values of cases) expect(decodeColumn(encodeColumn(values), values.length)).toEqual(values);
    expect(encodeColumn([1, null]).type).toBe('number');
    expect(encodeColumn(['a', null]).type).toBe('text');
    expect(encodeColumn(['x\u0000y']).type).toBe('mixed');
  });
});
