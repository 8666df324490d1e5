/**
 * Runs k-means assignments on the calling thread alone or together with one
 * helper thread. The helper starts on first use and is kept (unref'd) so its
 * compiled kernels stay warm; each fit shares the points, labels, bounds and
 * per-chunk sums with it through SharedArrayBuffers and drives it with
 * Atomics, no message per iteration. Both threads claim chunks from a shared
 * counter, so one the OS holds back just does fewer. Each chunk sums into its
 * own slot and the slots are added in chunk order on every path, so the
 * thread count never changes a result.
 */
import { availableParallelism } from 'node:os';
import { chunkCount, hamerlyChunks, lloydChunks, reduceChunks, type HamerlyState } from './kmeans-kernel.ts';
import {
  CHANGED,
  CMD_HAMERLY,
  CMD_LLOYD,
  CTRL_WORDS,
  FLAG_FIRST,
  FLAG_MOVED,
  FLAG_SUMS,
  sharedViews,
  type SharedSetup,
  type SharedViews,
} from './kmeans-shared.ts';
import { KeptHelper, NEXT } from '../../util/helper-thread.ts';
import { workerEntry } from '../../util/worker-entry.ts';

/** The sums one assignment accumulates for the next centers (k × d and k). */
export interface Step {
  sums: Float64Array;
  counts: Float64Array;
}

export interface AssignEngine {
  /** Threads doing the assignments (1 or 2). */
  readonly threads: number;
  readonly labels: Int32Array;
  /** Hamerly's bounds and per-center figures; the caller fills half, grow and shrink before an assignment. */
  readonly h: HamerlyState;
  /** One assignment from centers C; with step, also the per-cluster sums and counts. Returns labels changed. */
  assign(C: Float64Array, hamerly: boolean, step: Step | null, first: boolean, moved: boolean): number;
  /** Ends the helper thread (if any); safe to call twice. */
  close(): void;
}

/** Below this much work per iteration (n·k·d) a second thread costs more than it saves. */
export const THREAD_MIN_WORK = 4_000_000;
export const THREAD_MIN_ROWS = 100_000;

/** Threads to use when the caller does not say: both cores of a two-core machine, no more. */
export function defaultThreads(): number {
  return Math.min(2, availableParallelism());
}

const workerUrl = () => workerEntry(import.meta.url, 'kmeans-worker.ts', 'kmeans-worker.js');

/** An engine for n × d points and k centers; threaded when asked for and the work is large enough. */
export function createEngine(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  hamerly: boolean,
  threads: number,
): AssignEngine {
  const big = n >= THREAD_MIN_ROWS && n * k * d >= THREAD_MIN_WORK && chunkCount(n) >= 2;
  const url = threads >= 2 && big ? workerUrl() : null;
  return url ? threadedEngine(url, X, n, d, k, hamerly) : localEngine(X, n, d, k, hamerly);
}

function runChunks(
  v: { X: Float64Array; labels: Int32Array; partSums: Float64Array; partCounts: Float64Array },
  n: number,
  d: number,
  k: number,
  C: Float64Array,
  h: HamerlyState,
  c0: number,
  c1: number,
  hamerly: boolean,
  sums: boolean,
  first: boolean,
  moved: boolean,
): number {
  const s = sums ? v.partSums : null;
  const c = sums ? v.partCounts : null;
  return hamerly
    ? hamerlyChunks(v.X, n, d, k, C, v.labels, c0, c1, s, c, h, first, moved)
    : lloydChunks(v.X, n, d, k, C, v.labels, c0, c1, s, c);
}

