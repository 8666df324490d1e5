/**
 * A shop selling in several currencies writes each order's currency beside its amount (Shopify's "Currency",
 * Etsy's "Currency", "currency_code", "币种"). Amounts are stored as they are; the preview says when the first rows
 * mix currencies, since totals over them would add euros to dollars.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { mixedCurrencies } from '../src-main/core/import/plan.ts';
import { previewImport } from '../src-main/core/import/preview.ts';
import type { RawRecord } from '../src-main/core/import/types.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const records = (rows: (string | null)[][]): RawRecord[] => rows.map((values, i) => ({ line: i + 2, values }));

describe('mixed currencies', () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());

  it('notes a currency column with two currencies, and imports every row with its amount as written', async () => {
    const file = join(ws.dir, 'orders.csv');
    writeFileSync(
      file,
      'Order ID,Order Date,Total,Currency\nA1,2024-03-01,10.00,EUR\nA2,2024-03-02,12.00,USD\nA3,2024-03-03,9.00,eur\n',
    );
    const preview = await previewImport(ws.db, { path: file });
    expect(preview.notes).toEqual([
      '"Currency" holds 2 currencies in the first rows (EUR, USD): amounts are stored as they are, not converted, so totals mix currencies',
    ]);
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.rowsImported).toBe(3);
    expect(ws.db.prepare('SELECT external_id, amount FROM orders ORDER BY external_id').all()).toEqual([
      { external_id: 'A1', amount: 10 },
      { external_id: 'A2', amount: 12 },
      { external_id: 'A3', amount: 9 },
    ]);
  });

  it.each([['currency_code'], ['币种'], ['Order Currency']])('reads %s as a currency column', (name) => {
    const found = mixedCurrencies(
      ['id', name],
      records([
        ['1', 'CNY'],
        ['2', 'HKD'],
        ['3', null],
      ]),
    );
    expect(found?.column).toBe(name);
  });

  it('says nothing for one currency, or for a column that is no currency', () => {
    expect(
      mixedCurrencies(
        ['id', 'Currency'],
        records([
          ['1', 'USD'],
          ['2', ' usd '],
          ['3', ''],
        ]),
      ),
    ).toBeNull();
    expect(
      mixedCurrencies(
        ['id', 'Currency Rate'],
        records([
          ['1', '1.0'],
          ['2', '0.9'],
        ]),
      ),
    ).toBeNull();
  });

  it('lists at most five currencies', () => {
    const codes = ['USD', 'EUR', 'GBP', 'JPY', 'CNY', 'AUD', 'CAD'];
    const found = mixedCurrencies(['Currency'], records(codes.map((c) => [c])));
    expect(found?.note).toMatch(/holds 7 currencies in the first rows \(AUD, CAD, CNY, EUR, GBP, …\)/);
  });
});
