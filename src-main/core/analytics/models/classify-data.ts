/**
 * Data for the classify analysis: one row per customer with a sale before a
 * cut-off, features from history strictly before it, and a class target.
 *   history   the churn features (RFM, tenure, gaps, discounts; churn.ts)
 *   age       one-hot 少年/青年/中年/老年 (the sample model's age bins,
 *             age = cut-off year − birth year) or unknown
 *   gender    one-hot female/male/other/unknown
 *   city      one-hot over a fixed city list, other, unknown
 * Per category c (default: share and orders):
 *   share:<c>  share of the customer's item spend in c
 *   orders:<c> number of the customer's sales with an item of c. A count,
 *              not a share: how sure a history is grows with its length
 *              (two of two orders is weaker evidence than twenty of twenty),
 *              and the log-odds of a favourite add up per purchase
 * and on request (perCategory; on the sample shops they added no accuracy):
 *   orderShare:<c>  share of the customer's sales with c
 *   recentShare:<c> share of item spend in c over the last 180 days
 *   recency:<c>     days since the last purchase in c (never: the history
 *              length, so "never" reads as "longest ago")
 *   browse:<c> share of the customer's product events (view, cart,
 *              favourite) in c; browseEvents = their number
 * The vocabulary (cities, categories) is fixed once from the training
 * window, so every window's matrix has the same columns.
 *
 * Targets: 'preferred-category' = the category with the most item spend in
 * the horizon after the cut-off (customers without item purchases there have
 * no label); or a customers column (gender, ageGroup, city, country,
 * occupation), whose own one-hot features are then left out.
 */
import type { Db } from '../../db/workspace.ts';
import { ageGroups, ageRanges } from '../../sample/model.ts';
import type { FeatureGroup } from './importance.ts';
import { CHURN_FEATURES, churnFeatures, DAY } from './churn.ts';

export const TARGET_COLUMNS = ['gender', 'ageGroup', 'city', 'country', 'occupation'] as const;
export type TargetColumn = (typeof TARGET_COLUMNS)[number];
export type ClassifyTarget = 'preferred-category' | TargetColumn;

const SALE = `o.status NOT IN ('cancelled', 'returned')`;
const GENDERS = ['female', 'male', 'other'] as const;

export interface Vocabulary {
  cities: string[];
  categories: string[];
}

export interface ClassifyMatrix {
  customerIds: Int32Array;
  externalIds: string[];
  /** Day number of each customer's first sale (for time-ordered splits). */
  firstSaleDay: Float64Array;
  /** n × d row-major, raw units (shares in [0, 1], one-hots 0/1). */
  X: Float64Array;
  n: number;
  d: number;
  features: string[];
  /** Columns that are permuted together for importance (one-hots of one variable). */
  groups: FeatureGroup[];
}

interface Person {
  gender: string | null;
  birthYear: number | null;
  city: string | null;
  country: string | null;
  occupation: string | null;
}

/**
 * Per-customer reads join a temporary table of the customer ids wanted (a training sample or a block being scored):
 * SQLite then reads those customers' rows through the customer indexes instead of every customer's, and the maps
 * built below hold one block, never a million customers.
 */
const SCOPE = 'temp.classify_scope';
/** Customers per scope: bounds the per-block maps and matrices (a block's features are ~25,000 × d doubles). */
export const SCOPE_BLOCK = 25_000;

