/**
 * A "Discount" column that holds rates, not money: Tableau's Sample Superstore writes 0, 0.2, 0.45 beside "Sales"
 * (the line's amount after the discount); other exports write "20%". Taken as money, a 45 % discount would be
 * stored as 45 cents. The value check leaves such a column unmapped and says why in the preview.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../src-main/core/import/importer.ts';
import { discountRate } from '../src-main/core/import/plan.ts';
import { previewImport } from '../src-main/core/import/preview.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

// Rows of Sample Superstore (Tableau's sample data), columns as published.
const superstore = [
  'Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,Discount,Profit',
  '1,CA-2016-152156,11/8/2016,11/11/2016,Second Class,CG-12520,Claire Gute,Consumer,United States,Henderson,Kentucky,42420,South,FUR-BO-10001798,Furniture,Bookcases,Bush Somerset Collection Bookcase,261.96,2,0,41.9136',
  "4,US-2015-108966,10/11/2015,10/18/2015,Standard Class,SO-20335,Sean O'Donnell,Consumer,United States,Fort Lauderdale,Florida,33311,South,FUR-TA-10000577,Furniture,Tables,Bretford CR4500 Series Slim Rectangular Table,957.5775,5,0.45,-383.031",
  "5,US-2015-108966,10/11/2015,10/18/2015,Standard Class,SO-20335,Sean O'Donnell,Consumer,United States,Fort Lauderdale,Florida,33311,South,OFF-ST-10000760,Office Supplies,Storage,Eldon Fold 'N Roll Cart System,22.368,2,0.2,2.5164",
].join('\n');

describe('a discount given as a rate', () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());
  const write = (name: string, text: string) => {
    const file = join(ws.dir, name);
    writeFileSync(file, text);
    return file;
  };

  it("leaves Sample Superstore's Discount unmapped, says why, and imports the lines", async () => {
    const file = write('superstore.csv', superstore);
    const preview = await previewImport(ws.db, { path: file });
    expect(preview.mapping).toMatchObject({ Discount: null, Sales: 'line_amount' });
    expect(preview.notes).toContain(
      '"Discount" left unmapped: its values are rates between 0 and 1 while the amounts are larger, and a discount is stored as money',
    );
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.errors).toEqual([]);
    const order = ws.db.prepare("SELECT discount FROM orders WHERE external_id = 'US-2015-108966'").get() as {
      discount: number | null;
    };
    expect(order.discount ?? 0).toBe(0);
  });

  it('leaves a column of percentages unmapped, with its reason', async () => {
    const file = write(
      'percent.csv',
      [
        'Order ID,Order Date,Total,Discount',
        'A1,2024-03-01,100.00,10%',
        'A2,2024-03-02,80.00,0',
        'A3,2024-03-03,45.50,0',
      ].join('\n'),
    );
    const preview = await previewImport(ws.db, { path: file });
    expect(preview.mapping.Discount).toBeNull();
    expect(preview.notes).toEqual([
      '"Discount" left unmapped: its values are percentages ("20%"), and a discount is stored as money',
    ]);
    const r = await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(r.rowsImported).toBe(3);
    expect(r.errors).toEqual([]);
  });

  it('keeps a discount of money mapped, and says nothing', async () => {
    // Another layout: the one above is remembered with its Discount unmapped.
    const file = write(
      'money.csv',
      [
        'Order ID,Order Date,Order Total,Discount',
        'B1,2024-03-01,100.00,10.00',
        'B2,2024-03-02,80.00,0',
        'B3,2024-03-03,45.50,0.50',
      ].join('\n'),
    );
    const preview = await previewImport(ws.db, { path: file });
    expect(preview.mapping.Discount).toBe('discount');
    expect(preview.notes).toBeUndefined();
    await runImport(ws.db, { path: file }, testContext(ws.path));
    expect(ws.db.prepare("SELECT discount FROM orders WHERE external_id = 'B1'").get()).toEqual({ discount: 10 });
  });

  it('keeps a discount the user mapped, whatever its values', async () => {
    const file = write('superstore-mapped.csv', superstore.replaceAll('US-2015-', 'UX-2015-'));
    const preview = await previewImport(ws.db, { path: file, map: { Discount: 'discount' } });
    expect(preview.mapping.Discount).toBe('discount');
  });
});

describe('telling a rate from money', () => {
  const amounts = [261.96, 957.58, 22.37];
  it.each([
    ['fractions in [0, 1] beside larger amounts', ['0', '0.2', '0.45'], [0, 0.2, 0.45], amounts, true],
    ['percent texts', ['20%', '5 %', '0%'], [], [], true],
    ['percent texts beside zeros', ['0', '0', '10%'], [0, 0], amounts, true],
    ['money above 1', ['0', '5.00', '0.5'], [0, 5, 0.5], amounts, false],
    ['whole 0 and 1 only', ['0', '1', '1'], [0, 1, 1], amounts, false],
    ['no amounts to compare with', ['0.2', '0.5'], [0.2, 0.5], [], false],
    ['amounts that are small too', ['0.2', '0.5'], [0.2, 0.5], [0.5, 0.8, 3], false],
  ] as const)('%s', (_, cells, values, money, isRate) => {
    expect(discountRate(cells, values, money) !== null).toBe(isRate);
  });
});
