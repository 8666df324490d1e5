// Compact facts about a segment, customer or product for the language model's prompt. Aggregates and pseudonyms
// only: the prompt may end up in logs or exported chats, so no name, phone, email, address or shop customer id goes in.
import { createHash } from 'node:crypto';
import type { Db } from '../db/workspace.ts';
import { computeRfm, type RfmCustomer, type RfmOptions } from '../analytics/rfm.ts';

const DAY = 86_400;
const SALE = `status NOT IN ('cancelled', 'returned')`;

export interface Share {
  name: string;
  /** Share of the group's item revenue, 0–1. */
  share: number;
}

export interface Grounding {
  kind: 'segment' | 'customer' | 'product';
  /** Structured facts, for the UI and tests. */
  facts: Record<string, unknown>;
  /** The same facts as short lines for the prompt. */
  text: string;
}

export interface GroundingOptions {
  /** How many top categories/products/recommendations to list (default 3). */
  top?: number;
}

/** A stable pseudonym for a workspace customer: never the shop's own id, which can be an email or phone. */
export function pseudonym(customerId: number): string {
  return 'C-' + createHash('sha256').update(`workbench-customer:${customerId}`).digest('hex').slice(0, 8);
}

interface StoredRun {
  id: number;
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
}

function latestRun(db: Db, kind: string): StoredRun | null {
  const row = db
    .prepare(
      `SELECT id, params, result FROM analysis_runs WHERE kind = ? AND status = 'completed' ORDER BY id DESC LIMIT 1`,
    )
    .get(kind) as { id: number; params: string; result: string | null } | undefined;
  if (!row) return null;
  return {
    id: row.id,
    params: JSON.parse(row.params) as Record<string, unknown>,
    result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
  };
}

/** Segment membership: the latest stored RFM run's parameters recomputed (runs store counts, not members). */
function rfmMembers(db: Db): { asOf: string; windowDays: number; customers: RfmCustomer[]; runId: number | null } {
  const run = latestRun(db, 'rfm');
  const rfm = computeRfm(db, (run?.params ?? {}) as RfmOptions);
  return { ...rfm, runId: run?.id ?? null };
}

interface ClvTop {
  customerId: number;
  clv: number | null;
  pAlive: number;
}
interface AtRisk {
  customerId: number;
  probability: number;
  reasons: string[];
}

function clvTop(db: Db): { runId: number; top: ClvTop[] } | null {
  const run = latestRun(db, 'clv');
  const top = run?.result?.top;
  return run && Array.isArray(top) ? { runId: run.id, top: top as ClvTop[] } : null;
}

