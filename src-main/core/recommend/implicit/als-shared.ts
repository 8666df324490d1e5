/**
 * The shared-memory layout between the thread fitting implicit ALS and its helper thread (als-worker.ts): the
 * control words they step through once per command, and the per-fit buffers both sides map. Modelled on the
 * k-means engine (analytics/cluster/kmeans-shared.ts).
 */
import { ranksOf, type AlsSolver, type HalfStepData } from './als-kernel.ts';
import { HELPER_WORDS } from '../../util/helper-thread.ts';

/** The control words are the ones every helper has (util/helper-thread.ts), no more. */
export const CTRL_WORDS = HELPER_WORDS;

/** Commands past CMD_RELEASE and CMD_SETUP, in the bits OP_MASK keeps; the side rides in bit 4 (0 = solve users
 * against items, 1 = items against users). */
export const CMD_SOLVE = 2; // re-solve the side's rows
export const CMD_PROJECT = 3; // Z = Y G⁻¹ for the side's fixed factors
export const CMD_GRAM = 4; // per-chunk shares of YᵀY for the side's fixed factors
export const CMD_KERNEL = 5; // K = Y G⁻¹ Yᵀ (lower triangle) for the side's fixed factors, after Z
export const OP_MASK = 15;
export const SIDE_ITEMS = 16;

/** Index past every chunk: a stopped command makes both threads stop claiming. */
export const STOP = 0x3fffffff;

/** One side's rows (the CSR of the solved side over the fixed side's indices). */
export interface SideSetup {
  nRows: number;
  indptr: SharedArrayBuffer;
  cols: SharedArrayBuffer;
  cm1: SharedArrayBuffer;
  /** Y G⁻¹ of the fixed side (nFixed × f doubles) when this side uses Woodbury rows, else null. */
  z: SharedArrayBuffer | null;
  /** K = Y G⁻¹ Yᵀ of the fixed side (packed, doubles) and its order (Int32, nFixed) when the short rows use it. */
  k: SharedArrayBuffer | null;
  kOrder: SharedArrayBuffer | null;
  woodburyMax: number;
}

/** One fit's buffers, as posted to the helper. */
export interface AlsSetup {
  f: number;
  solver: AlsSolver;
  cgSteps: number;
  userFactors: SharedArrayBuffer;
  itemFactors: SharedArrayBuffer;
  /** G (f×f) then G⁻¹ (f×f), doubles, rewritten by the caller every half-step. */
  gram: SharedArrayBuffer;
  /** One f×f share of YᵀY per chunk of the larger side (doubles). */
  partials: SharedArrayBuffer;
  users: SideSetup;
  items: SideSetup;
}

export interface SideViews {
  data: HalfStepData;
  /** G⁻¹ of the half-step (the second f×f block of the gram buffer). */
  Ginv: Float64Array;
  /** Rows per chunk of the solved side and of the fixed side (for projections and the Gram matrix). */
  chunk: number;
  projectChunk: number;
  /** Per-chunk shares of the fixed side's Gram matrix. */
  partials: Float64Array;
}

/** What a command does with a side's chunks. */
export type ChunkOp = 'solve' | 'project' | 'kernel' | 'gram';

export const chunksOf = (rows: number, chunk: number): number => Math.ceil(rows / chunk);

/** Rows per claimed chunk for the per-chunk Gram shares and projections: about 256 chunks a side, never under 16 rows. */
export function chunkRows(rows: number): number {
  return Math.max(16, Math.ceil(rows / 256));
}

/**
 * Rows per claimed chunk of solves: about 1024 chunks a side. Row costs are skewed (one product of a 1M-customer
 * shop holds 3 % of all cells): small chunks keep the two threads finishing together.
 */
export function solveChunkRows(rows: number): number {
  return Math.max(1, Math.ceil(rows / 1024));
}

/** The two half-steps' views of one fit's buffers (both threads build the same). */
export function sideViews(s: AlsSetup): [SideViews, SideViews] {
  const f = s.f;
  const users = new Float32Array(s.userFactors);
  const items = new Float32Array(s.itemFactors);
  const G = new Float64Array(s.gram, 0, f * f);
  const Ginv = new Float64Array(s.gram, f * f * 8, f * f);
  const partials = new Float64Array(s.partials);
  const side = (rows: SideSetup, X: Float32Array, Y: Float32Array, nFixed: number): SideViews => ({
    data: {
      X,
      Y,
      f,
      indptr: new Int32Array(rows.indptr),
      cols: new Int32Array(rows.cols),
      cm1: new Float64Array(rows.cm1),
      G,
      Z: rows.z ? new Float64Array(rows.z) : null,
      kernel:
        rows.k && rows.kOrder
          ? {
              K: new Float64Array(rows.k),
              order: new Int32Array(rows.kOrder),
              rank: ranksOf(new Int32Array(rows.kOrder)),
            }
          : null,
      solver: s.solver,
      cgSteps: s.cgSteps,
      woodburyMax: rows.woodburyMax,
    },
    Ginv,
    chunk: solveChunkRows(rows.nRows),
    projectChunk: chunkRows(nFixed),
    partials,
  });
  return [side(s.users, users, items, s.items.nRows), side(s.items, items, users, s.users.nRows)];
}
