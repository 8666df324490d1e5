import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { fixture, tempWorkspace, testContext } from './helpers/workspace.ts';

let ws: ReturnType<typeof tempWorkspace>;
afterEach(() => ws?.cleanup());

describe('every kind of file through the whole pipeline', () => {
  it('events from NDJSON: customers and anonymous visitors, event names normalized, duplicates merged', async () => {
    ws = tempWorkspace();
    const r = await runImport(ws.db, { path: fixture('events.ndjson') }, testContext(ws.path));
    expect(r.kind).toBe('events');
    expect(r.rowsRead).toBe(8);
    expect(r.errors.map((e) => e.line)).toEqual([6, 7, 8]);
    expect(r.errors[0]!.reason).toMatch(/missing customer or visitor/);
    expect(r.errors[1]!.reason).toMatch(/JSON/i);
    expect(r.tables.events).toBe(4);
    const rows = ws.db
      .prepare(
        `SELECT e.type, e.visitor_id AS visitor, c.external_id AS customer, p.sku, e.query, e.occurred_at AS t
           FROM events e LEFT JOIN customers c ON c.id = e.customer_id LEFT JOIN products p ON p.id = e.product_id
          ORDER BY e.occurred_at, e.id`,
      )
      .all();
    expect(rows).toEqual([
      {
        type: 'view',
        visitor: null,
        customer: '17850',
        sku: '85123A',
        query: null,
        t: Date.UTC(2010, 11, 2, 10) / 1000,
      },
      { type: 'view', visitor: 'anon-9', customer: null, sku: '22633', query: null, t: 1291284000 }, // the same instant, written in Unix seconds
      {
        type: 'search',
        visitor: null,
        customer: '17850',
        sku: null,
        query: 'lantern',
        t: Date.UTC(2010, 11, 2, 10, 0, 30) / 1000,
      },
      {
        type: 'cart',
        visitor: null,
        customer: '17850',
        sku: '71053',
        query: null,
        t: Date.UTC(2010, 11, 2, 10, 1) / 1000,
      },
    ]);
  });

  it('reviews from a JSON object holding an array, with nested keys; language noted', async () => {
    ws = tempWorkspace();
    const r = await runImport(ws.db, { path: fixture('reviews.json') }, testContext(ws.path));
    expect(r.kind).toBe('reviews');
    expect(r.rowsRead).toBe(4);
    expect(r.rowsRejected).toBe(1);
    expect(r.errors[0]!.reason).toMatch(/missing text/);
    expect(r.tables.reviews).toBe(2);
    const langs = ws.db.prepare('SELECT language, rating FROM reviews ORDER BY created_at').all();
    expect(langs).toEqual([
      { language: 'zh', rating: 5 },
      { language: 'en', rating: 2 },
    ]);
  });

  it('campaign contacts link to existing orders; an unknown order is reported, not invented', async () => {
    ws = tempWorkspace();
    await runImport(ws.db, { path: fixture('online-retail.csv') }, testContext(ws.path));
    const r = await runImport(ws.db, { path: fixture('campaign.csv') }, testContext(ws.path));
    expect(r.kind).toBe('campaigns');
    expect(r.rowsImported).toBe(3);
    expect(r.errors).toEqual([{ line: 5, column: 'Order ID', reason: expect.stringMatching(/no order "999999"/) }]);
    const contacts = ws.db
      .prepare(
        `SELECT c.external_id AS customer, cc.arm, cc.responded, o.external_id AS orderId
           FROM campaign_contacts cc JOIN customers c ON c.id = cc.customer_id LEFT JOIN orders o ON o.id = cc.order_id
          ORDER BY c.external_id`,
      )
      .all();
    expect(contacts).toEqual([
      { customer: '13047', arm: 'control', responded: 0, orderId: null },
      { customer: '14527', arm: 'treatment', responded: 0, orderId: null },
      { customer: '17850', arm: 'treatment', responded: 1, orderId: '536365' },
    ]);
    expect(ws.db.prepare('SELECT name, started_at FROM campaigns').get()).toEqual({
      name: 'Spring coupon',
      started_at: Date.UTC(2010, 11, 1, 7) / 1000,
    });
  });

  it('products from XLSX with Chinese headers; a bad price is reported by row and column', async () => {
    ws = tempWorkspace();
    const path = join(ws.dir, '商品.xlsx');
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('商品');
    sheet.addRow(['商品编码', '商品名称', '类目', '售价', '成本', '库存']);
    sheet.addRow(['A-1', '无线耳机 Wireless Earbuds', '数码', 199, 80.5, 40]);
    sheet.addRow(['A-2', '手机壳', '配件', '￥29.90', 5, 500]);
    sheet.addRow(['A-3', '充电器', '配件', 'abc', 10, 12]);
    await wb.xlsx.writeFile(path);

    const r = await runImport(ws.db, { path }, testContext(ws.path));
    expect(r.kind).toBe('products');
    expect(r.rowsImported).toBe(2);
    expect(r.errors).toEqual([{ line: 4, column: '售价', reason: expect.stringMatching(/abc/) }]);
    expect(ws.db.prepare('SELECT sku, title, category, price, cost, stock FROM products ORDER BY sku').all()).toEqual([
      { sku: 'A-1', title: '无线耳机 Wireless Earbuds', category: '数码', price: 199, cost: 80.5, stock: 40 },
      { sku: 'A-2', title: '手机壳', category: '配件', price: 29.9, cost: 5, stock: 500 },
    ]);
  });
});

