/**
 * The importer's file-reading layer: encodings, formats, delimiters, headers,
 * line numbers, XLSX and JSON, errors, and releasing the file. Text fixtures
 * live in tests/fixtures/import/; binary ones are written to a temp folder here.
 */

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelimitedParser } from '../src-main/core/import/source/delimited-parser.ts';
import { detectEncoding, isValidUtf8 } from '../src-main/core/import/source/detect-encoding.ts';
import { makeHeader } from '../src-main/core/import/source/header.ts';
import { LineSplitter } from '../src-main/core/import/source/line-splitter.ts';
import { openSource } from '../src-main/core/import/source/index.ts';
import { sniffDelimiter } from '../src-main/core/import/source/sniff-delimiter.ts';
import type { RawRecord, RecordSource, SourceOptions } from '../src-main/core/import/types.ts';
import { ImportError } from '../src-main/core/import/types.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures/import');
const fixture = (name: string): string => join(fixtures, name);
let dir = '';
const tmp = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-import-source-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function readAll(path: string, options?: SourceOptions) {
  const source = await openSource(path, options);
  const records: RawRecord[] = [];
  const sizes: number[] = [];
  for await (const batch of source.batches()) {
    sizes.push(batch.length);
    for (const record of batch) records.push(record);
  }
  await source.close();
  return { info: source.info, records, sizes, bytesRead: source.bytesRead() };
}

const values = (records: RawRecord[]) => records.map((r) => r.values);
const lines = (records: RawRecord[]) => records.map((r) => r.line);

async function weakBatches(source: RecordSource): Promise<WeakRef<RawRecord[]>[]> {
  const refs: WeakRef<RawRecord[]>[] = [];
  for await (const batch of source.batches()) refs.push(new WeakRef(batch));
  return refs;
}

/** Paths this process holds open (Linux). */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

describe('detectEncoding', () => {
  it('recognises byte order marks', () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61]), true)).toEqual({ encoding: 'utf8', source: 'bom' });
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x61, 0]), true)).toEqual({ encoding: 'utf16le', source: 'bom' });
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x61]), true)).toEqual({ encoding: 'utf16be', source: 'bom' });
  });

  it('recognises UTF-16 without a BOM by its NUL bytes, and refuses binary data', () => {
    expect(detectEncoding(iconv.encode('订单,amount\n1,2\n', 'utf16le'), true)?.encoding).toBe('utf16le');
    expect(detectEncoding(iconv.encode('订单,amount\n1,2\n', 'utf16be'), true)?.encoding).toBe('utf16be');
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    expect(detectEncoding(binary, true)).toBeNull();
  });

  it('accepts UTF-8 cut in the middle of a character at the end of a partial sample only', () => {
    const cut = Buffer.from('id,名称\n1,中', 'utf8').subarray(0, -1);
    expect(isValidUtf8(cut, false)).toBe(true);
    expect(isValidUtf8(cut, true)).toBe(false);
    expect(detectEncoding(cut, false)).toEqual({ encoding: 'utf8', source: 'detected' });
    expect(isValidUtf8(Buffer.from([0x61, 0xc0, 0x80]), false)).toBe(false); // overlong
  });

  it('tells GB18030 from Windows-1252 by how the high bytes pair up', () => {
    const chinese = iconv.encode('订单编号,买家会员名,实付金额,下单时间\n1,张三,12.5,2024-01-01\n', 'gb18030');
    expect(detectEncoding(chinese, true)).toEqual({ encoding: 'gb18030', source: 'detected' });
    const french = iconv.encode('Produit,Prix\nCafé crème,3\nBrûlée,4\nNaïve,5\n', 'latin1');
    expect(detectEncoding(french, true)).toEqual({ encoding: 'windows-1252', source: 'detected' });
  });
});

