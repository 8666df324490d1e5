import { describe, expect, it } from 'vitest';
import {
  columnParser,
  dateParser,
  dateStyleOf,
  detectColumnOptions,
  detectDateOrder,
  detectDateStyle,
  detectDecimalSeparator,
  foldWidth,
  isFailure,
  parseArm,
  parseBoolean,
  parseDate,
  parseEventType,
  parseGender,
  parseId,
  parseInteger,
  parseMoney,
  parseNumber,
  parseStatus,
  parseText,
  roundCents,
  type DateOptions,
  type Parsed,
} from '../src-main/core/import/values/index.ts';
import { daysFromCivil } from '../src-main/core/import/values/calendar.ts';
import { createHmac } from 'node:crypto';
import { createPseudonymizer, normalizePii } from '../src-main/core/import/pseudonymize.ts';
import type { Cell } from '../src-main/core/import/types.ts';

/** Unix seconds of a UTC wall clock. */
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;

function reasonOf(v: Parsed<unknown>): string {
  if (!isFailure(v)) throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
  return v.reason;
}

describe('calendar', () => {
  it('counts days like Date.UTC across the accepted years', () => {
    for (const [y, m, d] of [
      [1900, 1, 1],
      [1900, 3, 1],
      [1970, 1, 1],
      [2000, 2, 29],
      [2024, 12, 31],
      [2100, 12, 31],
    ] as const) {
      expect(daysFromCivil(y, m, d) * 86400).toBe(utc(y, m, d));
    }
  });
});

