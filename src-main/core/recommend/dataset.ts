/**
 * Explicit ratings as compact parallel arrays, and the sparse (CSR) views of a
 * training subset that the algorithms read. Indices are dense 0..n-1 in order
 * of first appearance; the workspace ids are kept to map results back.
 */
import type { Db } from '../db/workspace.ts';

export interface RatingsData {
  nUsers: number;
  nItems: number;
  /** Per rating, in workspace order (ratings.id): dense user index, item index, value. */
  users: Int32Array;
  items: Int32Array;
  ratings: Float64Array;
  /** Dense index → workspace customers.id / products.id (or the raw ids given to fromArrays). */
  userIds: Int32Array;
  itemIds: Int32Array;
  scaleMin: number;
  scaleMax: number;
}

/** Compressed sparse rows: row r holds indices/values[indptr[r] .. indptr[r+1]). */
export interface Csr {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

export interface TrainSet {
  data: RatingsData;
  /** Rating positions (into data.*) that form this training set, in training order. */
  rows: Int32Array;
  globalMean: number;
  /** Row = user, entries = (item, rating). */
  byUser: Csr;
  /** Row = item, entries = (user, rating). */
  byItem: Csr;
}

/** Loads every rating of the workspace. The scale is the widest declared by any row. */
export function loadRatings(db: Db): RatingsData {
  const count = (db.prepare('SELECT count(*) AS n FROM ratings').get() as { n: number }).n;
  const rawUsers = new Int32Array(count);
  const rawItems = new Int32Array(count);
  const values = new Float64Array(count);
  let scaleMin = Infinity;
  let scaleMax = -Infinity;
  let k = 0;
  // raw() rows are arrays: no per-row object with named keys for 100k+ rows.
  const stmt = db
    .prepare('SELECT customer_id, product_id, rating, scale_min, scale_max FROM ratings ORDER BY id')
    .raw(true);
  for (const row of stmt.iterate() as Iterable<[number, number, number, number, number]>) {
    if (k >= count) break;
    rawUsers[k] = row[0];
    rawItems[k] = row[1];
    values[k] = row[2];
    if (row[3] < scaleMin) scaleMin = row[3];
    if (row[4] > scaleMax) scaleMax = row[4];
    k++;
  }
  if (k === 0) return fromArrays([], [], [], { min: 1, max: 5 });
  return fromArrays(rawUsers.subarray(0, k), rawItems.subarray(0, k), values.subarray(0, k), {
    min: scaleMin,
    max: scaleMax,
  });
}

/** Builds a data set from raw integer ids (tests, generated data). */
export function fromArrays(
  rawUsers: ArrayLike<number>,
  rawItems: ArrayLike<number>,
  values: ArrayLike<number>,
  scale: { min: number; max: number },
): RatingsData {
  const n = rawUsers.length;
  if (rawItems.length !== n || values.length !== n) throw new Error('ratings arrays differ in length');
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const userMap = new Map<number, number>();
  const itemMap = new Map<number, number>();
  const userIds: number[] = [];
  const itemIds: number[] = [];
  for (let k = 0; k < n; k++) {
    const ru = rawUsers[k]!;
    let u = userMap.get(ru);
    if (u === undefined) {
      u = userIds.length;
      userMap.set(ru, u);
      userIds.push(ru);
    }
    const ri = rawItems[k]!;
    let i = itemMap.get(ri);
    if (i === undefined) {
      i = itemIds.length;
      itemMap.set(ri, i);
      itemIds.push(ri);
    }
    users[k] = u;
    items[k] = i;
  }
  return {
    nUsers: userIds.length,
    nItems: itemIds.length,
    users,
    items,
    ratings: Float64Array.from(values),
    userIds: Int32Array.from(userIds),
    itemIds: Int32Array.from(itemIds),
    scaleMin: scale.min,
    scaleMax: scale.max,
  };
}

/**
 * CSR of the given rating positions grouped by `keys` (users or items). A
 * counting sort keeps each row in training order, like Surprise's ur/ir lists,
 * so tie-breaks among equally similar neighbours follow the same order.
 */
function buildCsr(nRows: number, keys: Int32Array, others: Int32Array, values: Float64Array, rows: Int32Array): Csr {
  const indptr = new Int32Array(nRows + 1);
  for (let t = 0; t < rows.length; t++) indptr[keys[rows[t]!]! + 1]!++;
  for (let r = 0; r < nRows; r++) indptr[r + 1]! += indptr[r]!;
  const fill = indptr.slice(0, nRows);
  const indices = new Int32Array(rows.length);
  const vals = new Float64Array(rows.length);
  for (let t = 0; t < rows.length; t++) {
    const k = rows[t]!;
    const pos = fill[keys[k]!]!++;
    indices[pos] = others[k]!;
    vals[pos] = values[k]!;
  }
  return { indptr, indices, values: vals };
}

export function buildTrainSet(data: RatingsData, rows: Int32Array): TrainSet {
  let sum = 0;
  for (let t = 0; t < rows.length; t++) sum += data.ratings[rows[t]!]!;
  return {
    data,
    rows,
    globalMean: rows.length > 0 ? sum / rows.length : (data.scaleMin + data.scaleMax) / 2,
    byUser: buildCsr(data.nUsers, data.users, data.items, data.ratings, rows),
    byItem: buildCsr(data.nItems, data.items, data.users, data.ratings, rows),
  };
}

/** Training set over every rating (fitting a model for use rather than evaluation). */
export function fullTrainSet(data: RatingsData): TrainSet {
  const rows = new Int32Array(data.users.length);
  for (let k = 0; k < rows.length; k++) rows[k] = k;
  return buildTrainSet(data, rows);
}

export function rowLength(csr: Csr, r: number): number {
  return csr.indptr[r + 1]! - csr.indptr[r]!;
}

/** A fitted model. Indices are the data set's dense indices; the estimate is clipped to the scale. */
export interface Predictor {
  predict(u: number, i: number): number;
}

export interface Algorithm {
  readonly name: string;
  fit(train: TrainSet): Predictor;
}

export function clip(x: number, data: RatingsData): number {
  return x < data.scaleMin ? data.scaleMin : x > data.scaleMax ? data.scaleMax : x;
}
