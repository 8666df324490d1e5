/**
 * What a CLI call or an app start pays on a big workspace besides its own work: the Overview's figures come from
 * the workspace's meta table while the data is unchanged (and are read again when it changes); a stored
 * recommendation model loads without rebuilding its item-major copy; the CLI turns on Node's compile cache for
 * itself and hands it to the threads and processes it starts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../src-main/core/api/service.ts';
import { getMeta, openWorkspace, setMeta } from '../src-main/core/db/workspace.ts';
import { transpose } from '../src-main/core/recommend/implicit/interactions.ts';
import { servingModel } from '../src-main/core/recommend/implicit/model-store.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { storedFigures, storeFigures } from '../src-main/core/stats/figures-store.ts';
import { workspaceStats } from '../src-main/core/stats/stats.ts';
import { tempWorkspace } from './helpers/workspace.ts';

const STATS_KEY = 'figures:{"kind":"stats"}';

describe('opening a workspace again', { timeout: 120_000 }, () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    generateSampleShop(ws.db, { customers: 300, seed: 5 });
  });
  afterAll(() => ws.cleanup());

  const statsFromNewService = async () => {
    const s = new WorkbenchService(ws.path);
    try {
      return await s.invoke('stats.get', {});
    } finally {
      await s.close();
    }
  };

  it('keeps the figures in the workspace until the data changes', async () => {
    const truth = workspaceStats(ws.db);
    expect(getMeta(ws.db, STATS_KEY)).toBeUndefined();
    expect(await statsFromNewService()).toEqual(truth);
    const stored = JSON.parse(getMeta(ws.db, STATS_KEY)!) as { stamp: string; value: unknown };
    expect(stored.value).toEqual(truth);

    // A later run answers from the stored entry: marked here so the test sees it was not read again.
    setMeta(ws.db, STATS_KEY, JSON.stringify({ ...stored, value: { ...truth, products: -1 } }));
    expect((await statsFromNewService()).products).toBe(-1);

    // New sales move the stamp: the figures are read again, and stored under the new stamp.
    const customer = ws.db.prepare('SELECT id FROM customers LIMIT 1').pluck().get() as number;
    ws.db
      .prepare(`INSERT INTO orders (external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, ?)`)
      .run('EXTRA-1', customer, 1_767_139_200, 'completed', 12.5);
    const after = await statsFromNewService();
    expect(after.products).toBe(truth.products);
    expect(after.orders).toBe(truth.orders + 1);
    expect(after).toEqual(workspaceStats(ws.db));
    expect(JSON.parse(getMeta(ws.db, STATS_KEY)!).stamp).not.toBe(stored.stamp);
  });

  it('does not wait long to store the figures behind a writer (they are only a cache)', () => {
    const other = openWorkspace(ws.path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      storeFigures(ws.path, 'probe', 'stamp', 1);
      // The workspace's own busy timeout is 5 s; the store gives up after a fraction of it.
      expect(performance.now() - started).toBeLessThan(4000);
      other.exec('ROLLBACK');
      expect(getMeta(ws.db, 'figures:probe')).toBeUndefined();
      storeFigures(ws.path, 'probe', 'stamp', 1);
      expect(storedFigures(ws.db, 'probe', 'stamp')).toBe(1);
      expect(storedFigures(ws.db, 'probe', 'other stamp')).toBeUndefined();
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
  });

  it('a stored recommendation model loads with the same matrix, item-major copy built only when read', () => {
    const spec = { algo: 'item-knn', neighbours: 20 } as const;
    const fitted = servingModel(ws.db, spec);
    const loaded = servingModel(ws.db, spec);
    expect(fitted.fromCache).toBe(false);
    expect(loaded.fromCache).toBe(true);
    expect(loaded.matrix.byUser).toEqual(fitted.matrix.byUser);
    expect(loaded.matrix.byItem).toEqual(fitted.matrix.byItem);
    expect(loaded.matrix.byItem).toBe(loaded.matrix.byItem);
    expect(loaded.matrix.byItem).toEqual(transpose(fitted.matrix.byUser, fitted.matrix.nItems));
  });
});

describe('the CLI', () => {
  it("turns on Node's compile cache, in the temp folder", () => {
    const tmp = mkdtempSync(join(tmpdir(), 'wb-cc-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
      delete env.NODE_COMPILE_CACHE;
      const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
      const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env });
      expect(r.status).toBe(0);
      const dir = join(tmp, 'node-compile-cache');
      expect(existsSync(dir)).toBe(true);
      expect(readdirSync(dir).length).toBeGreaterThan(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
