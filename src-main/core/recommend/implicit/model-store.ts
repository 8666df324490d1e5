/**
 * Fitted recommendation models kept beside the workspace, so a request after the first does not refit:
 * `<workspace>.models/<data stamp>-<model spec>.bin` (model-file.ts) holds the customer and product id maps,
 * the customer × product matrix (what each bought, for exclusions, explanations and segment sums) and the model
 * (item-kNN neighbour lists or ALS factors), and the popularity ranking (format 2). No table, so no migration.
 * A request reads what it uses by positional reads (model-file.ts): "also bought" the item side (~1 MB), a customer
 * one row, a segment list its stored scores (`…-segment-<name hash>.bin`, written by the first request for it); a
 * 236 MB file at a million customers is never read whole to answer one request. A format-1 file (no popularity) is
 * read whole once and rewritten as format 2.
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
import type { Csr } from '../dataset.ts';
import { ModelFile, readModelFile, writeModelFile, type StoredArray } from './model-file.ts';
import { fitPopularity, type Popularity } from './popularity.ts';
import { ImplicitRecommender } from './recommend.ts';
import { topOfSegmentScores } from './serving.ts';

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
  /**
   * A recommender that answers for customer u (dense index, -1 for one without sales) as `rec` does, and u's index
   * in it. From a stored file it holds u's row alone (a few positional reads), not every customer's.
   */
  forCustomer(u: number): { rec: ImplicitRecommender | AlsRecommender; u: number };
  /**
   * The top n for one segment, as `rec.bySegment` with segmentOf marking its members 0. The segment's scores are
   * stored beside the model (same data stamp and spec), so a later request skips scoring every member; segmentOf
   * is called only when they are computed.
   */
  segmentList(segment: string, segmentOf: () => Int32Array, n: number): { item: number; score: number }[];
}

/** 2: popularity stored (popCount, popRanked), arrays read one at a time. 1: popularity recomputed on load. */
const FORMAT = 2;
/** The segment membership file's own format (unchanged since 1). */
const SEGMENTS_FORMAT = 1;

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

type Fitted = Omit<ServingModel, 'fromCache' | 'forCustomer' | 'segmentList'>;

function fitNow(db: Db, spec: ModelSpec): Fitted {
  const log = loadInteractions(db);
  const matrix = buildMatrix(log);
  const popularity = fitPopularity(matrix);
  const rec =
    spec.algo === 'als'
      ? new AlsRecommender(matrix, fitAls(matrix, { ...spec }), popularity)
      : new ImplicitRecommender(matrix, fitItemKnn(matrix, { neighbours: spec.neighbours }), popularity);
  return { userIds: log.userIds, itemIds: log.itemIds, matrix, rec };
}

