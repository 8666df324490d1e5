/**
 * RFM analysis: per customer, recency (days since the last sale), frequency
 * (sales orders) and monetary value (their total) within a window ending at an
 * as-of date; 1–5 quintile scores; named segments from a precedence-ordered
 * rule table over the (R, F, M) scores.
 */
import type { Db } from '../db/workspace.ts';
import { lowerBound } from '../util/sorted.ts';

const DAY = 86_400;

export interface RfmCustomer {
  customerId: number;
  recencyDays: number;
  frequency: number;
  monetary: number;
  r: number;
  f: number;
  m: number;
  segment: string;
}

/** Inclusive score ranges (1–5); an omitted dimension matches any score. */
export interface SegmentRule {
  segment: string;
  r?: readonly [number, number];
  f?: readonly [number, number];
  m?: readonly [number, number];
}

/**
 * The default table, read top to bottom: a cell belongs to the first rule that
 * matches it. It is the usual R × F grid of the eleven segments, with M
 * separating Can't Lose Them (big spenders) from At Risk and Lost (small
 * spenders) from Hibernating. Every one of the 125 cells matches some rule,
 * and every segment is the first match of at least one cell.
 */
export const DEFAULT_SEGMENT_RULES: readonly SegmentRule[] = [
  { segment: 'Champions', r: [5, 5], f: [4, 5] },
  { segment: 'Loyal', r: [3, 4], f: [4, 5] },
  { segment: 'Potential Loyalist', r: [4, 5], f: [2, 3] },
  { segment: 'New', r: [5, 5], f: [1, 1] },
  { segment: 'Promising', r: [4, 4], f: [1, 1] },
  { segment: 'Need Attention', r: [3, 3], f: [3, 3] },
  { segment: 'About to Sleep', r: [3, 3], f: [1, 2] },
  { segment: "Can't Lose Them", r: [1, 2], f: [4, 5], m: [4, 5] },
  { segment: 'At Risk', r: [1, 2], f: [3, 5] },
  { segment: 'Lost', r: [1, 1], f: [1, 2], m: [1, 2] },
  { segment: 'Hibernating', r: [1, 2], f: [1, 2] },
];

const inRange = (v: number, range: readonly [number, number] | undefined) =>
  range === undefined || (v >= range[0] && v <= range[1]);

/** The segment of one (R, F, M) cell: the first matching rule's, or null when none matches. */
export function segmentOf(r: number, f: number, m: number, rules: readonly SegmentRule[] = DEFAULT_SEGMENT_RULES) {
  for (const rule of rules) {
    if (inRange(r, rule.r) && inRange(f, rule.f) && inRange(m, rule.m)) return rule.segment;
  }
  return null;
}

/**
 * The 125-cell map of a rule table, keyed `${r}${f}${m}`; throws when a cell
 * matches no rule, so a custom table cannot leave customers unsegmented.
 */
export function segmentMap(rules: readonly SegmentRule[] = DEFAULT_SEGMENT_RULES): Map<string, string> {
  const map = new Map<string, string>();
  for (let r = 1; r <= 5; r++) {
    for (let f = 1; f <= 5; f++) {
      for (let m = 1; m <= 5; m++) {
        const s = segmentOf(r, f, m, rules);
        if (s === null) throw new RangeError(`the segment rules leave cell R${r} F${f} M${m} without a segment`);
        map.set(`${r}${f}${m}`, s);
      }
    }
  }
  return map;
}

/**
 * Quintile scores 1–5 with ties sharing one score: score = 1 + ⌊5 · (number of
 * values strictly worse) / n⌋, "worse" being smaller, or larger when
 * `higherIsBetter` is false (recency). Tied customers therefore all get the
 * score of the lowest-ranked of them, whatever their order in the input, so the
 * scores are reproducible; heavy ties (many one-order customers) push scores down.
 */
export function quintileScores(values: ArrayLike<number>, higherIsBetter = true): Uint8Array {
  const n = values.length;
  const sign = higherIsBetter ? 1 : -1;
  const sorted = Float64Array.from(values, (v) => sign * v).sort();
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = sign * values[i]!;
    // Count of strictly smaller values = index of the first occurrence.
    out[i] = 1 + Math.floor((5 * lowerBound(sorted, v)) / n);
  }
  return out;
}

export interface RfmOptions {
  /** Last day of the window, `YYYY-MM-DD` (default: the day of the latest sale). */
  asOf?: string;
  /** Window length in days, ending at asOf inclusive (default 365). */
  windowDays?: number;
  rules?: readonly SegmentRule[];
}

export interface RfmResult {
  asOf: string;
  windowDays: number;
  customers: RfmCustomer[];
}

/** RFM of every customer with at least one sale (order neither cancelled nor returned) in the window. */
export function computeRfm(db: Db, options: RfmOptions = {}): RfmResult {
  const windowDays = options.windowDays ?? 365;
  if (!(Number.isInteger(windowDays) && windowDays > 0)) throw new RangeError('windowDays must be a positive integer');
  const segments = segmentMap(options.rules);
  let asOfDay: number;
  if (options.asOf !== undefined) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(options.asOf);
    const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
    if (!m || new Date(ms).toISOString().slice(0, 10) !== options.asOf) {
      throw new RangeError(`asOf must be a date YYYY-MM-DD, got "${options.asOf}"`);
    }
    asOfDay = ms / 86_400_000;
  } else {
    const last = db
      .prepare(`SELECT MAX(placed_at) FROM orders WHERE status NOT IN ('cancelled', 'returned')`)
      .pluck()
      .get() as number | null;
    if (last === null) return { asOf: '', windowDays, customers: [] };
    asOfDay = Math.floor(last / DAY);
  }
  const rows = db
    .prepare(
      `SELECT customer_id, MAX(placed_at), COUNT(*), SUM(amount) FROM orders
       WHERE customer_id IS NOT NULL AND status NOT IN ('cancelled', 'returned')
         AND placed_at >= ? AND placed_at < ?
       GROUP BY customer_id ORDER BY customer_id`,
    )
    .raw()
    .all((asOfDay - windowDays + 1) * DAY, (asOfDay + 1) * DAY) as [number, number, number, number][];
  const recency = Float64Array.from(rows, (r) => asOfDay - Math.floor(r[1] / DAY));
  const frequency = Float64Array.from(rows, (r) => r[2]);
  const monetary = Float64Array.from(rows, (r) => r[3]);
  const R = quintileScores(recency, false);
  const F = quintileScores(frequency);
  const M = quintileScores(monetary);
  const customers = rows.map((row, i): RfmCustomer => {
    const r = R[i]!;
    const f = F[i]!;
    const m = M[i]!;
    return {
      customerId: row[0],
      recencyDays: recency[i]!,
      frequency: frequency[i]!,
      monetary: Math.round(monetary[i]! * 100) / 100,
      r,
      f,
      m,
      segment: segments.get(`${r}${f}${m}`)!,
    };
  });
  return { asOf: new Date(asOfDay * 86_400_000).toISOString().slice(0, 10), windowDays, customers };
}
