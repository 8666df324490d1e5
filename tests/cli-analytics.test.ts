import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { tempWorkspace } from './helpers/workspace.ts';

const bin = join(import.meta.dirname, '..', 'bin', 'workbench.js');
const json = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`workbench ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

describe('analyses and recommendations through the CLI on the sample shop', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    ws.db.close();
    json('demo', '--db', ws.path, '--customers', '400', '--seed', '3');
  });
  afterAll(() => ws.cleanup());

  it('analyze rfm: every customer in exactly one of the named segments, revenue summed', () => {
    const r = json('analyze', 'rfm', '--db', ws.path);
    expect(r.segments).toHaveLength(11);
    const total = r.segments.reduce((n: number, s: { customers: number }) => n + s.customers, 0);
    expect(total).toBe(r.customers);
  });

  it('analyze cluster: the documented keys, sizes adding up to the customers clustered', () => {
    const r = json(
      'analyze',
      'cluster',
      '--db',
      ws.path,
      '--features',
      'recency,frequency,monetary',
      '--transform',
      'log1p,standardize',
      '--k',
      '3',
      '--seed',
      '0',
    );
    expect(r).toMatchObject({ algorithm: 'kmeans', k: 3 });
    for (const key of ['inertia', 'silhouette', 'sizes', 'centers']) expect(r).toHaveProperty(key);
    expect(r.sizes.reduce((a: number, b: number) => a + b, 0)).toBe(r.customers);
    const again = json('analyze', 'cluster', '--db', ws.path, '--k', '3', '--seed', '0');
    expect(again.inertia).toBe(r.inertia); // reproducible from its seed
  });

  it('analyze clv: BG/NBD and Gamma-Gamma parameters are positive and stored as a run', () => {
    const r = json('analyze', 'clv', '--db', ws.path, '--calibration-end', '2025-06-30');
    for (const v of [r.bgnbd.r, r.bgnbd.alpha, r.bgnbd.a, r.bgnbd.b, r.gammaGamma.p, r.gammaGamma.q, r.gammaGamma.v]) {
      expect(v).toBeGreaterThan(0);
    }
    expect(r.runId).toBeGreaterThan(0);
  });

  it('analyze churn and regress: held-out metrics beside a baseline, stored as runs', () => {
    const churn = json('analyze', 'churn', '--db', ws.path, '--as-of', '2025-12-31', '--horizon-days', '90');
    expect(churn.metrics.auc).toBeGreaterThan(0.5);
    expect(churn.baseline).toBeDefined();
    expect(churn.runId).toBeGreaterThan(0);
    const spend = json('analyze', 'regress', '--db', ws.path, '--as-of', '2025-12-31', '--model', 'ridge');
    expect(Number.isFinite(spend.metrics.r2)).toBe(true);
  });

  it('recommend: implicit evaluation beside popularity, a customer list without bought items, also-bought', () => {
    const ev = json('recommend', 'eval', '--db', ws.path, '--implicit', '--split', 'leave-last-out', '--k', '10');
    for (const who of ['model', 'popularity']) {
      expect(Object.keys(ev[who]).sort()).toEqual(['coverage', 'hitRate', 'map', 'ndcg', 'precision', 'recall']);
    }
    const cf = json('recommend', 'eval', '--db', ws.path, '--algo', 'baseline', '--folds', '3', '--seed', '0');
    expect(cf.rmse).toBeGreaterThan(0);
    expect(cf.rmse).toBeLessThan(1.5);

    const db = openWorkspace(ws.path, { readonly: true });
    const buyer = db
      .prepare(
        `SELECT c.external_id FROM customers c JOIN orders o ON o.customer_id = c.id
          WHERE o.status IN ('completed', 'pending') GROUP BY c.id ORDER BY COUNT(*) DESC LIMIT 1`,
      )
      .pluck()
      .get() as string;
    const bought = new Set(
      db
        .prepare(
          `SELECT DISTINCT p.sku FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id
             JOIN customers c ON c.id = o.customer_id WHERE c.external_id = ? AND o.status IN ('completed', 'pending')`,
        )
        .pluck()
        .all(buyer) as string[],
    );
    db.close();
    const list = json('recommend', '--db', ws.path, '--customer', buyer, '--n', '5');
    expect(list.items).toHaveLength(5);
    for (const item of list.items) expect(bought.has(item.sku)).toBe(false);
    const also = json('recommend', '--db', ws.path, '--also-bought', [...bought][0]!, '--n', '3');
    expect(also.items.length).toBeGreaterThan(0);
    expect(also.items[0].reason).toMatch(/bought both/);
    const rfm = json('analyze', 'rfm', '--db', ws.path);
    const biggest = [...rfm.segments].sort(
      (a: { customers: number }, b: { customers: number }) => b.customers - a.customers,
    )[0].segment;
    const promote = json('recommend', '--db', ws.path, '--segment', biggest, '--n', '5');
    expect(promote.items).toHaveLength(5);
    const scores = promote.items.map((i: { score: number }) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});
