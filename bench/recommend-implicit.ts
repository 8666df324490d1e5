/**
 * Implicit item-kNN at shop scale, without a database: synthetic sales lines
 * generated straight into typed arrays (customers in taste clusters, skewed item
 * choice, 10% noise from the whole catalogue), then the matrix, the pruned
 * item-item fit (cosine, 50 neighbours) and the top 10 for every customer, with
 * times and the process's peak RSS. Seeded, so every run draws the same data.
 * Then implicit ALS (64 factors; short rows solved exactly by Woodbury, long rows by 3 CG steps; two threads on
 * a two-core machine): seconds per iteration on the full matrix
 * (alsIterations sweeps, timing only), and leave-last-out at k = 10 on the first
 * evalCustomers customers: popularity, item-kNN and ALS (15 iterations) side by side.
 * Usage: node bench/recommend-implicit.ts [customers=1000000] [items=20000] [linesPerCustomer=10]
 *        [alsIterations=1] [evalCustomers=20000]
 */
import { buildMatrix, type InteractionLog } from '../src-main/core/recommend/implicit/interactions.ts';
import { fitAls } from '../src-main/core/recommend/implicit/als.ts';
import { evaluateSplit, leaveLastOut } from '../src-main/core/recommend/implicit/evaluate.ts';
import type { EvalOptions, RankingMetrics } from '../src-main/core/recommend/implicit/evaluate.ts';
import { fitItemKnn } from '../src-main/core/recommend/implicit/item-knn.ts';
import { fitPopularity } from '../src-main/core/recommend/implicit/popularity.ts';
import { ImplicitRecommender } from '../src-main/core/recommend/implicit/recommend.ts';
import { syntheticSales } from './lib/synthetic-sales.ts';

const nUsers = Number(process.argv[2] ?? 1_000_000);
const nItems = Number(process.argv[3] ?? 20_000);
const perUser = Number(process.argv[4] ?? 10);
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(2);
const rssMb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

let t = performance.now();
const log = syntheticSales(nUsers, nItems, perUser);
const n = log.user.length;
console.log(`generate ${n} lines (${nUsers} customers × ${nItems} items): ${secs(t)} s, peak RSS ${rssMb()} MB`);

t = performance.now();
const matrix = buildMatrix(log);
console.log(`matrix (${matrix.byUser.indices.length} cells): ${secs(t)} s, peak RSS ${rssMb()} MB`);

t = performance.now();
const model = fitItemKnn(matrix, { neighbours: 50 });
console.log(`item-kNN fit (${model.indices.length} neighbour entries kept): ${secs(t)} s, peak RSS ${rssMb()} MB`);

t = performance.now();
const rec = new ImplicitRecommender(matrix, model, fitPopularity(matrix));
let fromModel = 0;
for (let u = 0; u < nUsers; u++) for (const r of rec.forUser(u, 10)) if (r.source === 'similar') fromModel++;
console.log(
  `top-10 for all ${nUsers} customers: ${secs(t)} s (${((100 * fromModel) / (10 * nUsers)).toFixed(1)}% from the model), peak RSS ${rssMb()} MB`,
);

const alsIterations = Number(process.argv[5] ?? 1);
t = performance.now();
let last = t;
const perIteration: string[] = [];
fitAls(
  matrix,
  { iterations: alsIterations },
  {
    onIteration: (d) => {
      if (d > 0) perIteration.push(((performance.now() - last) / 1000).toFixed(2));
      last = performance.now();
    },
  },
);
console.log(
  `ALS fit, 64 factors (Woodbury + 3 CG steps, default threads): ${perIteration.join(', ')} s per iteration (${alsIterations} iterations), peak RSS ${rssMb()} MB`,
);

// Leave-last-out on the first evalCustomers customers (the log is grouped by customer, so a prefix).
const evalUsers = Math.min(nUsers, Number(process.argv[6] ?? 20_000));
let cut = 0;
while (cut < n && log.user[cut]! < evalUsers) cut++;
const small: InteractionLog = {
  ...log,
  nUsers: evalUsers,
  userIds: log.userIds.subarray(0, evalUsers),
  user: log.user.subarray(0, cut),
  item: log.item.subarray(0, cut),
  weight: log.weight.subarray(0, cut),
  time: log.time.subarray(0, cut),
  purchase: log.purchase.subarray(0, cut),
};
const split = leaveLastOut(small, 0);
const line = (name: string, m: RankingMetrics, time: string) =>
  console.log(
    `  ${name.padEnd(10)} ndcg@10 ${m.ndcg.toFixed(4)}  recall@10 ${m.recall.toFixed(4)}  map ${m.map.toFixed(4)}  coverage ${m.coverage.toFixed(3)}  ${time}`,
  );
/** Fit and scoring seconds apart: the first 'score' progress call ends the fit. */
const timed = (options: EvalOptions) => {
  const start = performance.now();
  let fitEnd = 0;
  const r = evaluateSplit(small, split, 10, options, (stage) => {
    if (stage === 'score' && fitEnd === 0) fitEnd = performance.now();
  });
  const end = performance.now();
  return { r, time: `(fit ${((fitEnd - start) / 1000).toFixed(2)} s, score ${((end - fitEnd) / 1000).toFixed(2)} s)` };
};
console.log(`leave-last-out, k = 10, ${split.users.length} of the first ${evalUsers} customers:`);
const knnEval = timed({ neighbours: 50 });
line('popularity', knnEval.r.popularity, '');
line('item-kNN', knnEval.r.model, knnEval.time);
const alsEval = timed({ algo: 'als' });
line('ALS', alsEval.r.model, alsEval.time);
