/**
 * A review file that names the order instead of the buyer and the product (Olist's order_reviews layout): the
 * stored order gives the buyer, and the product when the order holds one product (writers.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const workspaces: ReturnType<typeof tempWorkspace>[] = [];
afterAll(() => workspaces.forEach((w) => w.cleanup()));

describe('reviews linked through their order', () => {
  it('take the order’s buyer, and its product when it has one', async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const lines = join(ws.dir, 'olist_order_items.csv');
    writeFileSync(
      lines,
      [
        'order_id,order_item_id,product_id,price,customer_id,order_purchase_timestamp',
        'o-1,1,p-a,10.00,c-1,2018-01-02 10:00:00',
        'o-2,1,p-a,10.00,c-2,2018-01-03 10:00:00',
        'o-2,2,p-b,25.00,c-2,2018-01-03 10:00:00',
      ].join('\n'),
    );
    const reviews = join(ws.dir, 'olist_order_reviews.csv');
    writeFileSync(
      reviews,
      [
        'review_id,order_id,review_score,review_comment_title,review_comment_message,review_creation_date,review_answer_timestamp',
        'r-1,o-1,5,,Chegou antes do prazo,2018-01-10 00:00:00,2018-01-11 10:00:00',
        'r-2,o-2,2,,Faltou um item,2018-01-12 00:00:00,2018-01-13 10:00:00',
        'r-3,o-9,4,,Bom,2018-01-14 00:00:00,2018-01-15 10:00:00',
      ].join('\n'),
    );
    const first = await runImport(ws.db, { path: lines }, testContext(ws.path));
    expect(first.kind).toBe('order-lines');
    const r = await runImport(ws.db, { path: reviews }, testContext(ws.path));
    expect(r.kind).toBe('reviews');
    expect(r.rowsImported).toBe(3);
    const stored = ws.db
      .prepare(
        `SELECT r.text, r.rating, c.external_id AS buyer, p.sku AS product FROM reviews r
           LEFT JOIN customers c ON c.id = r.customer_id LEFT JOIN products p ON p.id = r.product_id ORDER BY r.id`,
      )
      .all();
    expect(stored).toEqual([
      { text: 'Chegou antes do prazo', rating: 5, buyer: 'c-1', product: 'p-a' },
      // Two products in the order: the review is the order's, with no product.
      { text: 'Faltou um item', rating: 2, buyer: 'c-2', product: null },
      // An order the workspace does not hold: the review keeps its text and rating.
      { text: 'Bom', rating: 4, buyer: null, product: null },
    ]);
  });
});