describe('DelimitedParser', () => {
  const parseChunks = (chunks: string[], delimiter = ',') => {
    const parser = new DelimitedParser(delimiter);
    const out: RawRecord[] = [];
    for (const chunk of chunks) {
      parser.push(chunk);
      out.push(...parser.take());
    }
    parser.end();
    out.push(...parser.take());
    return out;
  };

  it('gives the same records and lines wherever the text is cut into chunks', () => {
    const texts = [
      readFileSync(fixture('quoted.csv'), 'utf8'),
      'a,b\r\n1,"x\r\ny"\r\n\r\n2,"say ""hi"""\r\n3,z',
      'a;b\r1;2\r\r3;"4\r5"\r',
    ];
    for (const text of texts) {
      const delimiter = text.startsWith('a;') ? ';' : ',';
      const whole = parseChunks([text], delimiter);
      for (let i = 1; i < text.length; i++) {
        expect(parseChunks([text.slice(0, i), text.slice(i)], delimiter), `cut at ${i}`).toEqual(whole);
      }
      expect(parseChunks([...text], delimiter)).toEqual(whole);
    }
  });

  it('marks a quote that is never closed', () => {
    const records = parseChunks(['a,b\n1,"open\n2,3\n']);
    expect(records).toEqual([
      { line: 1, values: ['a', 'b'] },
      { line: 2, values: ['1', 'open\n2,3\n'], error: 'a quoted field is never closed (missing ")' },
    ]);
  });

  it('keeps an empty last field and text after a closing quote', () => {
    expect(values(parseChunks(['a,b,\n"x"y,', '']))).toEqual([
      ['a', 'b', ''],
      ['xy', ''],
    ]);
  });
});

describe('LineSplitter', () => {
  it('numbers LF, CRLF and CR lines the same wherever the text is cut', () => {
    const text = 'a\r\nb\rc\n\nd\r\n\re';
    const split = (chunks: string[]) => {
      const out: [string, number][] = [];
      const splitter = new LineSplitter((line, n) => out.push([line, n]));
      for (const chunk of chunks) splitter.push(chunk);
      splitter.end();
      return out;
    };
    const whole = split([text]);
    expect(whole).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['', 4],
      ['d', 5],
      ['', 6],
      ['e', 7],
    ]);
    for (let i = 1; i < text.length; i++)
      expect(split([text.slice(0, i), text.slice(i)]), `cut at ${i}`).toEqual(whole);
  });
});

describe('header names', () => {
  it('trims, strips a BOM, names empty cells and makes repeats unique', () => {
    expect(makeHeader([' Price ', 'Price', '', '\uFEFFName', 'Price_2', null, 'price'])).toEqual([
      'Price',
      'Price_3',
      'column_3',
      'Name',
      'Price_2',
      'column_6',
      'price_4',
    ]);
  });
});

describe('delimiter sniffing', () => {
  it('ignores delimiters inside quotes', () => {
    expect(sniffDelimiter('name,qty\n"a;b;c",1\n"d;e;f",2\n', true)).toEqual({ format: 'delimited', delimiter: ',' });
  });
});