function withScope<T>(db: Db, ids: Int32Array, fn: () => T): T {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS classify_scope(id INTEGER PRIMARY KEY)`);
  db.exec(`DELETE FROM ${SCOPE}`);
  const insert = db.prepare(`INSERT OR IGNORE INTO ${SCOPE}(id) VALUES (?)`);
  db.transaction(() => {
    for (const id of ids) insert.run(id);
  })();
  try {
    return fn();
  } finally {
    db.exec(`DELETE FROM ${SCOPE}`);
  }
}

/** Ascending ids in blocks of SCOPE_BLOCK. */
function* blocks(ids: Int32Array): Generator<Int32Array> {
  for (let at = 0; at < ids.length; at += SCOPE_BLOCK) yield ids.subarray(at, at + SCOPE_BLOCK);
}

/** Every customer id, ascending (4 bytes a customer). */
export function allCustomerIds(db: Db): Int32Array {
  const n = db.prepare(`SELECT COUNT(*) FROM customers`).pluck().get() as number;
  const ids = new Int32Array(n);
  let i = 0;
  for (const id of db.prepare(`SELECT id FROM customers ORDER BY id`).pluck().iterate() as IterableIterator<number>) {
    if (i < n) ids[i++] = id;
  }
  return ids.subarray(0, i);
}

function people(db: Db): Map<number, Person> {
  const rows = db
    .prepare(
      `SELECT c.id, c.gender, c.birth_year, c.city, c.country, c.occupation FROM ${SCOPE} s CROSS JOIN customers c ON c.id = s.id`,
    )
    .raw()
    .all() as [number, string | null, number | null, string | null, string | null, string | null][];
  return new Map(
    rows.map(([id, gender, birthYear, city, country, occupation]) => [
      id,
      { gender, birthYear, city, country, occupation },
    ]),
  );
}

/** Age group index (as ageGroups) of someone born in birthYear, seen in the cut-off's year; −1 when unknown. */
export function ageGroupOf(birthYear: number | null, cutoffDay: number): number {
  if (birthYear === null) return -1;
  const age = new Date(cutoffDay * 86_400_000).getUTCFullYear() - birthYear;
  if (!(age >= 0 && age < 130)) return -1;
  // Upper bounds of the first three bins (17, 34, 59): ages above go to the next bin.
  for (let g = 0; g < ageRanges.length - 1; g++) if (age <= ageRanges[g]![1]) return g;
  return ageRanges.length - 1;
}

/** Per (customer, category) history before a cut-off: spend, sales, last sale time, spend in the recent window. */
interface CategoryHistory {
  spend: number;
  sales: number;
  last: number;
  recent: number;
}

const RECENT_DAYS = 180;

function categoryHistory(db: Db, cutoffDay: number): Map<number, Map<string, CategoryHistory>> {
  const cut = cutoffDay * DAY;
  const rows = db
    .prepare(
      `SELECT o.customer_id, p.category, SUM(oi.quantity * oi.unit_price), COUNT(DISTINCT o.id), MAX(o.placed_at),
              SUM(CASE WHEN o.placed_at >= ? THEN oi.quantity * oi.unit_price ELSE 0 END)
       FROM ${SCOPE} s CROSS JOIN orders o ON o.customer_id = s.id JOIN order_items oi ON oi.order_id = o.id
         JOIN products p ON p.id = oi.product_id
       WHERE ${SALE} AND p.category IS NOT NULL AND o.placed_at < ?
       GROUP BY o.customer_id, p.category`,
    )
    .raw()
    .all(cut - RECENT_DAYS * DAY, cut) as [number, string, number, number, number, number][];
  const out = new Map<number, Map<string, CategoryHistory>>();
  for (const [id, cat, spend, sales, last, recent] of rows) {
    let m = out.get(id);
    if (!m) out.set(id, (m = new Map()));
    m.set(cat, { spend: Math.max(0, spend), sales, last, recent: Math.max(0, recent) });
  }
  return out;
}

/** Product events (view, cart, favourite) per (customer, category) before a cut-off. */
function browsing(db: Db, cutoffDay: number): Map<number, Map<string, number>> {
  const rows = db
    .prepare(
      `SELECT e.customer_id, p.category, COUNT(*)
       FROM ${SCOPE} s CROSS JOIN events e ON e.customer_id = s.id JOIN products p ON p.id = e.product_id
       WHERE e.type IN ('view', 'cart', 'favorite') AND p.category IS NOT NULL
         AND e.occurred_at < ?
       GROUP BY e.customer_id, p.category`,
    )
    .raw()
    .all(cutoffDay * DAY) as [number, string, number][];
  const out = new Map<number, Map<string, number>>();
  for (const [id, cat, count] of rows) {
    let m = out.get(id);
    if (!m) out.set(id, (m = new Map()));
    m.set(cat, count);
  }
  return out;
}

/** Item spend per (customer, category) in [from, to) day numbers, of the customers in scope. */
function categorySpend(db: Db, fromDay: number, toDay: number): Map<number, Map<string, number>> {
  const rows = db
    .prepare(
      `SELECT o.customer_id, p.category, SUM(oi.quantity * oi.unit_price)
       FROM ${SCOPE} s CROSS JOIN orders o ON o.customer_id = s.id JOIN order_items oi ON oi.order_id = o.id
         JOIN products p ON p.id = oi.product_id
       WHERE ${SALE} AND p.category IS NOT NULL AND o.placed_at >= ? AND o.placed_at < ?
       GROUP BY o.customer_id, p.category`,
    )
    .raw()
    .all(fromDay * DAY, toDay * DAY) as [number, string, number][];
  const out = new Map<number, Map<string, number>>();
  for (const [id, cat, amount] of rows) {
    if (!(amount > 0)) continue;
    let m = out.get(id);
    if (!m) out.set(id, (m = new Map()));
    m.set(cat, amount);
  }
  return out;
}

/** The category with the most spend (ties: alphabetical first), or null. */
function topCategory(m: Map<string, number> | undefined): string | null {
  if (!m) return null;
  let best: string | null = null;
  let bestV = -Infinity;
  for (const [c, v] of m) if (v > bestV || (v === bestV && best !== null && c < best)) [best, bestV] = [c, v];
  return best;
}

/**
 * Cities (top `maxCities` by customers with a sale before the cut-off) and categories (by spend before it). `sample`
 * (ascending customer ids): read from those customers' history only — a big shop's whole history is a pass over
 * every order line (about ten minutes for 23 million lines on a busy two-core machine), and a few tens of thousands
 * of customers rank a shop's cities and categories just as well.
 */
export function vocabularyAt(
  db: Db,
  cutoffDay: number,
  maxCities = 8,
  maxCategories = 20,
  sample?: Int32Array,
): Vocabulary {
  const read = (customers: string, lines: string): Vocabulary => {
    const cities = db
      .prepare(
        `SELECT c.city FROM ${customers}
         WHERE c.city IS NOT NULL AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND ${SALE} AND o.placed_at < ?)
         GROUP BY c.city ORDER BY COUNT(*) DESC, c.city LIMIT ?`,
      )
      .pluck()
      .all(cutoffDay * DAY, maxCities) as string[];
    const categories = db
      .prepare(
        `SELECT p.category FROM ${lines} JOIN products p ON p.id = oi.product_id
         WHERE ${SALE} AND p.category IS NOT NULL AND o.placed_at < ?
         GROUP BY p.category ORDER BY SUM(oi.quantity * oi.unit_price) DESC, p.category LIMIT ?`,
      )
      .pluck()
      .all(cutoffDay * DAY, maxCategories) as string[];
    return { cities, categories };
  };
  if (!sample) return read('customers c', 'order_items oi JOIN orders o ON o.id = oi.order_id');
  return withScope(db, sample, () =>
    read(
      `${SCOPE} s CROSS JOIN customers c ON c.id = s.id`,
      `${SCOPE} s CROSS JOIN orders o ON o.customer_id = s.id JOIN order_items oi ON oi.order_id = o.id`,
    ),
  );
}

interface CustomerTotals {
  spend: number;
  recent: number;
  sales: number;
  events: number;
  /** The cut-off (seconds) and the "never bought" recency (days). */
  now: number;
  never: number;
}

/** One per-category column's value for a customer's history h in that category (undefined: never bought it). */
function categoryValue(
  kind: CategoryFeature,
  h: CategoryHistory | undefined,
  all: CustomerTotals,
  browsedHere: number,
): number {
  switch (kind) {
    case 'share':
      return all.spend > 0 && h ? h.spend / all.spend : 0;
    case 'orders':
      return h?.sales ?? 0;
    case 'orderShare':
      return all.sales > 0 && h ? h.sales / all.sales : 0;
    case 'recentShare':
      return all.recent > 0 && h ? h.recent / all.recent : 0;
    case 'recency':
      return h ? (all.now - h.last) / DAY : all.never;
    case 'browse':
      return all.events > 0 ? browsedHere / all.events : 0;
  }
}

/** Groups of per-category columns; see the module comment. */
export const CATEGORY_FEATURES = ['share', 'orders', 'orderShare', 'recentShare', 'recency', 'browse'] as const;
export type CategoryFeature = (typeof CATEGORY_FEATURES)[number];
export const DEFAULT_CATEGORY_FEATURES: readonly CategoryFeature[] = ['share', 'orders'];

interface Layout {
  features: string[];
  groups: FeatureGroup[];
  useAge: boolean;
  useGender: boolean;
  useCity: boolean;
  useBrowse: boolean;
  kinds: CategoryFeature[];
}

/** The columns, in order, for a target and the per-category groups asked for. */
function layoutOf(vocab: Vocabulary, target: ClassifyTarget, perCategory: readonly CategoryFeature[]): Layout {
  const features: string[] = [];
  const groups: FeatureGroup[] = [];
  const add = (group: string, names: string[]) => {
    groups.push({ name: group, columns: names.map((_, t) => features.length + t) });
    features.push(...names);
  };
  for (const f of CHURN_FEATURES) add(f, [f]);
  const useAge = target !== 'ageGroup';
  const useGender = target !== 'gender';
  // Country and city describe the same place: predicting either leaves out the city columns.
  const useCity = target !== 'city' && target !== 'country';
  const useBrowse = perCategory.includes('browse');
  if (useAge) add('age', [...ageGroups.map((g) => `age=${g}`), 'age=unknown']);
  if (useGender) add('gender', [...GENDERS.map((g) => `gender=${g}`), 'gender=unknown']);
  if (useCity) add('city', [...vocab.cities.map((c) => `city=${c}`), 'city=other', 'city=unknown']);
  const kinds = CATEGORY_FEATURES.filter((f) => perCategory.includes(f));
  for (const kind of kinds) for (const c of vocab.categories) add(`${kind}:${c}`, [`${kind}:${c}`]);
  if (useBrowse) add('browseEvents', ['browseEvents']);
  return { features, groups, useAge, useGender, useCity, useBrowse, kinds };
}

interface Block {
  customerIds: Int32Array;
  externalIds: string[];
  firstSaleDay: Float64Array;
  X: Float64Array;
  n: number;
}

/** The rows of the customers in scope (those with a sale before the cut-off), in customer id order. */
function scopedRows(db: Db, cutoffDay: number, vocab: Vocabulary, layout: Layout, never: number): Block {
  const { useAge, useGender, useCity, useBrowse, kinds } = layout;
  const base = churnFeatures(db, cutoffDay, SCOPE);
  const who = people(db);
  const history = categoryHistory(db, cutoffDay);
  const browsed = useBrowse ? browsing(db, cutoffDay) : new Map<number, Map<string, number>>();
  const { n } = base;
  const d = layout.features.length;
  const X = new Float64Array(n * d);
  const firstSaleDay = new Float64Array(n);
  const tenureCol = CHURN_FEATURES.indexOf('tenure');
  const frequencyCol = CHURN_FEATURES.indexOf('frequency');
  const cut = cutoffDay * DAY;
  const nc = vocab.categories.length;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let col = 0;
    for (let j = 0; j < base.d; j++) X[o + col++] = base.X[i * base.d + j]!;
    firstSaleDay[i] = cutoffDay - base.X[i * base.d + tenureCol]!;
    const id = base.customerIds[i]!;
    const p = who.get(id);
    if (useAge) {
      const g = ageGroupOf(p?.birthYear ?? null, cutoffDay);
      X[o + col + (g < 0 ? ageGroups.length : g)] = 1;
      col += ageGroups.length + 1;
    }
    if (useGender) {
      const g = GENDERS.indexOf((p?.gender ?? '') as (typeof GENDERS)[number]);
      X[o + col + (g < 0 ? GENDERS.length : g)] = 1;
      col += GENDERS.length + 1;
    }
    if (useCity) {
      const city = p?.city ?? null;
      const c = city === null ? vocab.cities.length + 1 : vocab.cities.indexOf(city);
      X[o + col + (c < 0 ? vocab.cities.length : c)] = 1;
      col += vocab.cities.length + 2;
    }
    const m = history.get(id);
    let total = 0;
    let recentTotal = 0;
    if (m) {
      for (const v of m.values()) {
        total += v.spend;
        recentTotal += v.recent;
      }
    }
    const sales = base.X[i * base.d + frequencyCol]!;
    const b = browsed.get(id);
    let events = 0;
    if (b) for (const v of b.values()) events += v;
    for (const kind of kinds) {
      for (let t = 0; t < nc; t++) {
        const h = m?.get(vocab.categories[t]!);
        const totals = { spend: total, recent: recentTotal, sales, events, now: cut, never };
        X[o + col + t] = categoryValue(kind, h, totals, b?.get(vocab.categories[t]!) ?? 0);
      }
      col += nc;
    }
    if (useBrowse) X[o + col] = events;
  }
  return { customerIds: base.customerIds, externalIds: base.externalIds, firstSaleDay, X, n };
}

/**
 * The feature matrix at a cut-off (features use sales and events strictly before its first second), of the
 * customers with a sale before it: every such customer, or those among `ids` (ascending) — a sample or a block,
 * read block by block so no step holds the whole shop's per-customer maps.
 */
export function classifyFeatures(
  db: Db,
  cutoffDay: number,
  vocab: Vocabulary,
  target: ClassifyTarget,
  perCategory: readonly CategoryFeature[] = DEFAULT_CATEGORY_FEATURES,
  ids: Int32Array = allCustomerIds(db),
): ClassifyMatrix {
  const layout = layoutOf(vocab, target, perCategory);
  const d = layout.features.length;
  const cut = cutoffDay * DAY;
  // "Never bought c" as a recency: longer ago than any sale in the shop's history.
  const oldest = db
    .prepare(`SELECT MIN(o.placed_at) FROM orders o WHERE ${SALE} AND o.placed_at < ?`)
    .pluck()
    .get(cut) as number | null;
  const never = oldest === null ? 0 : Math.max(0, (cut - oldest) / DAY) + 1;
  const parts: Block[] = [];
  for (const block of blocks(ids))
    parts.push(withScope(db, block, () => scopedRows(db, cutoffDay, vocab, layout, never)));
  const n = parts.reduce((a, p) => a + p.n, 0);
  const out: ClassifyMatrix = {
    customerIds: new Int32Array(n),
    externalIds: [],
    firstSaleDay: new Float64Array(n),
    X: new Float64Array(n * d),
    n,
    d,
    features: layout.features,
    groups: layout.groups,
  };
  let at = 0;
  for (const p of parts) {
    out.customerIds.set(p.customerIds, at);
    out.firstSaleDay.set(p.firstSaleDay, at);
    out.X.set(p.X, at * d);
    for (const e of p.externalIds) out.externalIds.push(e);
    at += p.n;
  }
  return out;
}

/**
 * Class labels of customers: `ids` ascending, `codes` indices into `names` (−1: no label), and for column targets
 * the day of each customer's first sale (for time-ordered hold-outs). Compact on purpose: a million customers'
 * labels are a few megabytes, so a sample can be drawn before any feature is read.
 */
export interface LabelSet {
  ids: Int32Array;
  codes: Int32Array;
  names: string[];
  firstSaleDay: Float64Array | null;
}

/** Growable (id, code, day) columns. */
class LabelBuilder {
  ids = new Int32Array(1024);
  codes = new Int32Array(1024);
  days = new Float64Array(1024);
  n = 0;
  readonly index = new Map<string, number>();
  readonly names: string[] = [];

  code(label: string | null): number {
    if (label === null) return -1;
    let c = this.index.get(label);
    if (c === undefined) {
      c = this.names.length;
      this.index.set(label, c);
      this.names.push(label);
    }
    return c;
  }

  push(id: number, code: number, day: number): void {
    if (this.n === this.ids.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, b: T) => (b.set(a), b);
      this.ids = grow(this.ids, new Int32Array(this.n * 2));
      this.codes = grow(this.codes, new Int32Array(this.n * 2));
      this.days = grow(this.days, new Float64Array(this.n * 2));
    }
    this.ids[this.n] = id;
    this.codes[this.n] = code;
    this.days[this.n] = day;
    this.n++;
  }
}

/**
 * Preferred category in [cut-off, cut-off + h) of the customers with a sale before the cut-off (the rows a feature
 * matrix there has) and with item purchases in the window: the category with the most spend, ties alphabetical.
 */
export function preferredCategoryAt(db: Db, cutoffDay: number, horizonDays: number): LabelSet {
  const rows = db
    .prepare(
      `SELECT o.customer_id, p.category, SUM(oi.quantity * oi.unit_price)
       FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id
       WHERE o.customer_id IS NOT NULL AND ${SALE} AND p.category IS NOT NULL
         AND o.placed_at >= ? AND o.placed_at < ?
       GROUP BY o.customer_id, p.category ORDER BY o.customer_id, p.category`,
    )
    .raw()
    .iterate(cutoffDay * DAY, (cutoffDay + horizonDays) * DAY) as IterableIterator<[number, string, number]>;
  const window = new LabelBuilder();
  let current = -1;
  const spend = new Map<string, number>();
  const flush = () => {
    const top = topCategory(spend);
    if (current >= 0 && top !== null) window.push(current, window.code(top), 0);
    spend.clear();
  };
  for (const [id, cat, amount] of rows) {
    if (id !== current) {
      flush();
      current = id;
    }
    if (amount > 0) spend.set(cat, amount);
  }
  flush();
  // Only customers with history before the cut-off have a feature row there.
  const before = db
    .prepare(`SELECT 1 FROM orders WHERE customer_id = ? AND status NOT IN ('cancelled', 'returned') AND placed_at < ?`)
    .pluck();
  const out = new LabelBuilder();
  for (let i = 0; i < window.n; i++) {
    const id = window.ids[i]!;
    if (before.get(id, cutoffDay * DAY) !== undefined) out.push(id, out.code(window.names[window.codes[i]!]!), 0);
  }
  return { ids: out.ids.slice(0, out.n), codes: out.codes.slice(0, out.n), names: out.names, firstSaleDay: null };
}

/** A customers column's label (age group from the birth year at the cut-off); null when missing. */
function columnValue(p: Person, column: TargetColumn, cutoffDay: number): string | null {
  if (column === 'ageGroup') {
    const g = ageGroupOf(p.birthYear, cutoffDay);
    return g < 0 ? null : ageGroups[g]!;
  }
  const v = p[column];
  return v === null || v === '' ? null : v;
}

/**
 * A customers column as labels (code −1 when missing) of every customer with a sale before the cut-off, with the
 * day of their first sale, read row by row.
 */
export function columnLabelsAt(db: Db, column: TargetColumn, cutoffDay: number): LabelSet {
  const cut = cutoffDay * DAY;
  const rows = db
    .prepare(
      `SELECT c.id, c.gender, c.birth_year, c.city, c.country, c.occupation, MIN(o.placed_at)
       FROM orders o JOIN customers c ON c.id = o.customer_id
       WHERE ${SALE} AND o.placed_at < ?
       GROUP BY o.customer_id ORDER BY o.customer_id`,
    )
    .raw()
    .iterate(cut) as IterableIterator<
    [number, string | null, number | null, string | null, string | null, string | null, number]
  >;
  const out = new LabelBuilder();
  for (const [id, gender, birthYear, city, country, occupation, first] of rows) {
    const label = columnValue({ gender, birthYear, city, country, occupation }, column, cutoffDay);
    // As the feature matrix states it: the cut-off less the tenure in days.
    out.push(id, out.code(label), cutoffDay - (cut - first) / DAY);
  }
  return {
    ids: out.ids.slice(0, out.n),
    codes: out.codes.slice(0, out.n),
    names: out.names,
    firstSaleDay: out.days.slice(0, out.n),
  };
}

/** The customers column as a label (age group from the birth year at the cut-off); null when missing. */
export function columnLabels(
  db: Db,
  customerIds: Int32Array,
  column: TargetColumn,
  cutoffDay: number,
): (string | null)[] {
  const out: (string | null)[] = [];
  for (const block of blocks(customerIds)) {
    const who = withScope(db, block, () => people(db));
    for (const id of block) {
      const p = who.get(id);
      out.push(p ? columnValue(p, column, cutoffDay) : null);
    }
  }
  return out;
}

/** The category each customer spent most on before the cut-off (the "same as before" baseline); ids ascending. */
export function historyPreferredCategory(db: Db, customerIds: Int32Array, cutoffDay: number): (string | null)[] {
  const out: (string | null)[] = [];
  for (const block of blocks(customerIds)) {
    const spend = withScope(db, block, () => categorySpend(db, -1e7, cutoffDay));
    for (const id of block) out.push(topCategory(spend.get(id)));
  }
  return out;
}
