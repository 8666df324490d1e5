/** The report's tables as an XLSX workbook, one sheet per table; every cell passes neutralizeCell. */
import ExcelJS from 'exceljs';
import { neutralizeCell } from './tabular.ts';
import type { NamedTable } from './tables.ts';

export async function writeXlsx(path: string, tables: NamedTable[]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Merchant Workbench';
  wb.created = new Date();
  for (const table of tables) {
    const ws = wb.addWorksheet(table.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.addRow(table.columns.map(neutralizeCell));
    ws.getRow(1).font = { bold: true };
    for (const row of table.rows) ws.addRow(row.map(neutralizeCell));
    table.columns.forEach((c, i) => {
      const widest = table.rows.reduce((w, r) => Math.max(w, String(r[i] ?? '').length), c.length);
      ws.getColumn(i + 1).width = Math.min(60, Math.max(8, widest + 2));
    });
  }
  await wb.xlsx.writeFile(path);
}
