/**
 * A small shop with a planted category preference, for checking that the
 * classify models find a signal the baselines cannot:
 *   each customer's favourite category depends on gender (female: A with
 *   0.8, else B or C; male: B with 0.8, else A or C); every order holds one
 *   item, of the favourite with probability `loyalty`, else of a uniformly
 *   drawn category (the favourite included). Orders arrive every
 *   Exp(mean `gapDays`) days from a first sale in the shop's first year.
 * All items cost the same, so "most spend" is "most items". The majority
 * class misses everyone outside the most common favourite; "same as before"
 * misreads customers whose short history is dominated by noise; a model that
 * combines history shares with gender does better than both.
 */
import type { Db } from '../../src-main/core/db/workspace.ts';
import { DAY, dayOf } from '../../src-main/core/analytics/models/churn.ts';
import { Rng } from '../../src-main/core/sample/rng.ts';

export function plantedCategoryShop(
  db: Db,
  options: { customers: number; seed: number; asOf: string; loyalty?: number; gapDays?: number },
): void {
  const rng = new Rng(options.seed, 0x706c);
  const loyalty = options.loyalty ?? 0.45;
  const gap = options.gapDays ?? 40;
  const end = dayOf(options.asOf) + 1;
  const start = end - 730;
  db.exec(`INSERT INTO products (id, sku, category) VALUES (1, 'pa', 'A'), (2, 'pb', 'B'), (3, 'pc', 'C')`);
  const customer = db.prepare(`INSERT INTO customers (id, external_id, gender, birth_year) VALUES (?, ?, ?, ?)`);
  const order = db.prepare(
    `INSERT INTO orders (id, external_id, customer_id, placed_at, status, amount) VALUES (?, ?, ?, ?, 'completed', 10)`,
  );
  const item = db.prepare(`INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, ?, 1, 10)`);
  let orderId = 0;
  db.transaction(() => {
    for (let c = 1; c <= options.customers; c++) {
      const female = rng.chance(0.5);
      customer.run(c, `K${c}`, female ? 'female' : 'male', 1960 + rng.int(40));
      const main = female ? 0 : 1;
      const fav = rng.chance(0.8) ? main : [0, 1, 2].filter((x) => x !== main)[rng.int(2)]!;
      let day = start + rng.uniform(0, 365);
      while (day < end) {
        const cat = rng.chance(loyalty) ? fav : rng.int(3);
        orderId++;
        order.run(orderId, `O${orderId}`, c, Math.floor(day * DAY));
        item.run(orderId, cat + 1);
        day += rng.exponential(1 / gap);
      }
    }
  })();
}
