/**
 * The reading half of an import: file → records → typed rows, with every bad
 * record turned into a reject (line, column, reason). It needs no database,
 * so it can run on its own thread (row-worker.ts) while the job's thread
 * writes; everything it needs from the workspace comes in `RowStageSetup`.
 */
import type { ImportOptions } from '../api/contract.ts';
import { kinds, type FieldName, type ImportKind, type Mapping } from './fields.ts';
import { buildConverter, Failure, MISSING, type Converter } from './convert.ts';
import { MissingFill, parsePolicies } from './missing.ts';
import { nameColumns } from './name-parts.ts';
import { headerFromColumns } from './plan.ts';
import { createPseudonymizer } from './pseudonymize.ts';
import { openSource } from './source/index.ts';
import { encodeColumn, type EncodedColumn } from './row-columns.ts';
import { LinePrep, type PreparedLines } from './line-prep.ts';
import { ImportError, type FileFormat, type RawRecord, type RecordSource } from './types.ts';
import type { Value } from './writers.ts';

const SAMPLE_ROWS = 1000;

/** What the reading half needs: plain data, so that it can be posted to a worker. */
export interface RowStageSetup {
  path: string;
  options: Pick<ImportOptions, 'format' | 'encoding' | 'delimiter' | 'sheet' | 'columns' | 'missing' | 'dateOrder'>;
  /** The format the planning pass found (decides where the reading runs). */
  format: FileFormat;
  /** The header the plan was made for; the file must still have it. */
  header: string[];
  kind: ImportKind;
  mapping: Mapping;
  /** The workspace's pseudonym key; null keeps personal data as it is. */
  pseudonymKey: string | null;
}

/** A row problem found while reading; `at` = how many good rows of the batch come before it. */
export interface RowReject {
  at: number;
  line: number;
  column: string | null;
  reason: string;
  raw: string;
}

/** One batch of read rows, column-wise (see row-columns.ts for why). */
export interface RowBatch {
  /** Records read, good and bad. */
  records: number;
  bytesRead: number;
  fields: FieldName[];
  columns: EncodedColumn[];
  /** Line of each good row. */
  lines: Float64Array;
  rejects: RowReject[];
  /** Order lines come ready for the writer instead of as columns (see line-prep.ts). */
  prepared?: PreparedLines;
}

interface Column {
  index: number;
  name: string;
  field: FieldName;
  convert: Converter;
}

export async function openRowSource(setup: RowStageSetup): Promise<RecordSource> {
  const { options } = setup;
  return openSource(setup.path, {
    format: options.format,
    encoding: options.encoding,
    delimiter: options.delimiter,
    sheet: options.sheet,
    columns: options.columns ? headerFromColumns(options.columns) : undefined,
  });
}

/** Reads the first records of a source (for type detection) without losing them for the main pass. */
async function* withSample(
  source: RecordSource,
  sampleSize: number,
  prepare: ((batch: RawRecord[]) => void) | null = null,
): AsyncGenerator<{ sample: RawRecord[] } | { batch: RawRecord[] }> {
  const iterator = source.batches()[Symbol.asyncIterator]();
  const head: RawRecord[][] = [];
  let n = 0;
  while (n < sampleSize) {
    const next = await iterator.next();
    if (next.done) break;
    prepare?.(next.value);
    head.push(next.value);
    n += next.value.length;
  }
  yield { sample: head.flat().slice(0, sampleSize) };
  for (const batch of head) yield { batch };
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    prepare?.(next.value);
    yield { batch: next.value };
  }
}

function buildColumns(
  setup: RowStageSetup,
  header: readonly string[],
  sample: RawRecord[],
  convertOptions: Parameters<typeof buildConverter>[2],
): Column[] {
  const columns: Column[] = [];
  header.forEach((name, index) => {
    const field = setup.mapping[name];
    if (!field) return;
    const samples = sample.map((r) => r.values[index] ?? null);
    columns.push({ index, name, field, convert: buildConverter(field, samples, convertOptions) });
  });
  return columns;
}

function sameHeader(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((h, i) => h === b[i]);
}

/**
 * The file's rows, converted and checked, batch by batch. `isCancelled` is
 * asked between batches (the worker has no job context of its own).
 * `onEnd` gets the file's SHA-256 once the last batch is out, where the reads
 * covered the whole file (text formats; null otherwise): the import records it.
 */
