/**
 * Stock levels from recent demand, with a known share of products stocked
 * below a month of demand (the "reorder now" truth), and the products' truth rows.
 */
import type { Db } from '../db/workspace.ts';
import type { Catalog } from './catalog.ts';
import { latentModel, stockModel } from './model.ts';
import { Rng, Stream } from './rng.ts';

/** `demand[j]`: units of product j sold in the last 90 days. Returns the understocked SKUs. */
export function writeStock(db: Db, catalog: Catalog, demand: Float64Array, seed: number): string[] {
  const rng = new Rng(seed, Stream.stock, 0);
  const update = db.prepare('UPDATE products SET stock = ? WHERE id = ?');
  const truth = db.prepare(
    `INSERT INTO sample_truth_products(product_id, latent, popularity, rating_bias, monthly_demand, understocked)
     VALUES (?,?,?,?,?,?)`,
  );
  const k = latentModel.k;
  const understocked: string[] = [];
  for (let j = 0; j < catalog.size; j++) {
    const monthly = (demand[j] ?? 0) / 3;
    const short = monthly > 0 && rng.chance(stockModel.understockedShare);
    let stock: number;
    if (monthly <= 0) stock = stockModel.noDemandStock[0] + rng.int(stockModel.noDemandStock[1]);
    else if (short) stock = Math.floor(monthly * rng.uniform(...stockModel.understockedCover));
    else stock = Math.ceil(monthly * rng.uniform(...stockModel.coveredCover));
    update.run(stock, j + 1);
    const latent = Array.from(catalog.factors.subarray(j * k, (j + 1) * k), (x) => Math.round(x * 1e4) / 1e4);
    truth.run(j + 1, JSON.stringify(latent), catalog.popularity[j], catalog.ratingBias[j], monthly, short ? 1 : 0);
    if (short) understocked.push(catalog.sku[j] ?? '');
  }
  return understocked;
}