function churnAtRisk(db: Db): { runId: number; atRisk: AtRisk[]; horizonDays: number } | null {
  const run = latestRun(db, 'churn');
  const atRisk = run?.result?.atRisk;
  if (!run || !Array.isArray(atRisk)) return null;
  return { runId: run.id, atRisk: atRisk as AtRisk[], horizonDays: Number(run.result?.horizonDays ?? 90) };
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
const pct = (x: number): string => `${round(x * 100, 1)}%`;

// Temporary table of a customer group, so the aggregates are plain joins (and no id list goes into SQL text).
function withGroup<T>(db: Db, ids: readonly number[], fn: () => T): T {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS llm_group (id INTEGER PRIMARY KEY); DELETE FROM llm_group;');
  const insert = db.prepare('INSERT OR IGNORE INTO temp.llm_group (id) VALUES (?)');
  db.transaction(() => {
    for (const id of ids) insert.run(id);
  })();
  try {
    return fn();
  } finally {
    db.exec('DELETE FROM temp.llm_group');
  }
}

function groupShares(db: Db, by: 'category' | 'product', top: number): Share[] {
  const label = by === 'category' ? `COALESCE(p.category, '(none)')` : `COALESCE(p.title, p.sku)`;
  const rows = db
    .prepare(
      `SELECT ${label} AS name, SUM(i.quantity * i.unit_price) AS revenue
         FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
        WHERE o.${SALE} AND o.customer_id IN (SELECT id FROM temp.llm_group)
        GROUP BY ${by === 'category' ? 'p.category' : 'p.id'} ORDER BY revenue DESC, name`,
    )
    .all() as { name: string; revenue: number }[];
  const total = rows.reduce((s, r) => s + r.revenue, 0);
  return rows.slice(0, top).map((r) => ({ name: r.name, share: total > 0 ? round(r.revenue / total, 3) : 0 }));
}

/**
 * Products to suggest to a group: the most bought within the group, by buyers, that `excludeBuyer` has not bought
 * (a customer) — a popularity-in-segment recommendation that needs no trained model.
 */
function groupRecommendations(db: Db, top: number, excludeBuyer: number | null): string[] {
  return (
    db
      .prepare(
        `SELECT COALESCE(p.title, p.sku) AS name, COUNT(DISTINCT o.customer_id) AS buyers
           FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
          WHERE o.${SALE} AND o.customer_id IN (SELECT id FROM temp.llm_group)
            AND p.id NOT IN (SELECT i2.product_id FROM order_items i2 JOIN orders o2 ON o2.id = i2.order_id
                              WHERE o2.customer_id = ?)
          GROUP BY p.id ORDER BY buyers DESC, name LIMIT ?`,
      )
      .all(excludeBuyer ?? -1, top) as { name: string }[]
  ).map((r) => r.name);
}

function lines(title: string, entries: [string, unknown][]): string {
  const out = [title];
  for (const [label, value] of entries) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    const v = Array.isArray(value)
      ? value
          .map((x) => (typeof x === 'object' && x && 'share' in x ? `${x.name} (${pct(x.share)})` : String(x)))
          .join(', ')
      : String(value);
    out.push(`- ${label}: ${v}`);
  }
  return out.join('\n');
}

/** Facts about one RFM segment (by name, e.g. 'Champions'). Throws RangeError for an unknown or empty segment. */
export function segmentGrounding(db: Db, segment: string, options: GroundingOptions = {}): Grounding {
  const top = options.top ?? 3;
  const rfm = rfmMembers(db);
  const members = rfm.customers.filter((c) => c.segment === segment);
  if (members.length === 0) throw new RangeError(`No customers in segment "${segment}"`);
  const all = rfm.customers.reduce((s, c) => s + c.monetary, 0);
  const revenue = members.reduce((s, c) => s + c.monetary, 0);
  const orders = members.reduce((s, c) => s + c.frequency, 0);
  const recency = members.map((c) => c.recencyDays).sort((a, b) => a - b);
  const ids = new Set(members.map((c) => c.customerId));
  const clv = clvTop(db);
  const churn = churnAtRisk(db);
  const clvMembers = clv?.top.filter((c) => ids.has(c.customerId)) ?? [];
  const riskMembers = churn?.atRisk.filter((c) => ids.has(c.customerId)) ?? [];
  const { categories, products, recommended } = withGroup(
    db,
    [...ids],
    () =>
      ({
        categories: groupShares(db, 'category', top),
        products: groupShares(db, 'product', top),
        recommended: groupRecommendations(db, top, null),
      }) as const,
  );
  const facts = {
    segment,
    asOf: rfm.asOf,
    windowDays: rfm.windowDays,
    customers: members.length,
    customerShare: round(members.length / rfm.customers.length, 3),
    revenueShare: all > 0 ? round(revenue / all, 3) : 0,
    averageOrderValue: orders > 0 ? round(revenue / orders) : 0,
    ordersPerCustomer: round(orders / members.length, 1),
    medianRecencyDays: recency[Math.floor((recency.length - 1) / 2)]!,
    topCategories: categories,
    topProducts: products,
    recommendedProducts: recommended,
    clv: clv ? { inTop100: clvMembers.length, meanPAlive: meanOf(clvMembers.map((c) => c.pAlive)) } : null,
    churn: churn
      ? {
          atRisk: riskMembers.length,
          meanProbability: meanOf(riskMembers.map((c) => c.probability)),
          horizonDays: churn.horizonDays,
        }
      : null,
  };
  const text = lines(`Customer segment "${segment}" (RFM as of ${rfm.asOf}, last ${rfm.windowDays} days)`, [
    ['Customers', `${facts.customers} (${pct(facts.customerShare)} of active customers)`],
    ['Revenue share', pct(facts.revenueShare)],
    ['Average order value', facts.averageOrderValue],
    ['Orders per customer', facts.ordersPerCustomer],
    ['Median days since last order', facts.medianRecencyDays],
    ['Top categories', categories],
    ['Top products', products],
    ['Popular in this segment', recommended],
    ['Among the top 100 customers by lifetime value', facts.clv ? facts.clv.inTop100 : null],
    [
      `On the churn at-risk list (${churn?.horizonDays ?? 90} days)`,
      facts.churn
        ? `${facts.churn.atRisk}${facts.churn.atRisk ? `, mean risk ${pct(facts.churn.meanProbability ?? 0)}` : ''}`
        : null,
    ],
  ]);
  return { kind: 'segment', facts, text };
}

