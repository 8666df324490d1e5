/**
 * Opens a data file of any supported kind as a stream of record batches: works
 * out the format, encoding, delimiter and header, and turns every failure into
 * an ImportError that names the file.
 */

import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileFormat, RawRecord, RecordSource, SourceInfo, SourceOptions } from '../types.ts';
import { ImportError } from '../types.ts';
import { decodeChunks, decodeSample } from './decode.ts';
import { checkEncoding, detectEncoding, SAMPLE_BYTES } from './detect-encoding.ts';
import { containerOf, extensionOf, textFormat } from './detect-format.ts';
import { FileChunks } from './file-chunks.ts';
import { jsonArrayRecords } from './json-array.ts';
import { keyedToRows } from './json-source.ts';
import { ndjsonRecords } from './ndjson.ts';
import { asImportError, createRecordSource, splitHeader } from './record-source.ts';
import { parseDelimiter, sniffDelimiter } from './sniff-delimiter.ts';
import { delimitedRecords, whitespaceRecords } from './text-records.ts';
import { openXlsx } from './xlsx.ts';

export type { RecordSource, SourceOptions } from '../types.ts';

export async function openSource(path: string, options: SourceOptions = {}): Promise<RecordSource> {
  const label = basename(path);
  const size = await fileSize(path, label);
  let file: FileChunks;
  try {
    file = await FileChunks.open(path);
  } catch (error) {
    throw new ImportError(`Cannot open "${label}": ${(error as Error).message}`);
  }
  let head: Buffer;
  try {
    head = await file.head(SAMPLE_BYTES);
  } catch (error) {
    await file.close().catch(() => {});
    throw asImportError(error, label);
  }

  const container = containerOf(head);
  const ext = extensionOf(path);
  if (options.format === 'xlsx' || (options.format === undefined && container === 'zip')) {
    await file.close();
    try {
      return await openXlsx(path, label, size, options);
    } catch (error) {
      throw asImportError(error, label);
    }
  }
  try {
    if (options.format === undefined && container === 'ole') {
      throw new ImportError(
        `"${label}" is an old Excel .xls workbook. Save it as .xlsx or CSV in Excel, then import that.`,
      );
    }
    if (options.format === undefined && (ext === '.xlsx' || ext === '.xlsm')) {
      throw new ImportError(`"${label}" is not a valid .xlsx workbook (it is not a ZIP file). Is it damaged?`);
    }
    // A ".xls" that is not an OLE workbook is usually text (tab-separated, often GBK): read it as such.
    return await openText(file, head, path, label, size, options);
  } catch (error) {
    await file.close().catch(() => {});
    throw asImportError(error, label);
  }
}

/** Missing files, folders and empty files are refused before anything is opened. */
async function fileSize(path: string, label: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ImportError(`File not found: ${path}`);
    throw new ImportError(`Cannot open "${label}": ${(error as Error).message}`);
  }
  if (info.isDirectory()) throw new ImportError(`"${label}" is a folder, not a file.`);
  if (!info.isFile()) throw new ImportError(`"${label}" is not a regular file.`);
  if (info.size === 0) throw new ImportError(`"${label}" is empty (0 bytes).`);
  return info.size;
}

async function openText(
  file: FileChunks,
  head: Buffer,
  path: string,
  label: string,
  size: number,
  options: SourceOptions,
): Promise<RecordSource> {
  const complete = head.length >= size;
  let encoding: string;
  let encodingSource: SourceInfo['encodingSource'];
  if (options.encoding !== undefined) {
    encoding = checkEncoding(options.encoding);
    encodingSource = 'override';
  } else {
    const guess = detectEncoding(head, complete);
    if (!guess) throw new ImportError(`"${label}" is not a text file, an .xlsx workbook or JSON.`);
    encoding = guess.encoding;
    encodingSource = guess.source;
  }
  const sample = decodeSample(head, encoding);

  let format: FileFormat;
  let delimiter: string | null = null;
  if (options.format !== undefined) {
    format = options.format;
  } else if (options.delimiter?.trim().toLowerCase() === 'whitespace') {
    format = 'whitespace';
  } else {
    const kind = textFormat(path, sample, complete);
    if (kind === 'html') {
      throw new ImportError(`"${label}" is a web page (HTML), not a data table. Export it as CSV or .xlsx instead.`);
    }
    format = kind === 'text' ? 'delimited' : kind;
  }
  if (format === 'delimited') {
    if (options.delimiter !== undefined) {
      delimiter = parseDelimiter(options.delimiter);
    } else {
      const layout = sniffDelimiter(sample, complete);
      // A caller's format 'delimited' wins over sniffed whitespace columns.
      if (layout.format === 'whitespace' && options.format !== 'delimited') format = 'whitespace';
      else delimiter = layout.delimiter ?? ',';
    }
  }

  const text = decodeChunks(file, encoding);
  const base = { format, encoding, encodingSource, delimiter, totalBytes: size };
  let parts: { header: string[]; hasHeader: boolean; pending: RawRecord[]; rest: AsyncIterator<RawRecord[]> };
  if (format === 'json' || format === 'ndjson') {
    const keyed = format === 'json' ? jsonArrayRecords(text, label) : ndjsonRecords(text);
    parts = await keyedToRows(keyed, options.columns, label);
  } else {
    const rest = delimiter === null ? whitespaceRecords(text) : delimitedRecords(text, delimiter);
    parts = { ...(await splitHeader(rest, options.columns, label)), rest };
  }
  const source = createRecordSource({
    info: { ...base, header: parts.header, hasHeader: parts.hasHeader },
    pending: parts.pending,
    rest: parts.rest,
    label,
    bytesRead: () => file.bytesRead(),
    release: () => file.close(),
  });
  return Object.assign(source, { fileHash: () => file.digest() });
}