describe('text files', () => {
  it('reads a GBK export with Chinese headers (detected as GB18030)', async () => {
    const path = tmp('gbk.csv');
    const text =
      '订单编号,买家会员名,实付金额,下单时间\r\n1001,张三,128.50,2024-03-01 10:00:00\r\n1002,李四,"1,299.00",2024-03-02 11:30:00\r\n';
    writeFileSync(path, iconv.encode(text, 'gbk'));
    const { info, records, bytesRead } = await readAll(path);
    expect(info).toMatchObject({
      format: 'delimited',
      encoding: 'gb18030',
      encodingSource: 'detected',
      delimiter: ',',
    });
    expect(info.header).toEqual(['订单编号', '买家会员名', '实付金额', '下单时间']);
    expect(info.hasHeader).toBe(true);
    expect(records).toEqual([
      { line: 2, values: ['1001', '张三', '128.50', '2024-03-01 10:00:00'] },
      { line: 3, values: ['1002', '李四', '1,299.00', '2024-03-02 11:30:00'] },
    ]);
    expect(bytesRead).toBe(info.totalBytes);
  });

  it('decodes multibyte characters split across read chunks (1.3 MB GBK file)', async () => {
    const path = tmp('gbk-big.csv');
    const rows = Array.from({ length: 30000 }, (_, i) => [String(i), `买家${i}号（测试）`, `备注：中文内容${i}`]);
    writeFileSync(path, iconv.encode(['编号,买家,备注', ...rows.map((r) => r.join(','))].join('\n'), 'gbk'));
    const { info, records, sizes } = await readAll(path);
    expect(info.encoding).toBe('gb18030');
    expect(values(records)).toEqual(rows);
    expect(lines(records)).toEqual(rows.map((_, i) => i + 2));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5000);
    expect(sizes.length).toBeGreaterThan(5);
  });

  it('detects UTF-8 when the 64 KiB sample ends inside a character', async () => {
    const path = tmp('utf8-cut.csv');
    writeFileSync(path, `a\n${'中'.repeat(30000)}\n`);
    const { info, records } = await readAll(path);
    expect(info.encoding).toBe('utf8');
    expect(records[0]!.values[0]).toBe('中'.repeat(30000));
  });

  it('reads UTF-8 with a BOM and drops the BOM', async () => {
    const path = tmp('bom.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('订单编号,金额\nA1,5\n')]));
    const { info, records } = await readAll(path);
    expect(info).toMatchObject({ encoding: 'utf8', encodingSource: 'bom' });
    expect(info.header).toEqual(['订单编号', '金额']);
    expect(values(records)).toEqual([['A1', '5']]);
  });

  it('reads UTF-16LE with a BOM (Excel "Unicode text": tab-separated)', async () => {
    const path = tmp('utf16.txt');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('订单编号\t金额\r\nA1\t5\r\n', 'utf16le')]),
    );
    const { info, records } = await readAll(path);
    expect(info).toMatchObject({ encoding: 'utf16le', encodingSource: 'bom', delimiter: '\t' });
    expect(info.header).toEqual(['订单编号', '金额']);
    expect(records).toEqual([{ line: 2, values: ['A1', '5'] }]);
  });

  it('reads UTF-16LE without a BOM', async () => {
    writeFileSync(tmp('utf16-nobom.csv'), iconv.encode('名称,数量\n苹果,3\n', 'utf16le'));
    const { info, records } = await readAll(tmp('utf16-nobom.csv'));
    expect(info).toMatchObject({ encoding: 'utf16le', encodingSource: 'detected', delimiter: ',' });
    expect(records).toEqual([{ line: 2, values: ['苹果', '3'] }]);
  });

  it('reads Latin-1 as Windows-1252', async () => {
    const path = tmp('latin1.csv');
    writeFileSync(path, iconv.encode('Produit,Prix\nCafé,3.50\nCrème brûlée,4.20\n', 'latin1'));
    const { info, records } = await readAll(path);
    expect(info).toMatchObject({ encoding: 'windows-1252', encodingSource: 'detected' });
    expect(values(records)).toEqual([
      ['Café', '3.50'],
      ['Crème brûlée', '4.20'],
    ]);
  });

  it('uses an encoding given by the caller, and refuses an unknown one', async () => {
    const path = tmp('override.csv');
    writeFileSync(path, iconv.encode('名称\n苹果\n', 'gbk'));
    const { info, records } = await readAll(path, { encoding: 'GBK' });
    expect(info).toMatchObject({ encoding: 'GBK', encodingSource: 'override' });
    expect(values(records)).toEqual([['苹果']]);
    await expect(openSource(path, { encoding: 'klingon-8' })).rejects.toThrow(/Unknown text encoding "klingon-8"/);
  });

  it('reads semicolons with decimal commas', async () => {
    const { info, records } = await readAll(fixture('semicolon.csv'));
    expect(info.delimiter).toBe(';');
    expect(info.header).toEqual(['Artikel', 'Preis', 'Menge', 'Datum']);
    expect(values(records)).toEqual([
      ['Café au lait', '3,50', '2', '15.03.2024'],
      ['Croissant', '1,20', '10', '16.03.2024'],
      ['Brot; groß', '2,75', '1', '17.03.2024'],
    ]);
  });

  it('reads tab- and pipe-separated files', async () => {
    const tsv = await readAll(fixture('orders.tsv'));
    expect(tsv.info.delimiter).toBe('\t');
    expect(values(tsv.records)).toEqual([
      ['A1', 'alice', '10.5'],
      ['A2', 'bob, jr', '7'],
    ]);
    const pipe = await readAll(fixture('pipe.txt'));
    expect(pipe.info.delimiter).toBe('|');
    expect(values(pipe.records)).toEqual([
      ['1', 'a, b', '2'],
      ['2', 'c', '3'],
    ]);
  });

  it('takes a delimiter from the caller as typed', async () => {
    for (const delimiter of ['\\t', 'tab', '\t']) {
      const { info, records } = await readAll(fixture('orders.tsv'), { delimiter });
      expect(info.delimiter).toBe('\t');
      expect(records).toHaveLength(2);
    }
    const semicolonAsComma = await readAll(fixture('semicolon.csv'), { delimiter: ',' });
    expect(semicolonAsComma.info.header).toEqual(['Artikel;Preis;Menge;Datum']);
    await expect(openSource(fixture('orders.tsv'), { delimiter: '::' })).rejects.toThrow(ImportError);
  });

  it('splits CDNOW-style columns on runs of spaces, with caller-given column names', async () => {
    const columns = ['customer', 'date', 'quantity', 'amount'];
    const { info, records } = await readAll(fixture('cdnow.txt'), { columns });
    expect(info).toMatchObject({ format: 'whitespace', delimiter: null, header: columns, hasHeader: false });
    expect(records).toEqual([
      { line: 1, values: ['00001', '19970101', '1', '11.77'] },
      { line: 2, values: ['00002', '19970112', '1', '12.00'] },
      { line: 3, values: ['00002', '19970112', '5', '77.00'] },
      { line: 4, values: ['00003', '19970102', '2', '20.76'] },
    ]);
  });

  it('takes whitespace columns or a fixed delimiter when the caller says so', async () => {
    const spaced = await readAll(fixture('cdnow.txt'), { delimiter: 'whitespace' });
    expect(spaced.info.format).toBe('whitespace');
    const forced = await readAll(fixture('cdnow.txt'), { format: 'delimited' });
    expect(forced.info).toMatchObject({ format: 'delimited', delimiter: ',' });
    expect(forced.records[0]!.values).toEqual(['00002  19970112   1   12.00']);
  });

  it('keeps quoted delimiters, quotes and newlines, and counts physical lines', async () => {
    const { records } = await readAll(fixture('quoted.csv'));
    expect(records).toEqual([
      { line: 2, values: ['1', 'Smith, John', 'He said "hi"\nand left'] },
      { line: 4, values: ['2', 'Bob', 'plain'] },
      { line: 5, values: ['3', 'Multi\nline\nname', 'x'] },
      { line: 9, values: ['4', 'Eve', 'trailing'] },
    ]);
  });

  it('handles CRLF, CR-only and a missing final newline', async () => {
    writeFileSync(tmp('crlf.csv'), 'a,b\r\n1,"x\r\ny"\r\n\r\n2,z');
    expect((await readAll(tmp('crlf.csv'))).records).toEqual([
      { line: 2, values: ['1', 'x\r\ny'] },
      { line: 5, values: ['2', 'z'] },
    ]);
    writeFileSync(tmp('cr.csv'), 'a,b\r1,2\r3,4\r');
    expect((await readAll(tmp('cr.csv'))).records).toEqual([
      { line: 2, values: ['1', '2'] },
      { line: 3, values: ['3', '4'] },
    ]);
  });

  it('passes ragged rows through as they are', async () => {
    writeFileSync(tmp('ragged.csv'), 'a,b,c\n1,2\n3,4,5,6\n');
    expect(values((await readAll(tmp('ragged.csv'))).records)).toEqual([
      ['1', '2'],
      ['3', '4', '5', '6'],
    ]);
  });

  it('treats every row as data when columns are given', async () => {
    writeFileSync(tmp('headerless.csv'), '1001,alice,5\n1002,bob,7\n');
    const { info, records } = await readAll(tmp('headerless.csv'), { columns: ['id', 'name', 'qty'] });
    expect(info).toMatchObject({ header: ['id', 'name', 'qty'], hasHeader: false });
    expect(records).toEqual([
      { line: 1, values: ['1001', 'alice', '5'] },
      { line: 2, values: ['1002', 'bob', '7'] },
    ]);
  });

  it('reads a ".xls" that is really tab-separated GBK text, as Chinese back-offices export', async () => {
    writeFileSync(tmp('fake.xls'), iconv.encode('订单编号\t实付金额\nA1\t9.9\n', 'gbk'));
    const { info, records } = await readAll(tmp('fake.xls'));
    expect(info).toMatchObject({ format: 'delimited', delimiter: '\t', encoding: 'gb18030' });
    expect(values(records)).toEqual([['A1', '9.9']]);
  });
});