function localEngine(X: Float64Array, n: number, d: number, k: number, hamerly: boolean): AssignEngine {
  const chunks = chunkCount(n);
  const v = {
    X,
    labels: new Int32Array(n),
    partSums: new Float64Array(chunks * k * d),
    partCounts: new Float64Array(chunks * k),
  };
  const h: HamerlyState = {
    upper: new Float64Array(hamerly ? n : 0),
    lower: new Float64Array(hamerly ? n : 0),
    half: new Float64Array(k),
    grow: new Float64Array(k),
    shrink: new Float64Array(k),
  };
  return {
    threads: 1,
    labels: v.labels,
    h,
    assign(C, ham, step, first, moved) {
      if (step && (first || !ham)) {
        v.partSums.fill(0);
        v.partCounts.fill(0);
      }
      const changed = runChunks(v, n, d, k, C, h, 0, chunks, ham, step !== null, first, moved);
      if (step) reduceChunks(chunks, k, d, v.partSums, v.partCounts, step.sums, step.counts);
      return changed;
    },
    close() {},
  };
}

/** The helper thread (kmeans-worker.ts), started on first use and kept so its compiled kernels stay warm. */
const kept = new KeptHelper('k-means', CTRL_WORDS);

function threadedEngine(url: URL, X: Float64Array, n: number, d: number, k: number, hamerly: boolean): AssignEngine {
  let h = kept.take(url);
  if (!h) return localEngine(X, n, d, k, hamerly);
  const chunks = chunkCount(n);
  let x: SharedArrayBuffer;
  let xOffset = 0;
  if (X.buffer instanceof SharedArrayBuffer) {
    x = X.buffer;
    xOffset = X.byteOffset;
  } else {
    // One copy per fit (all restarts share it): the helper cannot see an ordinary ArrayBuffer.
    x = new SharedArrayBuffer(n * d * 8);
    new Float64Array(x).set(X);
  }
  const setup: SharedSetup = {
    n,
    d,
    k,
    chunks,
    x,
    xOffset,
    labels: new SharedArrayBuffer(n * 4),
    params: new SharedArrayBuffer((k * d + 3 * k) * 8),
    partSums: new SharedArrayBuffer(chunks * k * d * 8),
    partCounts: new SharedArrayBuffer(chunks * k * 8),
    bounds: new SharedArrayBuffer(hamerly ? 2 * n * 8 : 0),
  };
  const v: SharedViews = sharedViews(setup);
  // The helper maps the buffers while seeding runs.
  if (!kept.setup(h, setup)) h = null;
  const release = () => {
    if (!h) return;
    const held = h;
    h = null;
    kept.giveBack(held);
  };
  return {
    get threads() {
      return h ? 2 : 1;
    },
    labels: v.labels,
    h: v,
    assign(C, ham, step, first, moved) {
      v.centers.set(C);
      // Lloyd sums afresh; Hamerly keeps its running sums after the first assignment (kmeans-kernel.ts).
      if (step && (first || !ham)) {
        v.partSums.fill(0);
        v.partCounts.fill(0);
      }
      const cmd =
        (ham ? CMD_HAMERLY : CMD_LLOYD) | (step ? FLAG_SUMS : 0) | (first ? FLAG_FIRST : 0) | (moved ? FLAG_MOVED : 0);
      if (h && !kept.command(h, cmd)) h = null;
      let changed = 0;
      if (h) {
        // Claim chunks until none are left; which thread ran a chunk never changes its slot or its sums.
        const ctrl = h.ctrl;
        for (let ch = Atomics.add(ctrl, NEXT, 1); ch < chunks; ch = Atomics.add(ctrl, NEXT, 1)) {
          changed += runChunks(v, n, d, k, v.centers, v, ch, ch + 1, ham, step !== null, first, moved);
        }
        // Wait for the helper's chunks. If it never started it claimed none: this thread did them all.
        const acked = kept.settle(h);
        if (acked) changed += Atomics.load(ctrl, CHANGED);
        else h = null;
      } else {
        changed = runChunks(v, n, d, k, v.centers, v, 0, chunks, ham, step !== null, first, moved);
      }
      if (step) reduceChunks(chunks, k, d, v.partSums, v.partCounts, step.sums, step.counts);
      return changed;
    },
    close: release,
  };
}
