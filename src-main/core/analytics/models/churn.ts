/**
 * Churn data from the workspace at a cut-off instant: per-customer features
 * from sales strictly BEFORE the cut-off, and the label "no sale in the
 * horizon after it". The two are separate queries on purpose: the feature
 * query is bounded by `placed_at < cutoff`, so nothing at or after the
 * cut-off can leak into a feature (the tests check this by changing the
 * future and recomputing).
 *
 * A sale is an order that is neither cancelled nor returned. Customers enter
 * the data at a cut-off when they have at least one sale before it.
 *   recency       days from the last sale to the cut-off
 *   frequency     number of sales
 *   monetary      total sale amount
 *   tenure        days from the first sale to the cut-off
 *   aov           average order value
 *   meanGap       mean days between consecutive sales; tenure for one-time
 *                 buyers (they have waited at least that long)
 *   discountShare share of sales with a discount
 *   recent90      sales in the 90 days before the cut-off
 */
import { UserError } from '../../jobs/context.ts';
import type { Db } from '../../db/workspace.ts';

export const DAY = 86_400;

export const CHURN_FEATURES = [
  'recency',
  'frequency',
  'monetary',
  'tenure',
  'aov',
  'meanGap',
  'discountShare',
  'recent90',
] as const;
export type ChurnFeature = (typeof CHURN_FEATURES)[number];

export interface ChurnData {
  /** Cut-off as a day number (days since 1970-01-01 UTC); features use sales before its first second. */
  cutoffDay: number;
  customerIds: Int32Array;
  externalIds: string[];
  /** n × d row-major in CHURN_FEATURES order, raw units. */
  X: Float64Array;
  n: number;
  d: number;
}

const SALE = `status NOT IN ('cancelled', 'returned')`;

/** Parses `YYYY-MM-DD` into a day number. */
export function dayOf(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(ms).toISOString().slice(0, 10) !== iso) {
    throw new RangeError(`date must be YYYY-MM-DD, got "${iso}"`);
  }
  return ms / 86_400_000;
}

/** T, the day after the as-of date: the first day the models do not know (a bad date is the user's mistake). */
export function scoringDay(asOf: string): number {
  try {
    return dayOf(asOf) + 1;
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

export const isoOf = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

/**
 * Features of every customer with a sale before the cut-off, in customer id order. `scope`: a table of customer ids
 * (column id, the primary key) to read only those customers through the orders index, a sample or a block of a big
 * shop, instead of every customer's orders.
 */
export function churnFeatures(db: Db, cutoffDay: number, scope?: string): ChurnData {
  const cut = cutoffDay * DAY;
  const from = scope ? `${scope} s CROSS JOIN orders o ON o.customer_id = s.id` : 'orders o';
  const query = db
    .prepare(
      `SELECT o.customer_id, c.external_id, MIN(o.placed_at), MAX(o.placed_at), COUNT(*), SUM(o.amount),
              SUM(o.discount > 0), SUM(o.placed_at >= ?)
       FROM ${from} JOIN customers c ON c.id = o.customer_id
       WHERE o.customer_id IS NOT NULL AND o.${SALE} AND o.placed_at < ?
       GROUP BY o.customer_id ORDER BY o.customer_id`,
    )
    .raw();
  const d = CHURN_FEATURES.length;
  // Row by row into a growing buffer: `.all()` would hold a million customers' rows as boxed JS arrays at once.
  let X = new Float64Array(1024 * d);
  let customerIds = new Int32Array(1024);
  const externalIds: string[] = [];
  let n = 0;
  const rows = query.iterate(cut - 90 * DAY, cut) as IterableIterator<
    [number, string, number, number, number, number, number, number]
  >;
  for (const [id, ext, first, last, count, total, discounted, recent] of rows) {
    if (n === customerIds.length) {
      const ids = new Int32Array(n * 2);
      ids.set(customerIds);
      customerIds = ids;
      const grown = new Float64Array(n * 2 * d);
      grown.set(X);
      X = grown;
    }
    customerIds[n] = id;
    externalIds.push(ext);
    const recency = (cut - last) / DAY;
    const tenure = (cut - first) / DAY;
    const at = n * d;
    X[at] = recency;
    X[at + 1] = count;
    X[at + 2] = total;
    X[at + 3] = tenure;
    X[at + 4] = total / count;
    X[at + 5] = count > 1 ? (last - first) / DAY / (count - 1) : tenure;
    X[at + 6] = discounted / count;
    X[at + 7] = recent;
    n++;
  }
  X = X.slice(0, n * d);
  customerIds = customerIds.slice(0, n);
  return { cutoffDay, customerIds, externalIds, X, n, d };
}

/** 1 = churned: no sale in [cut-off, cut-off + horizonDays). */
export function churnLabels(db: Db, customerIds: Int32Array, cutoffDay: number, horizonDays: number): Uint8Array {
  const cut = cutoffDay * DAY;
  const active = new Set(
    db
      .prepare(
        `SELECT DISTINCT customer_id FROM orders
         WHERE customer_id IS NOT NULL AND ${SALE} AND placed_at >= ? AND placed_at < ?`,
      )
      .pluck()
      .all(cut, cut + horizonDays * DAY) as number[],
  );
  return Uint8Array.from(customerIds, (id) => (active.has(id) ? 0 : 1));
}

/** Sales amount per customer in [cut-off, cut-off + horizonDays) (0 for none). */
export function futureSpend(db: Db, customerIds: Int32Array, cutoffDay: number, horizonDays: number): Float64Array {
  const cut = cutoffDay * DAY;
  const rows = db
    .prepare(
      `SELECT customer_id, SUM(amount) FROM orders
       WHERE customer_id IS NOT NULL AND ${SALE} AND placed_at >= ? AND placed_at < ?
       GROUP BY customer_id`,
    )
    .raw()
    .all(cut, cut + horizonDays * DAY) as [number, number][];
  const spend = new Map(rows);
  return Float64Array.from(customerIds, (id) => spend.get(id) ?? 0);
}
