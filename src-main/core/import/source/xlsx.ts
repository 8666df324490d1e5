/**
 * XLSX through exceljs's streaming WorkbookReader: one row in memory at a time
 * (plus the shared strings table). The zip is fed to it reordered so that the
 * sheets come after the shared strings (see zip-order.ts).
 */

import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import type { Cell, RawRecord, RecordSource, SourceOptions } from '../types.ts';
import { ImportError } from '../types.ts';
import { createRecordSource, splitHeader } from './record-source.ts';
import { StepGate } from './step-gate.ts';
import { planZipOrder, readRanges } from './zip-order.ts';
import type { ZipPlan } from './zip-order.ts';

const BATCH = 2000;

interface ExcelRow {
  number: number;
  /** Sparse, 1-based: values[1] is column A. */
  values: unknown;
}

interface SheetReader extends AsyncIterable<ExcelRow> {
  name: string;
  /** The sheet XML's raw chunks, kept by `fixUtf8` so a skipped or abandoned sheet can be released. */
  rawSource?: unknown;
}

interface BookReader extends AsyncIterable<SheetReader> {
  model?: { sheets?: { name: string; state?: string }[] };
}

/** The private methods of exceljs 4.4's WorkbookReader that `fixUtf8` wraps. */
interface BookInternals {
  _parseSharedStrings?: (entry: Readable) => unknown;
  _parseWorkbook?: (entry: Readable) => unknown;
  _parseWorksheet?: (iterator: AsyncIterable<Buffer | string>, sheetNo: string) => Iterable<{ value: SheetReader }>;
}

export async function openXlsx(
  path: string,
  label: string,
  size: number,
  options: SourceOptions,
): Promise<RecordSource> {
  const { default: ExcelJS } = await import('exceljs');
  const handle = await open(path, 'r');
  let plan: ZipPlan | 'damaged' | 'as-is';
  try {
    plan = await planZipOrder(handle, size);
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (plan === 'damaged') {
    await handle.close();
    throw new ImportError(
      `"${label}" is damaged: its zip directory is missing or broken (was the download cut short?).`,
    );
  }
  let read = 0;
  const ranges: [number, number][] = plan === 'as-is' ? [[0, size]] : plan.ranges;
  const stream = Readable.from(
    readRanges(handle, ranges, (n) => (read += n)),
    { objectMode: false, highWaterMark: 256 * 1024 },
  );
  // A read error is not forwarded through exceljs's internal pipe: surface it through the row loop.
  const gate = new StepGate();
  stream.on('error', (error) => gate.fail(error));

  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // number formats tell dates from numbers
    hyperlinks: 'ignore', // a hyperlink cell then reads as its text
    entries: 'ignore',
  }) as unknown as BookReader;
  fixUtf8(reader);
  // Without sharedStrings.xml (inline strings) exceljs would wait for it, spooling every sheet to disk.
  if (plan !== 'as-is' && !plan.hasSharedStrings)
    (reader as unknown as { sharedStrings: unknown[] }).sharedStrings = [];

  let sheetName: string | undefined;
  let current: SheetReader | null = null;
  let width = 0;

  async function* rows(): AsyncGenerator<RawRecord[]> {
    const seen: string[] = [];
    for await (const sheet of raceEach(reader, gate)) {
      seen.push(sheet.name);
      const sheets = reader.model?.sheets ?? [];
      const names = sheets.map((s) => s.name);
      // "The first sheet" is the first tab the user can see.
      const firstVisible = sheets.find((s) => s.state === undefined || s.state === 'visible') ?? sheets[0];
      const wanted = options.sheet ?? firstVisible?.name ?? sheet.name;
      if (options.sheet !== undefined && names.length > 0 && !names.some((n) => sameName(n, options.sheet!))) {
        throw new ImportError(`"${label}" has no sheet named "${options.sheet}". Sheets: ${names.join(', ')}.`);
      }
      if (!sameName(sheet.name, wanted)) {
        release(sheet.rawSource);
        continue;
      }
      sheetName = sheet.name;
      current = sheet;
      let batch: RawRecord[] = [];
      for await (const row of raceEach(sheet, gate)) {
        const values = rowCells(row.values);
        if (values.every((v) => v === null)) continue; // blank rows are skipped, as in text files
        while (values.length < width) values.push(null);
        batch.push({ line: row.number, values });
        if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      return;
    }
    if (options.sheet !== undefined) {
      throw new ImportError(`"${label}" has no sheet named "${options.sheet}". Sheets: ${seen.join(', ') || 'none'}.`);
    }
    throw new ImportError(`"${label}" contains no worksheets.`);
  }

  const all = rows();
  let released = false;
  const releaseAll = async (): Promise<void> => {
    if (released) return;
    released = true;
    if (current) release(current.rawSource);
    stream.destroy();
    await handle.close();
  };
  try {
    const { header, hasHeader, pending } = await splitHeader(all, options.columns, label);
    width = header.length;
    for (const record of pending) while (record.values.length < width) record.values.push(null);
    return createRecordSource({
      info: {
        format: 'xlsx',
        encoding: 'utf8',
        encodingSource: 'binary',
        delimiter: null,
        header,
        hasHeader,
        totalBytes: size,
        ...(sheetName === undefined ? {} : { sheet: sheetName }),
      },
      pending,
      rest: all,
      label,
      bytesRead: () => read,
      release: releaseAll,
      describeError: (error) => xlsxError(error, label),
    });
  } catch (error) {
    await releaseAll();
    throw xlsxError(error, label);
  }
}

