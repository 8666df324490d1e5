/**
 * What an import records about its run.
 * The file's hash: SHA-256 of its bytes, taken by the reading as it goes for text (on the reader thread for a big
 * file, on the importing thread for a small one) and by a read of its own for a workbook.
 * The rows it wrote per table (`touched`): the rows it added, counted by id past each table's
 * largest id when the run began, plus the older rows it updated (writers.ts). That must equal the plain definition,
 * the rows carrying the run's id, whether the run only adds, only updates, or both.
 * Also: the connection's temp_store is as before, and the defaults the job thread fills in without zod are the contract schema's.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { importOptionsSchema } from '../src-main/core/api/contract.ts';
import { importSettings, runImport } from '../src-main/core/import/importer.ts';
import { THREAD_MIN_BYTES } from '../src-main/core/import/reader-thread.ts';
import { JobRunner } from '../src-main/core/jobs/runner.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

function lines(from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    for (let k = 0; k < 2; k++) {
      out.push(`${n},S${(n + k) % 25},Item,${1 + k},3/${1 + (n % 28)}/2011 10:00,2.50,${100 + (n % 40)},France`);
    }
  }
  return out;
}

const TABLES = ['customers', 'products', 'orders', 'order_items'] as const;

const workspaces: ReturnType<typeof tempWorkspace>[] = [];
afterAll(() => workspaces.forEach((w) => w.cleanup()));

describe('rows an import touched', () => {
  it('are the rows carrying its run id, for a first import, a repeat and a partly new file', async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const files = { a: lines(1, 300), again: lines(1, 300), mixed: lines(251, 400) };
    const counted: Record<string, Record<string, number>> = {};
    for (const [name, text] of Object.entries(files)) {
      const path = join(ws.dir, `${name}.csv`);
      writeFileSync(path, [HEADER, ...text].join('\n'));
      const r = await runImport(ws.db, { path }, testContext(ws.path));
      for (const t of TABLES) {
        const carrying = ws.db.prepare(`SELECT COUNT(*) FROM ${t} WHERE import_run_id = ?`).pluck().get(r.runId);
        expect(r.touched[t], `${name}: ${t}`).toBe(carrying);
      }
      counted[name] = r.touched;
    }
    // The repeat added nothing yet touched every order and line again; the mixed file did both.
    expect(counted.a!.orders).toBe(300);
    expect(counted.again!.orders).toBe(300);
    expect(counted.again!.order_items).toBe(600);
    expect(counted.mixed!.orders).toBe(150);
    expect(counted.mixed!.order_items).toBe(300);
    expect(ws.db.prepare('SELECT COUNT(*) FROM orders').pluck().get()).toBe(400);
    // The statement journal was in memory for the run only (importer.ts): the connection's setting is back.
    expect(ws.db.pragma('temp_store', { simple: true })).toBe(0);
  });
});

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe("the run's file hash", () => {
  const storedHash = (ws: ReturnType<typeof tempWorkspace>, runId: number | null) =>
    ws.db.prepare('SELECT file_hash FROM import_runs WHERE id = ?').pluck().get(runId);

  it('is the SHA-256 of a small text file, a big one read on its own thread, and a workbook', async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const small = join(ws.dir, 'small.csv');
    writeFileSync(small, [HEADER, ...lines(1, 50)].join('\n'));
    const big = join(ws.dir, 'big.csv');
    writeFileSync(big, [HEADER, ...lines(1000, 40_000)].join('\n'));
    expect(readFileSync(big).length).toBeGreaterThan(THREAD_MIN_BYTES);
    const book = join(ws.dir, 'lines.xlsx');
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Orders');
    sheet.addRow(HEADER.split(','));
    for (const l of lines(90_000, 90_020)) sheet.addRow(l.split(','));
    await wb.xlsx.writeFile(book);

    const r = await runImport(ws.db, { path: small }, testContext(ws.path));
    expect(storedHash(ws, r.runId)).toBe(sha256(small));
    const x = await runImport(ws.db, { path: book }, testContext(ws.path));
    expect(x.rowsImported).toBe(42);
    expect(storedHash(ws, x.runId)).toBe(sha256(book));
    const runner = new JobRunner(ws.path);
    try {
      const job = await runner.wait(runner.start('import', { path: big }).id);
      expect(job.status).toBe('completed');
      expect(storedHash(ws, (job.result as { runId: number }).runId)).toBe(sha256(big));
    } finally {
      await runner.close();
    }
  });
});

describe('import settings in the job thread', () => {
  it('fill in the defaults the contract schema gives', () => {
    const cases = [
      { path: 'a.csv' },
      { path: 'a.csv', kind: 'orders' as const, keepPii: true },
      { path: 'b.tsv', delimiter: '\t', map: { Buyer: 'customer' }, dateOrder: 'dmy' as const },
    ];
    for (const raw of cases) expect(importSettings(raw)).toEqual(importOptionsSchema.parse(raw));
  });
});