function save(path: string, stamp: string, spec: ModelSpec, m: Fitted): void {
  const { matrix } = m;
  const header: Header = { format: FORMAT, stamp, spec, nUsers: matrix.nUsers, nItems: matrix.nItems };
  const arrays: Record<string, StoredArray> = {
    // Small arrays first: a request reads the header and these, then only what it needs of the rest.
    itemIds: m.itemIds,
    popCount: m.rec.popularity.count,
    popRanked: m.rec.popularity.ranked,
    userIds: m.userIds,
    indptr: matrix.byUser.indptr,
    indices: matrix.byUser.indices,
    values: matrix.byUser.values,
    bought: matrix.bought,
  };
  if (m.rec instanceof AlsRecommender) {
    const a = m.rec.model;
    header.als = { factors: a.factors, alpha: a.alpha, confidence: a.confidence, regularization: a.regularization };
    arrays.itemFactors = a.itemFactors;
    arrays.userFactors = a.userFactors;
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

/** A value computed on first use (an array read from the model file only when a request touches it). */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

/** What openStored reads arrays from: the model file (positional reads) or arrays already in memory. */
type ArraySource = Pick<ModelFile, 'length' | 'read' | 'readRange'>;

/** The model file's arrays, typed; a missing array or one of another type is an error. */
function typedReader(file: ArraySource) {
  const check = <T extends StoredArray>(name: string, a: StoredArray, type: new (n: number) => T): T => {
    if (!(a instanceof type)) throw new Error(`model file array ${name} has the wrong type`);
    return a;
  };
  return {
    all: <T extends StoredArray>(name: string, type: new (n: number) => T): T => check(name, file.read(name), type),
    range: <T extends StoredArray>(name: string, type: new (n: number) => T, from: number, to: number): T =>
      check(name, file.readRange(name, from, to), type),
  };
}

/** A matrix over the given byUser arrays whose item-major copy is built only when read (fitting uses it). */
function lazyMatrix(nUsers: number, nItems: number, byUser: () => Csr, bought: () => Uint8Array): UserItemMatrix {
  const byItem = once(() => transpose(byUser(), nItems));
  return {
    nUsers,
    nItems,
    get byUser() {
      return byUser();
    },
    get bought() {
      return bought();
    },
    get byItem() {
      return byItem();
    },
  };
}

function memorySource(arrays: Map<string, StoredArray>): ArraySource {
  const get = (name: string) => {
    const a = arrays.get(name);
    if (!a) throw new Error(`model file lacks ${name}`);
    return a;
  };
  return { length: (name) => get(name).length, read: get, readRange: (name, from, to) => get(name).subarray(from, to) };
}

/**
 * A format-1 file (no stored popularity), read whole the old way with popularity counted from the matrix, and
 * rewritten in the current format so later requests read only what they need. Served from memory either way (the
 * rewrite fails in a read-only location).
 */
function upgrade(path: string, h: Header): ArraySource {
  const { arrays } = readModelFile(path);
  const indptr = arrays.get('indptr');
  const indices = arrays.get('indices');
  const values = arrays.get('values');
  const bought = arrays.get('bought');
  if (
    !(indptr instanceof Int32Array && indices instanceof Int32Array) ||
    !(values instanceof Float64Array && bought instanceof Uint8Array) ||
    indptr.length !== h.nUsers + 1
  ) {
    throw new Error('model file layout invalid');
  }
  const byUser = { indptr, indices, values };
  const popularity = fitPopularity(
    lazyMatrix(
      h.nUsers,
      h.nItems,
      () => byUser,
      () => bought,
    ),
  );
  arrays.set('popCount', popularity.count);
  arrays.set('popRanked', popularity.ranked);
  try {
    writeModelFile(path, { ...h, format: FORMAT }, Object.fromEntries(arrays));
  } catch {
    // Read-only: served from memory, upgraded by a later writable run.
  }
  return memorySource(arrays);
}

function load(path: string, stamp: string, spec: ModelSpec): ServingModel | null {
  try {
    const file = ModelFile.open(path);
    const h = file.header as Header;
    if (h.stamp !== stamp || JSON.stringify(h.spec) !== JSON.stringify(spec)) return null;
    if (h.format !== 1 && h.format !== FORMAT) return null;
    const source = h.format === 1 ? upgrade(path, h) : file;
    return openStored(source, h, spec, (rec) => segmentLister(rec, path, stamp, spec));
  } catch {
    return null;
  }
}

/**
 * The stored model, read lazily: the header, item ids, popularity and the item-side model (kNN lists or item
 * factors, ~1 MB) now; customer ids, the matrix and user factors when a request touches them, and one customer's
 * row alone for forCustomer. Sizes are checked against the header here, so a damaged file is a miss, not a
 * failure halfway through a request.
 */
function openStored(
  file: ArraySource,
  h: Header,
  spec: ModelSpec,
  lister: (rec: ImplicitRecommender | AlsRecommender) => ServingModel['segmentList'],
): ServingModel | null {
  const { nUsers, nItems } = h;
  const read = typedReader(file);
  const nnz = file.length('indices');
  const sizes: [string, number][] = [
    ['userIds', nUsers],
    ['itemIds', nItems],
    ['popCount', nItems],
    ['popRanked', nItems],
    ['indptr', nUsers + 1],
    ['values', nnz],
    ['bought', nnz],
  ];
  if (spec.algo === 'als' && h.als) {
    sizes.push(['userFactors', nUsers * h.als.factors], ['itemFactors', nItems * h.als.factors]);
  } else if (spec.algo === 'item-knn' && h.knn) {
    const kept = file.length('knnIndices');
    sizes.push(['knnIndptr', nItems + 1], ['knnSim', kept], ['knnCo', kept]);
  } else return null;
  if (sizes.some(([name, n]) => file.length(name) !== n)) return null;

  const popularity: Popularity = {
    nItems,
    count: read.all('popCount', Int32Array),
    ranked: read.all('popRanked', Int32Array),
  };
  const itemIds = read.all('itemIds', Int32Array);
  const userIds = once(() => read.all('userIds', Int32Array));
  // Each array on its own: a kNN segment list reads indptr and indices (72 MB at 1M customers), not the values.
  const indptr = once(() => read.all('indptr', Int32Array));
  const indices = once(() => read.all('indices', Int32Array));
  const values = once(() => read.all('values', Float64Array));
  const byUserCsr: Csr = {
    get indptr() {
      return indptr();
    },
    get indices() {
      return indices();
    },
    get values() {
      return values();
    },
  };
  const byUser = () => byUserCsr;
  const bought = once(() => read.all('bought', Uint8Array));
  const matrix = lazyMatrix(nUsers, nItems, byUser, bought);

  /** Customer u's row as a one-customer matrix (no customer when u is out of range). */
  const rowMatrix = (u: number): UserItemMatrix => {
    if (u < 0 || u >= nUsers) {
      const empty = { indptr: Int32Array.of(0), indices: new Int32Array(0), values: new Float64Array(0) };
      return lazyMatrix(
        0,
        nItems,
        () => empty,
        () => new Uint8Array(0),
      );
    }
    const [from, to] = read.range('indptr', Int32Array, u, u + 2);
    const row = {
      indptr: Int32Array.of(0, to! - from!),
      indices: read.range('indices', Int32Array, from!, to!),
      values: read.range('values', Float64Array, from!, to!),
    };
    const rowBought = read.range('bought', Uint8Array, from!, to!);
    return lazyMatrix(
      1,
      nItems,
      () => row,
      () => rowBought,
    );
  };

  if (h.als) {
    const settings = h.als;
    const f = settings.factors;
    const itemFactors = read.all('itemFactors', Float32Array);
    const userFactors = once(() => read.all('userFactors', Float32Array));
    const model: AlsModel = {
      nUsers,
      nItems,
      ...settings,
      itemFactors,
      get userFactors() {
        return userFactors();
      },
    };
    const rec = new AlsRecommender(matrix, model, popularity);
    return {
      segmentList: lister(rec),
      itemIds,
      get userIds() {
        return userIds();
      },
      matrix,
      rec,
      fromCache: true,
      forCustomer(u) {
        const one = rowMatrix(u);
        const x = one.nUsers === 1 ? read.range('userFactors', Float32Array, u * f, (u + 1) * f) : new Float32Array(0);
        const oneModel: AlsModel = { nUsers: one.nUsers, nItems, ...settings, itemFactors, userFactors: x };
        return { rec: new AlsRecommender(one, oneModel, popularity), u: one.nUsers === 1 ? 0 : -1 };
      },
    };
  }
  const knn: ItemKnnModel = {
    nItems,
    ...h.knn!,
    indptr: read.all('knnIndptr', Int32Array),
    indices: read.all('knnIndices', Int32Array),
    sim: read.all('knnSim', Float64Array),
    co: read.all('knnCo', Int32Array),
  };
  const rec = new ImplicitRecommender(matrix, knn, popularity);
  return {
    itemIds,
    get userIds() {
      return userIds();
    },
    matrix,
    rec,
    segmentList: lister(rec),
    fromCache: true,
    forCustomer(u) {
      const one = rowMatrix(u);
      return { rec: new ImplicitRecommender(one, knn, popularity), u: one.nUsers === 1 ? 0 : -1 };
    },
  };
}

const SEGMENT_SCORES_FORMAT = 1;

/**
 * segmentList for a model stored at modelPath (null: nothing stored): one file per segment name,
 * `<model file>-segment-<hash of the name>.bin`, holding the segment's row of segmentScores (nItems doubles), so
 * the top n of any n is the one a fresh scoring gives. A missing or unreadable file is a miss.
 */
function segmentLister(
  rec: ImplicitRecommender | AlsRecommender,
  modelPath: string | null,
  stamp: string,
  spec: ModelSpec,
): ServingModel['segmentList'] {
  const nItems = rec.matrix.nItems;
  return (segment, segmentOf, n) => {
    const path = modelPath ? `${modelPath.slice(0, -'.bin'.length)}-segment-${hash(segment)}.bin` : null;
    let scores: Float64Array | null = null;
    if (path) {
      try {
        const file = ModelFile.open(path);
        const h = file.header as { format: number; stamp: string; spec: ModelSpec; segment: string };
        const stored = file.has('scores') ? file.read('scores') : null;
        if (
          h.format === SEGMENT_SCORES_FORMAT &&
          h.stamp === stamp &&
          h.segment === segment &&
          JSON.stringify(h.spec) === JSON.stringify(spec) &&
          stored instanceof Float64Array &&
          stored.length === nItems
        ) {
          scores = stored;
        }
      } catch {
        // No file yet, or unreadable: scored below.
      }
    }
    if (!scores) {
      scores = rec.segmentScores(segmentOf(), 1);
      if (path) {
        try {
          writeModelFile(path, { format: SEGMENT_SCORES_FORMAT, stamp, spec, segment }, { scores });
        } catch {
          // A read-only location: answer without storing.
        }
      }
    }
    return topOfSegmentScores(scores, 1, nItems, n)[0] ?? [];
  };
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
    if (hit) return hit;
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
  return {
    ...fitted,
    fromCache: false,
    forCustomer: (u) => ({ rec: fitted.rec, u }),
    segmentList: segmentLister(fitted.rec, path, stamp, spec),
  };
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
      h.format === SEGMENTS_FORMAT &&
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
        { format: SEGMENTS_FORMAT, stamp, names: m.names },
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
