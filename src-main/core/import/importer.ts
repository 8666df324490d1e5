/**
 * The import pipeline: file → records → typed rows → tables, in one SQLite
 * transaction. Either the whole file lands (bad rows reported and skipped) or
 * the workspace stays exactly as it was: on an error, on cancel, and when the
 * process dies (SQLite discards the uncommitted WAL frames on the next open).
 *
 * Two halves: reading (rows.ts — decode, parse, convert, check; on its own
 * thread for big files, see row-stream.ts) and writing (writers.ts, on this
 * thread, which owns the transaction). A reader failure ends the import like
 * any other error: rolled back.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { ImportOptions, ImportResult, ImportSettings } from '../api/contract.ts';
import { shopTables } from '../db/migrations.ts';
import { getMeta, type Db } from '../db/workspace.ts';
import type { JobContext } from '../jobs/context.ts';
import type { FieldName } from './fields.ts';
import { bulkTables, deferSecondaryIndexes } from './bulk.ts';
import { parsePolicies } from './missing.ts';
import { checkSuggestion, headerFromColumns, planImport, rememberMapping } from './plan.ts';
import { decodeColumn } from './row-columns.ts';
import type { ReaderThread } from './reader-thread.ts';
import { rowBatches } from './row-stream.ts';
import { columnOf, type RowBatch, type RowStageSetup } from './rows.ts';
import { openSource } from './source/index.ts';
import { ImportError, type RowError } from './types.ts';
import { createWriter, RowReject, type Row } from './writers.ts';

const REPORTED_ERRORS = 100;

/** SHA-256 of the file, read through one reused buffer (a stream's chunk per read would be ~file-size garbage). */
export async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/**
 * The options with the defaults `importOptionsSchema` gives them. The doors (CLI, browser mode, IPC) have validated
 * them against that schema; the job thread leaves zod unloaded (zod and the contract: ~0.1 s before an import starts).
 */
export function importSettings(raw: ImportOptions): ImportSettings {
  return { ...raw, kind: raw.kind ?? 'auto', keepPii: raw.keepPii ?? false };
}

export async function openPlannedSource(db: Db, options: ImportSettings) {
  const source = await openSource(options.path, {
    format: options.format,
    encoding: options.encoding,
    delimiter: options.delimiter,
    sheet: options.sheet,
    columns: options.columns ? headerFromColumns(options.columns) : undefined,
  });
  try {
    const suggested = planImport(db, source.info, options);
    // The first batch of records: the values a suggested mapping is checked against, and a preview's rows.
    const batches = source.batches()[Symbol.asyncIterator]();
    const first = await batches.next();
    const sample = first.done ? [] : first.value.slice(0, SAMPLE_RECORDS);
    const overridden = new Set(Object.keys(options.map ?? {}));
    const plan = checkSuggestion(suggested, source.info.header, sample, overridden, options.dateOrder);
    return { source, plan, sample };
  } catch (err) {
    await source.close();
    throw err;
  }
}

/** Records a suggested mapping is checked against. */
const SAMPLE_RECORDS = 500;

/**
 * Imports one file. `reader` is a reader thread started ahead (see reader-thread.ts); the import stops it when it
 * is done with it, and the caller that started it stops it again in case the import never got to it (stopping is
 * idempotent).
 */