describe('parseDate: text', () => {
  it.each<[string, number]>([
    ['2024-03-01', utc(2024, 3, 1)],
    ['2024-03-01T14:05:09', utc(2024, 3, 1, 14, 5, 9)],
    ['2024-03-01 14:05:09', utc(2024, 3, 1, 14, 5, 9)],
    ['2024-03-01T14:05', utc(2024, 3, 1, 14, 5)],
    ['2024-03-01 14:05:09.123', utc(2024, 3, 1, 14, 5, 9)],
    ['2024-03-01T14:05:09.999999', utc(2024, 3, 1, 14, 5, 9)],
    ['2024/03/01', utc(2024, 3, 1)],
    ['2024/3/1', utc(2024, 3, 1)],
    ['2024/3/1 14:05', utc(2024, 3, 1, 14, 5)],
    ['2024-3-1 9:05:07', utc(2024, 3, 1, 9, 5, 7)],
    ['2024.03.01', utc(2024, 3, 1)],
    ['20240301', utc(2024, 3, 1)],
    ['20240301 14:05:09', utc(2024, 3, 1, 14, 5, 9)],
    ['202403011405', utc(2024, 3, 1, 14, 5)],
    ['20240301140509', utc(2024, 3, 1, 14, 5, 9)],
    ['2024年3月1日', utc(2024, 3, 1)],
    ['2024年03月01日', utc(2024, 3, 1)],
    ['2024年3月1号', utc(2024, 3, 1)],
    ['2024年3月1日 14时05分', utc(2024, 3, 1, 14, 5)],
    ['2024年3月1日 14时05分09秒', utc(2024, 3, 1, 14, 5, 9)],
    ['2024年3月1日 14:05', utc(2024, 3, 1, 14, 5)],
    ['2024年3月1日14:05:09', utc(2024, 3, 1, 14, 5, 9)],
    ['2024年3月1日 下午2点05分', utc(2024, 3, 1, 14, 5)],
    ['2024年3月1日 上午9点', utc(2024, 3, 1, 9)],
    ['2024年3月1日 星期五 14:05', utc(2024, 3, 1, 14, 5)],
    ['2024/3/1 下午2:05', utc(2024, 3, 1, 14, 5)],
    ['2024/3/1 下午14:05', utc(2024, 3, 1, 14, 5)],
    ['2024/3/1 上午12:30', utc(2024, 3, 1, 0, 30)],
    ['2024/3/1 中午12:30', utc(2024, 3, 1, 12, 30)],
    ['2024/3/1 中午1点', utc(2024, 3, 1, 13)],
    ['3/1/2024', utc(2024, 3, 1)],
    ['12/1/2010 8:26', utc(2010, 12, 1, 8, 26)],
    ['12/1/2010 08:26:30', utc(2010, 12, 1, 8, 26, 30)],
    ['12/1/10 8:26', utc(2010, 12, 1, 8, 26)],
    ['12-1-2010', utc(2010, 12, 1)],
    ['12/1/2010 8:26 AM', utc(2010, 12, 1, 8, 26)],
    ['12/1/2010 8:26 PM', utc(2010, 12, 1, 20, 26)],
    ['12/1/2010 8:26PM', utc(2010, 12, 1, 20, 26)],
    ['12/1/2010 12:00 AM', utc(2010, 12, 1, 0, 0)],
    ['12/1/2010 12:00 PM', utc(2010, 12, 1, 12, 0)],
    ['12/1/2010 8pm', utc(2010, 12, 1, 20)],
    ['31.12.2024', utc(2024, 12, 31)],
    ['1.12.2010 08:26', utc(2010, 12, 1, 8, 26)],
    ['01-Dec-2010', utc(2010, 12, 1)],
    ['01-DEC-2010 08:26:00', utc(2010, 12, 1, 8, 26)],
    ['1-Dec-10', utc(2010, 12, 1)],
    ['2010-Dec-01', utc(2010, 12, 1)],
    ['Dec 1, 2010', utc(2010, 12, 1)],
    ['Dec 1, 2010 8:26 PM', utc(2010, 12, 1, 20, 26)],
    ['Mar-01-24', utc(2024, 3, 1)],
    ['Dec-31-99 23:59', utc(1999, 12, 31, 23, 59)],
    ['December 1st, 2010 at 8:26 pm', utc(2010, 12, 1, 20, 26)],
    ['Sept 30 2024', utc(2024, 9, 30)],
    ['1 December 2010', utc(2010, 12, 1)],
    ['1st of December 2010', utc(2010, 12, 1)],
    ['Wed, 01 Dec 2010 08:26:00 GMT', utc(2010, 12, 1, 8, 26)],
    ['  2024-03-01  ', utc(2024, 3, 1)],
    ['２０２４－０３－０１', utc(2024, 3, 1)],
    ['２０２４年３月１日　１４：０５', utc(2024, 3, 1, 14, 5)],
    ['2000-02-29', utc(2000, 2, 29)],
    ['1900-01-01', utc(1900, 1, 1)],
    ['2100-12-31 23:59:59', utc(2100, 12, 31, 23, 59, 59)],
  ])('%s', (text, expected) => {
    expect(parseDate(text)).toBe(expected);
  });

  it('converts a time with a zone to its instant, stored as UTC seconds', () => {
    const instant = utc(2024, 3, 1, 6, 5, 9);
    for (const text of [
      '2024-03-01T14:05:09+08:00',
      '2024-03-01T14:05:09+0800',
      '2024-03-01T14:05:09+08',
      '2024-03-01 14:05:09 +0800',
      '2024-03-01T14:05:09.5+08:00',
      '2024-03-01 14:05:09 GMT+8',
      '2024-03-01 14:05:09 UTC+08:00',
      '2024-03-01T06:05:09Z',
      '2024-03-01T06:05:09.000Z',
      '2024-03-01 06:05:09 UTC',
      '2024-03-01T01:05:09-05:00',
      '2024/3/1 14:05:09 +08:00',
    ]) {
      expect(parseDate(text), text).toBe(instant);
    }
  });

  it('fails on dates that do not exist, with the text in the reason', () => {
    expect(reasonOf(parseDate('2024-02-30'))).toBe('not a date: "2024-02-30"');
    expect(reasonOf(parseDate('2023-02-29'))).toBe('not a date: "2023-02-29"');
    expect(reasonOf(parseDate('1900-02-29'))).toBe('not a date: "1900-02-29"');
    expect(reasonOf(parseDate('2024-13-01'))).toBe('not a date: "2024-13-01"');
    expect(reasonOf(parseDate('2024-00-10'))).toBe('not a date: "2024-00-10"');
    expect(reasonOf(parseDate('2024-03-01 25:00'))).toBe('not a date: "2024-03-01 25:00"');
    expect(reasonOf(parseDate('2024-03-01T24:00:00'))).toBe('not a date: "2024-03-01T24:00:00"');
    expect(reasonOf(parseDate('2024-03-01 12:60'))).toBe('not a date: "2024-03-01 12:60"');
    expect(reasonOf(parseDate('2024-03-01 12:30:60'))).toBe('not a date: "2024-03-01 12:30:60"');
    expect(reasonOf(parseDate('2024/3/1 13:05 AM'))).toBe('not a date: "2024/3/1 13:05 AM"');
    // A two-digit year after a space or comma could be a day or a time: only "Mar-01-24" reads it as a year.
    expect(reasonOf(parseDate('Dec 1, 24'))).toBe('not a date: "Dec 1, 24"');
    expect(reasonOf(parseDate('2024-03-01T14:05:09+15:00'))).toBe('not a date: "2024-03-01T14:05:09+15:00"');
    expect(reasonOf(parseDate('20241301'))).toBe('not a date: "20241301"');
  });

  it('fails on years outside 1900–2100', () => {
    expect(reasonOf(parseDate('1899-12-31'))).toBe('year outside 1900–2100: "1899-12-31"');
    expect(reasonOf(parseDate('2101-01-01'))).toBe('year outside 1900–2100: "2101-01-01"');
    expect(reasonOf(parseDate('3/1/1850'))).toBe('year outside 1900–2100: "3/1/1850"');
    expect(isFailure(parseDate('01-Jan-0001'))).toBe(true);
  });

  it('fails on text that is no date', () => {
    for (const text of [
      'hello',
      '2024',
      '2024-03',
      '3月1日',
      '14:05',
      'Dec 2010',
      '2024-03-01 14',
      '2024-03-01T',
      '1/2',
      'true',
    ]) {
      expect(reasonOf(parseDate(text)), text).toMatch(/^not a date: /);
    }
    expect(reasonOf(parseDate('x'.repeat(100)))).toBe(`not a date: "${'x'.repeat(39)}…"`);
  });

  it('treats empty and placeholder cells as missing, not as failures', () => {
    for (const cell of [null, '', '   ', 'NULL', 'null', 'N/A', 'NaN', '-', '0000-00-00', '0000-00-00 00:00:00']) {
      expect(parseDate(cell), String(cell)).toBeNull();
    }
  });
});