const bigRows = Array.from({ length: 5000 }, (_, i) => [`商品名称测试数据第${i}号（中文）`, i]);

/** book.xlsx (two sheets, shared strings) and inline.xlsx (inline strings), written once. */
let workbooks: Promise<void> | null = null;
function writeWorkbooks(): Promise<void> {
  workbooks ??= (async () => {
    const book = new ExcelJS.Workbook();
    const orders = book.addWorksheet('订单');
    // Row 1 stays empty: the header is the first non-empty row.
    orders.getRow(2).values = ['订单编号', '下单时间', '实付金额', '数量', '合计', '备注', '链接'];
    orders.getRow(3).values = [
      'A001',
      new Date(Date.UTC(2024, 2, 15, 10, 30)),
      12.5,
      2,
      { formula: 'C3*D3', result: 25 },
      null,
      { text: 'shop page', hyperlink: 'https://example.com' },
    ];
    orders.getRow(5).values = [
      'A002',
      new Date(Date.UTC(2024, 2, 16)),
      3,
      1,
      { formula: 'C5*D5', result: 3 },
      { richText: [{ text: '加' }, { text: '急', font: { bold: true } }] },
    ];
    orders.getCell('B3').numFmt = 'yyyy-mm-dd hh:mm';
    orders.getCell('B5').numFmt = 'yyyy-mm-dd';
    const second = book.addWorksheet('Second');
    second.addRow(['名称', '值']);
    for (const row of bigRows) second.addRow(row);
    await book.xlsx.writeFile(tmp('book.xlsx'));

    // Inline strings and no sharedStrings.xml, as some exporters write.
    const inline = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp('inline.xlsx'), useSharedStrings: false });
    const sheet = inline.addWorksheet('数据');
    sheet.addRow(['名称', '值']).commit();
    for (const row of bigRows) sheet.addRow(row).commit();
    sheet.commit();
    await inline.commit();
  })();
  return workbooks;
}

