import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src-main/core/db/workspace.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { leaveLastOut, timeSplit, userMetrics } from '../src-main/core/recommend/implicit/evaluate.ts';
import { buildMatrix, loadInteractions, logFromArrays } from '../src-main/core/recommend/implicit/interactions.ts';
import { fitItemKnn } from '../src-main/core/recommend/implicit/item-knn.ts';
import type { ItemKnnModel } from '../src-main/core/recommend/implicit/item-knn.ts';
import { recommendFor, runImplicitEval } from '../src-main/core/recommend/implicit/job.ts';
import { fitPopularity, popularityBySegment } from '../src-main/core/recommend/implicit/popularity.ts';
import { ImplicitRecommender } from '../src-main/core/recommend/implicit/recommend.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

/**
 * Baskets worked by hand (items A=0, B=1, C=2, D=3 in order of first appearance):
 *   u0 {A, B, C}   u1 {A, B}   u2 {B, C}   u3 {A, D}
 * n_A = 3, n_B = 3, n_C = 2, n_D = 1; co-occurrence AB 2, AC 1, AD 1, BC 2, BD 0, CD 0.
 * Cosine = co / √(n_i n_j): AB 2/3, AC 1/√6, AD 1/√3, BC 2/√6.
 */
const U = [0, 0, 0, 1, 1, 2, 2, 3, 3];
const I = [0, 1, 2, 0, 1, 1, 2, 0, 3];
const [A, B, C, D] = [0, 1, 2, 3];

function tiny(neighbours = 10) {
  const log = logFromArrays(U, I);
  const matrix = buildMatrix(log);
  const model = fitItemKnn(matrix, { neighbours });
  return { log, matrix, model, rec: new ImplicitRecommender(matrix, model, fitPopularity(matrix)) };
}

function neighboursOf(model: ItemKnnModel, i: number) {
  const out: { item: number; sim: number; co: number }[] = [];
  for (let p = model.indptr[i]!; p < model.indptr[i + 1]!; p++) {
    out.push({ item: model.indices[p]!, sim: model.sim[p]!, co: model.co[p]! });
  }
  return out;
}