function sameName(a: string, b: string): boolean {
  return a === b || a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Each step of `source` settles when it does, or fails when the file stream does. */
async function* raceEach<T>(source: AsyncIterable<T>, gate: StepGate): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let done = false;
  let inFlight = false;
  try {
    for (;;) {
      inFlight = true;
      const step = await gate.wait(it.next());
      inFlight = false;
      if (step === null || step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Stopped early while `it` sits at a yield: let it clean up. A step that never settled is abandoned.
    if (!done && !inFlight) await it.return?.();
  }
}

function release(source: unknown): void {
  if (source && typeof (source as Readable).destroy === 'function') (source as Readable).destroy();
}

/**
 * exceljs 4.4 decodes each zip chunk on its own with TextDecoder, so a Chinese
 * character split across two 16 KiB chunks becomes "��" (exceljs issues #2063,
 * #2084). Feed its XML parser decoded text instead.
 */
function fixUtf8(reader: BookReader): void {
  const book = reader as unknown as BookInternals;
  const proto = Object.getPrototypeOf(reader) as BookInternals;
  const { _parseSharedStrings, _parseWorkbook, _parseWorksheet } = proto;
  if (_parseSharedStrings) {
    book._parseSharedStrings = function (this: BookInternals, entry) {
      entry.setEncoding('utf8');
      return _parseSharedStrings.call(this, entry);
    };
  }
  if (_parseWorkbook) {
    book._parseWorkbook = function (this: BookInternals, entry) {
      entry.setEncoding('utf8');
      return _parseWorkbook.call(this, entry);
    };
  }
  if (_parseWorksheet) {
    book._parseWorksheet = function* (this: BookInternals, iterator, sheetNo) {
      for (const event of _parseWorksheet.call(this, utf8Text(iterator), sheetNo)) {
        event.value.rawSource = iterator;
        yield event;
      }
    };
  }
}

async function* utf8Text(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text) yield text;
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

function rowCells(raw: unknown): Cell[] {
  if (!Array.isArray(raw)) return [];
  const values: Cell[] = new Array<Cell>(Math.max(0, raw.length - 1));
  for (let i = 1; i < raw.length; i++) values[i - 1] = toCell(raw[i]);
  return values;
}

/** exceljs cell values → Cell: rich text, formulas and hyperlinks become their text or result. */
export function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value === '' ? null : value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.richText)) {
    return (v.richText as { text?: unknown }[]).map((run) => (typeof run.text === 'string' ? run.text : '')).join('');
  }
  if ('formula' in v || 'sharedFormula' in v) return toCell(v.result);
  if ('text' in v) return toCell(v.text);
  if (typeof v.error === 'string') return v.error; // "#N/A", "#DIV/0!": shown to the user as is
  return null;
}

function xlsxError(error: unknown, label: string): ImportError {
  if (error instanceof ImportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ImportError(`"${label}" could not be read as an Excel .xlsx file (${message}). Is it damaged?`);
}
