/**
 * Data for the classify analysis: one row per customer with a sale before a
 * cut-off, features from history strictly before it, and a class target.
 *   history   the churn features (RFM, tenure, gaps, discounts; churn.ts)
 *   age       one-hot 少年/青年/中年/老年 (the sample model's age bins,
 *             age = cut-off year − birth year) or unknown
 *   gender    one-hot female/male/other/unknown
 *   city      one-hot over a fixed city list, other, unknown
 *   share:<c> share of the customer's item spend in category c
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

function people(db: Db): Map<number, Person> {
  const rows = db.prepare(`SELECT id, gender, birth_year, city, country, occupation FROM customers`).raw().all() as [
    number,
    string | null,
    number | null,
    string | null,
    string | null,
    string | null,
  ][];
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

/** Item spend per (customer, category) in [from, to) day numbers. */
function categorySpend(db: Db, fromDay: number, toDay: number): Map<number, Map<string, number>> {
  const rows = db
    .prepare(
      `SELECT o.customer_id, p.category, SUM(oi.quantity * oi.unit_price)
       FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
       WHERE o.customer_id IS NOT NULL AND ${SALE} AND p.category IS NOT NULL
         AND o.placed_at >= ? AND o.placed_at < ?
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

/** Cities (top `maxCities` by customers with a sale before the cut-off) and categories (by spend before it). */
export function vocabularyAt(db: Db, cutoffDay: number, maxCities = 8, maxCategories = 20): Vocabulary {
  const cities = db
    .prepare(
      `SELECT c.city FROM customers c
       WHERE c.city IS NOT NULL AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND ${SALE} AND o.placed_at < ?)
       GROUP BY c.city ORDER BY COUNT(*) DESC, c.city LIMIT ?`,
    )
    .pluck()
    .all(cutoffDay * DAY, maxCities) as string[];
  const categories = db
    .prepare(
      `SELECT p.category FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
       WHERE ${SALE} AND p.category IS NOT NULL AND o.placed_at < ?
       GROUP BY p.category ORDER BY SUM(oi.quantity * oi.unit_price) DESC, p.category LIMIT ?`,
    )
    .pluck()
    .all(cutoffDay * DAY, maxCategories) as string[];
  return { cities, categories };
}

/** The feature matrix at a cut-off (features use sales strictly before its first second). */
export function classifyFeatures(db: Db, cutoffDay: number, vocab: Vocabulary, target: ClassifyTarget): ClassifyMatrix {
  const base = churnFeatures(db, cutoffDay);
  const who = people(db);
  const spend = categorySpend(db, -1e7, cutoffDay);
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
  if (useAge) add('age', [...ageGroups.map((g) => `age=${g}`), 'age=unknown']);
  if (useGender) add('gender', [...GENDERS.map((g) => `gender=${g}`), 'gender=unknown']);
  if (useCity) add('city', [...vocab.cities.map((c) => `city=${c}`), 'city=other', 'city=unknown']);
  for (const c of vocab.categories) add(`share:${c}`, [`share:${c}`]);

  const { n } = base;
  const d = features.length;
  const X = new Float64Array(n * d);
  const firstSaleDay = new Float64Array(n);
  const tenureCol = CHURN_FEATURES.indexOf('tenure');
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let col = 0;
    for (let j = 0; j < base.d; j++) X[o + col++] = base.X[i * base.d + j]!;
    firstSaleDay[i] = cutoffDay - base.X[i * base.d + tenureCol]!;
    const p = who.get(base.customerIds[i]!);
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
    const m = spend.get(base.customerIds[i]!);
    let total = 0;
    if (m) for (const v of m.values()) total += v;
    for (const c of vocab.categories) X[o + col++] = total > 0 ? (m!.get(c) ?? 0) / total : 0;
  }
  return { customerIds: base.customerIds, externalIds: base.externalIds, firstSaleDay, X, n, d, features, groups };
}

/** Preferred category in [cut-off, cut-off + h) per customer (null without item purchases there). */
export function preferredCategoryLabels(
  db: Db,
  customerIds: Int32Array,
  cutoffDay: number,
  horizonDays: number,
): (string | null)[] {
  const spend = categorySpend(db, cutoffDay, cutoffDay + horizonDays);
  return Array.from(customerIds, (id) => topCategory(spend.get(id)));
}

/** The customers column as a label (age group from the birth year at the cut-off); null when missing. */
export function columnLabels(
  db: Db,
  customerIds: Int32Array,
  column: TargetColumn,
  cutoffDay: number,
): (string | null)[] {
  const who = people(db);
  return Array.from(customerIds, (id) => {
    const p = who.get(id);
    if (!p) return null;
    if (column === 'ageGroup') {
      const g = ageGroupOf(p.birthYear, cutoffDay);
      return g < 0 ? null : ageGroups[g]!;
    }
    const v = p[column];
    return v === null || v === '' ? null : v;
  });
}

/** The category each customer spent most on before the cut-off (the "same as before" baseline). */
export function historyPreferredCategory(db: Db, customerIds: Int32Array, cutoffDay: number): (string | null)[] {
  const spend = categorySpend(db, -1e7, cutoffDay);
  return Array.from(customerIds, (id) => topCategory(spend.get(id)));
}