describe('item-item co-occurrence and cosine (hand-computed)', () => {
  it('neighbour lists, most similar first, with co-occurrence counts', () => {
    const { model } = tiny();
    const a = neighboursOf(model, A);
    expect(a.map((x) => x.item)).toEqual([B, D, C]);
    expect(a[0]!.sim).toBeCloseTo(2 / 3, 12);
    expect(a[1]!.sim).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(a[2]!.sim).toBeCloseTo(1 / Math.sqrt(6), 12);
    expect(a.map((x) => x.co)).toEqual([2, 1, 1]);
    const b = neighboursOf(model, B);
    // B–D never co-occur: no entry at all (zero similarity is not a neighbour).
    expect(b.map((x) => x.item)).toEqual([C, A]);
    expect(b[0]!.sim).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(neighboursOf(model, D).map((x) => x.item)).toEqual([A]);
  });

  it('prunes each list to the top neighbours', () => {
    const { model } = tiny(2);
    expect(neighboursOf(model, A).map((x) => x.item)).toEqual([B, D]);
    expect(model.indices.length).toBe(2 + 2 + 2 + 1);
  });

  it('repeat purchases are damped by ln(1 + weight) in the cosine', () => {
    // u0 buys A twice: a_u0A = ln 3, every other cell ln 2.
    const log = logFromArrays([...U, 0], [...I, A]);
    const model = fitItemKnn(buildMatrix(log), { neighbours: 10 });
    const l2 = Math.log(2);
    const l3 = Math.log(3);
    const ab = (l3 * l2 + l2 * l2) / Math.sqrt((l3 * l3 + 2 * l2 * l2) * (3 * l2 * l2));
    expect(neighboursOf(model, A)[0]!.sim).toBeCloseTo(ab, 12);
  });

  it('bm25 weighting: idf_u = ln(n_items) − ln(1 + |basket|) silences a customer who has 3 of 4 items', () => {
    const log = logFromArrays(U, I);
    const model = fitItemKnn(buildMatrix(log), { neighbours: 10, weighting: 'bm25' });
    expect(model.weighting).toBe('bm25');
    // u0's idf is ln 4 − ln 4 = 0, and A–C co-occur only in u0's basket: no A–C link.
    expect(
      neighboursOf(model, A)
        .map((x) => x.item)
        .sort(),
    ).toEqual([B, D]);
    expect(neighboursOf(model, C).map((x) => x.item)).toEqual([B]);
    for (const s of model.sim) expect(s).toBeGreaterThan(0);
  });

  it('scores unseen items by summed similarity, explained by the largest term', () => {
    const { rec } = tiny();
    // u1 {A, B}: C = AC + BC = 1/√6 + 2/√6 (B contributes most); D = AD = 1/√3.
    const r = rec.forUser(1, 5, { fill: false });
    expect(r.map((x) => x.item)).toEqual([C, D]);
    expect(r[0]!.score).toBeCloseTo(3 / Math.sqrt(6), 12);
    expect(r[0]!.because).toBe(B);
    expect(r[1]!.because).toBe(A);
    // With fill the list is completed by popularity, still never with A or B.
    const filled = rec.forUser(1, 5);
    expect(filled.map((x) => x.item)).toEqual([C, D]);
  });

  it('popularity overall and per segment', () => {
    const { matrix, rec } = tiny();
    expect(Array.from(rec.popularity.ranked)).toEqual([A, B, C, D]);
    expect(Array.from(rec.popularity.count)).toEqual([3, 3, 2, 1]);
    // Segment 0 = {u0, u1}, segment 1 = {u2, u3}.
    const seg = popularityBySegment(matrix, Int32Array.from([0, 0, 1, 1]), 2, 3);
    expect(seg[0]).toEqual([
      { item: A, count: 2 },
      { item: B, count: 2 },
      { item: C, count: 1 },
    ]);
    expect(seg[1]!.map((x) => x.item)).toEqual([A, B, C]);
  });

  it('per-segment lists sum the model score over the segment, excluding nothing', () => {
    const { rec } = tiny();
    const s6 = Math.sqrt(6);
    const s3 = Math.sqrt(3);
    // u0 {A,B,C}: A 2/3+1/√6, B 2/3+2/√6, C 3/√6, D 1/√3; u1 {A,B}: A 2/3, B 2/3, C 3/√6, D 1/√3.
    const seg = rec.bySegment(Int32Array.from([0, 0, -1, -1]), 1, 4)[0]!;
    expect(seg.map((x) => x.item)).toEqual([C, B, A, D]);
    expect(seg[0]!.score).toBeCloseTo(6 / s6, 12);
    expect(seg[1]!.score).toBeCloseTo(4 / 3 + 2 / s6, 12);
    expect(seg[2]!.score).toBeCloseTo(4 / 3 + 1 / s6, 12);
    expect(seg[3]!.score).toBeCloseTo(2 / s3, 12);
  });

  it('also-bought lists neighbours with counts; an unknown user gets popularity', () => {
    const { rec } = tiny();
    const also = rec.alsoBought(A, 2);
    expect(also.map((x) => [x.item, x.together])).toEqual([
      [B, 2],
      [D, 1],
    ]);
    expect(also[1]!.similarity).toBeCloseTo(1 / Math.sqrt(3), 12);
    const cold = rec.forUser(-1, 2);
    expect(cold.map((x) => [x.item, x.source])).toEqual([
      [A, 'popular'],
      [B, 'popular'],
    ]);
  });
});

