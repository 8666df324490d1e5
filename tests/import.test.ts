import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { previewImport } from '../src-main/core/import/preview.ts';
import { workspaceStats } from '../src-main/core/stats/stats.ts';
import { fixture, snapshot, tempWorkspace, testContext } from './helpers/workspace.ts';

let ws: ReturnType<typeof tempWorkspace>;
afterEach(() => ws?.cleanup());

describe('flat order-line export (UCI Online Retail layout)', () => {
  it('splits lines into customers, products, orders and items; C invoices become returns', async () => {
    ws = tempWorkspace();
    const r = await runImport(ws.db, { path: fixture('online-retail.csv') }, testContext(ws.path));
    expect(r.kind).toBe('order-lines');
    expect(r.rowsRead).toBe(15);
    expect(r.rowsImported).toBe(12);
    expect(r.rowsRejected).toBe(3);
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([
      [13, 'InvoiceDate'],
      [14, 'Quantity'],
      [15, null],
    ]);
    expect(r.errors[2]?.reason).toMatch(/expected 8 fields, found 7/);
    expect(r.tables).toMatchObject({ customers: 4, products: 11, orders: 8, order_items: 11 });

    const s = workspaceStats(ws.db);
    expect(s.orders).toBe(6);
    expect(s.returns).toBe(2);
    // Hand sum of the valid sales lines; the duplicated 536367 line counts once.
    expect(s.revenue).toBeCloseTo(35590.77, 2);
    expect(s.returnedAmount).toBeCloseTo(32.15, 2);
    expect(s.firstOrderAt).toBe('2010-12-01T08:26:00.000Z');
    expect(s.lastOrderAt).toBe('2011-01-11T09:02:00.000Z');

    const guest = ws.db.prepare(`SELECT customer_id FROM orders WHERE external_id = '536369'`).get() as {
      customer_id: number | null;
    };
    expect(guest.customer_id).toBeNull();
    const ret = ws.db.prepare(`SELECT status, amount FROM orders WHERE external_id = 'C536383'`).get();
    expect(ret).toEqual({ status: 'returned', amount: 4.65 });
    const title = ws.db.prepare(`SELECT title FROM products WHERE sku = '22960'`).pluck().get();
    expect(title).toBe('JAM MAKING SET WITH JARS, LARGE');
  });

  it('importing the same file twice changes nothing', async () => {
    ws = tempWorkspace();
    await runImport(ws.db, { path: fixture('online-retail.csv') }, testContext(ws.path));
    const before = snapshot(ws.db);
    const again = await runImport(ws.db, { path: fixture('online-retail.csv') }, testContext(ws.path));
    expect(Object.values(again.tables).every((n) => n === 0)).toBe(true);
    expect(snapshot(ws.db)).toEqual(before);
    // Both runs are on record, each with its errors.
    expect(ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get()).toBe(2);
    expect(ws.db.prepare('SELECT COUNT(*) FROM import_errors').pluck().get()).toBe(6);
  });

  it('remembers the mapping for the layout and applies --map overrides', async () => {
    ws = tempWorkspace();
    const first = await previewImport(ws.db, { path: fixture('online-retail.csv') });
    expect(first.mappingSource).toBe('suggested');
    expect(first.mapping).toMatchObject({
      InvoiceNo: 'order_id',
      StockCode: 'product',
      CustomerID: 'customer',
      Country: 'country',
    });
    await runImport(ws.db, { path: fixture('online-retail.csv'), map: { Description: null } }, testContext(ws.path));
    const second = await previewImport(ws.db, { path: fixture('online-retail.csv') });
    expect(second.mappingSource).toBe('remembered');
    expect(second.mapping.Description).toBeNull();
  });
});

describe('Chinese order export in GBK', () => {
  it('detects GBK, maps Chinese headers, parses ¥ amounts and 年月日 dates, merges the duplicate order', async () => {
    ws = tempWorkspace();
    const preview = await previewImport(ws.db, { path: fixture('taobao-orders-gbk.csv') });
    expect(preview.encoding).toMatch(/gb/i);
    expect(preview.kind).toBe('orders');
    expect(preview.mapping).toMatchObject({
      订单编号: 'order_id',
      买家会员名: 'customer',
      实付金额: 'amount',
      下单时间: 'date',
      订单状态: 'status',
    });

    const r = await runImport(ws.db, { path: fixture('taobao-orders-gbk.csv') }, testContext(ws.path));
    expect(r.rowsRead).toBe(6);
    expect(r.rowsRejected).toBe(1);
    expect(r.errors[0]).toMatchObject({ line: 5, column: '下单时间' });
    const s = workspaceStats(ws.db);
    expect(s).toMatchObject({ customers: 2, orders: 2, returns: 1, cancelled: 1 });
    expect(s.revenue).toBeCloseTo(1427.5, 2);
    const t1001 = ws.db.prepare(`SELECT placed_at, amount FROM orders WHERE external_id = 'T1001'`).get();
    expect(t1001).toEqual({ placed_at: Date.UTC(2024, 2, 1, 14, 5) / 1000, amount: 128.5 });
  });

  it('pseudonymizes names and phones by default, the same person to the same token', async () => {
    ws = tempWorkspace();
    await runImport(ws.db, { path: fixture('taobao-orders-gbk.csv') }, testContext(ws.path));
    const rows = ws.db.prepare('SELECT external_id, name, phone FROM customers ORDER BY external_id').all() as {
      name: string;
      phone: string;
    }[];
    for (const r of rows) {
      expect(r.name).toMatch(/^name:[0-9a-f]{12}$/);
      expect(r.phone).toMatch(/^phone:[0-9a-f]{12}$/);
    }
    const all = JSON.stringify(ws.db.prepare('SELECT * FROM customers').all());
    expect(all).not.toContain('张三');
    expect(all).not.toContain('13800138000');
  });

  it('keeps raw PII only when asked', async () => {
    ws = tempWorkspace();
    await runImport(ws.db, { path: fixture('taobao-orders-gbk.csv'), keepPii: true }, testContext(ws.path));
    const name = ws.db.prepare(`SELECT name FROM customers WHERE external_id = '小红'`).pluck().get();
    expect(name).toBe('李四');
  });
});