export async function runImport(
  db: Db,
  rawOptions: ImportOptions,
  ctx: JobContext,
  reader: ReaderThread | null = null,
): Promise<ImportResult> {
  const started = performance.now();
  const options = importSettings(rawOptions);
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
  parsePolicies(options.missing ?? {}); // an unknown field is refused before any work

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
  // The reading half (rows.ts) gets plain data only: it may run on another thread.
  const setup: RowStageSetup = {
    path,
    options: {
      format: options.format,
      encoding: options.encoding,
      delimiter: options.delimiter,
      sheet: options.sheet,
      columns: options.columns,
      missing: options.missing,
      dateOrder: options.dateOrder,
    },
    format: info.format,
    header: info.header,
    kind: plan.kind,
    mapping: plan.mapping,
    pseudonymKey: options.keepPii ? null : (getMeta(db, 'pseudonym_key') ?? ''),
  };
  // The planning pass is done; the reader opens the file afresh.
  await source.close();

  const now = Math.floor(Date.now() / 1000);
  let rowsRead = 0;
  let rowsImported = 0;
  let errorCount = 0;
  const errors: RowError[] = [];
  const before = tableSizes(db);

  // Every parent row an import references is created by this same import just
  // before (upsert … RETURNING id), so per-row foreign-key checks only cost time.
  // The pragma cannot change inside a transaction: off before BEGIN, back after.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  // Appends touch few pages again once written (the right edges of the tables and their unique indexes):
  // half the workspace's page cache costs no CPU time here and 25 MB less peak RSS on a 1M-line file.
  const cacheSize = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = ${IMPORT_CACHE_SIZE}`);
  // Rebuilding the deferred indexes at the end sorts a row per line; by then the reader thread is
  // done, so SQLite's sorter may use the other cores (1M lines: ~0.5 s on one, see db/bulk.ts).
  const threads = db.pragma('threads', { simple: true }) as number;
  db.pragma(`threads = ${Math.min(4, availableParallelism() - 1)}`);
  // A big import's WAL is as big as what it wrote; copying it into the database file (a checkpoint, ~0.3 s on a
  // 1M-line file) need not delay the result: committed frames are as safe in the WAL. Where the job thread can
  // do it after its result is out, it does; the setting is this connection's only.
  const autoCheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  if (ctx.afterResult) {
    db.pragma('wal_autocheckpoint = 0');
    ctx.afterResult(() => db.pragma('wal_checkpoint(PASSIVE)'));
  }
  // Each many-row INSERT keeps a statement journal (its pages as they were, to undo that statement alone). In a
  // temporary file that was 60,000 16 KiB page writes on a 1M-line file, ~0.5 s of system time; in memory it is a
  // copy. Where it lives is fixed when the write transaction begins, so the setting goes back at once: the index
  // rebuild's sorter still spills to temporary files and memory stays flat.
  const tempStore = db.pragma('temp_store', { simple: true }) as number;
  db.pragma('temp_store = MEMORY');
  db.exec('BEGIN IMMEDIATE');
  db.pragma(`temp_store = ${tempStore}`);
  let restoreIndexes: (() => void) | null = null;
  // The reading takes the file's hash as it goes (text formats: see source/file-chunks.ts).
  let readHash: string | null = null;
  const batches = rowBatches(
    setup,
    () => ctx.cancelled,
    reader,
    (hash) => (readHash = hash),
  );
  // Asking for the first batch now starts the reader (its thread boots and reads ahead) while this one goes on.
  const first = batches.next();
  first.catch(() => {}); // a reader failure surfaces where the batch is awaited, not as an unhandled rejection
  // A workbook is read through its ZIP directory, not front to back: its hash is a read of its own, alongside the
  // first batches. The run row gets the hash at the end.
  const hashing = info.format === 'xlsx' ? fileHash(path) : null;
  hashing?.catch(() => {}); // awaited below; a failure surfaces there
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
          '',
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
    const reject = (line: number, column: string | null, reason: string, raw: string) => {
      errorCount++;
      if (errors.length < REPORTED_ERRORS) errors.push({ line, column, reason });
      insertError.run(runId, line, column, reason, raw);
    };
    const writer = createWriter(db, plan.kind, runId, mappedFields);
    const row: Row = {};
    const writeRows = (batch: RowBatch) => {
      const n = batch.lines.length;
      const fields = batch.fields;
      const columns = batch.columns.map((c) => decodeColumn(c, n));
      const rejects = batch.rejects;
      let next = 0;
      for (let i = 0; i <= n; i++) {
        // Rows the reader refused, in file order among the good ones.
        for (; next < rejects.length && rejects[next]!.at === i; next++) {
          const r = rejects[next]!;
          reject(r.line, r.column, r.reason, r.raw);
        }
        if (i === n) break;
        for (let f = 0; f < fields.length; f++) row[fields[f]!] = columns[f]![i]!;
        try {
          writer.write(row);
          rowsImported++;
        } catch (err) {
          if (!(err instanceof RowReject)) throw err;
          const raw = fields.map((f) => String(row[f] ?? '')).join(',');
          reject(batch.lines[i]!, err.column ? columnOf(plan.mapping, err.column) : null, err.message, raw);
        }
      }
    };

    for await (const batch of startingWith(first, batches)) {
      if (batch.prepared && writer.writePrepared) {
        // Order lines: the reader checked and prepared them; its rejects are in file order.
        for (const r of batch.rejects) reject(r.line, r.column, r.reason, r.raw);
        writer.writePrepared(batch.prepared);
        rowsImported += batch.prepared.count;
      } else writeRows(batch);
      rowsRead += batch.records;
      writer.flush?.();
      const read = batch.bytesRead;
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
      `UPDATE import_runs SET finished_at = ?, file_hash = ?, rows_read = ?, rows_imported = ?, rows_rejected = ?,
                              counts = ?
        WHERE id = ?`,
    ).run(
      Math.floor(Date.now() / 1000),
      readHash ?? (await (hashing ?? fileHash(path))),
      rowsRead,
      rowsImported,
      rowsRead - rowsImported,
      JSON.stringify(tables),
      runId,
    );
    rememberMapping(db, plan, info.header, now);
    db.exec('COMMIT');
    return {
      runId,
      kind: plan.kind,
      rowsRead,
      rowsImported,
      rowsRejected: rowsRead - rowsImported,
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
    db.pragma(`cache_size = ${cacheSize}`);
    db.pragma(`threads = ${threads}`);
    db.pragma(`wal_autocheckpoint = ${autoCheckpoint}`);
    await batches.return(undefined);
  }
}

/** The batch already asked for, then the rest. */
async function* startingWith<T>(first: Promise<IteratorResult<T>>, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  const head = await first;
  if (head.done) return;
  yield head.value;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** SQLite's page cache during an import: 16 MB (negative = KiB). */
const IMPORT_CACHE_SIZE = -16_000;

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

function tableSizes(db: Db): Record<string, number> {
  return Object.fromEntries(
    shopTables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]),
  );
}

function tableDelta(db: Db, before: Record<string, number>): Record<string, number> {
  const after = tableSizes(db);
  return Object.fromEntries(shopTables.map((t) => [t, (after[t] ?? 0) - (before[t] ?? 0)]));
}
