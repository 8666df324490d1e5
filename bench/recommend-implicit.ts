/**
 * Implicit item-kNN at shop scale, without a database: synthetic sales lines
 * generated straight into typed arrays (customers in taste clusters, skewed item
 * choice, 10% noise from the whole catalogue), then the matrix, the pruned
 * item-item fit (cosine, 50 neighbours) and the top 10 for every customer, with
 * times and the process's peak RSS. Seeded, so every run draws the same data.
 * Usage: node bench/recommend-implicit.ts [customers=1000000] [items=20000] [linesPerCustomer=10]
 */
import type { InteractionLog } from '../src-main/core/recommend/implicit/interactions.ts';
import { buildMatrix } from '../src-main/core/recommend/implicit/interactions.ts';
import { fitItemKnn } from '../src-main/core/recommend/implicit/item-knn.ts';
import { fitPopularity } from '../src-main/core/recommend/implicit/popularity.ts';
import { ImplicitRecommender } from '../src-main/core/recommend/implicit/recommend.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';

const nUsers = Number(process.argv[2] ?? 1_000_000);
const nItems = Number(process.argv[3] ?? 20_000);
const perUser = Number(process.argv[4] ?? 10);
const clusters = 200;
const clusterSize = Math.floor(nItems / clusters);

const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(2);
const rssMb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

let t = performance.now();
const rng = new Mt19937(0);
// Lines per customer vary 1..2·perUser−1 (mean perUser).
const counts = new Int32Array(nUsers);
let n = 0;
for (let u = 0; u < nUsers; u++) n += counts[u] = 1 + rng.interval(2 * perUser - 2);
const log: InteractionLog = {
  nUsers,
  nItems,
  userIds: Int32Array.from({ length: nUsers }, (_, u) => u + 1),
  itemIds: Int32Array.from({ length: nItems }, (_, i) => i + 1),
  user: new Int32Array(n),
  item: new Int32Array(n),
  weight: new Float32Array(n).fill(1),
  time: new Float64Array(n),
  purchase: new Uint8Array(n).fill(1),
};
let k = 0;
for (let u = 0; u < nUsers; u++) {
  const base = rng.interval(clusters - 1) * clusterSize;
  for (let c = 0; c < counts[u]!; c++, k++) {
    log.user[k] = u;
    log.item[k] =
      rng.nextDouble() < 0.1 ? rng.interval(nItems - 1) : base + Math.floor(clusterSize * rng.nextDouble() ** 2);
    log.time[k] = c;
  }
}
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
