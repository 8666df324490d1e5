/**
 * Implicit feedback: who bought (or looked at) what, as parallel typed arrays.
 * A log holds one entry per sales order line (and, when asked, per cart/view/
 * favorite event) with a weight; a matrix folds a subset of the log into one
 * (customer, product) cell each, as CSR by customer and by product. Dense
 * indices are 0..n-1 in order of first appearance; the workspace ids are kept.
 */
import type { Db } from '../../db/workspace.ts';
import type { Csr } from '../dataset.ts';

export type EventKind = 'view' | 'search' | 'cart' | 'favorite';

export interface InteractionLog {
  nUsers: number;
  nItems: number;
  /** Dense index → customers.id / products.id (or the raw ids given to logFromArrays). */
  userIds: Int32Array;
  itemIds: Int32Array;
  /** Per entry: dense user, dense item, weight, time (unix s), 1 when it is a sale (order line). */
  user: Int32Array;
  item: Int32Array;
  weight: Float32Array;
  time: Float64Array;
  purchase: Uint8Array;
}

export interface LoadOptions {
  /** Weights of events by type (e.g. { cart: 0.5, view: 0.1 }); types not given are left out. Sales weigh 1. */
  eventWeights?: Partial<Record<EventKind, number>>;
}

/** Grows typed arrays while dense ids are assigned; no per-row objects are kept. */
class LogBuilder {
  private readonly userMap = new Map<number, number>();
  private readonly itemMap = new Map<number, number>();
  private readonly userIds: number[] = [];
  private readonly itemIds: number[] = [];
  n = 0;
  user: Int32Array;
  item: Int32Array;
  weight: Float32Array;
  time: Float64Array;
  purchase: Uint8Array;

  constructor(capacity: number) {
    this.user = new Int32Array(capacity);
    this.item = new Int32Array(capacity);
    this.weight = new Float32Array(capacity);
    this.time = new Float64Array(capacity);
    this.purchase = new Uint8Array(capacity);
  }

  add(rawUser: number, rawItem: number, weight: number, time: number, purchase: boolean): void {
    // The count taken before streaming can be stale if another connection wrote meanwhile.
    if (this.n === this.user.length) return;
    let u = this.userMap.get(rawUser);
    if (u === undefined) {
      u = this.userIds.length;
      this.userMap.set(rawUser, u);
      this.userIds.push(rawUser);
    }
    let i = this.itemMap.get(rawItem);
    if (i === undefined) {
      i = this.itemIds.length;
      this.itemMap.set(rawItem, i);
      this.itemIds.push(rawItem);
    }
    const k = this.n++;
    this.user[k] = u;
    this.item[k] = i;
    this.weight[k] = weight;
    this.time[k] = time;
    this.purchase[k] = purchase ? 1 : 0;
  }

  finish(): InteractionLog {
    const n = this.n;
    return {
      nUsers: this.userIds.length,
      nItems: this.itemIds.length,
      userIds: Int32Array.from(this.userIds),
      itemIds: Int32Array.from(this.itemIds),
      user: this.user.subarray(0, n),
      item: this.item.subarray(0, n),
      weight: this.weight.subarray(0, n),
      time: this.time.subarray(0, n),
      purchase: this.purchase.subarray(0, n),
    };
  }
}

const SALES_FROM = `FROM order_items oi JOIN orders o ON o.id = oi.order_id
  WHERE o.status NOT IN ('cancelled', 'returned') AND o.customer_id IS NOT NULL AND oi.quantity > 0`;

/** Sales order lines (weight 1 each) and optionally weighted events, streamed from the workspace. */
export function loadInteractions(db: Db, options: LoadOptions = {}): InteractionLog {
  const weights = Object.entries(options.eventWeights ?? {}).filter(([, w]) => typeof w === 'number' && w > 0) as [
    EventKind,
    number,
  ][];
  for (const [type] of weights) {
    if (!['view', 'search', 'cart', 'favorite'].includes(type)) throw new RangeError(`unknown event type "${type}"`);
  }
  const types = weights.map(([t]) => t);
  const eventWhere = `FROM events WHERE customer_id IS NOT NULL AND product_id IS NOT NULL AND type IN (${types
    .map(() => '?')
    .join(', ')})`;
  const nSales = db.prepare(`SELECT count(*) ${SALES_FROM}`).pluck().get() as number;
  const nEvents =
    types.length > 0
      ? (db
          .prepare(`SELECT count(*) ${eventWhere}`)
          .pluck()
          .get(...types) as number)
      : 0;
  const b = new LogBuilder(nSales + nEvents);
  // raw(): rows as arrays, iterated one at a time, so a 10M-line shop never sits in memory as objects.
  const sales = db.prepare(`SELECT o.customer_id, oi.product_id, o.placed_at ${SALES_FROM} ORDER BY oi.id`).raw(true);
  for (const r of sales.iterate() as Iterable<[number, number, number]>) b.add(r[0], r[1], 1, r[2], true);
  if (types.length > 0) {
    const byType = new Map(weights);
    const ev = db.prepare(`SELECT customer_id, product_id, occurred_at, type ${eventWhere} ORDER BY id`).raw(true);
    for (const r of ev.iterate(...types) as Iterable<[number, number, number, EventKind]>) {
      b.add(r[0], r[1], byType.get(r[3])!, r[2], false);
    }
  }
  return b.finish();
}

