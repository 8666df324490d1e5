/**
 * Helper-thread entry for implicit ALS (als-engine.ts), served by util/helper-thread-loop.ts. It keeps its compiled
 * kernels warm from fit to fit; a command solves, projects or sums chunks of a side claimed from NEXT until none are
 * left.
 */
import { RowSolver } from './als-kernel.ts';
import {
  CMD_GRAM,
  CMD_KERNEL,
  CMD_PROJECT,
  CMD_SOLVE,
  OP_MASK,
  SIDE_ITEMS,
  sideViews,
  type AlsSetup,
  type ChunkOp,
  type SideViews,
} from './als-shared.ts';
import { claimChunks } from './als-chunks.ts';
import { serveHelper } from '../../util/helper-thread-loop.ts';

let views: [SideViews, SideViews] | null = null;
let solver: RowSolver | null = null;
let x: Float64Array | null = null;

serveHelper('ALS', {
  setup(buffers) {
    const setup = buffers as AlsSetup;
    views = sideViews(setup);
    solver = new RowSolver(setup.f, Math.max(setup.users.woodburyMax, setup.items.woodburyMax));
    x = new Float64Array(setup.f);
  },
  run(cmd, ctrl) {
    const op = cmd & OP_MASK;
    const ops: Record<number, ChunkOp> = {
      [CMD_SOLVE]: 'solve',
      [CMD_PROJECT]: 'project',
      [CMD_KERNEL]: 'kernel',
      [CMD_GRAM]: 'gram',
    };
    const what = ops[op];
    if (what === undefined) throw new Error(`unknown ALS command ${cmd}`);
    if (!views || !solver || !x) throw new Error('no ALS buffers mapped');
    claimChunks(ctrl, views[cmd & SIDE_ITEMS ? 1 : 0], what, solver, x, null);
  },
  release() {
    views = null;
    solver = null;
    x = null;
  },
});