describe('ranking metrics (hand examples)', () => {
  it('precision, recall, NDCG, AP at k', () => {
    // Hits at ranks 2 and 5 of 5; three relevant items.
    const m = userMetrics([1, 2, 3, 4, 5], [2, 5, 9], 5);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.ndcg).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3) + 1 / 2), 12);
    expect(m.ap).toBeCloseTo((1 / 2 + 2 / 5) / 3, 12);
    expect(m.hit).toBe(true);
    // Cut at k = 3: only the rank-2 hit counts.
    const m3 = userMetrics([1, 2, 3, 4, 5], [2, 5, 9], 3);
    expect(m3.precision).toBeCloseTo(1 / 3, 12);
    expect(m3.ndcg).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3) + 1 / 2), 12);
    expect(m3.ap).toBeCloseTo(1 / 2 / 3, 12);
  });

  it('single held-out item; a short list still divides precision by k', () => {
    const m = userMetrics([7, 3], [3], 10);
    expect(m.precision).toBeCloseTo(0.1, 12);
    expect(m.recall).toBe(1);
    expect(m.ndcg).toBeCloseTo(1 / Math.log2(3), 12);
    expect(m.ap).toBeCloseTo(0.5, 12);
    expect(userMetrics([7, 8], [3], 10)).toEqual({ precision: 0, recall: 0, ndcg: 0, ap: 0, hit: false });
  });
});

describe('splits', () => {
  it('leave-last-out holds out the item first bought last, every entry of it, seeded on ties', () => {
    // u0: A@1, B@2, A@3 (re-buy), C@5, D@5 (tie in the last order); u1: one item only (skipped).
    const log = logFromArrays([0, 0, 0, 0, 0, 1], [0, 1, 0, 2, 3, 0], { time: [1, 2, 3, 5, 5, 1] });
    const picks = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const s = leaveLastOut(log, seed);
      expect(Array.from(s.users)).toEqual([0]);
      const held = s.items[0]!;
      expect([C, D]).toContain(held);
      picks.add(held);
      for (let k = 0; k < log.item.length; k++)
        expect(s.train[k]).toBe(log.user[k] === 0 && log.item[k] === held ? 0 : 1);
      expect(leaveLastOut(log, seed).items[0]).toBe(held);
    }
    expect(picks.size).toBe(2);
  });

  it('time split: relevant = new items bought on or after the cut-off by customers with history', () => {
    // u0: A@1, B@10 (new), A@12 (had it); u1: C@11 only (no history); u2: B@2 only (nothing after).
    const log = logFromArrays([0, 0, 0, 1, 2], [0, 1, 0, 2, 1], { time: [1, 10, 12, 11, 2] });
    const s = timeSplit(log, 10);
    expect(Array.from(s.train)).toEqual([1, 0, 0, 0, 1]);
    expect(Array.from(s.users)).toEqual([0]);
    expect(Array.from(s.items)).toEqual([log.itemIds.indexOf(1)]);
  });
});

/**
 * A planted shop: two customer groups, each buying from its own 20-product
 * group (skewed within the group), 10% of lines from the other group as noise.
 * One orders row per purchase, a day apart; plus cancelled and returned orders
 * that must be ignored.
 */