describe('xlsx', () => {
  beforeAll(writeWorkbooks);

  it('reads the first sheet: header from the first non-empty row, typed cells, sheet row numbers', async () => {
    const { info, records } = await readAll(tmp('book.xlsx'));
    expect(info).toMatchObject({
      format: 'xlsx',
      encoding: 'utf8',
      encodingSource: 'binary',
      delimiter: null,
      sheet: '订单',
    });
    expect(info.header).toEqual(['订单编号', '下单时间', '实付金额', '数量', '合计', '备注', '链接']);
    expect(records).toEqual([
      { line: 3, values: ['A001', new Date(Date.UTC(2024, 2, 15, 10, 30)), 12.5, 2, 25, null, 'shop page'] },
      { line: 5, values: ['A002', new Date(Date.UTC(2024, 2, 16)), 3, 1, 3, '加急', null] },
    ]);
  });

  it('reads a sheet by name, with Chinese text intact across zip chunks', async () => {
    const { info, records, sizes, bytesRead } = await readAll(tmp('book.xlsx'), { sheet: 'Second' });
    expect(info.sheet).toBe('Second');
    expect(info.header).toEqual(['名称', '值']);
    expect(values(records)).toEqual(bigRows);
    expect(lines(records)).toEqual(bigRows.map((_, i) => i + 2));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5000);
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThanOrEqual(info.totalBytes);
  });

  it('reads inline strings (no shared strings table) intact', async () => {
    const { info, records } = await readAll(tmp('inline.xlsx'));
    expect(info.sheet).toBe('数据');
    expect(values(records)).toEqual(bigRows);
  });

  it('skips hidden sheets when choosing the first one', async () => {
    const book = new ExcelJS.Workbook();
    const hidden = book.addWorksheet('Lookup');
    hidden.state = 'hidden';
    hidden.addRow(['code']);
    hidden.addRow([1]);
    book.addWorksheet('Orders').addRow(['order_id']);
    book.getWorksheet('Orders')!.addRow(['A1']);
    await book.xlsx.writeFile(tmp('hidden.xlsx'));
    const { info, records } = await readAll(tmp('hidden.xlsx'));
    expect(info).toMatchObject({ sheet: 'Orders', header: ['order_id'] });
    expect(records).toEqual([{ line: 2, values: ['A1'] }]);
  });

  it('lists the sheets when the one asked for does not exist', async () => {
    await expect(openSource(tmp('book.xlsx'), { sheet: 'Nope' })).rejects.toThrow(
      /has no sheet named "Nope"\. Sheets: 订单, Second\./,
    );
  });

  it('knows a workbook by its content whatever its name', async () => {
    writeFileSync(tmp('book-renamed.dat'), readFileSync(tmp('book.xlsx')));
    expect((await readAll(tmp('book-renamed.dat'))).info.format).toBe('xlsx');
  });

  it('reports damaged workbooks as ImportError', async () => {
    const good = readFileSync(tmp('inline.xlsx'));
    writeFileSync(tmp('cut.xlsx'), good.subarray(0, Math.floor(good.length / 2)));
    await expect(openSource(tmp('cut.xlsx'))).rejects.toThrow(/"cut\.xlsx" is damaged/);

    // Scrambled compressed data inside the sheet: the error comes while reading.
    const scrambled = Buffer.from(good);
    for (let i = 20000; i < 20200; i++) scrambled[i] = scrambled[i]! ^ 0x5a;
    writeFileSync(tmp('scrambled.xlsx'), scrambled);
    await expect(readAll(tmp('scrambled.xlsx'))).rejects.toThrow(ImportError);

    writeFileSync(tmp('text.xlsx'), 'a,b\n1,2\n');
    await expect(openSource(tmp('text.xlsx'))).rejects.toThrow(/"text\.xlsx" is not a valid \.xlsx workbook/);

    writeFileSync(
      tmp('old.xls'),
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]),
    );
    await expect(openSource(tmp('old.xls'))).rejects.toThrow(/old Excel \.xls/);
  });
});

