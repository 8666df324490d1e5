/**
 * Runs ALS half-steps on the calling thread alone or together with one helper thread (als-worker.ts), kept as
 * util/helper-thread.ts keeps it, as the k-means engine does (analytics/cluster/kmeans-engine.ts): the helper starts on first use and is kept
 * (unref'd) so its compiled kernels stay warm; each fit shares the factors, the CSR rows, c − 1 per cell, G and
 * Z with it through SharedArrayBuffers and drives it with Atomics, no message per half-step. Both threads claim
 * chunks of rows from a shared counter, so one the OS holds back just does fewer. G, G⁻¹ and the choice of
 * solver per row are made on the calling thread alone, and a row's arithmetic never depends on who solves it:
 * one thread and two give bit-identical factors.
 */
import { availableParallelism } from 'node:os';
import { claimChunks, chunkTotal, runChunk } from './als-chunks.ts';
import {
  addGramChunks,
  cgCost,
  inverseSpd,
  packedSize,
  popularityOrder,
  RowSolver,
  woodburyCost,
  woodburyKernelCost,
  woodburyKernelLimit,
  woodburyLimit,
  type AlsSolver,
} from './als-kernel.ts';
import {
  CMD_GRAM,
  CMD_KERNEL,
  CMD_PROJECT,
  CMD_SOLVE,
  CTRL_WORDS,
  SIDE_ITEMS,
  STOP,
  chunkRows,
  chunksOf,
  sideViews,
  type AlsSetup,
  type ChunkOp,
  type SideSetup,
  type SideViews,
} from './als-shared.ts';
import type { UserItemMatrix } from './interactions.ts';
import { KeptHelper, NEXT, type HelperThread } from '../../util/helper-thread.ts';
import { workerEntry } from '../../util/worker-entry.ts';

export interface AlsEngine {
  /** Threads solving rows (1 or 2). */
  readonly threads: number;
  /** The factors being fitted (shared memory when threaded). */
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  /** One half-step: users against the items (0) or items against the users (1). */
  halfStep(side: 0 | 1, checkCancelled?: () => void): void;
  /** Lets the helper (if any) drop this fit's buffers; safe to call twice. */
  close(): void;
}

export interface EngineOptions {
  regularization: number;
  solver: AlsSolver;
  cgSteps: number;
  /** 0: two threads when the fit is big enough (and the machine has two cores); else exactly 1 or 2. */
  threads: number;
}

/** Below this many cells a second thread costs more than it saves (when the caller leaves it to the engine). */
export const THREAD_MIN_CELLS = 200_000;
/** The most memory Z = Y G⁻¹ may take for one side; a side over it solves every row by CG. */
export const Z_MAX_BYTES = 256 * 1024 * 1024;

/** The most memory K = Y G⁻¹ Yᵀ may take for one side (a fixed side of up to 4095 rows). */
export const K_MAX_BYTES = 64 * 1024 * 1024;

/** How a side's short rows are solved: up to `limit` cells by Woodbury (0: none), through K when `kernel`. */
export interface WoodburyPlan {
  limit: number;
  kernel: boolean;
}

/**
 * The cheaper Woodbury plan for a side by the cost model, or none when Z (and K) would cost more than the rows they
 * save, or too much memory: with a small fixed side, K's nFixed²·f/2 once per half-step buys a far cheaper solve
 * per row and a longer limit.
 */
export function woodburyPlan(
  indptr: Int32Array,
  nFixed: number,
  f: number,
  solver: AlsSolver,
  cgSteps: number,
): WoodburyPlan {
  const none: WoodburyPlan = { limit: 0, kernel: false };
  if (solver !== 'auto' || nFixed * f * 8 > Z_MAX_BYTES) return none;
  const saving = (limit: number, cost: (n: number, f: number) => number) => {
    let s = 0;
    for (let u = 0; u + 1 < indptr.length; u++) {
      const n = indptr[u + 1]! - indptr[u]!;
      if (n <= limit) s += cgCost(n, f, cgSteps) - cost(n, f);
    }
    return s;
  };
  // Z costs nFixed·f² mult-adds, G⁻¹ f³; K another nFixed²·f/2.
  const zCost = nFixed * f * f + f * f * f;
  let best = none;
  let bestSaving = 0;
  const plain = woodburyLimit(f, cgSteps);
  if (plain > 0) {
    const s = saving(plain, woodburyCost) - zCost;
    if (s > bestSaving) [best, bestSaving] = [{ limit: plain, kernel: false }, s];
  }
  const withK = woodburyKernelLimit(f, cgSteps);
  if (withK > 0 && packedSize(nFixed) * 8 <= K_MAX_BYTES) {
    const s = saving(withK, woodburyKernelCost) - zCost - (nFixed * nFixed * f) / 2;
    if (s > bestSaving) best = { limit: withK, kernel: true };
  }
  return best;
}

const workerUrl = () => workerEntry(import.meta.url, 'als-worker.ts', 'als-worker.js');

/** The helper thread (als-worker.ts), started on first use and kept so its compiled kernels stay warm. */
const kept = new KeptHelper('ALS', CTRL_WORDS);

type Alloc = (bytes: number) => ArrayBufferLike;