function meanOf(xs: number[]): number | null {
  return xs.length ? round(xs.reduce((s, x) => s + x, 0) / xs.length, 3) : null;
}

/** Facts about one customer (workspace id), under a pseudonym. Throws RangeError when the customer has no sales. */
export function customerGrounding(db: Db, customerId: number, options: GroundingOptions = {}): Grounding {
  const top = options.top ?? 3;
  const rfm = rfmMembers(db);
  const me = rfm.customers.find((c) => c.customerId === customerId);
  const stats = db
    .prepare(
      `SELECT COUNT(*) AS orders, COALESCE(SUM(amount), 0) AS spend, MAX(placed_at) AS last, MIN(placed_at) AS first
         FROM orders WHERE customer_id = ? AND ${SALE}`,
    )
    .get(customerId) as { orders: number; spend: number; last: number | null; first: number | null };
  if (stats.orders === 0 || stats.last === null || stats.first === null) {
    throw new RangeError(`Customer ${pseudonym(customerId)} has no sales`);
  }
  const asOfDay = rfm.asOf ? Date.parse(rfm.asOf) / 86_400_000 : Math.floor(stats.last / DAY);
  const { categories, products } = withGroup(
    db,
    [customerId],
    () => ({ categories: groupShares(db, 'category', top), products: groupShares(db, 'product', top) }) as const,
  );
  // Suggestions: popular in the customer's segment, not yet bought by them.
  const peers = me ? rfm.customers.filter((c) => c.segment === me.segment).map((c) => c.customerId) : [customerId];
  const recommended = withGroup(db, peers, () => groupRecommendations(db, top, customerId));
  const clv = clvTop(db)?.top.find((c) => c.customerId === customerId) ?? null;
  const churn = churnAtRisk(db);
  const risk = churn?.atRisk.find((c) => c.customerId === customerId) ?? null;
  const facts = {
    customer: pseudonym(customerId),
    segment: me?.segment ?? null,
    orders: stats.orders,
    totalSpend: round(stats.spend),
    averageOrderValue: round(stats.spend / stats.orders),
    daysSinceLastOrder: Math.max(0, Math.round(asOfDay - Math.floor(stats.last / DAY))),
    customerForDays: Math.max(0, Math.round(asOfDay - Math.floor(stats.first / DAY))),
    topCategories: categories,
    topProducts: products,
    recommendedProducts: recommended,
    clv: clv ? { clv: clv.clv === null ? null : round(clv.clv), pAlive: round(clv.pAlive, 3) } : null,
    churn: risk ? { probability: round(risk.probability, 3), reasons: risk.reasons.slice(0, 3) } : null,
  };
  const text = lines(`Customer ${facts.customer}${me ? ` (segment "${me.segment}")` : ''}`, [
    ['Orders', facts.orders],
    ['Total spend', facts.totalSpend],
    ['Average order value', facts.averageOrderValue],
    ['Days since last order', facts.daysSinceLastOrder],
    ['Customer for (days)', facts.customerForDays],
    ['Top categories', categories],
    ['Top products', products],
    ['Suggested products', recommended],
    ['Predicted lifetime value', facts.clv?.clv ?? null],
    ['Probability still active', facts.clv ? pct(facts.clv.pAlive) : null],
    ['Churn risk', facts.churn ? `${pct(facts.churn.probability)} (${facts.churn.reasons.join('; ')})` : null],
  ]);
  return { kind: 'customer', facts, text };
}

