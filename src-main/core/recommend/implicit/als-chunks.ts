/**
 * The chunk loop both ALS threads run (als-engine.ts, als-worker.ts): claim the next chunk of a side from the
 * shared counter, solve its rows (or project, or sum the Gram share of, its rows of the fixed side), until none
 * are left. Which thread runs
 * a chunk never changes its rows' arithmetic.
 */
import { gramChunk, kernelRows, projectRows, solveRows, type RowSolver } from './als-kernel.ts';
import { chunksOf, type ChunkOp, type SideViews } from './als-shared.ts';
import { NEXT } from '../../util/helper-thread.ts';

export function runChunk(v: SideViews, op: ChunkOp, ch: number, solver: RowSolver, x: Float64Array): void {
  const d = v.data;
  if (op !== 'solve') {
    const nFixed = d.Y.length / d.f;
    const from = ch * v.projectChunk;
    const to = Math.min(nFixed, from + v.projectChunk);
    if (op === 'project') projectRows(d.Y, d.f, v.Ginv, d.Z!, from, to);
    else if (op === 'kernel') kernelRows(d.Y, d.Z!, d.f, d.kernel!, from, to);
    else gramChunk(d.Y, d.f, from, to, v.partials.subarray(ch * d.f * d.f, (ch + 1) * d.f * d.f));
  } else {
    const nRows = d.indptr.length - 1;
    const from = ch * v.chunk;
    solveRows(d, solver, x, from, Math.min(nRows, from + v.chunk));
  }
}

export function chunkTotal(v: SideViews, op: ChunkOp): number {
  const d = v.data;
  return op !== 'solve' ? chunksOf(d.Y.length / d.f, v.projectChunk) : chunksOf(d.indptr.length - 1, v.chunk);
}

/** Claims and runs chunks until none are left; `between` (the caller's cancel check) runs before each. */
export function claimChunks(
  ctrl: Int32Array,
  v: SideViews,
  op: ChunkOp,
  solver: RowSolver,
  x: Float64Array,
  between: (() => void) | null,
): void {
  const total = chunkTotal(v, op);
  for (;;) {
    between?.();
    const ch = Atomics.add(ctrl, NEXT, 1);
    if (ch >= total) return;
    runChunk(v, op, ch, solver, x);
  }
}
