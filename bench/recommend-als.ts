/**
 * Implicit ALS fit speed, before and after in one run, on the synthetic shop of bench/recommend-implicit.ts
 * (customers in 200 taste clusters, skewed item choice, 10% noise; seeded). Three configurations, each fitted
 * `reps` times for `iterations` iterations from the same start (64 factors, λ 200, α 40):
 *   cg/1 thread     3 warm-started CG steps on every row, one thread — the fit as it was before
 *   auto/1 thread   short rows solved exactly by Woodbury, long rows by CG, one thread
 *   auto/2 threads  the same over two threads (checked bit-identical to one thread)
 * Prints the median seconds per iteration (wall and this process's CPU), the loss reached, and the peak RSS.
 * The machine may be shared: compare the lines of one run, not figures from different runs.
 * Usage: node bench/recommend-als.ts [customers=100000] [items=20000] [linesPerCustomer=10] [iterations=2] [reps=3]
 *        [configs=cg1,auto1,auto2] (a subset, e.g. auto2 alone at a million customers)
 *    or: node bench/recommend-als.ts shop.db [iterations=2] [reps=1] [configs=auto2]: the sales of a workspace (read
 *        only; a 1M-customer sample shop has 17.5M cells over 1,000 products, where K = Y G⁻¹ Yᵀ pays for itself).
 */
import { alsLoss, fitAls } from '../src-main/core/recommend/implicit/als.ts';
import type { AlsModel, AlsOptions } from '../src-main/core/recommend/implicit/als.ts';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { buildMatrix, loadInteractions } from '../src-main/core/recommend/implicit/interactions.ts';
import { syntheticSales } from './lib/synthetic-sales.ts';

const fromDb = process.argv[2]?.endsWith('.db') ? process.argv[2] : null;
const arg = (synthetic: number, workspace: number, fallback: string) =>
  process.argv[fromDb ? workspace : synthetic] ?? fallback;
const nUsers = Number(process.argv[2] ?? 100_000);
const nItems = Number(process.argv[3] ?? 20_000);
const perUser = Number(process.argv[4] ?? 10);
const iterations = Number(arg(5, 3, '2'));
const reps = Number(arg(6, 4, fromDb ? '1' : '3'));
const configs = new Set(arg(7, 5, fromDb ? 'auto2' : 'cg1,auto1,auto2').split(','));

function workspaceSales(path: string) {
  const t0 = performance.now();
  const db = openWorkspace(path, { readonly: true, check: false });
  try {
    const log = loadInteractions(db);
    console.log(`${path}: ${log.user.length} sales lines read in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return log;
  } finally {
    db.close();
  }
}

const log = fromDb ? workspaceSales(fromDb) : syntheticSales(nUsers, nItems, perUser);
const matrix = buildMatrix(log);
console.log(
  `${matrix.nUsers} customers × ${matrix.nItems} items, ${matrix.byUser.indices.length} cells; ` +
    `${iterations} iterations × ${reps} reps`,
);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Outcome {
  wall: number;
  cpu: number;
  loss: number;
  model: AlsModel;
}

function measure(name: string, options: AlsOptions): Outcome {
  const walls: number[] = [];
  const cpus: number[] = [];
  let model: AlsModel | null = null;
  for (let r = 0; r < reps; r++) {
    const w0 = performance.now();
    const c0 = cpuMs();
    model = fitAls(matrix, { ...options, iterations, seed: 0 });
    walls.push((performance.now() - w0) / 1000 / iterations);
    cpus.push((cpuMs() - c0) / 1000 / iterations);
  }
  const loss = alsLoss(matrix, model!);
  const out = { wall: median(walls), cpu: median(cpus), loss, model: model! };
  console.log(
    `  ${name.padEnd(15)} ${out.wall.toFixed(2)} s/iteration wall (runs ${walls.map((w) => w.toFixed(2)).join(', ')}), ` +
      `${out.cpu.toFixed(2)} s CPU, loss ${loss.toExponential(6)}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  return out;
}

const before = configs.has('cg1') ? measure('cg/1 thread', { solver: 'cg', threads: 1 }) : null;
const one = configs.has('auto1') ? measure('auto/1 thread', { solver: 'auto', threads: 1 }) : null;
const two = configs.has('auto2') ? measure('auto/2 threads', { solver: 'auto', threads: 2 }) : null;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
if (before && one && two) {
  console.log(
    `speed-up over cg/1 (wall): auto/1 ${(before.wall / one.wall).toFixed(2)}×, auto/2 ${(before.wall / two.wall).toFixed(2)}×`,
  );
}
if (one && two) {
  const identical =
    same(one.model.userFactors, two.model.userFactors) && same(one.model.itemFactors, two.model.itemFactors);
  console.log(`1 and 2 threads bit-identical: ${identical}`);
}
