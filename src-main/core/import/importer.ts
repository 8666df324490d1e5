/**
 * The import pipeline: file → records → typed rows → tables, in one SQLite
 * transaction. Either the whole file lands (bad rows reported and skipped) or
 * the workspace stays exactly as it was: on an error, on cancel, and when the
 * process dies (SQLite discards the uncommitted WAL frames on the next open).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { importOptionsSchema, type ImportOptions, type ImportResult } from '../api/contract.ts';
import { shopTables } from '../db/migrations.ts';
import { getMeta, type Db } from '../db/workspace.ts';
import type { JobContext } from '../jobs/context.ts';
import { kinds, type FieldName } from './fields.ts';
import { bulkTables, deferSecondaryIndexes } from './bulk.ts';
import { buildConverter, Failure, MISSING, type Converter } from './convert.ts';
import { MissingFill, parsePolicies } from './missing.ts';
import { headerFromColumns, planImport, rememberMapping, type ImportPlan } from './plan.ts';
import { createPseudonymizer } from './pseudonymize.ts';
import { openSource } from './source/index.ts';
import { ImportError, type RawRecord, type RecordSource, type RowError } from './types.ts';
import { createWriter, RowReject, type Row } from './writers.ts';

const SAMPLE_ROWS = 1000;
const REPORTED_ERRORS = 100;

export async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads the first records of a source (for type detection) without losing them for the main pass. */
async function* withSample(
  source: RecordSource,
  sampleSize: number,
): AsyncGenerator<{ sample: RawRecord[] } | { batch: RawRecord[] }> {
  const iterator = source.batches()[Symbol.asyncIterator]();
  const head: RawRecord[][] = [];
  let n = 0;
  while (n < sampleSize) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    n += next.value.length;
  }
  yield { sample: head.flat().slice(0, sampleSize) };
  for (const batch of head) yield { batch };
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield { batch: next.value };
  }
}

interface Column {
  index: number;
  name: string;
  field: FieldName;
  convert: Converter;
}

export async function openPlannedSource(db: Db, options: ReturnType<typeof importOptionsSchema.parse>) {
  const source = await openSource(options.path, {
    format: options.format,
    encoding: options.encoding,
    delimiter: options.delimiter,
    sheet: options.sheet,
    columns: options.columns ? headerFromColumns(options.columns) : undefined,
  });
  try {
    const plan = planImport(db, source.info, options);
    return { source, plan };
  } catch (err) {
    await source.close();
    throw err;
  }
}

function buildColumns(
  plan: ImportPlan,
  header: readonly string[],
  sample: RawRecord[],
  convertOptions: Parameters<typeof buildConverter>[2],
): Column[] {
  const columns: Column[] = [];
  header.forEach((name, index) => {
    const field = plan.mapping[name];
    if (!field) return;
    const samples = sample.map((r) => r.values[index] ?? null);
    columns.push({ index, name, field, convert: buildConverter(field, samples, convertOptions) });
  });
  return columns;
}