describe('parseDate: slash dates and their order', () => {
  it('reads a/b/yyyy month-first unless told day-first', () => {
    expect(parseDate('3/1/2024')).toBe(utc(2024, 3, 1));
    expect(parseDate('3/1/2024', { order: 'mdy' })).toBe(utc(2024, 3, 1));
    expect(parseDate('3/1/2024', { order: 'dmy' })).toBe(utc(2024, 1, 3));
    expect(parseDate('31/12/2024', { order: 'dmy' })).toBe(utc(2024, 12, 31));
    expect(parseDate('31/12/2024 23:59', { order: 'dmy' })).toBe(utc(2024, 12, 31, 23, 59));
    expect(parseDate('31-12-2024', { order: 'dmy' })).toBe(utc(2024, 12, 31));
  });

  it('fails a day-first date in a month-first column rather than guessing, and says why', () => {
    expect(reasonOf(parseDate('31/12/2024'))).toBe('not a date: "31/12/2024" (the column is read month-first)');
    expect(reasonOf(parseDate('12/31/2024', { order: 'dmy' }))).toBe(
      'not a date: "12/31/2024" (the column is read day-first)',
    );
  });

  it('reads dotted dates day-first whatever the order', () => {
    expect(parseDate('01.03.2024', { order: 'mdy' })).toBe(utc(2024, 3, 1));
    expect(parseDate('01.03.2024', { order: 'dmy' })).toBe(utc(2024, 3, 1));
  });

  it('detects the order from parts above 12', () => {
    expect(detectDateOrder(['12/1/2010 8:26', '12/13/2010 9:00', '1/2/2011'])).toBe('mdy');
    expect(detectDateOrder(['1/12/2010', '13/12/2010 8:26', '31/1/2011'])).toBe('dmy');
    expect(detectDateOrder(['01-12-2010', '25-12-2010'])).toBe('dmy');
    expect(detectDateOrder(['1/2/2010', '3/4/2010'])).toBe('mdy');
    expect(detectDateOrder([])).toBe('mdy');
    expect(detectDateOrder(['2024-03-01', null, 45352, '13.12.2010'])).toBe('mdy');
    expect(detectDateOrder(['13/1/2010', '12/14/2010', '14/2/2010'])).toBe('dmy');
    expect(detectDateOrder(['１３/１/２０１０'])).toBe('dmy');
  });
});

describe('parseDate: numbers', () => {
  it('reads a lone number by its magnitude', () => {
    expect(parseDate(20240301)).toBe(utc(2024, 3, 1));
    expect(parseDate(20240301140509)).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(parseDate(1709301909)).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(parseDate(1709301909.75)).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(parseDate(1709301909123)).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(parseDate(45352)).toBe(utc(2024, 3, 1));
    expect(parseDate(45352.5)).toBe(utc(2024, 3, 1, 12));
    expect(parseDate(40513.35138888889)).toBe(utc(2010, 12, 1, 8, 26));
    expect(parseDate(31536000)).toBe(utc(1971, 1, 1));
  });

  it('reads digit strings the same way', () => {
    expect(parseDate('1709301909')).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(parseDate('1709301909123')).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(parseDate('45352')).toBe(utc(2024, 3, 1));
    expect(parseDate('45352.25')).toBe(utc(2024, 3, 1, 6));
    expect(parseDate(' 20240301 ')).toBe(utc(2024, 3, 1));
  });

  it('fails numbers outside every plausible band', () => {
    for (const v of [0, 1, 60, 2024, 19999, 1e15, -5, 3e9 * 1e4]) {
      expect(reasonOf(parseDate(v)), String(v)).toMatch(/^not a date: /);
    }
    expect(isFailure(parseDate(Number.NaN))).toBe(true);
    expect(isFailure(parseDate(Number.POSITIVE_INFINITY))).toBe(true);
  });

  it('classifies magnitudes into non-overlapping bands', () => {
    expect(dateStyleOf(45352)).toBe('excel-serial');
    expect(dateStyleOf(20240301)).toBe('yyyymmdd');
    expect(dateStyleOf(202403011405)).toBe('yyyymmdd');
    expect(dateStyleOf(20240301140509)).toBe('yyyymmdd');
    expect(dateStyleOf(1709301909)).toBe('unix-s');
    expect(dateStyleOf(1709301909123)).toBe('unix-ms');
    // 12 digits that are no valid yyyymmddhhmm are milliseconds (1973–2001).
    expect(dateStyleOf(999999999999)).toBe('unix-ms');
    expect(dateStyleOf(2024)).toBeNull();
    expect(dateStyleOf(15000)).toBeNull();
  });

  it('reads every number one way when the column style is fixed', () => {
    const excel: DateOptions = { style: 'excel-serial' };
    expect(parseDate(1, excel)).toBe(utc(1900, 1, 1));
    expect(parseDate(59, excel)).toBe(utc(1900, 2, 28));
    expect(parseDate(61, excel)).toBe(utc(1900, 3, 1));
    expect(parseDate(25569, excel)).toBe(0);
    expect(parseDate(10000.75, excel)).toBe(utc(1927, 5, 18, 18));
    expect(parseDate('45352', excel)).toBe(utc(2024, 3, 1));
    expect(reasonOf(parseDate(60, excel))).toBe(
      'not a date: "60" (Excel serial 60 is 1900-02-29, which did not exist)',
    );
    expect(reasonOf(parseDate(0, excel))).toBe('not a date: "0" (expected an Excel date serial)');
    expect(reasonOf(parseDate(80000, excel))).toBe('year outside 1900–2100: "80000"');

    expect(parseDate(1709301909, { style: 'unix-s' })).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(parseDate(0, { style: 'unix-s' })).toBe(0);
    expect(parseDate(-86400, { style: 'unix-s' })).toMatchObject({ reason: expect.stringMatching(/^not a date/) });
    expect(parseDate('1709301909000', { style: 'unix-ms' })).toBe(utc(2024, 3, 1, 14, 5, 9));
    expect(reasonOf(parseDate(1709301909123, { style: 'unix-s' }))).toBe(
      'not a date: "1709301909123" (outside 1900–2100 as Unix seconds)',
    );

    expect(parseDate(20240301, { style: 'yyyymmdd' })).toBe(utc(2024, 3, 1));
    expect(reasonOf(parseDate(45352, { style: 'yyyymmdd' }))).toBe('not a date: "45352" (expected yyyymmdd)');
    expect(reasonOf(parseDate(20240230, { style: 'yyyymmdd' }))).toBe('not a date: "20240230"');

    // Text still reads as text in a numeric column.
    expect(parseDate('2024-03-01 08:00', { style: 'unix-s' })).toBe(utc(2024, 3, 1, 8));
  });

  it('detects a column style from its samples', () => {
    expect(detectDateStyle([20240301, 20240302, '20240303', null])).toBe('yyyymmdd');
    expect(detectDateStyle([1709301909, '1709301910', 1709301911])).toBe('unix-s');
    expect(detectDateStyle([1709301909123, 1709301910123])).toBe('unix-ms');
    expect(detectDateStyle([45352, 45353.5, '45354'])).toBe('excel-serial');
    expect(detectDateStyle(['2024-03-01', '2024-03-02', 45352])).toBe('text');
    expect(detectDateStyle([new Date(0), new Date(1)])).toBe('text');
    expect(detectDateStyle(['NULL', '', null])).toBe('text');
    expect(detectDateStyle([])).toBe('text');
    // The majority band wins; an odd value is then a failure, not a guess.
    expect(detectDateStyle([45352, 45353, 45354, 20240301])).toBe('excel-serial');
    expect(detectDateStyle([2024, 2025, 45352])).toBe('excel-serial');
  });
});