export async function* readRows(
  setup: RowStageSetup,
  isCancelled: () => boolean = () => false,
  onEnd: (fileHash: string | null) => void = () => {},
): AsyncGenerator<RowBatch> {
  const convertOptions = {
    dateOrder: setup.options.dateOrder,
    pseudonymize: setup.pseudonymKey === null ? null : createPseudonymizer(setup.pseudonymKey),
  };
  const required = kinds[setup.kind].rowRequired ?? kinds[setup.kind].required;
  // First and last name columns are read as one customer_name (name-parts.ts): joined once per batch, and only
  // in files that have both.
  const names = nameColumns(setup.mapping, setup.header);
  const reading = names ? { ...setup, mapping: names.mapping } : setup;
  const joinNames = names?.join ?? null;
  const fill = new MissingFill(parsePolicies(setup.options.missing ?? {}));
  const forwardFill = fill.remembers();

  // Fill statistics (mean/median/mode) need the whole column before the first row is converted.
  if (fill.needsPrescan()) {
    const pre = await openRowSource(setup);
    try {
      let columns: Column[] = [];
      for await (const item of withSample(pre, SAMPLE_ROWS, joinNames)) {
        if ('sample' in item) columns = buildColumns(reading, pre.info.header, item.sample, convertOptions);
        else
          for (const record of item.batch)
            for (const c of columns) fill.observe(c.field, c.convert(record.values[c.index] ?? null));
        if (isCancelled()) return;
      }
    } finally {
      await pre.close();
    }
  }

  const source = await openRowSource(setup);
  try {
    const header = source.info.header;
    if (!sameHeader(header, setup.header)) {
      throw new ImportError(`the file changed while it was being imported (its columns are now ${header.join(', ')})`);
    }
    const width = header.length;
    let columns: Column[] = [];
    let prep: LinePrep | null = null;
    for await (const item of withSample(source, SAMPLE_ROWS, joinNames)) {
      if ('sample' in item) {
        columns = buildColumns(reading, header, item.sample, convertOptions);
        if (setup.kind === 'order-lines') prep = new LinePrep(columns.map((c) => c.field));
        continue;
      }
      prep?.start(item.batch.length);
      // The per-cell loop reads plain arrays (no iterator, no property loads per cell).
      const columnCount = columns.length;
      const converters = columns.map((c) => c.convert);
      const cellIndexes = Int32Array.from(columns, (c) => c.index);
      const rowFields = columns.map((c) => c.field);
      // A row's values by column; a field fed by two columns takes the last one's (sameField), as a row object would.
      const converted: Value[] = columns.map(() => null);
      const sameField = Int32Array.from(rowFields, (f) => rowFields.lastIndexOf(f));
      const requiredAt = requiredColumns(required, rowFields);
      const values: Value[][] = columns.map(() => []);
      const lines: number[] = [];
      const rejects: RowReject[] = [];
      const reject = (record: RawRecord, column: string | null, reason: string) =>
        rejects.push({ at: lines.length, line: record.line, column, reason, raw: rawText(record) });
      const batch = item.batch;
      for (let r = 0; r < batch.length; r++) {
        const record = batch[r]!;
        if (record.error) {
          reject(record, null, record.error);
          continue;
        }
        const cells = record.values;
        if (cells.length !== width && !(cells.length > width && cells.slice(width).every(isBlank))) {
          reject(record, null, `expected ${width} fields, found ${cells.length}`);
          continue;
        }
        let bad = false;
        for (let i = 0; i < columnCount; i++) {
          let v = converters[i]!(cells[cellIndexes[i]!] ?? null);
          // A converter gives a value, MISSING (null) or a failure: one typeof sets the common values apart.
          if (typeof v === 'object') {
            const c = columns[i]!;
            if (v !== MISSING) {
              bad = true;
              reject(record, c.name, v.reason);
              continue;
            }
            v = fill.fill(c.field, c.convert);
            if (v instanceof Failure) {
              bad = true;
              reject(record, c.name, v.reason);
              continue;
            }
          } else if (forwardFill) fill.remember(columns[i]!.field, v);
          converted[i] = v;
        }
        if (bad) continue;
        const missing = unmetRequirement(requiredAt, converted);
        if (missing) {
          reject(record, columnOf(setup.mapping, missing[0]!), `missing ${missing.join(' or ')}`);
          continue;
        }
        if (prep) {
          const problem = prep.addValues(converted);
          if (problem) {
            // As the writer reported such lines: the converted values, in field order.
            const raw = columns.map((_, i) => String(converted[sameField[i]!] ?? '')).join(',');
            rejects.push({
              at: lines.length,
              line: record.line,
              column: columnOf(setup.mapping, problem.field),
              reason: problem.reason,
              raw,
            });
            continue;
          }
        } else for (let i = 0; i < columnCount; i++) values[i]!.push(converted[sameField[i]!] ?? null);
        lines.push(record.line);
      }
      yield {
        records: item.batch.length,
        bytesRead: source.bytesRead(),
        fields: columns.map((c) => c.field),
        columns: prep ? [] : values.map(encodeColumn),
        lines: Float64Array.from(lines),
        rejects,
        ...(prep ? { prepared: prep.take() } : {}),
      };
      if (isCancelled()) return;
    }
    onEnd(source.fileHash?.() ?? null);
  } finally {
    await source.close();
  }
}

const isBlank = (v: unknown) => v === null || v === '';

interface RequiredGroup {
  fields: readonly FieldName[];
  /** Position in the row of each of the group's fields that a column feeds (the last such column, as in the row). */
  at: Int32Array;
}

function requiredColumns(
  required: readonly (readonly FieldName[])[],
  rowFields: readonly FieldName[],
): RequiredGroup[] {
  return required.map((fields) => ({
    fields,
    at: Int32Array.from(fields.map((f) => rowFields.lastIndexOf(f)).filter((i) => i >= 0)),
  }));
}

/** The first required group with no value in the row's converted cells (plain loops: this runs for every row). */
function unmetRequirement(
  required: readonly RequiredGroup[],
  converted: readonly Value[],
): readonly FieldName[] | null {
  for (let g = 0; g < required.length; g++) {
    const group = required[g]!;
    let met = false;
    const at = group.at;
    for (let i = 0; i < at.length; i++) {
      const v = converted[at[i]!];
      if (v !== null && v !== undefined) {
        met = true;
        break;
      }
    }
    if (!met) return group.fields;
  }
  return null;
}

/** The file's column that feeds `field` (for messages). */
export function columnOf(mapping: Mapping, field: FieldName): string {
  return Object.entries(mapping).find(([, f]) => f === field)?.[0] ?? field;
}

function rawText(record: RawRecord): string {
  const text = record.values.map((v) => (v instanceof Date ? v.toISOString() : v === null ? '' : String(v))).join(',');
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
