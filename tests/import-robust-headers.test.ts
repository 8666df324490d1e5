/**
 * Two-line headers: spreadsheet exports that put group labels in a first row ("Order,,,Customer,,", from merged
 * cells, or "Order,Order,Customer,Customer" from a pivot) and the column names in the second. The header is the
 * row of names; a name used under two groups ("ID") is told apart by its group.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { openSource } from '../src-main/core/import/source/index.ts';
import type { RawRecord } from '../src-main/core/import/types.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const ws = tempWorkspace();
afterAll(() => ws.cleanup());
const tmp = (name: string) => join(ws.dir, name);

async function readAll(path: string) {
  const source = await openSource(path);
  const records: RawRecord[] = [];
  for await (const batch of source.batches()) records.push(...batch);
  await source.close();
  return { header: source.info.header, records };
}

describe('group labels above the header', () => {
  it('takes the second row as the header under merged-cell group labels (CSV)', async () => {
    writeFileSync(
      tmp('grouped.csv'),
      'Order,,,Customer,,\nOrder ID,Order Date,Total,Customer ID,Name,Email\n' +
        'A1,2024-03-01,10.00,K1,Jane Doe,j@x.com\nA2,2024-03-02,12.50,K2,John Roe,r@x.com\n',
    );
    const { header, records } = await readAll(tmp('grouped.csv'));
    expect(header).toEqual(['Order ID', 'Order Date', 'Total', 'Customer ID', 'Name', 'Email']);
    expect(records.map((r) => [r.line, r.values[0]])).toEqual([
      [3, 'A1'],
      [4, 'A2'],
    ]);
  });

  it('tells a repeated name apart by its group (CSV, repeated labels)', async () => {
    writeFileSync(
      tmp('pivot.csv'),
      'Order,Order,Order,Customer,Customer,Customer\nID,Date,Total,ID,Name,Email\nA1,2024-03-01,10.00,K1,Jane,j@x.com\n',
    );
    expect((await readAll(tmp('pivot.csv'))).header).toEqual([
      'Order ID',
      'Date',
      'Total',
      'Customer ID',
      'Name',
      'Email',
    ]);
  });

  it('does the same in a workbook with merged group cells, after a title row', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Orders');
    sheet.addRow(['Orders report, March 2024']);
    sheet.addRow(['Order', null, null, 'Customer', null, null]);
    sheet.mergeCells('A2:C2');
    sheet.mergeCells('D2:F2');
    sheet.addRow(['ID', 'Date', 'Total', 'ID', 'Name', 'Email']);
    sheet.addRow(['A1', new Date(Date.UTC(2024, 2, 1)), 10, 'K1', 'Jane Doe', 'j@x.com']);
    sheet.addRow(['A2', new Date(Date.UTC(2024, 2, 2)), 12.5, 'K2', 'John Roe', 'r@x.com']);
    await book.xlsx.writeFile(tmp('grouped.xlsx'));
    const { header, records } = await readAll(tmp('grouped.xlsx'));
    expect(header).toEqual(['Order ID', 'Date', 'Total', 'Customer ID', 'Name', 'Email']);
    expect(records.map((r) => r.values[0])).toEqual(['A1', 'A2']);

    const r = await runImport(ws.db, { path: tmp('grouped.xlsx') }, testContext(ws.path));
    expect(r.kind).toBe('orders');
    expect(r.errors).toEqual([]);
    const orders = ws.db.prepare('SELECT external_id, amount FROM orders ORDER BY external_id').all();
    expect(orders).toEqual([
      { external_id: 'A1', amount: 10 },
      { external_id: 'A2', amount: 12.5 },
    ]);
  });

  it('keeps a one-line header with gaps or repeats when the row below is data', async () => {
    // Data rows can hold words that are also column names ("Order", "paid"): figures make them data.
    writeFileSync(tmp('gaps.csv'), 'type,,,ref\nOrder,paid,x,10.00\nOrder,paid,x,12.00\n');
    expect((await readAll(tmp('gaps.csv'))).header[0]).toBe('type');
    writeFileSync(tmp('repeats.csv'), 'Price,Price,SKU\n1.00,2.00,S1\n');
    expect((await readAll(tmp('repeats.csv'))).header).toEqual(['Price', 'Price_2', 'SKU']);
    // A second row of words that names no more fields than the first is data too.
    writeFileSync(tmp('words.csv'), 'Order,,Customer\nalpha,beta,gamma\n');
    expect((await readAll(tmp('words.csv'))).header).toEqual(['Order', 'column_2', 'Customer']);
  });
});