describe('parseDate: other cells', () => {
  it('takes Date objects by their UTC reading, to the nearest second', () => {
    expect(parseDate(new Date(Date.UTC(2010, 11, 1, 8, 26)))).toBe(utc(2010, 12, 1, 8, 26));
    expect(parseDate(new Date(Date.UTC(2010, 11, 1, 8, 25, 59, 999)))).toBe(utc(2010, 12, 1, 8, 26));
    expect(reasonOf(parseDate(new Date(Number.NaN)))).toBe('not a date: "Invalid Date"');
    expect(reasonOf(parseDate(new Date(Date.UTC(1850, 0, 1))))).toMatch(/^year outside 1900–2100/);
  });

  it('fails booleans', () => {
    expect(reasonOf(parseDate(true))).toBe('not a date: "true"');
  });

  it('gives the same answers through a column parser', () => {
    const read = dateParser({ order: 'dmy', style: 'excel-serial' });
    expect(read('2024-03-01')).toBe(utc(2024, 3, 1));
    expect(read('1/3/2024')).toBe(utc(2024, 3, 1));
    expect(read(61)).toBe(utc(1900, 3, 1));
    expect(read(null)).toBeNull();
  });
});

describe('parseNumber', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['12', 12],
    ['-3.5', -3.5],
    ['.5', 0.5],
    ['5.', 5],
    ['+7', 7],
    ['1,234.56', 1234.56],
    ['1,234,567', 1234567],
    // Indian grouping (lakhs, crores), as Indian marketplaces export amounts
    ['1,23,456.00', 123456],
    ['₹12,34,567', 1234567],
    ['1,23,45,678.50', 12345678.5],
    ['1 234.56', 1234.56],
    ["1'234.56", 1234.56],
    ['1\u00a0234.56', 1234.56],
    ['1\u202f234.56', 1234.56],
    ['1\u2009234.56', 1234.56],
    ['１２３', 123],
    ['１，２３４．５', 1234.5],
    ['－５', -5],
    ['−5', -5],
    ['-5', -5],
    ['(5.00)', -5],
    ['5-', -5],
    ['1e3', 1000],
    ['1.5E+06', 1500000],
    ['2.5e-3', 0.0025],
    ['  42  ', 42],
    ['$1,234.56', 1234.56],
    ['¥1,234.56', 1234.56],
    ['￥1,234.56', 1234.56],
    ['€12', 12],
    ['£12', 12],
    ['12 USD', 12],
    ['USD 12', 12],
    ['usd12', 12],
    ['CNY 12', 12],
    ['RMB12', 12],
    ['12元', 12],
    ['12 元', 12],
    ['人民币12元', 12],
    ['US$12', 12],
    ['HK$ 12', 12],
    ['-$5', -5],
    ['$-5', -5],
    ['($5.00)', -5],
    ['¥(5.00)', -5],
    ['(5.00) USD', -5],
    ['5.00- ¥', -5],
    ['-0', 0],
  ])('%s', (text, expected) => {
    expect(parseNumber(text)).toBe(expected);
  });

  it('reads decimal commas in a "," column', () => {
    const eu = { decimal: ',' } as const;
    expect(parseNumber('1.234,56', eu)).toBe(1234.56);
    expect(parseNumber('1 234,56', eu)).toBe(1234.56);
    expect(parseNumber('1\u202f234,56', eu)).toBe(1234.56);
    expect(parseNumber('1\u00a0234,56 €', eu)).toBe(1234.56);
    expect(parseNumber('12,5', eu)).toBe(12.5);
    expect(parseNumber('-0,5', eu)).toBe(-0.5);
    expect(parseNumber('1.234', eu)).toBe(1234);
    expect(parseNumber('1.234.567', eu)).toBe(1234567);
    expect(parseNumber('42', eu)).toBe(42);
    expect(reasonOf(parseNumber('1,234.56', eu))).toBe('not a number: "1,234.56"');
  });

  it('reads percentages only when the column asks for them', () => {
    expect(parseNumber('15%', { percent: true })).toBe(0.15);
    expect(parseNumber('1.1%', { percent: true })).toBe(0.011);
    expect(parseNumber('-2,5 %', { decimal: ',', percent: true })).toBe(-0.025);
    expect(parseNumber('１５％', { percent: true })).toBe(0.15);
    expect(parseNumber('15', { percent: true })).toBe(15);
    expect(reasonOf(parseNumber('15%'))).toBe('not a number: "15%" (a percent sign where an amount is expected)');
  });

  it('treats empty and placeholder cells as missing', () => {
    for (const cell of [
      null,
      '',
      '   ',
      '\t',
      'NULL',
      'null',
      'N/A',
      'n/a',
      'NA',
      'NaN',
      '-',
      '--',
      '—',
      '#N/A',
      '无',
    ]) {
      expect(parseNumber(cell), String(cell)).toBeNull();
    }
  });

  it('fails text that is no number', () => {
    for (const text of [
      'abc',
      '12abc',
      '1,23',
      '12,34.5',
      '1,2345',
      '1.2.3',
      '$',
      '()',
      '--5',
      '-(5)',
      '1e',
      'e5',
      '0x1F',
      'Infinity',
      '5%%',
      '1 2',
      '1,234 567',
      'EUR',
      // Indian and thousands grouping mixed, or Indian groups after a first group of 3, or with dots
      '1,23,456,789',
      '1,234,56,789',
      '123,45,678',
      '1.23.456',
    ]) {
      expect(reasonOf(parseNumber(text)), text).toMatch(/^not a number: /);
    }
  });

  it('takes numbers as they are and fails other cells', () => {
    expect(parseNumber(12.5)).toBe(12.5);
    expect(reasonOf(parseNumber(Number.NaN))).toBe('not a number: "NaN"');
    expect(reasonOf(parseNumber(true))).toBe('not a number: "true"');
    expect(isFailure(parseNumber(new Date(0)))).toBe(true);
    expect(reasonOf(parseNumber('1e999'))).toBe('number too large: "1e999"');
  });
});

