/**
 * The Overview's movement over time: sales per month (or ISO week) with the customers active and new in it,
 * the repeat-purchase rate, and the latest window compared with the one before (e.g. the last 30 days to the
 * last sale against the 30 days before). Sales are orders neither cancelled nor returned, as in stats.ts.
 */
import type { Db } from '../db/workspace.ts';

const DAY = 86_400;
const SALE = "status IN ('completed', 'pending')";

export interface TrendPoint {
  /** 'YYYY-MM' or 'YYYY-Www'. */
  period: string;
  orders: number;
  revenue: number;
  activeCustomers: number;
  newCustomers: number;
}

export interface WindowFigures {
  from: string;
  to: string;
  orders: number;
  revenue: number;
  activeCustomers: number;
  averageOrderValue: number | null;
}

export interface Trend {
  unit: 'month' | 'week';
  points: TrendPoint[];
  /** Customers with two or more sales among those with at least one. */
  repeatRate: number | null;
  comparison: { days: number; current: WindowFigures; previous: WindowFigures } | null;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

export function workspaceTrend(db: Db, options: { unit?: 'month' | 'week'; compareDays?: number } = {}): Trend {
  const unit = options.unit ?? 'month';
  const days = options.compareDays ?? 30;
  // SQLite's %W is the week of the year starting Monday; good enough to chart, and labelled as such.
  const key =
    unit === 'month' ? "strftime('%Y-%m', placed_at, 'unixepoch')" : "strftime('%Y-W%W', placed_at, 'unixepoch')";
  const rows = db
    .prepare(
      `SELECT ${key} AS period, COUNT(*) AS orders, IFNULL(SUM(amount), 0) AS revenue,
              COUNT(DISTINCT customer_id) AS activeCustomers
       FROM orders WHERE ${SALE} GROUP BY period ORDER BY period`,
    )
    .all() as Omit<TrendPoint, 'newCustomers'>[];
  const firsts = new Map(
    (
      db
        .prepare(
          `SELECT ${key.replace('placed_at', 'first')} AS period, COUNT(*) AS n
           FROM (SELECT MIN(placed_at) AS first FROM orders WHERE ${SALE} AND customer_id IS NOT NULL GROUP BY customer_id)
           GROUP BY period`,
        )
        .all() as { period: string; n: number }[]
    ).map((r) => [r.period, r.n]),
  );
  const points = rows.map((r) => ({ ...r, revenue: round2(r.revenue), newCustomers: firsts.get(r.period) ?? 0 }));

  const repeat = db
    .prepare(
      `SELECT COUNT(*) AS buyers, IFNULL(SUM(n >= 2), 0) AS repeaters
       FROM (SELECT COUNT(*) AS n FROM orders WHERE ${SALE} AND customer_id IS NOT NULL GROUP BY customer_id)`,
    )
    .get() as { buyers: number; repeaters: number };

  const last = db.prepare(`SELECT MAX(placed_at) FROM orders WHERE ${SALE}`).pluck().get() as number | null;
  let comparison: Trend['comparison'] = null;
  if (last !== null) {
    // Windows end on the last sale's day inclusive, so a shop whose export is a month old still compares full windows.
    const end = (Math.floor(last / DAY) + 1) * DAY;
    const window = (to: number): WindowFigures => {
      const from = to - days * DAY;
      const w = db
        .prepare(
          `SELECT COUNT(*) AS orders, IFNULL(SUM(amount), 0) AS revenue, COUNT(DISTINCT customer_id) AS active
           FROM orders WHERE ${SALE} AND placed_at >= ? AND placed_at < ?`,
        )
        .get(from, to) as { orders: number; revenue: number; active: number };
      return {
        from: day(from),
        to: day(to - DAY),
        orders: w.orders,
        revenue: round2(w.revenue),
        activeCustomers: w.active,
        averageOrderValue: w.orders > 0 ? round2(w.revenue / w.orders) : null,
      };
    };
    comparison = { days, current: window(end), previous: window(end - days * DAY) };
  }
  return {
    unit,
    points,
    repeatRate: repeat.buyers > 0 ? repeat.repeaters / repeat.buyers : null,
    comparison,
  };
}
