import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import { fixture, snapshot, tempWorkspace, testContext } from './helpers/workspace.ts';

/** Starts an import in a child process and SIGKILLs it when it reports its `killAt`-th progress. */
function importKilledAt(file: string, dbPath: string, killAt: number): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'helpers', 'import-child.ts'), file, dbPath]);
    let out = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`progress ${killAt}\n`)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`import finished before progress ${killAt}: ${out.slice(-200)} ${stderr}`));
      else resolve({ killed: true });
    });
  });
}

describe('an import killed with SIGKILL', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let big: string;
  let before: ReturnType<typeof snapshot>;
  let runsBefore: unknown;

  beforeAll(async () => {
    ws = tempWorkspace();
    await runImport(ws.db, { path: fixture('online-retail.csv') }, testContext(ws.path));
    before = snapshot(ws.db);
    runsBefore = ws.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get();
    ws.db.close();
    big = join(ws.dir, 'lines.csv');
    const lines = ['InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'];
    for (let i = 0; i < 120_000; i++) {
      lines.push(
        `${700000 + (i >> 3)},P${i % 331},Item ${i % 331},${1 + (i % 7)},3/${1 + (i % 28)}/2011 10:${String(i % 60).padStart(2, '0')},${(1 + (i % 13) / 4).toFixed(2)},${20000 + (i % 2000)},Norway`,
      );
    }
    writeFileSync(big, lines.join('\n'));
  });
  afterAll(() => ws.cleanup());

  // Early (first batch written), in the middle, and near the end of the file.
  it.each([1, 10, 22])('at progress report %i leaves integrity ok and the data of before', async (killAt) => {
    await importKilledAt(big, ws.path, killAt);
    const db = openWorkspace(ws.path);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(snapshot(db)).toEqual(before);
      expect(db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get()).toBe(runsBefore);
    } finally {
      db.close();
    }
  });

  it('and the same import run to the end afterwards lands whole', async () => {
    const db = openWorkspace(ws.path);
    try {
      const r = await runImport(db, { path: big }, testContext(ws.path));
      expect(r.rowsImported).toBe(120_000);
      expect(r.tables.order_items).toBe(120_000);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