describe('json', () => {
  it('streams a top-level array: one level of nesting flattened, the line where each object opens', async () => {
    const { info, records } = await readAll(fixture('orders.json'));
    expect(info).toMatchObject({ format: 'json', encoding: 'utf8', delimiter: null, hasHeader: true });
    expect(info.header).toEqual([
      'order_id',
      'customer.id',
      'customer.name',
      'items',
      'amount',
      'customer.address',
      'paid',
    ]);
    expect(records).toEqual([
      { line: 2, values: ['A1', 1, '张三', '[1,2]', 10.5, null, null] },
      { line: 3, values: ['A2', 2, null, null, null, '{"city":"杭州"}', true] },
    ]);
  });

  it('finds the first array of objects inside a wrapping object', async () => {
    const { info, records } = await readAll(fixture('wrapped.json'));
    expect(info.header).toEqual(['order_id', 'amount', 'note']);
    expect(records).toEqual([
      { line: 6, values: ['B1', 1, null] },
      { line: 7, values: ['B2', 2, '{["quoted brackets"]}'] },
    ]);
  });

  it('keeps line numbers right across read chunks (large pretty-printed array)', async () => {
    const items = Array.from({ length: 6000 }, (_, i) => ({ id: i, v: { a: `值${i}` } }));
    writeFileSync(tmp('big.json'), JSON.stringify(items, null, 2));
    const { info, records } = await readAll(tmp('big.json'));
    expect(info.header).toEqual(['id', 'v.a']);
    expect(records).toHaveLength(6000);
    // Each element takes 6 lines: "{", "id", "v": {, "a", "}", "},".
    expect(lines(records)).toEqual(items.map((_, i) => 2 + 6 * i));
    expect(records[5999]!.values).toEqual([5999, '值5999']);
  });

  it('reads NDJSON: physical lines, a bad line as a record with an error, big integers exact', async () => {
    const { info, records } = await readAll(fixture('orders.ndjson'));
    expect(info.format).toBe('ndjson');
    expect(info.header).toEqual(['order_id', 'amount', 'buyer.id', 'id_big', 'extra']);
    expect(lines(records)).toEqual([1, 3, 4, 5, 6]);
    expect(records[0]!.values).toEqual(['C1', 1.5, 7, null, null]);
    expect(records[1]!.values).toEqual(['C2', 2, null, '12345678901234567890', null]);
    expect(records[2]).toMatchObject({ line: 4, values: [] });
    expect(records[2]!.error).toMatch(/^invalid JSON: /);
    expect(records[3]).toEqual({ line: 5, values: [], error: 'not a JSON object' });
    expect(records[4]!.values).toEqual(['C4', null, null, null, 'late key']);
  });

  it('reads the keys named by the caller, in that order', async () => {
    const { info, records } = await readAll(fixture('orders.json'), { columns: ['amount', 'customer.id', 'missing'] });
    expect(info).toMatchObject({ header: ['amount', 'customer.id', 'missing'], hasHeader: false });
    expect(values(records)).toEqual([
      [10.5, 1, null],
      [null, 2, null],
    ]);
  });

  it('builds the header from the first 1000 records only', async () => {
    const rows = Array.from({ length: 1001 }, (_, i) => (i === 1000 ? { id: i, late: 'x' } : { id: i }));
    writeFileSync(tmp('late.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const { info, records } = await readAll(tmp('late.jsonl'));
    expect(info.header).toEqual(['id']);
    expect(records[1000]).toEqual({ line: 1001, values: [1000] });
  });

  it('sniffs NDJSON in a .json file and JSON in a .txt file', async () => {
    writeFileSync(tmp('lines.json'), '{"a":1}\n{"a":2}\n');
    expect((await readAll(tmp('lines.json'))).info.format).toBe('ndjson');
    writeFileSync(tmp('array.txt'), '  [{"a":1}]');
    expect((await readAll(tmp('array.txt'))).info.format).toBe('json');
    writeFileSync(tmp('wrapper-one-line.json'), '{"rows":[{"a":1},{"a":2}]}\n');
    const wrapped = await readAll(tmp('wrapper-one-line.json'));
    expect(wrapped.info.format).toBe('json');
    expect(values(wrapped.records)).toEqual([[1], [2]]);
  });

  it('reports broken or record-less JSON as ImportError', async () => {
    writeFileSync(tmp('broken.json'), '[\n{"a":1},\n{"a":2,,}\n]');
    await expect(readAll(tmp('broken.json'))).rejects.toThrow(/"broken\.json" is not valid JSON \(near line \d\)/);
    writeFileSync(tmp('empty-list.json'), '[]');
    await expect(openSource(tmp('empty-list.json'))).rejects.toThrow(ImportError);
    writeFileSync(tmp('no-list.json'), '{"a": 1, "b": [1, 2]}');
    await expect(openSource(tmp('no-list.json'))).rejects.toThrow(/holds no list of records/);
  });
});

describe('errors', () => {
  it('refuses missing files, folders, empty files and binary data with a message naming the file', async () => {
    await expect(openSource(tmp('nope.csv'))).rejects.toThrow(new ImportError(`File not found: ${tmp('nope.csv')}`));
    mkdirSync(tmp('folder.csv'));
    await expect(openSource(tmp('folder.csv'))).rejects.toThrow(/"folder\.csv" is a folder/);
    writeFileSync(tmp('zero.csv'), '');
    await expect(openSource(tmp('zero.csv'))).rejects.toThrow(/"zero\.csv" is empty/);
    writeFileSync(tmp('zero.json'), '');
    await expect(openSource(tmp('zero.json'))).rejects.toThrow(/"zero\.json" is empty/);
    writeFileSync(tmp('blank.csv'), '\n\n  \n');
    await expect(openSource(tmp('blank.csv'))).rejects.toThrow(ImportError);
    writeFileSync(tmp('blob.bin'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
    await expect(openSource(tmp('blob.bin'))).rejects.toThrow(/"blob\.bin" is not a text file/);
  });

  it('allows one pass over the batches', async () => {
    const source = await openSource(fixture('pipe.txt'));
    let count = 0;
    for await (const batch of source.batches()) count += batch.length;
    expect(count).toBe(2);
    await expect(source.batches()[Symbol.asyncIterator]().next()).rejects.toThrow(/only once/);
    await source.close();
  });
});

// Counts open descriptors through /proc (Linux, where CI runs).
describe('releasing the file', () => {
  let csv = '';
  beforeAll(async () => {
    await writeWorkbooks();
    csv = tmp('many.csv');
    const rows = Array.from({ length: 60000 }, (_, i) => `${i},customer ${i},${i % 97}.5`);
    writeFileSync(csv, ['id,name,amount', ...rows].join('\n'));
  });

  for (const kind of ['csv', 'xlsx'] as const) {
    const path = () => (kind === 'csv' ? csv : tmp('inline.xlsx'));

    it(`${kind}: breaking out of the loop closes the file`, async () => {
      const source = await openSource(path());
      expect(openFiles()).toContain(path());
      for await (const batch of source.batches()) {
        expect(batch.length).toBeGreaterThan(0);
        break;
      }
      expect(openFiles()).not.toContain(path());
      if (kind === 'csv') expect(source.bytesRead()).toBeLessThan(source.info.totalBytes);
      await source.close(); // still fine afterwards
    });

    it(`${kind}: batches handed out are not kept (memory stays flat)`, async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const source = await openSource(path());
      // Read in a helper whose frame is gone afterwards: a suspended frame may keep its last value.
      const handedOut = await weakBatches(source);
      expect(handedOut.length).toBeGreaterThan(2);
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      // The source is still open and referenced here, yet none of its batches may be.
      expect(handedOut.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
      await source.close();
    });

    it(`${kind}: close() without reading, and close() while a read is pending`, async () => {
      const unread = await openSource(path());
      await unread.close();
      expect(openFiles()).not.toContain(path());

      const source = await openSource(path());
      const it = source.batches()[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      const pending = it.next();
      await source.close();
      expect(openFiles()).not.toContain(path());
      await pending; // settles (done or a last batch), never hangs or throws
      expect((await it.next()).done).toBe(true);
    });
  }
});

describe('title rows above the table', () => {
  it('skips a report title and date line to the header, keeping file line numbers', async () => {
    writeFileSync(
      tmp('titled.csv'),
      'Sales report,March 2024,,,,\nGenerated,2024-04-01,,,,\n\nOrder ID,SKU,Quantity,Price,Order Date,Customer\n' +
        'A1,S1,2,9.99,2024-03-01,C1\nA2,S2,1,5.00,2024-03-02,C2\n',
    );
    const { info, records } = await readAll(tmp('titled.csv'));
    expect(info.header).toEqual(['Order ID', 'SKU', 'Quantity', 'Price', 'Order Date', 'Customer']);
    expect(records.map((r) => [r.line, r.values[0]])).toEqual([
      [5, 'A1'],
      [6, 'A2'],
    ]);
  });

  it('does the same in a workbook', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Report');
    sheet.addRow(['店铺订单报表']);
    sheet.addRow(['导出时间', '2024-04-01']);
    sheet.addRow(['订单编号', '商品编码', '数量', '单价', '下单时间']);
    sheet.addRow(['A1', 'S1', 2, 9.99, '2024-03-01 10:00']);
    await book.xlsx.writeFile(tmp('titled.xlsx'));
    const { info, records } = await readAll(tmp('titled.xlsx'));
    expect(info.header).toEqual(['订单编号', '商品编码', '数量', '单价', '下单时间']);
    expect(records.map((r) => r.values[0])).toEqual(['A1']);
  });

  it('keeps a first row that is a header, even with unnamed columns or sparse rows below', async () => {
    writeFileSync(tmp('unnamed.csv'), 'id,,,,,,name\n1,a,b,c,d,e,x\n2,a,b,c,d,e,y\n');
    expect((await readAll(tmp('unnamed.csv'))).info.header[0]).toBe('id');
    writeFileSync(tmp('sparse.csv'), 'order,sku,qty,price,note,coupon\nA1,S1,1,2.5,,\nA2,S2,1,2.5,,\n');
    expect((await readAll(tmp('sparse.csv'))).info.header[0]).toBe('order');
    // One-cell rows are data in a one-column list, not titles.
    writeFileSync(tmp('emails.csv'), 'email\na@example.com\nb@example.com\n');
    expect((await readAll(tmp('emails.csv'))).info.header).toEqual(['email']);
  });
});
