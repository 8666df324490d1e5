/**
 * Fitted recommendation models kept beside the workspace, so a request after the first does not refit:
 * `<workspace>.models/<data stamp>-<model spec>.bin` (model-file.ts) holds the customer and product id maps,
 * the customer × product matrix (what each bought, for exclusions, explanations and segment sums) and the model
 * (item-kNN neighbour lists or ALS factors). No table, so no migration.
 *
 * The data stamp names the sales data a model was fitted on: the workspace's identity (a hash of its
 * pseudonymisation key, which is random per workspace) and the newest order, order line, product and
 * customer ids plus the import runs. The app only ever adds sales (imports, a sample shop into an empty
 * workspace), and an import that updates rows in place is an import run, so any change of the sales moves the
 * stamp; a file under another stamp is stale and deleted when a new one is written. An unreadable file is a
 * miss, never an error.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { computeRfm } from '../../analytics/rfm.ts';
import type { Db } from '../../db/workspace.ts';
import { AlsRecommender, fitAls, type AlsModel, type Confidence } from './als.ts';
import { buildMatrix, loadInteractions, transpose, type UserItemMatrix } from './interactions.ts';
import { fitItemKnn, type ItemKnnModel, type Weighting } from './item-knn.ts';
import { readModelFile, writeModelFile, type StoredArray } from './model-file.ts';
import { fitPopularity } from './popularity.ts';
import { ImplicitRecommender } from './recommend.ts';

export type ModelSpec =
  | { algo: 'item-knn'; neighbours: number }
  | { algo: 'als'; factors: number; regularization: number; alpha: number; iterations: number; seed: number };

export interface ServingModel {
  /** Dense index → customers.id / products.id. */
  userIds: Int32Array;
  itemIds: Int32Array;
  matrix: UserItemMatrix;
  rec: ImplicitRecommender | AlsRecommender;
  /** True when read from the workspace's model file rather than fitted now. */
  fromCache: boolean;
}

const FORMAT = 1;

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** What the stored models depend on; changes whenever sales are imported or generated. */
export function dataStamp(db: Db): string {
  const row = db
    .prepare(
      `SELECT (SELECT value FROM meta WHERE key = 'pseudonym_key') AS workspace,
              (SELECT max(id) FROM orders) AS orders, (SELECT max(id) FROM order_items) AS lines,
              (SELECT max(id) FROM products) AS products, (SELECT max(id) FROM customers) AS customers,
              (SELECT count(*) || ':' || ifnull(max(id), 0) || ':' || ifnull(max(finished_at), 0) || ':' ||
                      total(rows_imported) FROM import_runs) AS imports`,
    )
    .get() as Record<string, string | number | null>;
  return hash(JSON.stringify(row));
}

/** `<workspace file>.models`, or null for a workspace without a file (in memory). */
export function modelDir(db: Db): string | null {
  const name = db.name;
  if (!name || name === ':memory:' || db.memory) return null;
  return `${name}.models`;
}

function specKey(spec: ModelSpec): string {
  return hash(JSON.stringify(spec));
}

interface Header {
  format: number;
  stamp: string;
  spec: ModelSpec;
  nUsers: number;
  nItems: number;
  knn?: { neighbours: number; weighting: Weighting };
  als?: { factors: number; alpha: number; confidence: Confidence; regularization: number };
}

function fitNow(db: Db, spec: ModelSpec): Omit<ServingModel, 'fromCache'> {
  const log = loadInteractions(db);
  const matrix = buildMatrix(log);
  const popularity = fitPopularity(matrix);
  const rec =
    spec.algo === 'als'
      ? new AlsRecommender(matrix, fitAls(matrix, { ...spec }), popularity)
      : new ImplicitRecommender(matrix, fitItemKnn(matrix, { neighbours: spec.neighbours }), popularity);
  return { userIds: log.userIds, itemIds: log.itemIds, matrix, rec };
}

function save(path: string, stamp: string, spec: ModelSpec, m: Omit<ServingModel, 'fromCache'>): void {
  const { matrix } = m;
  const header: Header = { format: FORMAT, stamp, spec, nUsers: matrix.nUsers, nItems: matrix.nItems };
  const arrays: Record<string, StoredArray> = {
    userIds: m.userIds,
    itemIds: m.itemIds,
    indptr: matrix.byUser.indptr,
    indices: matrix.byUser.indices,
    values: matrix.byUser.values,
    bought: matrix.bought,
  };
  if (m.rec instanceof AlsRecommender) {
    const a = m.rec.model;
    header.als = { factors: a.factors, alpha: a.alpha, confidence: a.confidence, regularization: a.regularization };
    arrays.userFactors = a.userFactors;
    arrays.itemFactors = a.itemFactors;
  } else {
    const k = m.rec.model;
    header.knn = { neighbours: k.neighbours, weighting: k.weighting };
    arrays.knnIndptr = k.indptr;
    arrays.knnIndices = k.indices;
    arrays.knnSim = k.sim;
    arrays.knnCo = k.co;
  }
  writeModelFile(path, header, arrays);
}

