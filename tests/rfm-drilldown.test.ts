// Segment drill-down: an RFM run stores each customer's scores, and the API pages, sorts and filters them in SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRfm } from '../src-main/core/analytics/jobs.ts';
import { KEEP_SCORED_RUNS, rfmCustomersPage } from '../src-main/core/analytics/rfm-scores.ts';
import { computeRfm } from '../src-main/core/analytics/rfm.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { exportSegment } from '../src-main/core/reports/segment-export.ts';
import { CancelledError } from '../src-main/core/jobs/context.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

let ws: ReturnType<typeof tempWorkspace>;

beforeAll(() => {
  ws = tempWorkspace();
  generateSampleShop(ws.db, { customers: 800, seed: 9 });
});
afterAll(() => ws.cleanup());

describe('RFM drill-down', () => {
  it('stores every scored customer and pages a segment sorted by value', async () => {
    const run = await runRfm(ws.db, {}, testContext(ws.path));
    const expected = computeRfm(ws.db).customers;
    const all = rfmCustomersPage(ws.db, { sort: 'monetary', descending: true, offset: 0, limit: 1000 });
    expect(all.runId).toBe(run.runId);
    expect(all.total).toBe(expected.length);

    const biggest = [...run.segments].sort((a, b) => b.customers - a.customers)[0]!;
    const page1 = rfmCustomersPage(ws.db, {
      segment: biggest.segment,
      sort: 'monetary',
      descending: true,
      offset: 0,
      limit: 10,
    });
    const page2 = rfmCustomersPage(ws.db, {
      segment: biggest.segment,
      sort: 'monetary',
      descending: true,
      offset: 10,
      limit: 10,
    });
    expect(page1.total).toBe(biggest.customers);
    const rows = [...page1.rows, ...page2.rows];
    expect(rows.every((r) => r.segment === biggest.segment)).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.monetary).toBeGreaterThanOrEqual(rows[i]!.monetary);
    // The same customers and figures as the in-memory computation.
    const byMonetary = expected
      .filter((c) => c.segment === biggest.segment)
      .map((c) => c.monetary)
      .sort((a, b) => b - a);
    expect(rows.map((r) => r.monetary)).toEqual(byMonetary.slice(0, rows.length));

    const recent = rfmCustomersPage(ws.db, { sort: 'recency', descending: false, offset: 0, limit: 5 });
    expect(recent.rows[0]!.recencyDays).toBe(Math.min(...expected.map((c) => c.recencyDays)));
  });

  it(`keeps the scores of the last ${KEEP_SCORED_RUNS} runs only`, async () => {
    const ids: number[] = [];
    for (let i = 0; i < KEEP_SCORED_RUNS + 1; i++) ids.push((await runRfm(ws.db, {}, testContext(ws.path))).runId);
    const kept = ws.db.prepare('SELECT DISTINCT run_id FROM rfm_scores ORDER BY run_id').pluck().all();
    expect(kept).toEqual(ids.slice(-KEEP_SCORED_RUNS));
    expect(
      rfmCustomersPage(ws.db, { runId: ids[0]!, sort: 'score', descending: true, offset: 0, limit: 5 }).total,
    ).toBe(0);
  });
});

describe('segment export', () => {
  it('writes a segment to CSV with a BOM, one line per customer, formulas neutralized', async () => {
    const run = await runRfm(ws.db, {}, testContext(ws.path));
    const biggest = [...run.segments].sort((a, b) => b.customers - a.customers)[0]!;
    // A city an attacker could have put in an import: it must not run as a formula in the merchant's spreadsheet.
    const member = ws.db
      .prepare('SELECT customer_id FROM rfm_scores WHERE run_id = ? AND segment = ? LIMIT 1')
      .pluck()
      .get(run.runId, biggest.segment) as number;
    ws.db.prepare('UPDATE customers SET city = \'=HYPERLINK("http://x")\' WHERE id = ?').run(member);

    const out = join(ws.dir, 'seg.csv');
    const result = await exportSegment(ws.db, { segment: biggest.segment, format: 'csv', out }, testContext(ws.path));
    expect(result).toMatchObject({ path: out, rows: biggest.customers, runId: run.runId });
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('\uFEFFcustomer_id,segment,')).toBe(true);
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(biggest.customers + 1);
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(lines.slice(1).every((l) => l.split(',')[1] === biggest.segment)).toBe(true);
  });

  it('writes XLSX that a spreadsheet library reads back, and a cancelled export leaves no file', async () => {
    const out = join(ws.dir, 'all.xlsx');
    const result = await exportSegment(ws.db, { format: 'xlsx', out }, testContext(ws.path));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const sheet = wb.worksheets[0]!;
    expect(sheet.rowCount).toBe(result.rows + 1);
    expect(sheet.getRow(1).getCell(1).value).toBe('customer_id');
    expect(typeof sheet.getRow(2).getCell(8).value).toBe('number');

    const big = join(ws.dir, 'cancelled.csv');
    const before = readdirSync(ws.dir).length;
    await expect(exportSegment(ws.db, { format: 'csv', out: big }, testContext(ws.path, 0))).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(existsSync(big)).toBe(false);
    expect(readdirSync(ws.dir).length).toBe(before);
  });

  it('refuses a segment with no customers, naming it', async () => {
    await expect(exportSegment(ws.db, { segment: 'Nobody', format: 'csv' }, testContext(ws.path))).rejects.toThrow(
      /no customers in segment "Nobody"/,
    );
  });
});
