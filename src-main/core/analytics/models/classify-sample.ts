/**
 * Classify's rows on a big shop: labels first, then a sample, then features. Labels of every customer are a few
 * bytes each (classify-data.ts LabelSet), so the seeded stratified sample of the rows a model is fitted or
 * evaluated on is drawn before any feature is read, and only the sampled customers' features are built. On a shop
 * below the caps every labelled row is kept and the rows are those the whole-shop matrices gave.
 */
import type { Db } from '../../db/workspace.ts';
import { Rng } from '../../sample/rng.ts';
import { isoOf } from './churn.ts';
import {
  allCustomerIds,
  classifyFeatures,
  preferredCategoryAt,
  type CategoryFeature,
  type ClassifyMatrix,
  type ClassifyTarget,
  type LabelSet,
  type Vocabulary,
} from './classify-data.ts';
import { POOL_ENOUGH } from './job.ts';

/**
 * Seeded stratified sample of exactly min(max, n) positions of y (ascending): each class gets its share of `max`
 * rounded by largest remainder (so every class is within one row of its exact share), drawn by a seeded shuffle.
 */
export function stratifiedSample(y: Int32Array, k: number, max: number, seed: number): Int32Array {
  const n = y.length;
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const count = new Float64Array(k);
  for (const c of y) count[c]!++;
  const quota = new Int32Array(k);
  let given = 0;
  for (let c = 0; c < k; c++) given += quota[c] = Math.floor((max * count[c]!) / n);
  const byRemainder = Array.from({ length: k }, (_, c) => c).sort(
    (a, b) => (max * count[b]!) / n - quota[b]! - ((max * count[a]!) / n - quota[a]!) || a - b,
  );
  for (let t = 0; given < max; t++, given++) quota[byRemainder[t % k]!]!++;
  // Positions grouped by class (a counting sort), then a partial Fisher–Yates shuffle per class.
  const start = new Int32Array(k + 1);
  for (let c = 0; c < k; c++) start[c + 1] = start[c]! + count[c]!;
  const fill = start.slice(0, k);
  const grouped = new Int32Array(n);
  for (let i = 0; i < n; i++) grouped[fill[y[i]!]!++] = i;
  const rng = new Rng(seed, 0x63617073);
  const out = new Int32Array(max);
  let at = 0;
  for (let c = 0; c < k; c++) {
    const a = grouped.subarray(start[c]!, start[c + 1]!);
    for (let t = 0; t < quota[c]!; t++) {
      const j = t + rng.int(a.length - t);
      const v = a[j]!;
      a[j] = a[t]!;
      a[t] = v;
      out[at++] = v;
    }
  }
  return out.sort();
}

/**
 * Customers a big shop's vocabulary is read from (classify-data.ts vocabularyAt): past this many customers a seeded
 * uniform sample of this size, ascending; null (everyone) up to it.
 */
export const VOCABULARY_SAMPLE = 50_000;

export function vocabularySample(db: Db, seed: number, max = VOCABULARY_SAMPLE): Int32Array | null {
  const ids = allCustomerIds(db);
  if (ids.length <= max) return null;
  const rng = new Rng(seed, 0x766f6361);
  for (let t = 0; t < max; t++) {
    const j = t + rng.int(ids.length - t);
    const v = ids[j]!;
    ids[j] = ids[t]!;
    ids[t] = v;
  }
  return ids.slice(0, max).sort();
}

/** Rows (positions in some row list) with their classes. */
export interface RowsWithClasses {
  rows: Int32Array;
  y: Int32Array;
}

/** At most `max` of the rows, a seeded stratified sample (see stratifiedSample); the same object when within. */
export function capRows<T extends RowsWithClasses>(l: T, k: number, max: number, seed: number): T {
  if (l.rows.length <= max) return l;
  const keep = stratifiedSample(l.y, k, max, seed);
  return { ...l, rows: keep.map((i) => l.rows[i]!), y: keep.map((i) => l.y[i]!) };
}

/** Labelled rows of one or more windows: window by window, customers ascending within a window. */
export interface LabelPool {
  /** Cut-off day of each window. */
  cutoffs: number[];
  window: Int32Array;
  ids: Int32Array;
  /** Indices into names. */
  labels: Int32Array;
  names: string[];
}

/** Concatenates label sets of windows, codes mapped onto one list of names. */
function poolOf(parts: { cutoff: number; ids: Int32Array; codes: Int32Array; names: string[] }[]): LabelPool {
  const n = parts.reduce((a, p) => a + p.ids.length, 0);
  const pool: LabelPool = {
    cutoffs: parts.map((p) => p.cutoff),
    window: new Int32Array(n),
    ids: new Int32Array(n),
    labels: new Int32Array(n),
    names: [],
  };
  const index = new Map<string, number>();
  let at = 0;
  parts.forEach((p, w) => {
    const map = p.names.map((name) => {
      let c = index.get(name);
      if (c === undefined) {
        index.set(name, (c = pool.names.length));
        pool.names.push(name);
      }
      return c;
    });
    pool.window.fill(w, at, at + p.ids.length);
    pool.ids.set(p.ids, at);
    for (let i = 0; i < p.ids.length; i++) pool.labels[at + i] = map[p.codes[i]!]!;
    at += p.ids.length;
  });
  return pool;
}