export async function runImport(db: Db, rawOptions: ImportOptions, ctx: JobContext): Promise<ImportResult> {
  const started = performance.now();
  const options = importOptionsSchema.parse(rawOptions);
  const path = resolve(options.path);
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ImportError(`${options.path} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError(`cannot read ${options.path}: ${(err as Error).message}`);
  }
  const hash = await fileHash(path);
  const policies = parsePolicies(options.missing ?? {});

  const { source, plan } = await openPlannedSource(db, { ...options, path });
  const info = source.info;
  if (plan.missingRequired.length) {
    await source.close();
    throw new ImportError(
      `${basename(path)}: no column for ${plan.missingRequired.join('; ')} (kind ${plan.kind}; columns: ${info.header.join(', ')}). ` +
        'Name it with --map "column=field".',
    );
  }
  const mappedFields = new Set(Object.values(plan.mapping).filter((f): f is FieldName => f !== null));
  const required = kinds[plan.kind].rowRequired ?? kinds[plan.kind].required;
  const convertOptions = {
    dateOrder: options.dateOrder,
    pseudonymize: options.keepPii ? null : createPseudonymizer(getMeta(db, 'pseudonym_key') ?? ''),
  };

  // Fill statistics (mean/median/mode) need the whole column before the first row is written.
  const fill = new MissingFill(policies);
  if (fill.needsPrescan()) {
    const pre = await openPlannedSource(db, { ...options, path });
    try {
      let columns: Column[] = [];
      for await (const item of withSample(pre.source, SAMPLE_ROWS)) {
        if ('sample' in item) columns = buildColumns(plan, pre.source.info.header, item.sample, convertOptions);
        else
          for (const record of item.batch)
            for (const c of columns) fill.observe(c.field, c.convert(record.values[c.index] ?? null));
        ctx.throwIfCancelled();
      }
    } finally {
      await pre.source.close();
    }
  }

  const now = Math.floor(Date.now() / 1000);
  let rowsRead = 0;
  let rowsImported = 0;
  let rowsRejected = 0;
  let errorCount = 0;
  const errors: RowError[] = [];
  const before = tableSizes(db);

  // Every parent row an import references is created by this same import just
  // before (upsert … RETURNING id), so per-row foreign-key checks only cost time.
  // The pragma cannot change inside a transaction: off before BEGIN, back after.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  db.exec('BEGIN IMMEDIATE');
  let restoreIndexes: (() => void) | null = null;
  try {
    const runId = Number(
      db
        .prepare(
          `INSERT INTO import_runs(file_name, file_path, file_size, file_hash, kind, format, encoding, delimiter,
                                   mapping, options, started_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          basename(path),
          path,
          size,
          hash,
          plan.kind,
          info.format,
          info.encoding,
          info.delimiter,
          JSON.stringify(plan.mapping),
          JSON.stringify({ ...options, path: undefined }),
          now,
        ).lastInsertRowid,
    );
    const insertError = db.prepare(
      'INSERT INTO import_errors(run_id, line, column, reason, raw) VALUES (?, ?, ?, ?, ?)',
    );
    const reject = (record: RawRecord, column: string | null, reason: string) => {
      errorCount++;
      if (errors.length < REPORTED_ERRORS) errors.push({ line: record.line, column, reason });
      insertError.run(runId, record.line, column, reason, rawText(record));
    };
    const writer = createWriter(db, plan.kind, runId, mappedFields);
    const width = info.header.length;
    let columns: Column[] = [];
    const row: Row = {};

    for await (const item of withSample(source, SAMPLE_ROWS)) {
      if ('sample' in item) {
        columns = buildColumns(plan, info.header, item.sample, convertOptions);
        continue;
      }
      for (const record of item.batch) {
        rowsRead++;
        if (record.error) {
          rowsRejected++;
          reject(record, null, record.error);
          continue;
        }
        const values = record.values;
        if (values.length !== width && !(values.length > width && values.slice(width).every(isBlank))) {
          rowsRejected++;
          reject(record, null, `expected ${width} fields, found ${values.length}`);
          continue;
        }
        let bad = false;
        for (const c of columns) {
          let v = c.convert(values[c.index] ?? null);
          if (v instanceof Failure) {
            if (!bad) rowsRejected++;
            bad = true;
            reject(record, c.name, v.reason);
            continue;
          }
          if (v === MISSING) {
            v = fill.fill(c.field, c.convert);
            if (v instanceof Failure) {
              if (!bad) rowsRejected++;
              bad = true;
              reject(record, c.name, v.reason);
              continue;
            }
          } else fill.remember(c.field, v);
          row[c.field] = v;
        }
        if (bad) continue;
        const missing = unmetRequirement(required, row);
        if (missing) {
          rowsRejected++;
          reject(record, columnOf(plan, missing[0]!), `missing ${missing.join(' or ')}`);
          continue;
        }
        try {
          writer.write(row);
          rowsImported++;
        } catch (err) {
          if (!(err instanceof RowReject)) throw err;
          rowsRejected++;
          reject(record, err.column ? columnOf(plan, err.column) : null, err.message);
        }
      }
      const read = source.bytesRead();
      if (!restoreIndexes && rowsRead >= 20_000 && read > 0) {
        restoreIndexes = deferSecondaryIndexes(db, bulkTables[plan.kind] ?? [], (rowsRead * info.totalBytes) / read);
      }
      ctx.progress(
        rowsRead,
        read > 0 ? Math.round((rowsRead * info.totalBytes) / read) : null,
        `${mb(read)} of ${mb(info.totalBytes)} MB`,
      );
      ctx.throwIfCancelled();
    }

    restoreIndexes?.();
    const touched = writer.finish();
    const tables = tableDelta(db, before);
    db.prepare(
      `UPDATE import_runs SET finished_at = ?, rows_read = ?, rows_imported = ?, rows_rejected = ?, counts = ? WHERE id = ?`,
    ).run(Math.floor(Date.now() / 1000), rowsRead, rowsImported, rowsRejected, JSON.stringify(tables), runId);
    rememberMapping(db, plan, info.header, now);
    db.exec('COMMIT');
    return {
      runId,
      kind: plan.kind,
      rowsRead,
      rowsImported,
      rowsRejected,
      tables,
      touched,
      errors,
      errorCount,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    await source.close();
  }
}

const isBlank = (v: unknown) => v === null || v === '';

/** The first required group with no value in the row (plain loops: this runs for every row). */
function unmetRequirement(required: readonly (readonly FieldName[])[], row: Row): readonly FieldName[] | null {
  for (const group of required) {
    let met = false;
    for (const f of group) {
      const v = row[f];
      if (v !== null && v !== undefined) {
        met = true;
        break;
      }
    }
    if (!met) return group;
  }
  return null;
}
const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

function columnOf(plan: ImportPlan, field: FieldName): string {
  return Object.entries(plan.mapping).find(([, f]) => f === field)?.[0] ?? field;
}

function rawText(record: RawRecord): string {
  const text = record.values.map((v) => (v instanceof Date ? v.toISOString() : v === null ? '' : String(v))).join(',');
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function tableSizes(db: Db): Record<string, number> {
  return Object.fromEntries(
    shopTables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]),
  );
}

function tableDelta(db: Db, before: Record<string, number>): Record<string, number> {
  const after = tableSizes(db);
  return Object.fromEntries(shopTables.map((t) => [t, (after[t] ?? 0) - (before[t] ?? 0)]));
}
