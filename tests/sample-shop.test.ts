import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMeta, openWorkspace } from '../src-main/core/db/workspace.ts';
import type { Db } from '../src-main/core/db/workspace.ts';
import {
  expectedRepeats,
  expectedRepeatsGiven,
  generateSampleShop,
  SampleShopCancelled,
  varianceRepeatsGiven,
} from '../src-main/core/sample/index.ts';
import type { SampleShopSummary, SampleTruth } from '../src-main/core/sample/index.ts';
import { Rng } from '../src-main/core/sample/rng.ts';
import { shopTables } from '../src-main/core/db/migrations.ts';
import { hyp2f1 } from '../src-main/core/math/special.ts';

const CUSTOMERS = 2000;
const WEEK = 7 * 86_400;
const tablesToHash = [...shopTables, 'sample_truth_customers', 'sample_truth_products', 'sample_truth_reviews'];

let dir: string;
let db: Db;
let summary: SampleShopSummary;
let truth: SampleTruth;

function open(name: string): Db {
  return openWorkspace(join(dir, name));
}

function all<T>(sql: string, ...params: unknown[]): T[] {
  return db.prepare(sql).all(...params) as T[];
}

function one<T>(sql: string, ...params: unknown[]): T {
  return db.prepare(sql).get(...params) as T;
}