/**
 * Preferred category: the windows with cut-offs first, first − h, … (up to `count`), each labelled by the h days
 * after its cut-off, while fewer than POOL_ENOUGH are labelled (pooling is for small shops). An earlier window
 * without labelled customers ends it. `firstLabels`: the first window's, when already read.
 */
export function pooledLabels(db: Db, first: number, h: number, count: number, firstLabels?: LabelSet): LabelPool {
  const parts: { cutoff: number; ids: Int32Array; codes: Int32Array; names: string[] }[] = [];
  let labelled = 0;
  for (let k = 0; k < count && labelled < POOL_ENOUGH; k++) {
    const cutoff = first - k * h;
    const l = k === 0 && firstLabels ? firstLabels : preferredCategoryAt(db, cutoff, h);
    if (k > 0 && l.ids.length === 0) break;
    parts.push({ cutoff, ...l });
    labelled += l.ids.length;
  }
  return poolOf(parts);
}

/** A single window's labels (codes −1 = unlabelled are left out). */
export function singleWindow(cutoff: number, l: { ids: Int32Array; codes: Int32Array; names: string[] }): LabelPool {
  const keep = Int32Array.from({ length: l.ids.length }, (_, i) => i).filter((i) => l.codes[i]! >= 0);
  return poolOf([{ cutoff, ids: keep.map((i) => l.ids[i]!), codes: keep.map((i) => l.codes[i]!), names: l.names }]);
}

export const poolCutoffs = (pool: LabelPool) => pool.cutoffs.map(isoOf);

/** The classes: labels with ≥ minSize rows (among `rows`, default all), most common first, then by name. */
export function chooseClasses(pool: LabelPool, minSize: number, rows?: Int32Array): string[] {
  const count = new Float64Array(pool.names.length);
  if (rows) for (const i of rows) count[pool.labels[i]!]!++;
  else for (const c of pool.labels) count[c]!++;
  return pool.names
    .map((name, c) => [name, count[c]!] as const)
    .filter(([, c]) => c >= minSize)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name]) => name);
}

/** Rows (all, or `rows` ascending) whose label is one of the classes, with class indices; the others counted. */
export function encodePool(
  pool: LabelPool,
  classes: string[],
  rows?: Int32Array,
): RowsWithClasses & { dropped: number } {
  const classOf = Int32Array.from(pool.names, (name) => classes.indexOf(name));
  const from = rows ?? Int32Array.from({ length: pool.ids.length }, (_, i) => i);
  const kept = from.filter((i) => classOf[pool.labels[i]!]! >= 0);
  return { rows: kept, y: kept.map((i) => classOf[pool.labels[i]!]!), dropped: from.length - kept.length };
}

/**
 * The feature matrix of the given pool rows (ascending), window by window, built for those customers only; its
 * row r is pool row rows[r].
 */
export function featuresOfRows(
  db: Db,
  pool: LabelPool,
  rows: Int32Array,
  vocab: Vocabulary,
  target: ClassifyTarget,
  perCategory: readonly CategoryFeature[],
): ClassifyMatrix {
  const parts: ClassifyMatrix[] = [];
  for (let w = 0; w < pool.cutoffs.length; w++) {
    const ids = rows.filter((i) => pool.window[i] === w).map((i) => pool.ids[i]!);
    const m = classifyFeatures(db, pool.cutoffs[w]!, vocab, target, perCategory, ids);
    // Every labelled customer had a sale before the cut-off, so each has its row.
    if (m.n !== ids.length) throw new Error(`features for ${m.n} of ${ids.length} labelled customers`);
    parts.push(m);
  }
  return stack(parts);
}

/** Rows of several matrices with the same columns, one after another. */
function stack(ms: ClassifyMatrix[]): ClassifyMatrix {
  const first = ms[0]!;
  if (ms.length === 1) return first;
  const n = ms.reduce((a, m) => a + m.n, 0);
  const X = new Float64Array(n * first.d);
  const customerIds = new Int32Array(n);
  const firstSaleDay = new Float64Array(n);
  const externalIds: string[] = [];
  let at = 0;
  for (const m of ms) {
    X.set(m.X, at * first.d);
    customerIds.set(m.customerIds, at);
    firstSaleDay.set(m.firstSaleDay, at);
    for (const e of m.externalIds) externalIds.push(e);
    at += m.n;
  }
  return { ...first, customerIds, externalIds, firstSaleDay, X, n };
}