/** The fit's buffers; with `share`, copies of the CSR and factors in shared memory the helper can map. */
function buildSetup(
  m: UserItemMatrix,
  userFactors: Float32Array,
  itemFactors: Float32Array,
  cmUser: Float64Array,
  cmItem: Float64Array,
  f: number,
  o: EngineOptions,
  share: boolean,
): AlsSetup {
  const alloc: Alloc = share ? (n) => new SharedArrayBuffer(n) : (n) => new ArrayBuffer(n);
  const place = <T extends Float32Array | Float64Array | Int32Array>(a: T, make: (b: ArrayBufferLike) => T) => {
    if (!share || a.buffer instanceof SharedArrayBuffer) return a.buffer.byteLength === a.byteLength ? a : a.slice();
    const copy = make(alloc(a.byteLength));
    copy.set(a as never);
    return copy;
  };
  const f32 = (b: ArrayBufferLike) => new Float32Array(b);
  const f64 = (b: ArrayBufferLike) => new Float64Array(b);
  const i32 = (b: ArrayBufferLike) => new Int32Array(b);
  const side = (csr: UserItemMatrix['byUser'], cm1: Float64Array, nFixed: number): SideSetup => {
    const plan = woodburyPlan(csr.indptr, nFixed, f, o.solver, o.cgSteps);
    return {
      nRows: csr.indptr.length - 1,
      indptr: place(csr.indptr, i32).buffer as SharedArrayBuffer,
      cols: place(csr.indices, i32).buffer as SharedArrayBuffer,
      cm1: place(cm1, f64).buffer as SharedArrayBuffer,
      z: plan.limit > 0 ? (alloc(nFixed * f * 8) as SharedArrayBuffer) : null,
      k: plan.kernel ? (alloc(packedSize(nFixed) * 8) as SharedArrayBuffer) : null,
      kOrder: plan.kernel ? (place(popularityOrder(csr.indices, nFixed), i32).buffer as SharedArrayBuffer) : null,
      woodburyMax: plan.limit,
    };
  };
  return {
    f,
    solver: o.solver,
    cgSteps: o.cgSteps,
    userFactors: place(userFactors, f32).buffer as SharedArrayBuffer,
    itemFactors: place(itemFactors, f32).buffer as SharedArrayBuffer,
    gram: alloc(2 * f * f * 8) as SharedArrayBuffer,
    partials: alloc(
      Math.max(chunksOf(m.nUsers, chunkRows(m.nUsers)), chunksOf(m.nItems, chunkRows(m.nItems))) * f * f * 8,
    ) as SharedArrayBuffer,
    users: side(m.byUser, cmUser, m.nItems),
    items: side(m.byItem, cmItem, m.nUsers),
  };
}

/** An engine over the matrix, starting from the given factors (copied when they must move to shared memory). */
export function createAlsEngine(
  m: UserItemMatrix,
  userFactors: Float32Array,
  itemFactors: Float32Array,
  cmUser: Float64Array,
  cmItem: Float64Array,
  f: number,
  o: EngineOptions,
): AlsEngine {
  const cells = m.byUser.indices.length;
  const wanted = o.threads === 0 ? (cells >= THREAD_MIN_CELLS && availableParallelism() >= 2 ? 2 : 1) : o.threads;
  const url = wanted >= 2 ? workerUrl() : null;
  const h = url ? kept.take(url) : null;
  const setup = buildSetup(m, userFactors, itemFactors, cmUser, cmItem, f, o, h !== null);
  const views = sideViews(setup);
  const solver = new RowSolver(f, Math.max(setup.users.woodburyMax, setup.items.woodburyMax));
  const x = new Float64Array(f);
  let helperNow: HelperThread | null = h && kept.setup(h, setup) ? h : null;
  const local = (v: SideViews, op: ChunkOp, check?: () => void) => {
    const total = chunkTotal(v, op);
    for (let ch = 0; ch < total; ch++) {
      check?.();
      runChunk(v, op, ch, solver, x);
    }
  };
  const shared = (v: SideViews, op: ChunkOp, cmd: number, check?: () => void) => {
    const held = helperNow;
    if (!held || !kept.command(held, cmd)) {
      helperNow = null;
      local(v, op, check);
      return;
    }
    try {
      claimChunks(held.ctrl, v, op, solver, x, check ?? null);
    } catch (err) {
      // Stop the helper claiming more, and wait until it is out of the buffers before the caller goes on.
      Atomics.store(held.ctrl, NEXT, STOP);
      kept.settle(held);
      throw err;
    }
    // If the helper never started it claimed nothing and this thread did every chunk.
    if (!kept.settle(held)) helperNow = null;
  };
  return {
    get threads() {
      return helperNow ? 2 : 1;
    },
    userFactors: views[0].data.X,
    itemFactors: views[1].data.X,
    halfStep(side, checkCancelled) {
      const v = views[side];
      const d = v.data;
      const flag = side === 1 ? SIDE_ITEMS : 0;
      // YᵀY in per-chunk shares added in chunk order: the same sum whichever thread took a chunk.
      shared(v, 'gram', CMD_GRAM | flag);
      addGramChunks(v.partials, chunkTotal(v, 'gram'), f, o.regularization, d.G);
      if (d.Z) {
        inverseSpd(d.G, f, v.Ginv);
        shared(v, 'project', CMD_PROJECT | flag);
        if (d.kernel) shared(v, 'kernel', CMD_KERNEL | flag);
      }
      shared(v, 'solve', CMD_SOLVE | flag, checkCancelled);
    },
    close() {
      const held = helperNow;
      if (!held) return;
      helperNow = null;
      kept.giveBack(held);
    },
  };
}
