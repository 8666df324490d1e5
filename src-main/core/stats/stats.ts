import type { Stats } from '../api/contract.ts';
import type { Db } from '../db/workspace.ts';

const isoDay = (t: number | null): string | null => (t === null ? null : new Date(t * 1000).toISOString());

/**
 * Workspace totals. Orders and revenue count sales only (neither cancelled nor
 * returned); returns and cancellations are reported beside them.
 */
export function workspaceStats(db: Db): Stats {
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const sales = db
    .prepare(
      `SELECT COUNT(*) AS n, IFNULL(SUM(amount), 0) AS revenue, MIN(placed_at) AS first, MAX(placed_at) AS last
         FROM orders WHERE status IN ('completed', 'pending')`,
    )
    .get() as { n: number; revenue: number; first: number | null; last: number | null };
  const returns = db
    .prepare(`SELECT COUNT(*) AS n, IFNULL(SUM(amount), 0) AS amount FROM orders WHERE status = 'returned'`)
    .get() as { n: number; amount: number };
  const cancelled = db.prepare(`SELECT COUNT(*) AS n FROM orders WHERE status = 'cancelled'`).get() as { n: number };
  return {
    customers: count('customers'),
    orders: sales.n,
    orderItems: count('order_items'),
    products: count('products'),
    events: count('events'),
    ratings: count('ratings'),
    reviews: count('reviews'),
    revenue: Math.round(sales.revenue * 100) / 100,
    returns: returns.n,
    returnedAmount: Math.round(returns.amount * 100) / 100,
    cancelled: cancelled.n,
    firstOrderAt: isoDay(sales.first),
    lastOrderAt: isoDay(sales.last),
  };
}
