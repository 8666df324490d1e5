/**
 * Headers of well-known public retail datasets (as their files name the columns). A file that records sales — it
 * names an order or a basket — must never be taken for a product or customer list, which would quietly keep its
 * SKUs and drop every sale; when it lacks what orders need (a date, a price), the import says what is missing.
 * Sources: dunnhumby "The Complete Journey" (transaction_data.csv), Instacart Market Basket (orders.csv,
 * order_products__prior.csv), Ta-Feng grocery (ta_feng_all_months_merged.csv), Olist Brazilian E-Commerce (olist_products_dataset.csv), Retailrocket (events.csv).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectKind, suggestMapping } from '../src-main/core/import/fields.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const dunnhumby = [
  'household_key', 'BASKET_ID', 'DAY', 'PRODUCT_ID', 'QUANTITY', 'SALES_VALUE', 'STORE_ID', 'RETAIL_DISC',
  'TRANS_TIME', 'WEEK_NO', 'COUPON_DISC', 'COUPON_MATCH_DISC',
]; // prettier-ignore
const instacartOrders = [
  'order_id', 'user_id', 'eval_set', 'order_number', 'order_dow', 'order_hour_of_day', 'days_since_prior_order',
]; // prettier-ignore
const instacartLines = ['order_id', 'product_id', 'add_to_cart_order', 'reordered'];
const taFeng = [
  'TRANSACTION_DT', 'CUSTOMER_ID', 'AGE_GROUP', 'PIN_CODE', 'PRODUCT_SUBCLASS', 'PRODUCT_ID', 'AMOUNT', 'ASSET',
  'SALES_PRICE',
]; // prettier-ignore
const olistProducts = [
  'product_id', 'product_category_name', 'product_name_lenght', 'product_description_lenght', 'product_photos_qty',
  'product_weight_g', 'product_length_cm', 'product_height_cm', 'product_width_cm',
]; // prettier-ignore

const workspaces: ReturnType<typeof tempWorkspace>[] = [];
afterAll(() => workspaces.forEach((w) => w.cleanup()));

describe('public retail datasets', () => {
  it('reads dunnhumby baskets as order lines: the household is the buyer, the basket the order', () => {
    expect(detectKind(dunnhumby)).toBe('order-lines');
    const m = suggestMapping(dunnhumby, 'order-lines');
    expect(Object.fromEntries(Object.entries(m).filter(([, f]) => f !== null))).toEqual({
      household_key: 'customer',
      BASKET_ID: 'order_id',
      PRODUCT_ID: 'product',
      QUANTITY: 'quantity',
      SALES_VALUE: 'line_amount',
      // By its name; the value check then leaves it ("1631" is a time of day, no date).
      TRANS_TIME: 'date',
      // COUPON_DISC is money off, not a coupon's code; DAY counts days and is no date.
    });
  });

  it('says what a sales file lacks instead of keeping only its products or customers', async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const cases: [string, string[], string, string][] = [
      ['transaction_data.csv', dunnhumby, '2375,26984851472,1,1004906,1,1.39,364,-0.6,1631,1,0,0', 'order-lines'],
      ['orders.csv', instacartOrders, '2539329,1,prior,1,2,08,', 'orders'],
      ['order_products__prior.csv', instacartLines, '2,33120,1,1', 'order-lines'],
      // Lines of a till with no order id: neither a product list nor one order per row.
      ['ta_feng.csv', taFeng, '11/1/2000,1104905,45-49,115,110411,4710199010372,2,24,30', 'order-lines'],
    ];
    for (const [name, header, line, kind] of cases) {
      expect(detectKind(header), name).toBe(kind);
      const path = join(ws.dir, name);
      writeFileSync(path, `${header.join(',')}\n${line}\n`);
      await expect(runImport(ws.db, { path }, testContext(ws.path)), name).rejects.toThrow(
        /no column for .*(date|order_id)/,
      );
    }
    expect(ws.db.prepare('SELECT COUNT(*) FROM products').pluck().get()).toBe(0);
    expect(ws.db.prepare('SELECT COUNT(*) FROM customers').pluck().get()).toBe(0);
  });

  it("does not take a column of lengths, counts or weights for a product's title", () => {
    expect(detectKind(olistProducts)).toBe('products');
    const m = suggestMapping(olistProducts, 'products');
    expect(Object.fromEntries(Object.entries(m).filter(([, f]) => f !== null))).toEqual({
      product_id: 'product',
      product_category_name: 'category',
    });
  });

  it('imports Retailrocket events with millisecond times', async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const path = join(ws.dir, 'events.csv');
    writeFileSync(
      path,
      'timestamp,visitorid,event,itemid,transactionid\n1433221332117,257597,view,355908,\n' +
        '1433224214164,992329,addtocart,248676,\n1433221999827,111016,transaction,356475,4000\n',
    );
    const r = await runImport(ws.db, { path }, testContext(ws.path));
    expect(r.kind).toBe('events');
    expect(r.rowsImported).toBe(3);
    const rows = ws.db.prepare('SELECT type, occurred_at FROM events ORDER BY occurred_at').all();
    expect(rows).toEqual([
      { type: 'view', occurred_at: 1433221332 },
      { type: 'purchase', occurred_at: 1433221999 },
      { type: 'cart', occurred_at: 1433224214 },
    ]);
  });
});