describe('parseInteger', () => {
  it('reads whole numbers, with separators and from number cells', () => {
    expect(parseInteger('42')).toBe(42);
    expect(parseInteger('1,234')).toBe(1234);
    expect(parseInteger('3.0')).toBe(3);
    expect(parseInteger('-7')).toBe(-7);
    expect(parseInteger(1990)).toBe(1990);
    expect(parseInteger('1.234', { decimal: ',' })).toBe(1234);
    expect(parseInteger('')).toBeNull();
  });

  it('rejects fractions with a reason', () => {
    expect(reasonOf(parseInteger('2.5'))).toBe('not a whole number: "2.5"');
    expect(reasonOf(parseInteger(2.5))).toBe('not a whole number: "2.5"');
    expect(reasonOf(parseInteger('1e20'))).toBe('number too large: "1e20"');
    expect(reasonOf(parseInteger('x'))).toBe('not a number: "x"');
  });
});

describe('parseMoney', () => {
  it('rounds to cents, half away from zero', () => {
    expect(parseMoney('1,234.567')).toBe(1234.57);
    expect(parseMoney('1.005')).toBe(1.01);
    expect(parseMoney('2.675')).toBe(2.68);
    expect(parseMoney('-1.005')).toBe(-1.01);
    expect(parseMoney('0.125')).toBe(0.13);
    expect(parseMoney('1.004999')).toBe(1);
    expect(parseMoney(19.999)).toBe(20);
    expect(parseMoney(0.1 + 0.2)).toBe(0.3);
    expect(parseMoney('-0.001')).toBe(0);
    expect(Object.is(parseMoney('-0.001'), 0)).toBe(true);
    expect(roundCents(123456789.125)).toBe(123456789.13);
  });

  it('reads every currency form', () => {
    expect(parseMoney('¥1,234.56')).toBe(1234.56);
    expect(parseMoney('1.234,56 €', { decimal: ',' })).toBe(1234.56);
    expect(parseMoney('(12.50)')).toBe(-12.5);
    expect(parseMoney('CNY 99')).toBe(99);
    expect(parseMoney('99元')).toBe(99);
    expect(parseMoney('-')).toBeNull();
  });

  it('never reads a percent as money', () => {
    expect(isFailure(parseMoney('15%', { percent: true }))).toBe(true);
  });
});