describe('platform exports', () => {
  it('Shopify: order fields on the first line only, orders keyed by Name, customers by email, lines without SKU', async () => {
    ws = tempWorkspace();
    const r = await runImport(ws.db, { path: fixture('shopify-orders.csv') }, testContext(ws.path));
    expect(r.kind).toBe('order-lines');
    expect(r.rowsRejected).toBe(0);
    expect(r.tables).toMatchObject({ orders: 3, order_items: 4, customers: 2, products: 3 });
    const orders = ws.db
      .prepare(
        'SELECT external_id AS id, status, amount, discount, coupon, placed_at AS t, customer_id AS c FROM orders ORDER BY external_id',
      )
      .all() as { id: string; c: number }[];
    expect(orders).toEqual([
      {
        id: '#1001',
        status: 'pending',
        amount: 57.64,
        discount: 10,
        coupon: 'SPRING10',
        t: Date.UTC(2024, 2, 1, 19, 5, 9) / 1000,
        c: orders[0]!.c,
      },
      {
        id: '#1002',
        status: 'returned',
        amount: 40,
        discount: 0,
        coupon: null,
        t: Date.UTC(2024, 2, 3, 14, 59) / 1000,
        c: orders[1]!.c,
      },
      {
        id: '#1003',
        status: 'pending',
        amount: 24,
        discount: 0,
        coupon: null,
        t: Date.UTC(2024, 2, 5, 13) / 1000,
        c: orders[0]!.c,
      },
    ]);
    expect(orders[1]!.c).not.toBe(orders[0]!.c);
    const towel = ws.db.prepare(`SELECT sku, title FROM products WHERE title = 'Tea Towel'`).get();
    expect(towel).toEqual({ sku: 'Tea Towel', title: 'Tea Towel' });
  });

  it('Olist: numbered lines of one product add up; the orders file then sets dates and statuses, keeping amounts', async () => {
    ws = tempWorkspace();
    const items = await runImport(ws.db, { path: fixture('olist-order-items.csv') }, testContext(ws.path));
    expect(items.kind).toBe('order-lines');
    expect(items.rowsImported).toBe(4);
    const two = ws.db
      .prepare(
        `SELECT i.quantity, o.amount FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.external_id = '00018f77f2f0320c557190d7a144bdd3'`,
      )
      .get();
    expect(two).toEqual({ quantity: 2, amount: 479.8 });

    const orders = await runImport(ws.db, { path: fixture('olist-orders.csv') }, testContext(ws.path));
    expect(orders.kind).toBe('orders');
    expect(orders.rowsImported).toBe(3);
    expect(orders.tables.orders).toBe(0);
    const rows = ws.db
      .prepare('SELECT external_id AS id, status, amount, placed_at AS t FROM orders ORDER BY external_id')
      .all();
    expect(rows).toEqual([
      {
        id: '00010242fe8c5a6d1ba2dd792cb16214',
        status: 'completed',
        amount: 58.9,
        t: Date.UTC(2017, 8, 13, 8, 59, 2) / 1000,
      },
      {
        id: '00018f77f2f0320c557190d7a144bdd3',
        status: 'completed',
        amount: 479.8,
        t: Date.UTC(2017, 3, 26, 10, 53, 6) / 1000,
      },
      {
        id: '000229ec398224ef6ca0657da4fc703e',
        status: 'cancelled',
        amount: 199,
        t: Date.UTC(2018, 0, 14, 14, 33, 31) / 1000,
      },
    ]);
  });
});
