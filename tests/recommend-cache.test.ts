import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeRfm } from '../src-main/core/analytics/rfm.ts';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { runImport } from '../src-main/core/import/importer.ts';
import { recommendFor } from '../src-main/core/recommend/implicit/job.ts';
import { dataStamp, modelDir, storedModels } from '../src-main/core/recommend/implicit/model-store.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
/** Order lines in the Online Retail layout: [invoice, sku, customer]. */
const csv = (lines: [string, string, string][]) =>
  [
    HEADER,
    ...lines.map(([inv, sku, c]) => `${inv},${sku},Product ${sku},1,12/1/2010 8:26,2.50,${c},United Kingdom`),
  ].join('\n') + '\n';

describe('stored models on the sample shop', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  let customer: string;
  let sku: string;
  let segment: string;
  beforeAll(() => {
    ws = tempWorkspace();
    generateSampleShop(ws.db, { customers: 600, seed: 3 });
    customer = ws.db
      .prepare(
        `SELECT c.external_id FROM customers c JOIN orders o ON o.customer_id = c.id
         GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1`,
      )
      .pluck()
      .get() as string;
    sku = ws.db
      .prepare(
        `SELECT p.sku FROM products p JOIN order_items oi ON oi.product_id = p.id
         GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1`,
      )
      .pluck()
      .get() as string;
    segment = computeRfm(ws.db).customers[0]!.segment;
  });
  afterAll(() => ws.cleanup());
  afterEach(() => rmSync(modelDir(ws.db)!, { recursive: true, force: true }));

  for (const algo of ['item-knn', 'als'] as const) {
    it(`${algo}: the second request reads the stored model and answers exactly as the fit did`, () => {
      const opts = algo === 'als' ? ({ algo, factors: 16, iterations: 5 } as const) : ({ algo } as const);
      const first = recommendFor(ws.db, { customer, n: 10, ...opts });
      expect(first.fromCache).toBe(false);
      expect(first.items).toHaveLength(10);
      // One file for the model, named by the data stamp.
      const files = storedModels(ws.db);
      expect(files).toHaveLength(1);
      expect(files[0]!.startsWith(join(modelDir(ws.db)!, dataStamp(ws.db)))).toBe(true);
      const second = recommendFor(ws.db, { customer, n: 10, ...opts });
      expect(second.fromCache).toBe(true);
      expect(second.items).toEqual(first.items);
      expect(() => recommendFor(ws.db, { customer: 'no-such-customer', n: 5, ...opts })).toThrow(/no customer/);
      // "Also bought" from the stored model equals a fit from scratch (the files removed first).
      const cached = recommendFor(ws.db, { alsoBought: sku, n: 5, ...opts });
      expect(cached.fromCache).toBe(true);
      rmSync(modelDir(ws.db)!, { recursive: true, force: true });
      const fresh = recommendFor(ws.db, { alsoBought: sku, n: 5, ...opts });
      expect(fresh.fromCache).toBe(false);
      expect(fresh.items.length).toBeGreaterThan(0);
      expect(cached.items).toEqual(fresh.items);
      // Other settings are another model: fitted and stored beside the first.
      const other = recommendFor(ws.db, {
        customer,
        n: 10,
        ...opts,
        seed: algo === 'als' ? 9 : undefined,
        neighbours: 80,
      });
      expect(other.fromCache).toBe(false);
      expect(storedModels(ws.db).length).toBeGreaterThanOrEqual(2);
    });
  }

  it('segment lists come from the stored model and stored segment membership', () => {
    const first = recommendFor(ws.db, { segment, n: 8 });
    expect(first.fromCache).toBe(false);
    // The model file, the segment membership file and the segment's stored scores.
    expect(storedModels(ws.db)).toHaveLength(3);
    const second = recommendFor(ws.db, { segment, n: 8 });
    expect(second.fromCache).toBe(true);
    expect(second.items).toEqual(first.items);
    expect(() => recommendFor(ws.db, { segment: 'Nobody Here', n: 8 })).toThrow(/no customers in segment/);
  });

  it('a damaged model file is a miss: refitted and rewritten, the same answer', () => {
    const first = recommendFor(ws.db, { customer, n: 10 });
    const [file] = storedModels(ws.db);
    writeFileSync(file!, 'not a model');
    const again = recommendFor(ws.db, { customer, n: 10 });
    expect(again.fromCache).toBe(false);
    expect(again.items).toEqual(first.items);
    expect(recommendFor(ws.db, { customer, n: 10 }).fromCache).toBe(true);
  });
});

