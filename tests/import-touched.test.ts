/**
 * An import reports the rows it wrote per table (`touched`): the rows it added, counted by id past each table's
 * largest id when the run began, plus the older rows it updated (writers.ts). That must equal the plain definition,
 * the rows carrying the run's id, whether the run only adds, only updates, or both.
 * Also: the connection's temp_store is as before, and the defaults the job thread fills in without zod are the contract schema's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importOptionsSchema } from '../src-main/core/api/contract.ts';
import { importSettings, runImport } from '../src-main/core/import/importer.ts';
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