function load(path: string, stamp: string, spec: ModelSpec): Omit<ServingModel, 'fromCache'> | null {
  let file: ReturnType<typeof readModelFile>;
  try {
    file = readModelFile(path);
  } catch {
    return null;
  }
  const h = file.header as Header;
  if (h.format !== FORMAT || h.stamp !== stamp || JSON.stringify(h.spec) !== JSON.stringify(spec)) return null;
  const get = <T extends StoredArray>(name: string, type: new (n: number) => T): T => {
    const a = file.arrays.get(name);
    if (!(a instanceof type)) throw new Error(`model file lacks ${name}`);
    return a;
  };
  try {
    const { nUsers, nItems } = h;
    const byUser = {
      indptr: get('indptr', Int32Array),
      indices: get('indices', Int32Array),
      values: get('values', Float64Array),
    };
    if (byUser.indptr.length !== nUsers + 1) return null;
    let byItem: UserItemMatrix['byItem'] | null = null;
    const matrix: UserItemMatrix = {
      nUsers,
      nItems,
      byUser,
      bought: get('bought', Uint8Array),
      // Serving never reads the item-major copy (only fitting does): transposed on first use, not on every load
      // (0.9 s of a 1M-customer shop's 1.4 s).
      get byItem() {
        byItem ??= transpose(byUser, nItems);
        return byItem;
      },
    };
    const popularity = fitPopularity(matrix);
    let rec: ImplicitRecommender | AlsRecommender;
    if (spec.algo === 'als' && h.als) {
      const model: AlsModel = {
        nUsers,
        nItems,
        ...h.als,
        userFactors: get('userFactors', Float32Array),
        itemFactors: get('itemFactors', Float32Array),
      };
      rec = new AlsRecommender(matrix, model, popularity);
    } else if (spec.algo === 'item-knn' && h.knn) {
      const model: ItemKnnModel = {
        nItems,
        ...h.knn,
        indptr: get('knnIndptr', Int32Array),
        indices: get('knnIndices', Int32Array),
        sim: get('knnSim', Float64Array),
        co: get('knnCo', Int32Array),
      };
      rec = new ImplicitRecommender(matrix, model, popularity);
    } else return null;
    return { userIds: get('userIds', Int32Array), itemIds: get('itemIds', Int32Array), matrix, rec };
  } catch {
    return null;
  }
}

/** Removes the directory's model files of other data stamps (stale since an import). */
function pruneStale(dir: string, stamp: string): void {
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.bin') && !name.startsWith(`${stamp}-`)) rmSync(join(dir, name), { force: true });
  }
}

/**
 * The model for the workspace's current sales: from its file when one was stored for this data and spec,
 * else fitted now and stored (a workspace without a file, or a directory that cannot be written, just fits).
 */
export function servingModel(db: Db, spec: ModelSpec): ServingModel {
  const dir = modelDir(db);
  const stamp = dir ? dataStamp(db) : '';
  const path = dir ? join(dir, `${stamp}-${spec.algo}-${specKey(spec)}.bin`) : null;
  if (path) {
    const hit = load(path, stamp, spec);
    if (hit) return { ...hit, fromCache: true };
  }
  const fitted = fitNow(db, spec);
  if (dir && path) {
    try {
      mkdirSync(dir, { recursive: true });
      pruneStale(dir, stamp);
      save(path, stamp, spec, fitted);
    } catch {
      // A read-only location: serve without storing.
    }
  }
  return { ...fitted, fromCache: false };
}

/** RFM segment of every customer with a sale in the window (as of the last sale), by customers.id. */
export interface SegmentMembership {
  names: string[];
  /** Ascending customers.id, and the index into names of each. */
  customerIds: Int32Array;
  segment: Uint8Array;
}

function membershipNow(db: Db): SegmentMembership {
  const customers = computeRfm(db).customers;
  const names = [...new Set(customers.map((c) => c.segment))];
  const index = new Map(names.map((n, i) => [n, i]));
  const sorted = [...customers].sort((a, b) => a.customerId - b.customerId);
  return {
    names,
    customerIds: Int32Array.from(sorted, (c) => c.customerId),
    segment: Uint8Array.from(sorted, (c) => index.get(c.segment)!),
  };
}

/** The RFM segments the segment lists use, stored beside the models under the same data stamp. */
export function segmentMembership(db: Db): SegmentMembership {
  const dir = modelDir(db);
  if (!dir) return membershipNow(db);
  const stamp = dataStamp(db);
  const path = join(dir, `${stamp}-rfm-segments.bin`);
  try {
    const file = readModelFile(path);
    const h = file.header as { format: number; stamp: string; names: string[] };
    const customerIds = file.arrays.get('customerIds');
    const segment = file.arrays.get('segment');
    if (
      h.format === FORMAT &&
      h.stamp === stamp &&
      customerIds instanceof Int32Array &&
      segment instanceof Uint8Array &&
      customerIds.length === segment.length
    ) {
      return { names: h.names, customerIds, segment };
    }
  } catch {
    // No file yet, or unreadable: computed below.
  }
  const m = membershipNow(db);
  // More segments than a byte can index never happen with RFM's named segments; store only when they fit.
  if (m.names.length <= 256) {
    try {
      mkdirSync(dir, { recursive: true });
      pruneStale(dir, stamp);
      writeModelFile(
        path,
        { format: FORMAT, stamp, names: m.names },
        { customerIds: m.customerIds, segment: m.segment },
      );
    } catch {
      // A read-only location: answer without storing.
    }
  }
  return m;
}

/** The stored model files of the workspace (tests, housekeeping). */
export function storedModels(db: Db): string[] {
  const dir = modelDir(db);
  if (!dir) return [];
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.bin'))
      .map((n) => join(dir, basename(n)));
  } catch {
    return [];
  }
}
