/**
 * Helper-thread entry for implicit ALS (als-engine.ts). It lives as long as the process (unref'd, so it never
 * keeps it alive) and keeps its compiled kernels warm from fit to fit. Whenever the fitting thread bumps GEN it
 * runs the command in CMD — map a fit's buffers (posted on the port), solve, project or sum chunks of a side claimed
 * from NEXT until none are left, or drop the buffers — and reports through DONE. Between commands it blocks in
 * Atomics.wait: no message per half-step.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { RowSolver } from './als-kernel.ts';
import {
  CMD,
  CMD_GRAM,
  CMD_PROJECT,
  CMD_SETUP,
  CMD_SOLVE,
  DONE,
  FAILED,
  GEN,
  READY,
  SIDE_ITEMS,
  sideViews,
  type AlsSetup,
  type SideViews,
} from './als-shared.ts';
import { claimChunks } from './als-chunks.ts';

const { ctrl: ctrlBuffer, port } = workerData as { ctrl: SharedArrayBuffer; port: MessagePort };
const ctrl = new Int32Array(ctrlBuffer);
let views: [SideViews, SideViews] | null = null;
let solver: RowSolver | null = null;
let x: Float64Array | null = null;
Atomics.store(ctrl, READY, 1);
Atomics.notify(ctrl, READY);

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, GEN, seen);
  const gen = Atomics.load(ctrl, GEN);
  if (gen === seen) continue;
  seen = gen;
  const cmd = Atomics.load(ctrl, CMD);
  const op = cmd & 15;
  try {
    if (op === CMD_SETUP) {
      // Posted before GEN was bumped, so it is already queued.
      const m = receiveMessageOnPort(port);
      if (!m) throw new Error('ALS setup message missing');
      const setup = m.message as AlsSetup;
      views = sideViews(setup);
      solver = new RowSolver(setup.f, Math.max(setup.users.woodburyMax, setup.items.woodburyMax));
      x = new Float64Array(setup.f);
    } else if (op === CMD_SOLVE || op === CMD_PROJECT || op === CMD_GRAM) {
      if (!views || !solver || !x) throw new Error('no ALS buffers mapped');
      const what = op === CMD_SOLVE ? 'solve' : op === CMD_PROJECT ? 'project' : 'gram';
      claimChunks(ctrl, views[cmd & SIDE_ITEMS ? 1 : 0], what, solver, x, null);
    } else {
      views = null;
      solver = null;
      x = null;
    }
  } catch {
    Atomics.store(ctrl, FAILED, 1);
  }
  Atomics.store(ctrl, DONE, gen);
  Atomics.notify(ctrl, DONE);
}
