/**
 * The customer feature matrix for clustering: one row per customer with at
 * least one sale (an order neither cancelled nor returned) on or before the
 * as-of day, in customer id order.
 *   recency   days from the last sale to the as-of day
 *   frequency number of sale orders
 *   monetary  total sale amount
 *   tenure    days from the first sale to the as-of day
 *   aov       average order value, monetary / frequency
 */
import type { Db } from '../../db/workspace.ts';

const DAY = 86_400;

export const FEATURES = ['recency', 'frequency', 'monetary', 'tenure', 'aov'] as const;
export type FeatureName = (typeof FEATURES)[number];

export interface FeatureMatrix {
  /** `YYYY-MM-DD`, '' when there are no sales. */
  asOf: string;
  features: FeatureName[];
  customerIds: Int32Array;
  /** n × d row-major, columns in `features` order. */
  data: Float64Array;
  n: number;
  d: number;
}

export function isFeature(name: string): name is FeatureName {
  return (FEATURES as readonly string[]).includes(name);
}

/** Parses `YYYY-MM-DD` into a day number (days since 1970-01-01, UTC). */
function dayOf(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(ms).toISOString().slice(0, 10) !== iso) {
    throw new RangeError(`asOf must be a date YYYY-MM-DD, got "${iso}"`);
  }
  return ms / 86_400_000;
}

/** Builds the matrix; `asOf` defaults to the day of the latest sale. */
export function customerFeatures(db: Db, features: readonly string[], options: { asOf?: string } = {}): FeatureMatrix {
  if (features.length === 0) throw new RangeError('choose at least one feature');
  for (const f of features) {
    if (!isFeature(f)) throw new RangeError(`unknown feature "${f}" (expected one of ${FEATURES.join(', ')})`);
  }
  if (new Set(features).size !== features.length) throw new RangeError('a feature is listed twice');
  const names = features as FeatureName[];
  let asOfDay: number;
  if (options.asOf !== undefined) asOfDay = dayOf(options.asOf);
  else {
    const last = db
      .prepare(`SELECT MAX(placed_at) FROM orders WHERE status NOT IN ('cancelled', 'returned')`)
      .pluck()
      .get() as number | null;
    if (last === null) {
      return {
        asOf: '',
        features: names,
        customerIds: new Int32Array(0),
        data: new Float64Array(0),
        n: 0,
        d: names.length,
      };
    }
    asOfDay = Math.floor(last / DAY);
  }
  const rows = db
    .prepare(
      `SELECT customer_id, MIN(placed_at), MAX(placed_at), COUNT(*), SUM(amount) FROM orders
       WHERE customer_id IS NOT NULL AND status NOT IN ('cancelled', 'returned') AND placed_at < ?
       GROUP BY customer_id ORDER BY customer_id`,
    )
    .raw()
    .all((asOfDay + 1) * DAY) as [number, number, number, number, number][];
  const n = rows.length;
  const d = names.length;
  const data = new Float64Array(n * d);
  const customerIds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [id, first, last, count, total] = rows[i]!;
    customerIds[i] = id;
    for (let j = 0; j < d; j++) {
      const f = names[j]!;
      data[i * d + j] =
        f === 'recency'
          ? asOfDay - Math.floor(last / DAY)
          : f === 'frequency'
            ? count
            : f === 'monetary'
              ? total
              : f === 'tenure'
                ? asOfDay - Math.floor(first / DAY)
                : total / count;
    }
  }
  return {
    asOf: new Date(asOfDay * 86_400_000).toISOString().slice(0, 10),
    features: names,
    customerIds,
    data,
    n,
    d,
  };
}