function plantShop(db: Db): void {
  const rng = new Mt19937(7);
  const insC = db.prepare('INSERT INTO customers (id, external_id) VALUES (?, ?)');
  const insP = db.prepare('INSERT INTO products (id, sku, title, price) VALUES (?, ?, ?, 10)');
  const insO = db.prepare(
    'INSERT INTO orders (id, external_id, customer_id, placed_at, status) VALUES (?, ?, ?, ?, ?)',
  );
  const insL = db.prepare('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, ?, 1, 10)');
  db.transaction(() => {
    for (let p = 1; p <= 40; p++) insP.run(p, `SKU-${p}`, `Product ${p}`);
    for (let c = 1; c <= 300; c++) insC.run(c, `C${c}`);
    insC.run(301, 'NEW'); // never ordered: cold start
    insP.run(41, 'SKU-41', 'Never sold');
    let order = 0;
    const day0 = Date.UTC(2024, 0, 1) / 1000;
    for (let c = 1; c <= 300; c++) {
      const group = c % 2;
      const nOrders = 4 + rng.interval(4);
      const bought = new Set<number>();
      for (let o = 0; o < nOrders; o++) {
        let g = group;
        if (rng.nextDouble() < 0.1) g = 1 - group;
        // Skewed within the group: low indices are bestsellers.
        let p = 1 + g * 20 + Math.floor(20 * rng.nextDouble() ** 2);
        while (bought.has(p)) p = 1 + g * 20 + rng.interval(19);
        bought.add(p);
        order++;
        insO.run(order, `O${order}`, c, day0 + (o * 300 + c) * 3600, 'completed');
        insL.run(order, p);
      }
    }
    // Cancelled / returned orders of SKU-40 by everyone in group 0: must not count.
    for (let c = 2; c <= 300; c += 2) {
      order++;
      insO.run(order, `O${order}`, c, day0, c % 4 === 0 ? 'cancelled' : 'returned');
      insL.run(order, 40);
    }
  })();
}

