/**
 * Synthetic sales lines for the recommender benches, straight into typed arrays (no database): customers in 200
 * taste clusters, skewed item choice within the cluster, 10% noise from the whole catalogue, 1..2·perUser−1 lines
 * per customer (mean perUser). Seeded, so every run draws the same data.
 */
import type { InteractionLog } from '../../src-main/core/recommend/implicit/interactions.ts';
import { Mt19937 } from '../../src-main/core/recommend/random.ts';

const CLUSTERS = 200;

export function syntheticSales(nUsers: number, nItems: number, perUser: number): InteractionLog {
  const clusterSize = Math.floor(nItems / CLUSTERS);
  const rng = new Mt19937(0);
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
    const base = rng.interval(CLUSTERS - 1) * clusterSize;
    for (let c = 0; c < counts[u]!; c++, k++) {
      log.user[k] = u;
      log.item[k] =
        rng.nextDouble() < 0.1 ? rng.interval(nItems - 1) : base + Math.floor(clusterSize * rng.nextDouble() ** 2);
      log.time[k] = c;
    }
  }
  return log;
}
