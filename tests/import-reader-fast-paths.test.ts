/**
 * The reader's fast paths (issue 2) must give exactly what the general paths give: plain-digit SKUs keyed by their
 * number, the date parser's last-text cache, trim skipped for cells with printable ends, and a record cut by a
 * chunk boundary parsed apart from the rest of the chunk.
 */
import { describe, expect, it } from 'vitest';
import type { FieldName } from '../src-main/core/import/fields.ts';
import { LinePrep } from '../src-main/core/import/line-prep.ts';
import { DelimitedParser } from '../src-main/core/import/source/delimited-parser.ts';
import { dateParser, parseId, parseText } from '../src-main/core/import/values/index.ts';
import type { Row } from '../src-main/core/import/writers.ts';

const FIELDS: FieldName[] = ['order_id', 'product', 'quantity', 'unit_price', 'date'];
const line = (order: string, sku: string): Row => ({
  order_id: order,
  product: sku,
  quantity: 1,
  unit_price: 1,
  date: 0,
});

describe('product slots', () => {
  it('keeps SKUs that spell the same number apart, and reuses slots of digit and text SKUs alike', () => {
    const prep = new LinePrep(FIELDS);
    prep.start(16);
    // "0123" and "123" are different products; so are a 7-digit SKU below and a 9-digit SKU above the direct table.
    const skus = ['123', '0123', '123', 'A-1', '0123', '5000000', '999999999', 'A-1', '5000000', '999999999', '0'];
    for (const sku of skus) expect(prep.add(line('1', sku))).toBeNull();
    const b = prep.take();
    expect(Array.from(b.products)).toEqual([0, 1, 0, 2, 1, 3, 4, 2, 3, 4, 5]);
    expect(b.newProducts.map((p) => [p.slot, p.sku])).toEqual([
      [0, '123'],
      [1, '0123'],
      [2, 'A-1'],
      [3, '5000000'],
      [4, '999999999'],
      [5, '0'],
    ]);
  });

  it('forgets digit SKUs when the product dictionary is cleared', () => {
    const prep = new LinePrep(FIELDS, { orderSlots: 100, productSlots: 2 });
    prep.start(4);
    for (const sku of ['7', '8']) prep.add(line('1', sku));
    prep.take();
    prep.start(4);
    prep.add(line('1', '7'));
    const b = prep.take();
    expect(b.resetProducts).toBe(true);
    expect(b.newProducts.map((p) => [p.slot, p.sku])).toEqual([[0, '7']]);
  });
});

describe('date cache', () => {
  it('answers a repeated text as its first reading, and never for other texts', () => {
    const parse = dateParser({ order: 'mdy', style: 'text' });
    const texts = [
      '12/1/2010 8:26',
      '12/1/2010 8:26',
      '12/1/2010 9:26',
      '',
      '12/1/2010 9:26',
      '13/45/2010',
      '2024-03-01',
    ];
    const fresh = texts.map((t) => dateParser({ order: 'mdy', style: 'text' })(t));
    expect(texts.map((t) => parse(t))).toEqual(fresh);
    const at = (h: number, m: number) => Date.UTC(2010, 11, 1, h, m) / 1000;
    expect(fresh.slice(0, 4)).toEqual([at(8, 26), at(8, 26), at(9, 26), null]);
  });
});

describe('trim fast path', () => {
  it('gives what trim gives, for ASCII and Unicode spaces at either end', () => {
    for (const cell of ['A1', ' A1', 'A1 ', '\u00a0A1', 'A1\u3000', 'a b', '', '  ', 'x', '\ufeffx']) {
      const t = cell.trim();
      expect(parseText(cell)).toBe(t === '' ? null : t);
      expect(parseId(cell)).toBe(t === '' ? null : t);
    }
  });
});

describe('records cut by chunk boundaries', () => {
  it('parses every way of cutting a file like the whole file at once', () => {
    const text = 'a,"b\nc",d\r\ne,"f""g",h\n\n"i\r\nj",k,\nl,m,"n"\r"o",p,q\n';
    const parse = (chunks: string[]) => {
      const p = new DelimitedParser(',');
      for (const c of chunks) p.push(c);
      p.end();
      return p.take();
    };
    const whole = parse([text]);
    expect(whole.map((r) => r.line)).toEqual([1, 3, 5, 7, 8]);
    for (let i = 0; i <= text.length; i++)
      for (let j = i; j <= text.length; j += 3) {
        expect(parse([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual(whole);
      }
  });
});
