/**
 * Runs ALS half-steps on the calling thread alone or together with one helper thread (als-worker.ts), as the
 * k-means engine does (analytics/cluster/kmeans-engine.ts): the helper starts on first use and is kept
 * (unref'd) so its compiled kernels stay warm; each fit shares the factors, the CSR rows, c − 1 per cell, G and
 * Z with it through SharedArrayBuffers and drives it with Atomics, no message per half-step. Both threads claim
 * chunks of rows from a shared counter, so one the OS holds back just does fewer. G, G⁻¹ and the choice of
 * solver per row are made on the calling thread alone, and a row's arithmetic never depends on who solves it:
 * one thread and two give bit-identical factors.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { claimChunks, chunkTotal, runChunk } from './als-chunks.ts';
import {
  addGramChunks,
  cgCost,
  inverseSpd,
  RowSolver,
  woodburyCost,
  woodburyLimit,
  type AlsSolver,
} from './als-kernel.ts';
import {
  CMD,
  CMD_GRAM,
  CMD_PROJECT,
  CMD_RELEASE,
  CMD_SETUP,
  CMD_SOLVE,
  CTRL_WORDS,
  DONE,
  FAILED,
  GEN,
  NEXT,
  READY,
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

/** The Woodbury row limit for a side, or 0 when its Z would cost more than the rows it saves (or too much memory). */
export function woodburyPlan(
  indptr: Int32Array,
  nFixed: number,
  f: number,
  solver: AlsSolver,
  cgSteps: number,
): number {
  if (solver !== 'auto') return 0;
  const limit = woodburyLimit(f, cgSteps);
  if (limit === 0 || nFixed * f * 8 > Z_MAX_BYTES) return 0;
  let saving = 0;
  for (let u = 0; u + 1 < indptr.length; u++) {
    const n = indptr[u + 1]! - indptr[u]!;
    if (n <= limit) saving += cgCost(n, f, cgSteps) - woodburyCost(n, f);
  }
  // Z costs nFixed·f² mult-adds, G⁻¹ f³.
  return saving > nFixed * f * f + f * f * f ? limit : 0;
}

const workerUrl = () => workerEntry(import.meta.url, 'als-worker.ts', 'als-worker.js');

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
    const woodburyMax = woodburyPlan(csr.indptr, nFixed, f, o.solver, o.cgSteps);
    return {
      nRows: csr.indptr.length - 1,
      indptr: place(csr.indptr, i32).buffer as SharedArrayBuffer,
      cols: place(csr.indices, i32).buffer as SharedArrayBuffer,
      cm1: place(cm1, f64).buffer as SharedArrayBuffer,
      z: woodburyMax > 0 ? (alloc(nFixed * f * 8) as SharedArrayBuffer) : null,
      woodburyMax,
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
  const h = url ? takeHelper(url) : null;
  const setup = buildSetup(m, userFactors, itemFactors, cmUser, cmItem, f, o, h !== null);
  const views = sideViews(setup);
  const solver = new RowSolver(f, Math.max(setup.users.woodburyMax, setup.items.woodburyMax));
  const x = new Float64Array(f);
  let helperNow: Helper | null = h;
  if (helperNow) {
    // Posted before GEN moves, so the helper finds it queued.
    helperNow.port.postMessage(setup);
    if (!command(helperNow, CMD_SETUP)) helperNow = releaseBroken(helperNow);
  }
  const local = (v: SideViews, op: ChunkOp, check?: () => void) => {
    const total = chunkTotal(v, op);
    for (let ch = 0; ch < total; ch++) {
      check?.();
      runChunk(v, op, ch, solver, x);
    }
  };
  const shared = (v: SideViews, op: ChunkOp, cmd: number, check?: () => void) => {
    const held = helperNow;
    if (!held || !command(held, cmd)) {
      if (held) helperNow = releaseBroken(held);
      local(v, op, check);
      return;
    }
    try {
      claimChunks(held.ctrl, v, op, solver, x, check ?? null);
    } catch (err) {
      // Stop the helper claiming more, and wait until it is out of the buffers before the caller goes on.
      Atomics.store(held.ctrl, NEXT, STOP);
      settle(held);
      throw err;
    }
    // If the helper never started it claimed nothing and this thread did every chunk.
    if (!settle(held)) helperNow = null;
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
      }
      shared(v, 'solve', CMD_SOLVE | flag, checkCancelled);
    },
    close() {
      const held = helperNow;
      if (!held) return;
      helperNow = null;
      held.busy = false;
      // Let the helper drop its views so the buffers can be freed; the next fit waits for the acknowledgement.
      if (helper === held) command(held, CMD_RELEASE);
    },
  };
}

// How long to wait for a helper that has not started before going on without it.
const START_TIMEOUT_MS = 10_000;

/** The helper thread, started on first use and kept (unref'd) so its compiled kernels stay warm. */
interface Helper {
  worker: Worker;
  ctrl: Int32Array;
  port: MessagePort;
  /** The last GEN issued. */
  gen: number;
  busy: boolean;
}

let helper: Helper | null = null;
let helperBroken = false;

function takeHelper(url: URL): Helper | null {
  if (helperBroken) return null;
  if (!helper) {
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(url, { workerData: { ctrl: ctrl.buffer, port: port2 }, transferList: [port2] });
    const h: Helper = { worker, ctrl, port: port1, gen: 0, busy: false };
    // A helper that fails or ends is not used again; a start that never happens is caught by START_TIMEOUT_MS.
    worker.on('error', () => dropHelper(h));
    worker.on('exit', () => dropHelper(h));
    worker.unref();
    port1.unref();
    helper = h;
  }
  if (helper.busy) return null;
  helper.busy = true;
  return helper;
}

function dropHelper(h: Helper): void {
  helperBroken = true;
  if (helper === h) helper = null;
  void h.worker.terminate();
}

function releaseBroken(h: Helper): null {
  h.busy = false;
  return null;
}

/** Waits until the helper acknowledged the last command; false (and the helper dropped) if it never started. */
function settle(h: Helper): boolean {
  const { ctrl } = h;
  while (Atomics.load(ctrl, DONE) !== h.gen) {
    const seen = Atomics.load(ctrl, DONE);
    if (Atomics.wait(ctrl, DONE, seen, START_TIMEOUT_MS) === 'timed-out' && Atomics.load(ctrl, READY) === 0) {
      dropHelper(h);
      return false;
    }
  }
  if (Atomics.load(ctrl, FAILED) !== 0) {
    dropHelper(h);
    throw new Error('ALS helper thread failed');
  }
  return true;
}

/** Issues a command once the previous one is acknowledged; false if the helper never started. */
function command(h: Helper, cmd: number): boolean {
  if (!settle(h)) return false;
  // Chunks are claimed from 0 again; the helper holds none now (it acknowledged), and reads NEXT only after GEN moves.
  Atomics.store(h.ctrl, NEXT, 0);
  Atomics.store(h.ctrl, CMD, cmd);
  h.gen = Atomics.add(h.ctrl, GEN, 1) + 1;
  Atomics.notify(h.ctrl, GEN);
  return true;
}
