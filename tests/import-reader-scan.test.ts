/**
 * Reader fast paths of issue 2, second pass: fields found with indexOf instead of a scan per character, the date
 * parser reading only the time of a text that starts with the last date part it read, and an order key known equal
 * to the last one from its id alone. Each must give what the general path gives.
 */
import { describe, expect, it } from 'vitest';
import type { FieldName } from '../src-main/core/import/fields.ts';
import { LinePrep } from '../src-main/core/import/line-prep.ts';
import { DelimitedParser } from '../src-main/core/import/source/delimited-parser.ts';
import { dateParser, parseDate, type DateOrder } from '../src-main/core/import/values/index.ts';
import type { Row } from '../src-main/core/import/writers.ts';

const parseAll = (delimiter: string, chunks: string[]) => {
  const p = new DelimitedParser(delimiter);
  for (const c of chunks) p.push(c);
  p.end();
  return p.take();
};

/** A seeded generator (LCG), so a failure can be replayed. */
function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n);
  };
}

describe('fields found with indexOf', () => {
  it('ends a field at the delimiter, LF, CR or CRLF, whichever comes first', () => {
    const records = parseAll(',', ['a,b\nc,d\re,f\r\ng,,\n,h\r\n\r\ni,j"k",l']);
    expect(records.map((r) => [r.line, r.values])).toEqual([
      [1, ['a', 'b']],
      [2, ['c', 'd']],
      [3, ['e', 'f']],
      [4, ['g', '', '']],
      [5, ['', 'h']],
      [7, ['i', 'j"k"', 'l']],
    ]);
  });

  it('reads each delimiter only as itself, the others as text', () => {
    const text = 'a;b,c\td|e\n1;2,3\t4|5\n';
    expect(parseAll(';', [text]).map((r) => r.values)).toEqual([
      ['a', 'b,c\td|e'],
      ['1', '2,3\t4|5'],
    ]);
    expect(parseAll('\t', [text]).map((r) => r.values)).toEqual([
      ['a;b,c', 'd|e'],
      ['1;2,3', '4|5'],
    ]);
    expect(parseAll('|', [text]).map((r) => r.values)).toEqual([
      ['a;b,c\td', 'e'],
      ['1;2,3\t4', '5'],
    ]);
  });

  it('parses generated files cut anywhere like the whole file, lines counted alike', () => {
    const pick = random(12345);
    const cells = ['', 'x', 'abc', ' 12.5 ', '"q"', '"a,b"', '"l1\nl2"', '"c\r\nd"', '"e""f"', '"g"h', 'i"j', '"k\rm"'];
    const breaks = ['\n', '\r\n', '\r', '\n\n', '\r\n\r\n'];
    for (let file = 0; file < 30; file++) {
      let text = '';
      for (let r = 0; r < 12; r++) {
        const width = 1 + pick(4);
        for (let c = 0; c < width; c++) text += (c ? ',' : '') + cells[pick(cells.length)]!;
        text += breaks[pick(breaks.length)]!;
      }
      if (pick(2)) text = text.slice(0, text.length - 1); // no newline at the end
      const whole = parseAll(',', [text]);
      for (let k = 0; k < 20; k++) {
        const i = pick(text.length + 1);
        const j = i + pick(text.length + 1 - i);
        expect(parseAll(',', [text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual(whole);
      }
    }
  });
});

describe('date part read once per day', () => {
  it('gives what the stateless parser gives for runs of texts sharing their date part', () => {
    const pick = random(777);
    const days = [
      '1/12/2011',
      '12/1/2011',
      '2011-12-01',
      '2011/12/1',
      '31.12.2024',
      '2/30/2011',
      '1/1/1899',
      '13/1/2011',
    ];
    const times = ['8:00', '08:05', '23:59', '24:00', '9:60', '9:5', '10:00:59', '10:00:60', '7:07Z', '7:07:07.5', ''];
    const seps = [' ', 'T', '  ', ''];
    for (const order of ['mdy', 'dmy'] as DateOrder[]) {
      const parse = dateParser({ order, style: 'text' });
      for (let n = 0; n < 3000; n++) {
        const time = times[pick(times.length)]!;
        const text = days[pick(days.length)]! + (time ? seps[pick(seps.length)]! + time : '');
        expect(parse(text), text).toEqual(parseDate(text, { order, style: 'text' }));
      }
    }
  });

  it('reads the time of a text that shares the last date part', () => {
    const parse = dateParser({ order: 'mdy', style: 'text' });
    const at = (d: number, h: number, m: number, s = 0) => Date.UTC(2011, 0, d, h, m, s) / 1000;
    const texts = ['1/2/2011 8:00', '1/2/2011 9:01', '1/2/2011 23:59:58', '1/20/2011 9:01', '1/2/2011 9:01'];
    expect(texts.map((t) => parse(t))).toEqual([
      at(2, 8, 0),
      at(2, 9, 1),
      at(2, 23, 59, 58),
      at(20, 9, 1),
      at(2, 9, 1),
    ]);
    expect(parse('1/2/2011 8:00')).toBe(at(2, 8, 0));
    expect(typeof parse('1/2/2011 24:00')).toBe('object'); // a failure, not the next day
  });
});

describe('order key from the id', () => {
  const FIELDS: FieldName[] = ['order_id', 'product', 'quantity', 'unit_price', 'date'];
  const row = (order: string, quantity: number, date: number | null = 0): Row => ({
    order_id: order,
    product: 'P',
    quantity,
    unit_price: 1,
    date,
  });

  it('gives a line after a refused line of the same id the order the id names', () => {
    const prep = new LinePrep(FIELDS);
    prep.start(8);
    expect(prep.add(row('A', 1))).toBeNull();
    expect(prep.add(row('B', 1, null))?.field).toBe('date');
    expect(prep.add(row('B', 1))).toBeNull();
    expect(prep.add(row('B', -1))).toBeNull();
    expect(prep.add(row('B', 2))).toBeNull();
    const b = prep.take();
    expect(Array.from(b.orders)).toEqual([0, 1, 2, 1]);
    expect(b.newOrders.keys).toEqual(['A', 'B', 'B-R']);
  });

  it('keeps a return key equal to another id as that order', () => {
    const prep = new LinePrep(FIELDS);
    prep.start(8);
    for (const [id, q] of [
      ['A-R', 1],
      ['A', -1],
      ['A', 1],
      ['A', -2],
    ] as const)
      expect(prep.add(row(id, q))).toBeNull();
    const b = prep.take();
    expect(Array.from(b.orders)).toEqual([0, 0, 1, 0]);
    expect(b.newOrders.keys).toEqual(['A-R', 'A']);
  });
});