function tableHashes(d: Db): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tablesToHash) {
    const h = createHash('sha256');
    for (const row of d.prepare(`SELECT * FROM ${t} ORDER BY rowid`).iterate()) h.update(JSON.stringify(row));
    out[t] = h.digest('hex');
  }
  out.meta = createHash('sha256')
    .update(getMeta(d, 'sample_truth') ?? '')
    .digest('hex');
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sample-shop-test-'));
  db = open('a.db');
  summary = generateSampleShop(db, { customers: CUSTOMERS, seed: 42 });
  truth = JSON.parse(getMeta(db, 'sample_truth') ?? '{}') as SampleTruth;
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sample shop: reproducibility and safety', () => {
  it('is identical for the same seed and different for another seed', () => {
    const same = open('b.db');
    const other = open('c.db');
    try {
      const sameSummary = generateSampleShop(same, { customers: CUSTOMERS, seed: 42 });
      generateSampleShop(other, { customers: CUSTOMERS, seed: 7 });
      expect(sameSummary.counts).toEqual(summary.counts);
      const a = tableHashes(db);
      expect(tableHashes(same)).toEqual(a);
      const c = tableHashes(other);
      for (const t of ['customers', 'orders', 'order_items', 'events', 'ratings']) expect(c[t]).not.toBe(a[t]);
    } finally {
      same.close();
      other.close();
    }
  });

  it('refuses a workspace that already has customers', () => {
    expect(() => generateSampleShop(db, { customers: 10 })).toThrow(/already has 2000 customers/);
  });

  it('rolls everything back when cancelled', () => {
    const d = open('cancel.db');
    try {
      const schema = () =>
        d.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
      const before = schema();
      const tempStore = d.pragma('temp_store', { simple: true });
      let calls = 0;
      const progress: number[] = [];
      expect(() =>
        generateSampleShop(d, {
          customers: 3000,
          onProgress: (done) => progress.push(done),
          shouldCancel: () => ++calls >= 3,
        }),
      ).toThrow(SampleShopCancelled);
      expect(progress.length).toBeGreaterThan(0);
      for (const t of ['customers', 'products', 'orders', 'order_items', 'events', 'campaigns']) {
        expect((d.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n).toBe(0);
      }
      // Same schema as before: no truth tables, and the indexes dropped for the bulk load are back.
      expect(schema()).toEqual(before);
      expect(d.pragma('temp_store', { simple: true })).toBe(tempStore);
      expect(getMeta(d, 'sample_truth')).toBeUndefined();
      // The workspace is still usable for a full run afterwards.
      expect(generateSampleShop(d, { customers: 50 }).counts.customers).toBe(50);
    } finally {
      d.close();
    }
  });

  it('rejects bad options', () => {
    const d = open('bad.db');
    try {
      expect(() => generateSampleShop(d, { customers: 0 })).toThrow(RangeError);
      expect(() => generateSampleShop(d, { asOf: '31/12/2025' })).toThrow(RangeError);
      expect(() => generateSampleShop(d, { seed: 1.5 })).toThrow(RangeError);
    } finally {
      d.close();
    }
  });

  it('keeps the workspace schema indexes', () => {
    const d = open('fresh.db');
    try {
      const indexes = (x: Db) =>
        x.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all();
      expect(indexes(db)).toEqual(indexes(d));
      const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM orders WHERE placed_at > 0').all() as {
        detail: string;
      }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/orders_time/);
    } finally {
      d.close();
    }
  });

  it('passes integrity and foreign key checks', () => {
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('sample shop: shape', () => {
  it('has counts in the expected ranges, matching the summary', () => {
    const c = summary.counts;
    const count = (t: string, where = '1') => one<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t} WHERE ${where}`).n;
    expect(count('customers')).toBe(CUSTOMERS);
    expect(c.customers).toBe(CUSTOMERS);
    expect(count('products')).toBe(c.products);
    expect(c.products).toBeGreaterThanOrEqual(300);
    expect(c.products).toBeLessThanOrEqual(1000);
    expect(count('orders')).toBe(c.orders);
    expect(count('orders', "status IN ('completed', 'pending')")).toBe(c.sales);
    expect(count('orders', "status = 'cancelled'")).toBe(c.cancelled);
    expect(count('orders', "status = 'returned'")).toBe(c.returns);
    expect(count('order_items')).toBe(c.orderItems);
    expect(count('events')).toBe(c.events);
    expect(count('ratings')).toBe(c.ratings);
    expect(count('reviews')).toBe(c.reviews);
    expect(count('campaign_contacts')).toBe(c.campaignContacts);
    // About 10 orders per customer, 2–3 lines per order.
    expect(c.orders / CUSTOMERS).toBeGreaterThan(8);
    expect(c.orders / CUSTOMERS).toBeLessThan(12);
    expect(c.orderItems / c.orders).toBeGreaterThan(2);
    expect(c.orderItems / c.orders).toBeLessThan(3);
    expect(c.cancelled / c.orders).toBeGreaterThan(0.02);
    expect(c.cancelled / c.orders).toBeLessThan(0.045);
    expect(c.returns / c.orders).toBeGreaterThan(0.03);
    expect(c.returns / c.orders).toBeLessThan(0.055);
    expect(c.events / CUSTOMERS).toBeGreaterThan(5);
    expect(c.events / CUSTOMERS).toBeLessThan(15);
    expect(count('events', 'customer_id IS NULL AND visitor_id IS NOT NULL')).toBeGreaterThan(0);
    expect(c.ratings).toBeGreaterThan(CUSTOMERS);
    expect(c.reviews).toBeGreaterThan(c.ratings * 0.25);
    expect(c.reviews).toBeLessThan(c.ratings * 0.45);
    expect(count('sample_truth_customers')).toBe(CUSTOMERS);
    expect(count('sample_truth_products')).toBe(c.products);
    expect(count('sample_truth_reviews')).toBe(c.reviews);
  });

  it('keeps every timestamp inside the history window ending at asOf', () => {
    const end = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(truth.observationEnd).toBe(end);
    expect(truth.asOf).toBe('2025-12-31');
    const checks: [string, string][] = [
      ['orders', 'placed_at'],
      ['events', 'occurred_at'],
      ['ratings', 'rated_at'],
      ['reviews', 'created_at'],
      ['customers', 'signup_at'],
      ['campaign_contacts', 'sent_at'],
    ];
    for (const [t, col] of checks) {
      const r = one<{ lo: number; hi: number }>(`SELECT MIN(${col}) AS lo, MAX(${col}) AS hi FROM ${t}`);
      expect(r.hi, `${t}.${col}`).toBeLessThan(end);
      expect(r.lo, `${t}.${col}`).toBeGreaterThanOrEqual(truth.historyStart);
    }
    // Nobody orders before signing up; recent orders are pending, older ones not.
    expect(
      one<{ n: number }>(
        'SELECT COUNT(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.placed_at < c.signup_at',
      ).n,
    ).toBe(0);
    const pendingFrom = end - 2 * 86_400;
    expect(
      one<{ n: number }>("SELECT COUNT(*) AS n FROM orders WHERE status = 'pending' AND placed_at < ?", pendingFrom).n,
    ).toBe(0);
    expect(
      one<{ n: number }>("SELECT COUNT(*) AS n FROM orders WHERE status = 'completed' AND placed_at >= ?", pendingFrom)
        .n,
    ).toBe(0);
  });

  it('keeps order amounts consistent with their lines', () => {
    // Sales and cancellations: lines − discount = amount (to rounding); unit prices never above list.
    const bad = one<{ n: number }>(`
      SELECT COUNT(*) AS n FROM (
        SELECT o.id, o.amount, o.discount, SUM(i.quantity * i.unit_price) AS lines
        FROM orders o JOIN order_items i ON i.order_id = o.id
        WHERE o.status != 'returned' GROUP BY o.id)
      WHERE ABS(lines - discount - amount) > 0.05`).n;
    expect(bad).toBe(0);
    expect(one<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE amount <= 0').n).toBe(0);
    const overList = one<{ n: number }>(
      'SELECT COUNT(*) AS n FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.unit_price > p.price + 0.005',
    ).n;
    expect(overList).toBe(0);
    // Promotions are modest on the whole: the mean transaction price is ≥ 90% of list.
    const f = one<{ f: number }>(
      'SELECT AVG(i.unit_price / p.price) AS f FROM order_items i JOIN products p ON p.id = i.product_id',
    ).f;
    expect(f).toBeGreaterThan(0.9);
  });

  it('records returns as separate positive orders that are not sales', () => {
    const returns = all<{ id: number; external_id: string; customer_id: number; placed_at: number; amount: number }>(
      "SELECT id, external_id, customer_id, placed_at, amount FROM orders WHERE status = 'returned'",
    );
    expect(returns.length).toBe(summary.counts.returns);
    const saleByExternal = db.prepare(
      'SELECT id, customer_id, placed_at, status, amount FROM orders WHERE external_id = ?',
    );
    const itemsOf = db.prepare('SELECT product_id, quantity, unit_price FROM order_items WHERE order_id = ?');
    for (const r of returns) {
      expect(r.amount).toBeGreaterThan(0);
      const sale = saleByExternal.get(r.external_id.replace(/-R$/, '')) as
        { id: number; customer_id: number; placed_at: number; status: string; amount: number } | undefined;
      expect(sale, r.external_id).toBeDefined();
      if (!sale) continue;
      expect(sale.customer_id).toBe(r.customer_id);
      expect(sale.status).toBe('completed');
      expect(sale.placed_at).toBeLessThan(r.placed_at);
      expect(r.amount).toBeLessThanOrEqual(sale.amount + 0.01);
      const sold = new Map(
        (itemsOf.all(sale.id) as { product_id: number; quantity: number; unit_price: number }[]).map((i) => [
          i.product_id,
          i,
        ]),
      );
      for (const item of itemsOf.all(r.id) as { product_id: number; quantity: number; unit_price: number }[]) {
        expect(item.quantity).toBeGreaterThan(0);
        expect(sold.get(item.product_id)?.unit_price).toBe(item.unit_price);
        expect(item.quantity).toBeLessThanOrEqual(sold.get(item.product_id)?.quantity ?? 0);
      }
    }
    // Revenue counts sales only.
    const sales = one<{ s: number }>("SELECT SUM(amount) AS s FROM orders WHERE status IN ('completed', 'pending')").s;
    const everything = one<{ s: number }>('SELECT SUM(amount) AS s FROM orders').s;
    const returned = one<{ s: number }>("SELECT SUM(amount) AS s FROM orders WHERE status = 'returned'").s;
    expect(returned).toBeGreaterThan(0);
    expect(sales).toBeLessThan(everything - returned + 0.01);
  });

  it('pseudonymizes personal data and covers the demographics', () => {
    const rows = all<{ name: string; phone: string; email: string | null; address: string }>(
      'SELECT name, phone, email, address FROM customers',
    );
    for (const r of rows) {
      expect(r.name).toMatch(/^name:[0-9a-f]{12}$/);
      expect(r.phone).toMatch(/^phone:[0-9a-f]{12}$/);
      if (r.email !== null) expect(r.email).toMatch(/^email:[0-9a-f]{12}$/);
      expect(r.address).toMatch(/^address:[0-9a-f]{12}$/);
    }
    const groups = all<{ g: string }>(`
      SELECT DISTINCT CASE WHEN 2025 - birth_year < 18 THEN '少年' WHEN 2025 - birth_year < 35 THEN '青年'
        WHEN 2025 - birth_year < 60 THEN '中年' ELSE '老年' END AS g FROM customers WHERE birth_year IS NOT NULL`);
    expect(groups.map((g) => g.g).sort()).toEqual(['中年', '少年', '老年', '青年'].sort());
    expect(
      one<{ n: number }>("SELECT COUNT(DISTINCT country) AS n FROM customers WHERE country != 'China'").n,
    ).toBeGreaterThan(3);
    expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM customers WHERE country = 'China'").n).toBeGreaterThan(
      CUSTOMERS / 2,
    );
    expect(all<{ channel: string }>('SELECT DISTINCT channel FROM orders ORDER BY 1').map((r) => r.channel)).toEqual([
      'app',
      'mini-program',
      'store',
      'web',
    ]);
    expect(one<{ n: number }>('SELECT COUNT(DISTINCT category) AS n FROM products').n).toBe(12);
    expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM products WHERE title LIKE '% / %'").n).toBe(
      summary.counts.products,
    );
  });

  it('gives bargain hunters more coupons and smaller orders', () => {
    const bySeg = all<{ segment: string; couponRate: number; aov: number }>(`
      SELECT t.segment, AVG(o.coupon IS NOT NULL) AS couponRate, AVG(o.amount) AS aov
      FROM orders o JOIN sample_truth_customers t ON t.customer_id = o.customer_id
      WHERE o.status IN ('completed', 'pending') GROUP BY t.segment`);
    const bargain = bySeg.find((s) => s.segment === 'bargain');
    expect(bargain).toBeDefined();
    for (const s of bySeg) {
      if (s.segment === 'bargain') continue;
      expect(bargain?.couponRate ?? 0).toBeGreaterThan(s.couponRate);
      expect(bargain?.aov ?? Infinity).toBeLessThan(s.aov);
    }
  });
});

interface CustomerFit {
  segment: string;
  lambda: number;
  dropout_p: number;
  alive_at_as_of: number;
  mean_spend: number;
  dropout_at: number | null;
  n: number;
  first: number;
  last: number;
  total: number;
}

describe('sample shop: recoverable ground truth', () => {
  // Organic sales per customer: campaign responses are extra orders outside the BG/NBD process.
  const organic = () =>
    all<CustomerFit>(`
      SELECT t.segment, t.lambda, t.dropout_p, t.alive_at_as_of, t.mean_spend, t.dropout_at,
             COUNT(o.id) AS n, MIN(o.placed_at) AS first, MAX(o.placed_at) AS last, SUM(o.amount) AS total
      FROM sample_truth_customers t
      JOIN orders o ON o.customer_id = t.customer_id AND o.status IN ('completed', 'pending')
      WHERE o.id NOT IN (SELECT order_id FROM campaign_contacts WHERE order_id IS NOT NULL)
      GROUP BY t.customer_id`);

  it('computes the BG/NBD closed forms correctly', () => {
    // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z, and E[X(t)] matches a direct simulation.
    expect(hyp2f1(1, 1, 2, 0.9)).toBeCloseTo(-Math.log(0.1) / 0.9, 10);
    const params = { r: 2, alpha: 8, a: 3, b: 6 };
    const rng = new Rng(1, 99, 0);
    const t = 52;
    let sum = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const lambda = rng.gamma(params.r, params.alpha);
      const p = rng.beta(params.a, params.b);
      sum += expectedRepeatsGiven(lambda, p, t);
    }
    expect(Math.abs(sum / n - expectedRepeats(params, t))).toBeLessThan(0.05 * expectedRepeats(params, t));
    // The variance series against the Poisson limit p → 0.
    expect(varianceRepeatsGiven(0.5, 1e-9, 10)).toBeCloseTo(5, 4);
  });

  it('draws λ and p from the stated per-segment distributions', () => {
    const rows = organic();
    for (const [name, seg] of Object.entries(truth.segments)) {
      const s = rows.filter((r) => r.segment === name);
      expect(s.length).toBeGreaterThan(100);
      const { r, alpha, a, b } = seg.bgnbd;
      const meanLambda = s.reduce((acc, x) => acc + x.lambda, 0) / s.length;
      const seLambda = Math.sqrt(r / alpha ** 2 / s.length);
      expect(Math.abs(meanLambda - r / alpha), `${name} λ`).toBeLessThan(4 * seLambda);
      const meanP = s.reduce((acc, x) => acc + x.dropout_p, 0) / s.length;
      const varP = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expect(Math.abs(meanP - a / (a + b)), `${name} p`).toBeLessThan(4 * Math.sqrt(varP / s.length));
    }
    // Pooled over segments, λ/E[λ] has mean 1 and variance 1/r: a 10% scale error is ~7 standard errors.
    let ratio = 0;
    let ratioVar = 0;
    let pRatio = 0;
    let pRatioVar = 0;
    for (const x of rows) {
      const { r, alpha, a, b } = truth.segments[x.segment as keyof typeof truth.segments].bgnbd;
      ratio += x.lambda / (r / alpha);
      ratioVar += 1 / r;
      pRatio += x.dropout_p / (a / (a + b));
      pRatioVar += b / (a * (a + b + 1));
    }
    expect(Math.abs(ratio / rows.length - 1)).toBeLessThan((4 * Math.sqrt(ratioVar)) / rows.length);
    expect(Math.abs(pRatio / rows.length - 1)).toBeLessThan((4 * Math.sqrt(pRatioVar)) / rows.length);
    // Segment shares within 4 binomial standard errors.
    for (const [name, seg] of Object.entries(truth.segments)) {
      const share = rows.filter((r) => r.segment === name).length / CUSTOMERS;
      expect(Math.abs(share - seg.share), name).toBeLessThan(4 * Math.sqrt((seg.share * (1 - seg.share)) / CUSTOMERS));
    }
  });

  it('has repeat purchase counts matching the BG/NBD expectation', () => {
    const rows = organic();
    expect(rows.length).toBe(CUSTOMERS);
    const end = truth.observationEnd;
    // Given each customer's own λ and p: Σ observed vs Σ E[X | λ, p, T], exact variance.
    let observed = 0;
    let expected = 0;
    let variance = 0;
    for (const r of rows) {
      const t = (end - r.first) / WEEK;
      observed += r.n - 1;
      expected += expectedRepeatsGiven(r.lambda, r.dropout_p, t);
      variance += varianceRepeatsGiven(r.lambda, r.dropout_p, t);
    }
    expect(Math.abs(observed - expected) / Math.sqrt(variance)).toBeLessThan(4);
    // From the population parameters alone (per segment, eq. 9 of Fader et al.), with the empirical variance.
    for (const [name, seg] of Object.entries(truth.segments)) {
      let diff = 0;
      let sq = 0;
      let exp = 0;
      for (const r of rows.filter((x) => x.segment === name)) {
        const e = expectedRepeats(seg.bgnbd, (end - r.first) / WEEK);
        diff += r.n - 1 - e;
        sq += (r.n - 1 - e) ** 2;
        exp += e;
      }
      expect(Math.abs(diff) / Math.sqrt(sq), `${name}: observed ${exp + diff} vs expected ${exp}`).toBeLessThan(4);
    }
  });

  it('marks dropouts consistently with the purchase history', () => {
    for (const r of organic()) {
      if (r.alive_at_as_of === 0) expect(r.dropout_at).toBe(r.last);
      else expect(r.dropout_at).toBeNull();
    }
    const alive = one<{ a: number }>(
      "SELECT AVG(alive_at_as_of) AS a FROM sample_truth_customers WHERE segment = 'lapsed'",
    ).a;
    expect(alive).toBeLessThan(0.15);
  });

  it('has order values matching the Gamma-Gamma truth', () => {
    const rows = organic();
    let spent = 0;
    let predicted = 0;
    let variance = 0;
    for (const r of rows) {
      const p = truth.segments[r.segment as keyof typeof truth.segments].gammaGamma.p;
      spent += r.total;
      predicted += r.n * r.mean_spend;
      // Var(z | ν) = p/ν² = mean²/p per order.
      variance += (r.n * r.mean_spend ** 2) / p;
    }
    // Rounding to cents and the 1.00 floor add well under 1%.
    expect(Math.abs(spent - predicted)).toBeLessThan(4 * Math.sqrt(variance) + 0.01 * predicted);
    for (const [name, seg] of Object.entries(truth.segments)) {
      const s = rows.filter((r) => r.segment === name);
      const { p, q, gamma } = seg.gammaGamma;
      const mean = (p * gamma) / (q - 1);
      const sd = mean / Math.sqrt(q - 2);
      const got = s.reduce((acc, r) => acc + r.mean_spend, 0) / s.length;
      expect(Math.abs(got - mean), name).toBeLessThan(4 * (sd / Math.sqrt(s.length)));
    }
  });

  it('shows the campaign uplift on bargain hunters only', () => {
    const rows = all<{ segment: string; arm: string; n: number; responded: number }>(`
      SELECT t.segment, c.arm, COUNT(*) AS n, SUM(c.responded) AS responded
      FROM campaign_contacts c JOIN sample_truth_customers t ON t.customer_id = c.customer_id
      GROUP BY t.segment, c.arm`);
    const treatedShare =
      rows.filter((r) => r.arm === 'treatment').reduce((a, r) => a + r.n, 0) / summary.counts.campaignContacts;
    expect(Math.abs(treatedShare - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / summary.counts.campaignContacts));
    for (const [name, seg] of Object.entries(truth.segments)) {
      const t = rows.find((r) => r.segment === name && r.arm === 'treatment');
      const c = rows.find((r) => r.segment === name && r.arm === 'control');
      if (!t || !c) throw new Error(`missing arm for ${name}`);
      const pt = t.responded / t.n;
      const pc = c.responded / c.n;
      // Standard error from the true rates, so an empty control arm cannot shrink it to zero.
      const rc = seg.campaign.baseRate;
      const rt = rc + seg.campaign.uplift;
      const se = Math.sqrt((rt * (1 - rt)) / t.n + (rc * (1 - rc)) / c.n);
      expect(Math.abs(pt - pc - seg.campaign.uplift), `${name}: uplift ${pt - pc}`).toBeLessThan(3.5 * se);
      if (name === 'bargain') expect(pt - pc).toBeGreaterThan(2 * se);
    }
    // The known effect: +12 points on bargain hunters, none elsewhere.
    for (const [name, rates] of Object.entries(truth.campaign.responseRate)) {
      expect(rates.uplift, name).toBe(name === 'bargain' ? 0.12 : 0);
    }
    // Responders' orders belong to them and fall in the response window.
    const bad = one<{ n: number }>(`
      SELECT COUNT(*) AS n FROM campaign_contacts c LEFT JOIN orders o ON o.id = c.order_id
      WHERE (c.responded = 1) != (c.order_id IS NOT NULL)
         OR (c.order_id IS NOT NULL AND (o.customer_id != c.customer_id OR o.placed_at <= c.sent_at
             OR o.placed_at > c.sent_at + 14 * 86400))`).n;
    expect(bad).toBe(0);
    const couponed = one<{ n: number }>(`
      SELECT COUNT(*) AS n FROM campaign_contacts c JOIN orders o ON o.id = c.order_id
      WHERE (c.arm = 'treatment') != (o.coupon IS 'WINTER25')`).n;
    expect(couponed).toBe(0);
  });

  it('has browse sessions following the stored Markov chain', () => {
    const states = truth.markov.states;
    const counts = new Map<string, Map<string, number>>();
    let prev: { session: string; type: string } | null = null;
    const bump = (from: string, to: string) => {
      const row = counts.get(from) ?? new Map<string, number>();
      row.set(to, (row.get(to) ?? 0) + 1);
      counts.set(from, row);
    };
    for (const e of db
      .prepare('SELECT session_id AS session, type FROM events ORDER BY session_id, occurred_at')
      .iterate() as Iterable<{ session: string; type: string }>) {
      if (prev && prev.session === e.session) bump(prev.type, e.type);
      else if (prev) bump(prev.type, 'exit');
      prev = e;
    }
    if (prev) bump(prev.type, 'exit');
    for (const [from, row] of Object.entries(truth.markov.matrix)) {
      const n = [...(counts.get(from)?.values() ?? [])].reduce((a, b) => a + b, 0);
      expect(n, from).toBeGreaterThan(300);
      for (const to of states) {
        const p = (row as Record<string, number>)[to] ?? 0;
        const got = (counts.get(from)?.get(to) ?? 0) / n;
        if (p === 0) expect(got, `${from}→${to}`).toBe(0);
        else expect(Math.abs(got - p), `${from}→${to}`).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
      }
    }
    // Actors never have two events at the same second; anonymous visitors have no customer.
    const dup = one<{ n: number }>(`
      SELECT COUNT(*) AS n FROM (SELECT 1 FROM events GROUP BY IFNULL(customer_id, -1), IFNULL(visitor_id, ''), occurred_at
      HAVING COUNT(*) > 1)`).n;
    expect(dup).toBe(0);
    expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE type = 'search' AND query IS NULL").n).toBe(0);
    expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE type != 'search' AND product_id IS NULL").n).toBe(
      0,
    );
  });

  it('picks products by the low-rank affinity, and ratings follow it', () => {
    const latent = (s: string) => JSON.parse(s) as number[];
    const customers = new Map(
      all<{ id: number; latent: string }>('SELECT customer_id AS id, latent FROM sample_truth_customers').map((r) => [
        r.id,
        latent(r.latent),
      ]),
    );
    const products = all<{ id: number; latent: string; category: string }>(
      'SELECT t.product_id AS id, t.latent, p.category FROM sample_truth_products t JOIN products p ON p.id = t.product_id',
    );
    const factors = new Map(products.map((p) => [p.id, latent(p.latent)]));
    const byCategory = new Map<string, number[]>();
    for (const p of products) byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p.id]);
    const category = new Map(products.map((p) => [p.id, p.category]));
    const dot = (u: number[], v: number[]) => u.reduce((a, x, i) => a + x * (v[i] ?? 0), 0);
    // Bought products score higher for their buyer than the average product of the same category.
    let lift = 0;
    let n = 0;
    for (const r of all<{ c: number; p: number }>(
      'SELECT o.customer_id AS c, i.product_id AS p FROM order_items i JOIN orders o ON o.id = i.order_id LIMIT 20000',
    )) {
      const u = customers.get(r.c) ?? [];
      const peers = byCategory.get(category.get(r.p) ?? '') ?? [];
      const avg = peers.reduce((a, j) => a + dot(u, factors.get(j) ?? []), 0) / peers.length;
      lift += dot(u, factors.get(r.p) ?? []) - avg;
      n++;
    }
    expect(lift / n).toBeGreaterThan(0.2);
    // Ratings correlate with the affinity score.
    const xs: number[] = [];
    const ys: number[] = [];
    for (const r of all<{ c: number; p: number; rating: number }>(
      'SELECT customer_id AS c, product_id AS p, rating FROM ratings',
    )) {
      expect(Number.isInteger(r.rating) && r.rating >= 1 && r.rating <= 5).toBe(true);
      xs.push(dot(customers.get(r.c) ?? [], factors.get(r.p) ?? []));
      ys.push(r.rating);
    }
    expect(correlation(xs, ys)).toBeGreaterThan(0.2);
  });

  it('labels review sentiment consistently with the rating and language', () => {
    const rows = all<{
      rating: number;
      text: string;
      language: string;
      sentiment: number;
      label: string;
      aspects: string;
    }>(`
      SELECT r.rating, r.text, r.language, t.sentiment, t.label, t.aspects
      FROM reviews r JOIN sample_truth_reviews t ON t.review_id = r.id`);
    expect(rows.length).toBe(summary.counts.reviews);
    const labels = new Set<string>();
    for (const r of rows) {
      const expected = r.rating >= 4 ? 'positive' : r.rating <= 2 ? 'negative' : 'neutral';
      expect(r.label).toBe(expected);
      expect(r.sentiment).toBe(expected === 'positive' ? 1 : expected === 'negative' ? -1 : 0);
      labels.add(r.label);
      const aspects = JSON.parse(r.aspects) as Record<string, number>;
      expect(Object.keys(aspects).length).toBeGreaterThan(0);
      for (const k of Object.keys(aspects)) expect(['price', 'quality', 'delivery', 'service']).toContain(k);
      if (r.language === 'zh') expect(r.text).toMatch(/[\u4e00-\u9fff]/);
      else expect(r.text).toMatch(/^[\x20-\x7e]+$/);
    }
    expect([...labels].sort()).toEqual(['negative', 'neutral', 'positive']);
    expect(new Set(rows.map((r) => r.language))).toEqual(new Set(['zh', 'en']));
  });

  it('stocks a known share of products below a month of demand', () => {
    const rows = all<{ sku: string; stock: number; monthly: number; understocked: number }>(`
      SELECT p.sku, p.stock, t.monthly_demand AS monthly, t.understocked
      FROM products p JOIN sample_truth_products t ON t.product_id = p.id`);
    const short = rows.filter((r) => r.understocked === 1);
    expect(short.map((r) => r.sku).sort()).toEqual([...truth.understockedSkus].sort());
    expect(short.length).toBeGreaterThan(rows.length * 0.05);
    for (const r of short) expect(r.stock).toBeLessThan(r.monthly);
    for (const r of rows.filter((x) => x.understocked === 0 && x.monthly > 0)) {
      expect(r.stock).toBeGreaterThanOrEqual(r.monthly * 1.5);
    }
    // monthly_demand is what the last 90 days of sales say.
    const demand = new Map(
      all<{ sku: string; q: number }>(
        `
        SELECT p.sku, SUM(i.quantity) / 3.0 AS q FROM order_items i JOIN orders o ON o.id = i.order_id
        JOIN products p ON p.id = i.product_id
        WHERE o.status IN ('completed', 'pending') AND o.placed_at >= ? GROUP BY p.sku`,
        truth.observationEnd - 90 * 86_400,
      ).map((r) => [r.sku, r.q]),
    );
    for (const r of rows) expect(r.monthly).toBeCloseTo(demand.get(r.sku) ?? 0, 6);
  });
});

function correlation(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}