/** Facts about one product (workspace id or SKU). Throws RangeError for an unknown product. */
export function productGrounding(db: Db, product: number | string, options: GroundingOptions = {}): Grounding {
  const top = options.top ?? 3;
  const p = db
    .prepare(
      `SELECT id, sku, title, category, price FROM products WHERE ${typeof product === 'number' ? 'id' : 'sku'} = ?`,
    )
    .get(product) as
    { id: number; sku: string; title: string | null; category: string | null; price: number | null } | undefined;
  if (!p) throw new RangeError(`No product ${product}`);
  const sales = db
    .prepare(
      `SELECT COALESCE(SUM(i.quantity), 0) AS units, COALESCE(SUM(i.quantity * i.unit_price), 0) AS revenue,
              COUNT(DISTINCT o.customer_id) AS buyers
         FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.product_id = ? AND o.${SALE}`,
    )
    .get(p.id) as { units: number; revenue: number; buyers: number };
  const repeat = db
    .prepare(
      `SELECT COUNT(*) FROM (SELECT o.customer_id FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE i.product_id = ? AND o.${SALE} AND o.customer_id IS NOT NULL
        GROUP BY o.customer_id HAVING COUNT(DISTINCT o.id) > 1)`,
    )
    .pluck()
    .get(p.id) as number;
  const rating = db
    .prepare(`SELECT AVG(rating) AS mean, COUNT(*) AS n FROM reviews WHERE product_id = ? AND rating IS NOT NULL`)
    .get(p.id) as { mean: number | null; n: number };
  // Bought together: other products in the same orders.
  const together = (
    db
      .prepare(
        `SELECT COALESCE(q.title, q.sku) AS name, COUNT(DISTINCT i.order_id) AS n
           FROM order_items i JOIN order_items j ON j.order_id = i.order_id AND j.product_id <> i.product_id
           JOIN products q ON q.id = j.product_id JOIN orders o ON o.id = i.order_id
          WHERE i.product_id = ? AND o.${SALE} GROUP BY q.id ORDER BY n DESC, name LIMIT ?`,
      )
      .all(p.id, top) as { name: string }[]
  ).map((r) => r.name);
  // Which segments buy it: segment membership × buyers.
  const rfm = rfmMembers(db);
  const segmentOf = new Map(rfm.customers.map((c) => [c.customerId, c.segment]));
  const buyerIds = db
    .prepare(
      `SELECT DISTINCT o.customer_id FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE i.product_id = ? AND o.${SALE} AND o.customer_id IS NOT NULL`,
    )
    .pluck()
    .all(p.id) as number[];
  const segCounts = new Map<string, number>();
  for (const id of buyerIds) {
    const s = segmentOf.get(id);
    if (s) segCounts.set(s, (segCounts.get(s) ?? 0) + 1);
  }
  const segments = [...segCounts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([name, n]) => ({ name, share: buyerIds.length ? round(n / buyerIds.length, 3) : 0 }));
  const facts = {
    product: p.title ?? p.sku,
    sku: p.sku,
    category: p.category,
    price: p.price,
    unitsSold: round(sales.units, 1),
    revenue: round(sales.revenue),
    buyers: sales.buyers,
    repeatBuyerShare: sales.buyers ? round(repeat / sales.buyers, 3) : 0,
    averageRating: rating.n ? round(rating.mean ?? 0, 1) : null,
    reviews: rating.n,
    boughtWith: together,
    topSegments: segments,
  };
  const text = lines(`Product "${facts.product}" (SKU ${p.sku})`, [
    ['Category', p.category],
    ['Price', p.price],
    ['Units sold', facts.unitsSold],
    ['Revenue', facts.revenue],
    ['Buyers', facts.buyers],
    ['Buyers who bought it again', pct(facts.repeatBuyerShare)],
    ['Average rating', facts.averageRating !== null ? `${facts.averageRating} (${rating.n} reviews)` : null],
    ['Often bought with', together],
    ['Buyer segments', segments],
  ]);
  return { kind: 'product', facts, text };
}