describe('an import makes the stored model stale', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
  });
  afterAll(() => ws.cleanup());

  it('refits after an import, drops the stale file and no longer recommends what was just bought', async () => {
    const base = join(ws.dir, 'base.csv');
    // P3 goes with P1 and P2 (customers 2, 3, 4); customer 1 has P1 and P2 only.
    writeFileSync(
      base,
      csv([
        ['1001', 'P1', '1'],
        ['1001', 'P2', '1'],
        ['1002', 'P1', '2'],
        ['1002', 'P2', '2'],
        ['1002', 'P3', '2'],
        ['1003', 'P2', '3'],
        ['1003', 'P3', '3'],
        ['1004', 'P1', '4'],
        ['1004', 'P3', '4'],
        ['1004', 'P4', '4'],
        ['1005', 'P4', '5'],
        ['1005', 'P5', '5'],
        ['1006', 'P3', '6'],
        ['1006', 'P4', '6'],
        ['1006', 'P5', '6'],
      ]),
    );
    await runImport(ws.db, { path: base }, testContext(ws.path));
    const stamp = dataStamp(ws.db);
    const before = recommendFor(ws.db, { customer: '1', n: 3 });
    expect(before.fromCache).toBe(false);
    expect(before.items[0]!.sku).toBe('P3');
    expect(recommendFor(ws.db, { customer: '1', n: 3 }).fromCache).toBe(true);
    const staleFile = storedModels(ws.db)[0]!;

    const more = join(ws.dir, 'more.csv');
    writeFileSync(more, csv([['1007', 'P3', '1']]));
    await runImport(ws.db, { path: more }, testContext(ws.path));
    expect(dataStamp(ws.db)).not.toBe(stamp);
    const after = recommendFor(ws.db, { customer: '1', n: 3 });
    expect(after.fromCache).toBe(false);
    expect(after.items.map((i) => i.sku)).not.toContain('P3');
    expect(existsSync(staleFile)).toBe(false);
    expect(readdirSync(modelDir(ws.db)!).filter((n) => n.endsWith('.bin'))).toHaveLength(1);
    expect(recommendFor(ws.db, { customer: '1', n: 3 }).fromCache).toBe(true);
  });
});

describe('through the CLI', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
  const json = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`workbench ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    generateSampleShop(ws.db, { customers: 300, seed: 5 });
    ws.db.close();
  });
  afterAll(() => ws.cleanup());

  it('a second `recommend --customer` process reads the model the first stored; eval prints its run id', () => {
    const db = openWorkspace(ws.path, { readonly: true });
    const buyer = db
      .prepare('SELECT c.external_id FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY o.id LIMIT 1')
      .pluck()
      .get() as string;
    db.close();
    const first = json('recommend', '--db', ws.path, '--customer', buyer, '--n', '5');
    const second = json('recommend', '--db', ws.path, '--customer', buyer, '--n', '5');
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(second.items).toEqual(first.items);
    const cv = json('recommend', 'eval', '--db', ws.path, '--algo', 'baseline', '--folds', '3', '--seed', '0');
    expect(Number.isInteger(cv.runId)).toBe(true);
    const check = openWorkspace(ws.path, { readonly: true });
    const run = check.prepare('SELECT kind, status FROM analysis_runs WHERE id = ?').get(cv.runId);
    check.close();
    expect(run).toEqual({ kind: 'recommend-eval', status: 'completed' });
  });
});
