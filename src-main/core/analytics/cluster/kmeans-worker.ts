/**
 * Helper-thread entry for k-means (kmeans-engine.ts), served by util/helper-thread-loop.ts. It keeps its compiled
 * kernels warm from fit to fit; an assignment command claims chunks from NEXT until none are left and reports the
 * labels it changed in CHANGED.
 */
import { hamerlyChunks, lloydChunks } from './kmeans-kernel.ts';
import {
  CHANGED,
  CMD_HAMERLY,
  CMD_LLOYD,
  FLAG_FIRST,
  FLAG_MOVED,
  FLAG_SUMS,
  OP_MASK,
  sharedViews,
  type SharedSetup,
  type SharedViews,
} from './kmeans-shared.ts';
import { NEXT } from '../../util/helper-thread.ts';
import { serveHelper } from '../../util/helper-thread-loop.ts';

let setup: SharedSetup | null = null;
let v: SharedViews | null = null;

function assign(ctrl: Int32Array, cmd: number): number {
  if (!setup || !v) throw new Error('no k-means buffers mapped');
  const { n, d, k, chunks } = setup;
  const sums = cmd & FLAG_SUMS ? v.partSums : null;
  const counts = cmd & FLAG_SUMS ? v.partCounts : null;
  const hamerly = (cmd & OP_MASK) === CMD_HAMERLY;
  const first = (cmd & FLAG_FIRST) !== 0;
  const moved = (cmd & FLAG_MOVED) !== 0;
  let changed = 0;
  for (let ch = Atomics.add(ctrl, NEXT, 1); ch < chunks; ch = Atomics.add(ctrl, NEXT, 1)) {
    changed += hamerly
      ? hamerlyChunks(v.X, n, d, k, v.centers, v.labels, ch, ch + 1, sums, counts, v, first, moved)
      : lloydChunks(v.X, n, d, k, v.centers, v.labels, ch, ch + 1, sums, counts);
  }
  return changed;
}

serveHelper('k-means', {
  setup(buffers) {
    setup = buffers as SharedSetup;
    v = sharedViews(setup);
  },
  run(cmd, ctrl) {
    const op = cmd & OP_MASK;
    if (op !== CMD_LLOYD && op !== CMD_HAMERLY) throw new Error(`unknown k-means command ${cmd}`);
    Atomics.store(ctrl, CHANGED, assign(ctrl, cmd));
  },
  release() {
    setup = null;
    v = null;
  },
});