describe('detectDecimalSeparator', () => {
  it('decides from unambiguous samples', () => {
    expect(detectDecimalSeparator(['1.234,56', '12,5', '3'])).toBe(',');
    expect(detectDecimalSeparator(['1,234.56', '12.5'])).toBe('.');
    expect(detectDecimalSeparator(['12,50 €', '0,99 €'])).toBe(',');
    expect(detectDecimalSeparator(['1 234,56'])).toBe(',');
    expect(detectDecimalSeparator(['1.234.567'])).toBe(',');
    expect(detectDecimalSeparator(['1,234,567'])).toBe('.');
    expect(detectDecimalSeparator(['0,125'])).toBe(',');
    expect(detectDecimalSeparator(['1234,567'])).toBe(',');
    expect(detectDecimalSeparator(['１２，５'])).toBe(',');
  });

  it("defaults to '.' when nothing says otherwise", () => {
    expect(detectDecimalSeparator([])).toBe('.');
    expect(detectDecimalSeparator(['1,234', '5,000'])).toBe('.');
    expect(detectDecimalSeparator(['1.234'])).toBe('.');
    expect(detectDecimalSeparator([12.5, null, true])).toBe('.');
    expect(detectDecimalSeparator(['12,5', '1.5', '2.5'])).toBe('.');
  });
});

describe('text and ids', () => {
  it('trims text and keeps the rest as it is', () => {
    expect(parseText('  hello   world ')).toBe('hello   world');
    expect(parseText('NULL')).toBe('NULL');
    expect(parseText('')).toBeNull();
    expect(parseText(' \u3000 ')).toBeNull();
    expect(parseText(null)).toBeNull();
    expect(parseText(12)).toBe('12');
    expect(parseText(false)).toBe('false');
    expect(parseText(new Date(Date.UTC(2024, 2, 1)))).toBe('2024-03-01T00:00:00.000Z');
  });

  it("drops Excel's text marker before a number-like value, and only there", () => {
    // Shopify's customer export writes ids, phones and zip codes as '7012345678901 so that Excel keeps the digits.
    expect(parseId("'7012345678901")).toBe('7012345678901');
    expect(parseText("'+1 (555) 010-0100")).toBe('+1 (555) 010-0100');
    expect(parseText(" '97201 ")).toBe('97201');
    expect(parseText("'Tis the season")).toBe("'Tis the season");
    expect(parseId("'A-100")).toBe("'A-100");
    expect(parseText("'")).toBe("'");
  });

  it('reads ids from text and numbers', () => {
    expect(parseId(' 536365 ')).toBe('536365');
    expect(parseId(536365)).toBe('536365');
    expect(parseId('C536379')).toBe('C536379');
    expect(parseId('')).toBeNull();
    expect(reasonOf(parseId(2 ** 60))).toMatch(/^id too long to read exactly/);
    expect(isFailure(parseId(true))).toBe(true);
  });

  it('folds full-width and typographic characters', () => {
    expect(foldWidth('ＡＢＣ１２３')).toBe('ABC123');
    expect(foldWidth('a\u00a0b\u3000c')).toBe('a b c');
    expect(foldWidth('plain')).toBe('plain');
    expect(foldWidth('中文：１')).toBe('中文:1');
  });
});

