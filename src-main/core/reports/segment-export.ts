/**
 * A segment's customers (from an RFM run's stored scores) written to CSV or XLSX for a mailing tool or a
 * spreadsheet. Rows stream from SQLite to the file, so a segment of a million customers needs no more memory
 * than a page; every text cell is neutralized against spreadsheet formulas. Customer names, phones and emails
 * stay pseudonymized as stored: the export carries what the workspace holds.
 */
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, extname, join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import type { Db } from '../db/workspace.ts';
import { UserError, type JobContext } from '../jobs/context.ts';
import { latestScoredRun } from '../analytics/rfm-scores.ts';
import { csvRow, neutralizeCell, type Cell } from './tabular.ts';

export interface SegmentExportParams {
  segment?: string;
  format: 'csv' | 'xlsx';
  runId?: number;
  out?: string;
}

export interface SegmentExportResult {
  path: string;
  format: 'csv' | 'xlsx';
  segment: string | null;
  runId: number;
  rows: number;
}

const COLUMNS = ['customer_id', 'segment', 'r', 'f', 'm', 'recency_days', 'orders', 'spent', 'email', 'phone', 'city'];
/** An XLSX sheet holds 1,048,576 rows including the header. */
const XLSX_MAX_ROWS = 1_048_575;

function outputPath(dbPath: string, p: SegmentExportParams): string {
  if (p.out === undefined) {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    const name = (p.segment ?? 'all').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || 'segment';
    return join(dirname(resolve(dbPath)), `customers-${name}-${stamp}.${p.format}`);
  }
  const path = resolve(p.out);
  if (extname(path).slice(1).toLowerCase() !== p.format) {
    throw new UserError(`${basename(path)} does not end in .${p.format}`);
  }
  if (!existsSync(dirname(path))) throw new UserError(`no folder ${dirname(path)} to write into`);
  return path;
}

export async function exportSegment(db: Db, p: SegmentExportParams, ctx: JobContext): Promise<SegmentExportResult> {
  const runId = p.runId ?? latestScoredRun(db);
  if (runId === null) throw new UserError('no RFM run with stored scores yet: run the RFM analysis first');
  const where = p.segment === undefined ? 's.run_id = ?' : 's.run_id = ? AND s.segment = ?';
  const args = p.segment === undefined ? [runId] : [runId, p.segment];
  const total = db
    .prepare(`SELECT COUNT(*) FROM rfm_scores s WHERE ${where}`)
    .pluck()
    .get(...args) as number;
  if (total === 0) throw new UserError(`no customers in segment "${p.segment ?? ''}" of RFM run ${runId}`);
  if (p.format === 'xlsx' && total > XLSX_MAX_ROWS) {
    throw new UserError(`${total} customers do not fit one XLSX sheet (at most ${XLSX_MAX_ROWS}); export CSV instead`);
  }
  const path = outputPath(ctx.dbPath, p);
  const rows = db
    .prepare(
      `SELECT c.external_id, s.segment, s.r, s.f, s.m, s.recency_days, s.frequency, s.monetary, c.email, c.phone, c.city
       FROM rfm_scores s JOIN customers c ON c.id = s.customer_id
       WHERE ${where} ORDER BY s.monetary DESC, s.customer_id`,
    )
    .raw()
    .iterate(...args) as IterableIterator<Cell[]>;

  let written = 0;
  const tick = () => {
    written++;
    if (written % 5000 === 0) {
      ctx.progress(written, total, 'writing customers');
      ctx.throwIfCancelled();
    }
  };
  ctx.progress(0, total, 'writing customers');
  try {
    await (p.format === 'csv' ? writeCsvFile(path, rows, tick) : writeXlsxFile(path, p.segment, rows, tick));
    // A cancel that came during the last stretch still wins: the merchant asked for no file.
    ctx.throwIfCancelled();
  } catch (err) {
    // A cancelled or failed export leaves no half file behind.
    rmSync(path, { force: true });
    throw err;
  }
  ctx.progress(total, total);
  return { path, format: p.format, segment: p.segment ?? null, runId, rows: written };
}

async function writeCsvFile(path: string, rows: Iterable<Cell[]>, tick: () => void): Promise<void> {
  {
    const out = createWriteStream(path, 'utf8');
    try {
      out.write(`\uFEFF${csvRow(COLUMNS)}\r\n`);
      for (const row of rows) {
        if (!out.write(`${csvRow(row)}\r\n`)) await once(out, 'drain');
        tick();
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
  }
}

async function writeXlsxFile(
  path: string,
  segment: string | undefined,
  rows: Iterable<Cell[]>,
  tick: () => void,
): Promise<void> {
  {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: true });
    const ws = wb.addWorksheet(segment ?? 'customers', { views: [{ state: 'frozen', ySplit: 1 }] });
    const header = ws.addRow(COLUMNS);
    header.font = { bold: true };
    header.commit();
    for (const row of rows) {
      ws.addRow(row.map(neutralizeCell)).commit();
      tick();
    }
    ws.commit();
    await wb.commit();
  }
}
