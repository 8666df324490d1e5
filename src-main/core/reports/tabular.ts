/**
 * Tables leaving the workbench (XLSX sheets, CSV files). A spreadsheet runs a
 * cell that starts with = + - @ (or a tab / carriage return) as a formula, so a
 * product title like `=HYPERLINK(...)` from an imported file could act when the
 * merchant opens the export: every text cell goes through neutralizeCell.
 */
import { writeFileSync } from 'node:fs';

export type Cell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text that a spreadsheet would read as a formula gets a leading apostrophe; numbers stay numbers. */
export function neutralizeCell(value: Cell): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export function csvField(value: Cell): string {
  const v = neutralizeCell(value);
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line (no line end), every field neutralized: for writers that stream rows. */
export function csvRow(row: readonly Cell[]): string {
  return row.map(csvField).join(',');
}

/** RFC 4180 CSV with a UTF-8 byte-order mark (so spreadsheets read Chinese text correctly), CRLF line ends. */
export function tableToCsv(table: Table): string {
  const lines = [table.columns, ...table.rows].map((row) => row.map(csvField).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export function writeCsv(path: string, table: Table): void {
  writeFileSync(path, tableToCsv(table), 'utf8');
}