describe('implicit recommendations on a planted workspace', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    plantShop(ws.db);
  });
  afterAll(() => ws.cleanup());

  it('loads sales only: cancelled and returned orders are left out', () => {
    const log = loadInteractions(ws.db);
    const sales = ws.db
      .prepare(`SELECT count(*) FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE o.status = 'completed'`)
      .pluck()
      .get() as number;
    expect(log.user.length).toBe(sales);
    expect(log.nUsers).toBe(300);
    expect(Array.from(log.purchase).every((x) => x === 1)).toBe(true);
  });

  it('item-kNN beats popularity on leave-last-out, recorded in analysis_runs, reproducible', async () => {
    const params = { split: 'leave-last-out', k: 10, neighbours: 20, seed: 1 } as const;
    const r = await runImplicitEval(ws.db, params, testContext(ws.path));
    expect(r.users).toBe(300);
    expect(r.k).toBe(10);
    expect(r.model.hitRate).toBeGreaterThan(r.popularity.hitRate + 0.1);
    expect(r.model.ndcg).toBeGreaterThan(r.popularity.ndcg);
    expect(r.model.recall).toBeCloseTo(r.model.hitRate, 12); // one held-out item each
    expect(r.model.precision).toBeCloseTo(r.model.hitRate / 10, 12);
    expect(r.model.coverage).toBeGreaterThan(r.popularity.coverage);
    const row = ws.db
      .prepare('SELECT kind, status, seed, metrics, result FROM analysis_runs WHERE id = ?')
      .get(r.runId) as {
      kind: string;
      status: string;
      seed: number;
      metrics: string;
      result: string;
    };
    expect(row).toMatchObject({ kind: 'recommend-implicit-eval', status: 'completed', seed: 1 });
    expect(JSON.parse(row.result)).toEqual(r);
    const again = await runImplicitEval(ws.db, params, testContext(ws.path));
    expect({ ...again, runId: 0 }).toEqual({ ...r, runId: 0 });
    const bm25 = await runImplicitEval(ws.db, { ...params, weighting: 'bm25' }, testContext(ws.path));
    expect(bm25.model.hitRate).toBeGreaterThan(bm25.popularity.hitRate + 0.1);
  });

  it('time split with a cut-off date', async () => {
    const r = await runImplicitEval(
      ws.db,
      { split: 'time', cutoff: '2024-03-01', k: 10, seed: 0 },
      testContext(ws.path),
    );
    expect(r.users).toBeGreaterThan(100);
    expect(r.model.hitRate).toBeGreaterThan(r.popularity.hitRate);
    await expect(
      runImplicitEval(ws.db, { split: 'time', cutoff: '2024-02-30', k: 10, seed: 0 }, testContext(ws.path)),
    ).rejects.toThrow(UserError);
    await expect(runImplicitEval(ws.db, { split: 'time', k: 10, seed: 0 }, testContext(ws.path))).rejects.toThrow(
      /cutoff/,
    );
  });

  it('a cancelled evaluation is recorded as cancelled', async () => {
    await expect(
      runImplicitEval(ws.db, { split: 'leave-last-out', k: 10, seed: 0 }, testContext(ws.path, 1)),
    ).rejects.toThrow('cancelled');
    const status = ws.db
      .prepare(`SELECT status FROM analysis_runs WHERE kind = 'recommend-implicit-eval' ORDER BY id DESC LIMIT 1`)
      .pluck()
      .get();
    expect(status).toBe('cancelled');
  });

  it('a customer gets items they have not bought, mostly from their own group, with reasons', () => {
    const r = recommendFor(ws.db, { customer: 'C3', n: 10 });
    expect(r.coldStart).toBe(false);
    expect(r.items).toHaveLength(10);
    const bought = new Set(
      ws.db
        .prepare(
          `SELECT DISTINCT p.sku FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
           WHERE o.customer_id = 3 AND o.status = 'completed'`,
        )
        .pluck()
        .all() as string[],
    );
    for (const it of r.items) expect(bought.has(it.sku)).toBe(false);
    // C3 is in group 1 (products 21..40); the similarity-based items come first.
    const first = r.items[0]!;
    expect(first.reason).toMatch(/^because you bought Product \d+$/);
    const own = r.items.filter((it) => Number(it.sku.slice(4)) > 20).length;
    expect(own).toBeGreaterThanOrEqual(7);
    for (let t = 1; t < r.items.length; t++) {
      if (r.items[t]!.reason.startsWith('because'))
        expect(r.items[t]!.score).toBeLessThanOrEqual(r.items[t - 1]!.score);
    }
  });

  it('also-bought: neighbours of a SKU with their co-occurrence counts', () => {
    const r = recommendFor(ws.db, { alsoBought: 'SKU-1', n: 5 });
    expect(r.coldStart).toBe(false);
    expect(r.items).toHaveLength(5);
    const both = ws.db.prepare(
      `SELECT count(DISTINCT a.customer_id) FROM orders a JOIN order_items ai ON ai.order_id = a.id
       JOIN orders b ON b.customer_id = a.customer_id JOIN order_items bi ON bi.order_id = b.id
       JOIN products pb ON pb.id = bi.product_id
       WHERE ai.product_id = 1 AND pb.sku = ? AND a.status = 'completed' AND b.status = 'completed'`,
    );
    for (const it of r.items) {
      expect(Number(it.sku.slice(4))).toBeLessThanOrEqual(20); // SKU-1 is group 0's bestseller
      const n = both.pluck().get(it.sku) as number;
      expect(it.reason).toBe(`${n} ${n === 1 ? 'customer' : 'customers'} bought both`);
    }
  });

  it('cold start: no purchases → popularity; unknown ids are user errors', () => {
    const r = recommendFor(ws.db, { customer: 'NEW', n: 3 });
    expect(r.coldStart).toBe(true);
    const top = ws.db
      .prepare(
        `SELECT p.sku FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
         WHERE o.status = 'completed' GROUP BY p.id ORDER BY count(DISTINCT o.customer_id) DESC, min(oi.id) LIMIT 3`,
      )
      .pluck()
      .all();
    expect(r.items.map((x) => x.sku)).toEqual(top);
    expect(r.items[0]!.reason).toMatch(/^popular: bought by \d+ customers$/);
    const never = recommendFor(ws.db, { alsoBought: 'SKU-41', n: 3 });
    expect(never.coldStart).toBe(true);
    expect(never.items.map((x) => x.sku)).toEqual(top);
    expect(() => recommendFor(ws.db, { customer: 'nobody', n: 3 })).toThrow(UserError);
    expect(() => recommendFor(ws.db, { alsoBought: 'nope', n: 3 })).toThrow(UserError);
    expect(() => recommendFor(ws.db, { n: 3 })).toThrow(UserError);
  });
});