/** A log from raw ids (tests, generated data). Weight defaults to 1, time to the entry's position, all sales. */
export function logFromArrays(
  rawUsers: ArrayLike<number>,
  rawItems: ArrayLike<number>,
  options: { weight?: ArrayLike<number>; time?: ArrayLike<number>; purchase?: ArrayLike<number> } = {},
): InteractionLog {
  const n = rawUsers.length;
  if (rawItems.length !== n) throw new Error('interaction arrays differ in length');
  const b = new LogBuilder(n);
  for (let k = 0; k < n; k++) {
    b.add(
      rawUsers[k]!,
      rawItems[k]!,
      options.weight?.[k] ?? 1,
      options.time?.[k] ?? k,
      (options.purchase?.[k] ?? 1) !== 0,
    );
  }
  return b.finish();
}

/** Log positions grouped by user (counting sort, log order kept within a user). */
export function groupByUser(log: InteractionLog, keep?: Uint8Array): { indptr: Int32Array; order: Int32Array } {
  const n = log.user.length;
  const indptr = new Int32Array(log.nUsers + 1);
  let kept = 0;
  for (let k = 0; k < n; k++) {
    if (keep && keep[k] === 0) continue;
    indptr[log.user[k]! + 1]!++;
    kept++;
  }
  for (let u = 0; u < log.nUsers; u++) indptr[u + 1]! += indptr[u]!;
  const fill = indptr.slice(0, log.nUsers);
  const order = new Int32Array(kept);
  for (let k = 0; k < n; k++) {
    if (keep && keep[k] === 0) continue;
    order[fill[log.user[k]!]!++] = k;
  }
  return { indptr, order };
}

export interface UserItemMatrix {
  nUsers: number;
  nItems: number;
  /** Row = user, entries = (item, summed weight), items ascending within a row. */
  byUser: Csr;
  /** Per byUser entry: 1 when the cell holds at least one sale (what "already bought" excludes). */
  bought: Uint8Array;
  /** Row = item, entries = (user, summed weight), users ascending. */
  byItem: Csr;
}

/** Transpose of a CSR with nCols columns; rows of the result come out in ascending column order. */
export function transpose(csr: Csr, nCols: number): Csr {
  const nRows = csr.indptr.length - 1;
  const nnz = csr.indices.length;
  const indptr = new Int32Array(nCols + 1);
  for (let p = 0; p < nnz; p++) indptr[csr.indices[p]! + 1]!++;
  for (let c = 0; c < nCols; c++) indptr[c + 1]! += indptr[c]!;
  const fill = indptr.slice(0, nCols);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  for (let r = 0; r < nRows; r++) {
    for (let p = csr.indptr[r]!; p < csr.indptr[r + 1]!; p++) {
      const q = fill[csr.indices[p]!]!++;
      indices[q] = r;
      values[q] = csr.values[p]!;
    }
  }
  return { indptr, indices, values };
}

/** Folds the kept log entries into one cell per (user, item): weights summed, sale flag or-ed. */
export function buildMatrix(log: InteractionLog, keep?: Uint8Array): UserItemMatrix {
  const { indptr: gptr, order } = groupByUser(log, keep);
  const nItems = log.nItems;
  // slot[i] = position of item i in the current user's output row; stamp says which user wrote it.
  const stamp = new Int32Array(nItems).fill(-1);
  const slot = new Int32Array(nItems);
  const indptr = new Int32Array(log.nUsers + 1);
  const indices = new Int32Array(order.length);
  const values = new Float64Array(order.length);
  const bought = new Uint8Array(order.length);
  let nnz = 0;
  for (let u = 0; u < log.nUsers; u++) {
    const start = nnz;
    for (let t = gptr[u]!; t < gptr[u + 1]!; t++) {
      const k = order[t]!;
      const i = log.item[k]!;
      let p: number;
      if (stamp[i] === u) p = slot[i]!;
      else {
        stamp[i] = u;
        p = nnz++;
        slot[i] = p;
        indices[p] = i;
      }
      values[p]! += log.weight[k]!;
      if (log.purchase[k]) bought[p] = 1;
    }
    sortRow(indices, values, bought, start, nnz);
    indptr[u + 1] = nnz;
  }
  const byUser = { indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
  return { nUsers: log.nUsers, nItems, byUser, bought: bought.slice(0, nnz), byItem: transpose(byUser, nItems) };
}

/** Sorts one row by item: insertion sort for the usual short basket, a permutation sort for long rows. */
function sortRow(indices: Int32Array, values: Float64Array, flags: Uint8Array, start: number, end: number): void {
  if (end - start > 64) {
    const perm = new Int32Array(end - start);
    for (let a = 0; a < perm.length; a++) perm[a] = start + a;
    perm.sort((x, y) => indices[x]! - indices[y]!);
    const i2 = Int32Array.from(perm, (q) => indices[q]!);
    const v2 = Float64Array.from(perm, (q) => values[q]!);
    const f2 = Uint8Array.from(perm, (q) => flags[q]!);
    indices.set(i2, start);
    values.set(v2, start);
    flags.set(f2, start);
    return;
  }
  for (let a = start + 1; a < end; a++) {
    const i = indices[a]!;
    const v = values[a]!;
    const f = flags[a]!;
    let b = a - 1;
    while (b >= start && indices[b]! > i) {
      indices[b + 1] = indices[b]!;
      values[b + 1] = values[b]!;
      flags[b + 1] = flags[b]!;
      b--;
    }
    indices[b + 1] = i;
    values[b + 1] = v;
    flags[b + 1] = f;
  }
}
