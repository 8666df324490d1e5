/**
 * Helper-thread entry for k-means (kmeans-engine.ts). It lives as long as the
 * process (unref'd, so it never keeps it alive) and keeps its compiled
 * kernels warm from fit to fit. Whenever the calling thread bumps GEN it runs
 * the command in CMD — map a fit's buffers (posted on the port), run an
 * assignment by claiming chunks from NEXT until none are left, or drop the
 * buffers — and reports through DONE. Between commands it blocks in
 * Atomics.wait: no message per iteration.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { hamerlyChunks, lloydChunks } from './kmeans-kernel.ts';
import {
  CHANGED,
  CMD,
  CMD_HAMERLY,
  CMD_LLOYD,
  CMD_SETUP,
  DONE,
  FAILED,
  FLAG_FIRST,
  FLAG_MOVED,
  FLAG_SUMS,
  GEN,
  NEXT,
  READY,
  sharedViews,
  type SharedSetup,
  type SharedViews,
} from './kmeans-shared.ts';

const { ctrl: ctrlBuffer, port } = workerData as { ctrl: SharedArrayBuffer; port: MessagePort };
const ctrl = new Int32Array(ctrlBuffer);
let setup: SharedSetup | null = null;
let v: SharedViews | null = null;
Atomics.store(ctrl, READY, 1);
Atomics.notify(ctrl, READY);

function assign(cmd: number): number {
  if (!setup || !v) throw new Error('no k-means buffers mapped');
  const { n, d, k, chunks } = setup;
  const sums = cmd & FLAG_SUMS ? v.partSums : null;
  const counts = cmd & FLAG_SUMS ? v.partCounts : null;
  const hamerly = (cmd & 3) === CMD_HAMERLY;
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

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, GEN, seen);
  const gen = Atomics.load(ctrl, GEN);
  if (gen === seen) continue;
  seen = gen;
  const cmd = Atomics.load(ctrl, CMD);
  try {
    if (cmd === CMD_SETUP) {
      // Posted before GEN was bumped, so it is already queued.
      const m = receiveMessageOnPort(port);
      if (!m) throw new Error('k-means setup message missing');
      setup = m.message as SharedSetup;
      v = sharedViews(setup);
    } else if ((cmd & 3) === CMD_LLOYD || (cmd & 3) === CMD_HAMERLY) {
      Atomics.store(ctrl, CHANGED, assign(cmd));
    } else {
      setup = null;
      v = null;
    }
  } catch {
    Atomics.store(ctrl, FAILED, 1);
  }
  Atomics.store(ctrl, DONE, gen);
  Atomics.notify(ctrl, DONE);
}