describe('parseGender', () => {
  it.each<[Cell, string]>([
    ['F', 'female'],
    ['f', 'female'],
    ['female', 'female'],
    [' Female ', 'female'],
    ['女', 'female'],
    ['女性', 'female'],
    ['Ｆ', 'female'],
    ['M', 'male'],
    ['male', 'male'],
    ['MALE', 'male'],
    ['男', 'male'],
    ['先生', 'male'],
    ['other', 'other'],
    ['non-binary', 'other'],
    ['其他', 'other'],
  ])('%s', (cell, expected) => {
    expect(parseGender(cell)).toBe(expected);
  });

  it('treats undisclosed as missing', () => {
    for (const cell of ['', null, 'unknown', '未知', '保密', 'N/A']) expect(parseGender(cell)).toBeNull();
  });

  it('rejects number codes as ambiguous and unknown words', () => {
    expect(reasonOf(parseGender('0'))).toMatch(/^ambiguous gender: "0" \(number codes/);
    expect(reasonOf(parseGender('1'))).toMatch(/^ambiguous gender: "1"/);
    expect(reasonOf(parseGender(1))).toMatch(/^ambiguous gender: "1"/);
    expect(reasonOf(parseGender('robot'))).toBe('unknown gender: "robot"');
    expect(isFailure(parseGender(true))).toBe(true);
  });
});

describe('parseStatus', () => {
  it.each<[string, string]>([
    ['交易成功', 'completed'],
    ['已完成', 'completed'],
    ['已签收', 'completed'],
    ['completed', 'completed'],
    ['Complete', 'completed'],
    ['delivered', 'completed'],
    ['Fulfilled', 'completed'],
    ['待付款', 'pending'],
    ['等待买家付款', 'pending'],
    ['待发货', 'pending'],
    ['已发货', 'pending'],
    ['已付款', 'pending'],
    ['买家已付款，等待卖家发货', 'pending'],
    ['卖家已发货，等待买家确认', 'pending'],
    ['paid', 'pending'],
    ['shipped', 'pending'],
    ['Processing', 'pending'],
    ['on-hold', 'pending'],
    ['On Hold', 'pending'],
    ['pending', 'pending'],
    ['交易关闭', 'cancelled'],
    ['已取消', 'cancelled'],
    ['取消', 'cancelled'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['CANCELED', 'cancelled'],
    ['void', 'cancelled'],
    ['Order cancelled by buyer', 'cancelled'],
    ['退款', 'returned'],
    ['已退款', 'returned'],
    ['退货', 'returned'],
    ['退款成功', 'returned'],
    ['售后', 'returned'],
    ['退款中', 'returned'],
    ['refunded', 'returned'],
    ['returned', 'returned'],
    ['Refund requested', 'returned'],
    ['partially_refunded', 'completed'],
  ])('%s', (text, expected) => {
    expect(parseStatus(text)).toBe(expected);
  });

  it('fails unknown statuses and treats empty as missing', () => {
    expect(reasonOf(parseStatus('banana'))).toBe('unknown order status: "banana"');
    expect(reasonOf(parseStatus(3))).toBe('unknown order status: "3"');
    expect(parseStatus('')).toBeNull();
    expect(parseStatus(null)).toBeNull();
  });

  it('answers repeated spellings the same (memoized)', () => {
    for (let i = 0; i < 3; i++) expect(parseStatus('交易成功')).toBe('completed');
    for (let i = 0; i < 5000; i++) parseStatus(`status-${i}`);
    expect(parseStatus('交易成功')).toBe('completed');
  });
});

describe('parseBoolean', () => {
  it.each<[Cell, boolean]>([
    ['yes', true],
    ['Yes', true],
    ['Y', true],
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['是', true],
    ['✓', true],
    ['√', true],
    [1, true],
    [true, true],
    ['no', false],
    ['N', false],
    ['false', false],
    ['0', false],
    ['否', false],
    ['✗', false],
    [0, false],
    [false, false],
  ])('%s', (cell, expected) => {
    expect(parseBoolean(cell)).toBe(expected);
  });

  it('fails anything else', () => {
    expect(reasonOf(parseBoolean('maybe'))).toBe('not yes or no: "maybe"');
    expect(reasonOf(parseBoolean(2))).toBe('not yes or no: "2"');
    expect(parseBoolean('')).toBeNull();
  });
});

describe('parseArm', () => {
  it.each<[Cell, string]>([
    ['treatment', 'treatment'],
    ['Treatment', 'treatment'],
    ['test', 'treatment'],
    ['Test Group', 'treatment'],
    ['实验组', 'treatment'],
    [1, 'treatment'],
    [true, 'treatment'],
    ['control', 'control'],
    ['Control', 'control'],
    ['holdout', 'control'],
    ['对照组', 'control'],
    ['0', 'control'],
    [false, 'control'],
  ])('%s', (cell, expected) => {
    expect(parseArm(cell)).toBe(expected);
  });

  it('rejects A/B as ambiguous', () => {
    expect(reasonOf(parseArm('A'))).toMatch(/^ambiguous campaign arm: "A" \(A\/B does not say/);
    expect(reasonOf(parseArm('group b'))).toMatch(/^ambiguous campaign arm/);
    expect(reasonOf(parseArm('blue'))).toBe('unknown campaign arm: "blue"');
    expect(parseArm(' ')).toBeNull();
  });
});

describe('parseEventType', () => {
  it.each<[Cell, string]>([
    ['view', 'view'],
    ['pv', 'view'],
    ['PV', 'view'],
    ['page_view', 'view'],
    ['Page View', 'view'],
    ['browse', 'view'],
    ['click', 'view'],
    ['浏览', 'view'],
    ['search', 'search'],
    ['搜索', 'search'],
    ['cart', 'cart'],
    ['add_to_cart', 'cart'],
    ['addtocart', 'cart'],
    ['Add To Cart', 'cart'],
    ['加购', 'cart'],
    ['加入购物车', 'cart'],
    ['purchase', 'purchase'],
    ['buy', 'purchase'],
    ['order', 'purchase'],
    ['transaction', 'purchase'],
    ['购买', 'purchase'],
    ['下单', 'purchase'],
    ['favorite', 'favorite'],
    ['fav', 'favorite'],
    ['wishlist', 'favorite'],
    ['收藏', 'favorite'],
    ['remove_from_cart', 'remove_from_cart'],
    ['Remove From Cart', 'remove_from_cart'],
    ['Checkout Started', 'checkout started'],
    ['  Share  ', 'share'],
    [4, '4'],
  ])('%s', (cell, expected) => {
    expect(parseEventType(cell)).toBe(expected);
  });

  it('treats empty as missing', () => {
    expect(parseEventType('')).toBeNull();
    expect(parseEventType(null)).toBeNull();
  });
});

describe('column options and parsers', () => {
  it('detects options per field type', () => {
    expect(detectColumnOptions('date', ['13/12/2010 8:26', '1/1/2011'])).toEqual({
      dateOrder: 'dmy',
      dateStyle: 'text',
    });
    expect(detectColumnOptions('date', [45352, 45353])).toEqual({ dateOrder: 'mdy', dateStyle: 'excel-serial' });
    expect(detectColumnOptions('money', ['1.234,56'])).toEqual({ decimal: ',' });
    expect(detectColumnOptions('integer', ['12'])).toEqual({ decimal: '.' });
    expect(detectColumnOptions('gender', ['F'])).toEqual({});
  });

  it('parses a cell per field type, storing yes/no as 1/0', () => {
    expect(columnParser('id')(536365)).toBe('536365');
    expect(columnParser('text')(' a ')).toBe('a');
    expect(columnParser('money', { decimal: ',' })('1.234,567')).toBe(1234.57);
    expect(columnParser('number', { percent: true })('15%')).toBe(0.15);
    expect(columnParser('integer')('2')).toBe(2);
    expect(columnParser('date', { dateOrder: 'dmy' })('31/12/2024')).toBe(utc(2024, 12, 31));
    expect(columnParser('gender')('女')).toBe('female');
    expect(columnParser('status')('交易成功')).toBe('completed');
    expect(columnParser('boolean')('是')).toBe(1);
    expect(columnParser('boolean')('否')).toBe(0);
    expect(columnParser('boolean')('')).toBeNull();
    expect(isFailure(columnParser('boolean')('maybe'))).toBe(true);
    expect(columnParser('arm')('对照组')).toBe('control');
    expect(columnParser('event-type')('pv')).toBe('view');
  });
});

describe('pseudonymize', () => {
  const key = '0f'.repeat(32);
  const token = /^(name|phone|email|address):[0-9a-f]{12}$/;

  it('gives typed, readable tokens', () => {
    const p = createPseudonymizer(key);
    for (const kind of ['name', 'phone', 'email', 'address'] as const) {
      expect(p(kind, 'Alice Smith 13800138000')).toMatch(token);
      expect(p(kind, 'Alice Smith 13800138000').startsWith(`${kind}:`)).toBe(true);
    }
  });

  it('gives the same person the same token across spellings', () => {
    const p = createPseudonymizer(key);
    expect(p('phone', '138-0013-8000')).toBe(p('phone', '13800138000'));
    expect(p('phone', '+86 138 0013 8000')).toBe(p('phone', '13800138000'));
    expect(p('phone', '0086 13800138000')).toBe(p('phone', '13800138000'));
    expect(p('phone', '１３８００１３８０００')).toBe(p('phone', '13800138000'));
    expect(p('email', '  Alice@Example.COM ')).toBe(p('email', 'alice@example.com'));
    expect(p('name', ' 张  三 ')).toBe(p('name', '张 三'));
    expect(p('name', 'Ａｌｉｃｅ')).toBe(p('name', 'Alice'));
    expect(p('address', '北京市\n朝阳区  1号')).toBe(p('address', '北京市 朝阳区 1号'));
  });

  it('keeps people, kinds and keys apart', () => {
    const p = createPseudonymizer(key);
    const q = createPseudonymizer('a0'.repeat(32));
    expect(p('phone', '13800138000')).not.toBe(p('phone', '13800138001'));
    expect(p('name', 'Paris').slice(5)).not.toBe(p('address', 'Paris').slice(8));
    expect(p('email', 'a@b.com')).not.toBe(q('email', 'a@b.com'));
  });

  it('keeps nothing of the original', () => {
    const p = createPseudonymizer(key);
    const t = p('email', 'alice@example.com');
    expect(t).not.toMatch(/alice|example|@/);
  });

  it('gives "" for values that normalize to nothing', () => {
    const p = createPseudonymizer(key);
    expect(p('phone', 'N/A')).toBe('');
    expect(p('name', '   ')).toBe('');
  });

  it('is stable with a small cache that overflows', () => {
    const p = createPseudonymizer(key, 2);
    const first = p('name', 'a');
    p('name', 'b');
    p('name', 'c');
    expect(p('name', 'a')).toBe(first);
    expect(createPseudonymizer(key)('name', 'a')).toBe(first);
  });

  it('rejects a short or malformed key', () => {
    expect(() => createPseudonymizer('abc')).toThrow(/hex/);
    expect(() => createPseudonymizer('zz'.repeat(32))).toThrow(/hex/);
  });

  it('is HMAC-SHA256 of kind, NUL and the normalized value, cut to 12 hex digits', () => {
    const expected = (k: string, kind: string, v: string) =>
      createHmac('sha256', Buffer.from(k, 'hex')).update(`${kind}\u0000${v}`).digest('hex').slice(0, 12);
    expect(createPseudonymizer(key)('email', ' Bob@X.org')).toBe(`email:${expected(key, 'email', 'bob@x.org')}`);
    const longKey = 'ab'.repeat(100); // over one SHA-256 block: hashed first, as RFC 2104 says
    expect(createPseudonymizer(longKey)('name', '张三')).toBe(`name:${expected(longKey, 'name', '张三')}`);
  });

  it('normalizes as documented', () => {
    expect(normalizePii('phone', '(021) 6123-4567')).toBe('02161234567');
    expect(normalizePii('email', ' A@B.CN ')).toBe('a@b.cn');
    expect(normalizePii('name', ' John   Smith ')).toBe('john smith');
  });
});

describe('number precision', () => {
  it('gives exactly what Number() gives for plain decimals', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 5000; n++) {
      const intPart = String(Math.floor(random() * 10 ** Math.floor(random() * 12)));
      const frac = String(Math.floor(random() * 10 ** Math.floor(random() * 6)));
      const text = random() < 0.5 ? `${intPart}.${frac}` : `-${intPart}.${frac}e${Math.floor(random() * 10) - 5}`;
      expect(parseNumber(text), text).toBe(Number(text) === 0 ? 0 : Number(text));
      const grouped = Number(intPart).toLocaleString('en-US') + `.${frac}`;
      expect(parseNumber(grouped), grouped).toBe(Number(`${intPart}.${frac}`));
    }
    expect(parseNumber('12345678901234567890.5')).toBe(Number('12345678901234567890.5'));
    expect(parseNumber('1,234,567,890,123,456,789')).toBe(Number('1234567890123456789'));
  });
});