describe('customer file: UTF-8 BOM, semicolons, Excel serial dates', () => {
  it('imports profiles with ages turned into birth years and serial dates into days', async () => {
    ws = tempWorkspace();
    const r = await runImport(ws.db, { path: fixture('customers-eu-bom.csv') }, testContext(ws.path));
    expect(r.kind).toBe('customers');
    expect(r.rowsImported).toBe(4);
    const eu1 = ws.db
      .prepare(`SELECT gender, city, signup_at, birth_year FROM customers WHERE external_id = 'EU-1'`)
      .get() as {
      signup_at: number;
      birth_year: number;
    };
    expect(eu1).toMatchObject({ gender: 'female', city: 'München' });
    // Excel serial 45292 = 2024-01-01.
    expect(eu1.signup_at).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(eu1.birth_year).toBe(new Date().getUTCFullYear() - 34);
    const eu2 = ws.db.prepare(`SELECT signup_at FROM customers WHERE external_id = 'EU-2'`).pluck().get();
    expect(eu2).toBe(Date.UTC(2024, 0, 9, 12) / 1000);
  });

  it('fills a missing age with the median when asked, and drops rows by policy', async () => {
    ws = tempWorkspace();
    const r = await runImport(
      ws.db,
      { path: fixture('customers-eu-bom.csv'), missing: { age: 'median', signup_at: 'drop' } },
      testContext(ws.path),
    );
    expect(r.rowsImported).toBe(3);
    expect(r.errors).toEqual([{ line: 5, column: 'Signup Date', reason: 'missing signup_at (policy: drop the row)' }]);
    const eu3 = ws.db.prepare(`SELECT birth_year FROM customers WHERE external_id = 'EU-3'`).pluck().get();
    expect(eu3).toBe(new Date().getUTCFullYear() - 34); // median of 29, 34 and 58
  });
});

describe('headerless ratings with --columns', () => {
  it('imports MovieLens-style rows and reads the rating scale off the data', async () => {
    ws = tempWorkspace();
    const r = await runImport(
      ws.db,
      { path: fixture('ratings-headerless.tsv'), kind: 'ratings', columns: ['user', 'item', 'rating', 'timestamp'] },
      testContext(ws.path),
    );
    expect(r.rowsRead).toBe(11);
    expect(r.rowsImported).toBe(11);
    const s = workspaceStats(ws.db);
    expect(s).toMatchObject({ ratings: 11, customers: 11, products: 11 });
    const first = ws.db
      .prepare(
        `SELECT rating, rated_at, scale_max FROM ratings r JOIN customers c ON c.id = r.customer_id WHERE c.external_id = '196'`,
      )
      .get();
    // 6 is within a 0-10 reading of the data, so the file's scale is 10.
    expect(first).toEqual({ rating: 3, rated_at: 881250949, scale_max: 10 });
  });

  it('rejects an unknown field name in --columns', async () => {
    ws = tempWorkspace();
    await expect(
      runImport(
        ws.db,
        { path: fixture('ratings-headerless.tsv'), columns: ['user', 'itme', 'rating', '_'] },
        testContext(ws.path),
      ),
    ).rejects.toThrow(/unknown field "itme"/);
  });
});

describe('atomicity', () => {
  it('a cancelled import leaves the workspace exactly as before', async () => {
    ws = tempWorkspace();
    await runImport(ws.db, { path: fixture('online-retail.csv') }, testContext(ws.path));
    const before = snapshot(ws.db);
    const runs = ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get();
    const big = join(ws.dir, 'big.csv');
    const lines = ['InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID'];
    for (let i = 0; i < 50_000; i++)
      lines.push(`${900000 + (i >> 2)},SKU${i % 97},${1 + (i % 5)},2011-01-0${1 + (i % 9)} 10:00,1.5,${i % 500}`);
    writeFileSync(big, lines.join('\n'));
    await expect(runImport(ws.db, { path: big }, testContext(ws.path, 1))).rejects.toThrow(/cancelled/);
    expect(snapshot(ws.db)).toEqual(before);
    expect(ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get()).toBe(runs);
    expect(ws.db.inTransaction).toBe(false);
  });

  it('a file with no usable columns is refused with the columns named', async () => {
    ws = tempWorkspace();
    const f = join(ws.dir, 'odd.csv');
    writeFileSync(f, 'foo,bar\n1,2\n');
    await expect(runImport(ws.db, { path: f }, testContext(ws.path))).rejects.toThrow(
      /cannot tell what this file holds.*foo, bar/,
    );
  });
});
