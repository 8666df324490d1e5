/**
 * Per-customer (frequency, recency, T, monetary) summary for the BG/NBD and
 * Gamma-Gamma models, defined as lifetimes' summary_data_from_transaction_data
 * defines it (with freq = 'D' and freq_multiplier 1 for days or 7 for weeks):
 * - transactions after the calibration end are dropped, the rest are reduced
 *   to one per calendar day (their values summed);
 * - frequency x = number of purchase days after the first;
 * - recency t_x = last purchase day − first purchase day, T = calibration end day −
 *   first purchase day, both in days or weeks (days / 7, so fractional);
 * - monetary = mean value of the repeat purchase days (0 when x = 0).
 * Days are the calendar days of placed_at (the shop's wall clock stored as UTC).
 */
import type { Db } from '../../db/workspace.ts';

export type TimeUnit = 'day' | 'week';

const DAY = 86_400;

export interface Transactions {
  /** Customer key per transaction; transactions must be sorted by (customer, time). */
  customer: ArrayLike<number>;
  /** Unix seconds. */
  time: ArrayLike<number>;
  amount: ArrayLike<number>;
}

export interface CustomerSummary {
  /** Customer keys, in the order of the input. */
  customer: Int32Array;
  frequency: Int32Array;
  recency: Float64Array;
  T: Float64Array;
  monetary: Float64Array;
  n: number;
}

/** Day number (days since 1970-01-01) of an ISO date `YYYY-MM-DD`; throws on anything else. */
export function parseDay(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`expected a date YYYY-MM-DD, got "${date}"`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== date) throw new RangeError(`no such date: ${date}`);
  return ms / 86_400_000;
}

export function formatDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Summary from a sorted transaction log; `endDay` is the last calibration day (inclusive). */
export function summarizeTransactions(t: Transactions, endDay: number, unit: TimeUnit): CustomerSummary {
  const n = t.customer.length;
  const scale = unit === 'week' ? 1 / 7 : 1;
  const customer: number[] = [];
  const frequency: number[] = [];
  const recency: number[] = [];
  const Tv: number[] = [];
  const monetary: number[] = [];
  let i = 0;
  while (i < n) {
    const c = t.customer[i]!;
    let firstDay = -1;
    let lastDay = -1;
    let periods = 0;
    let repeatSum = 0;
    let dayValue = 0;
    let prevTime = -Infinity;
    for (; i < n && t.customer[i] === c; i++) {
      const time = t.time[i]!;
      if (time < prevTime) throw new RangeError('transactions must be sorted by customer and time');
      prevTime = time;
      const day = Math.floor(time / DAY);
      if (day > endDay) continue;
      if (day !== lastDay) {
        // A new purchase day: close the previous one (repeat days only count for monetary).
        if (periods > 1) repeatSum += dayValue;
        dayValue = 0;
        periods++;
        if (firstDay < 0) firstDay = day;
        lastDay = day;
      }
      dayValue += t.amount[i]!;
    }
    if (periods === 0) continue; // first purchase after the calibration end
    if (periods > 1) repeatSum += dayValue;
    const x = periods - 1;
    customer.push(c);
    frequency.push(x);
    recency.push((lastDay - firstDay) * scale);
    Tv.push((endDay - firstDay) * scale);
    monetary.push(x > 0 ? repeatSum / x : 0);
  }
  return {
    customer: Int32Array.from(customer),
    frequency: Int32Array.from(frequency),
    recency: Float64Array.from(recency),
    T: Float64Array.from(Tv),
    monetary: Float64Array.from(monetary),
    n: customer.length,
  };
}

/** Sales (orders neither cancelled nor returned, with a customer) up to and including endDay, sorted. */
export function loadSales(db: Db, endDay: number): Transactions {
  const where = `WHERE customer_id IS NOT NULL AND status NOT IN ('cancelled', 'returned') AND placed_at < ?`;
  const end = (endDay + 1) * DAY;
  const count = db.prepare(`SELECT COUNT(*) FROM orders ${where}`).pluck();
  const rows = db
    .prepare(`SELECT customer_id, placed_at, amount FROM orders ${where} ORDER BY customer_id, placed_at`)
    .raw();
  // Counted, then read row by row into typed arrays (one read transaction: one snapshot for both): `.all()` would
  // hold every order as a JS array of boxed numbers at once, about 1 GB for a 1M-customer shop's 9M orders.
  return db.transaction(() => {
    const n = count.get(end) as number;
    const t = { customer: new Int32Array(n), time: new Float64Array(n), amount: new Float64Array(n) };
    let i = 0;
    for (const r of rows.iterate(end) as IterableIterator<[number, number, number]>) {
      t.customer[i] = r[0];
      t.time[i] = r[1];
      t.amount[i] = r[2];
      i++;
    }
    return t;
  })();
}

/** The workspace's customer summary for a calibration end date `YYYY-MM-DD` (inclusive). */
export function customerSummary(db: Db, calibrationEnd: string, unit: TimeUnit): CustomerSummary {
  const endDay = parseDay(calibrationEnd);
  return summarizeTransactions(loadSales(db, endDay), endDay, unit);
}
