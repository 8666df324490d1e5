/**
 * One order's basket, reused across orders (typed arrays, no allocation).
 * `fill` picks products up to a gross value at list prices; `price` then
 * scales unit prices by one factor ≤ 1 so the lines minus the coupon equal the
 * Gamma-Gamma amount exactly (to cents).
 */
import type { Catalog } from './catalog.ts';
import type { Chooser } from './chooser.ts';
import { orderModel } from './model.ts';
import type { Rng } from './rng.ts';

export class Basket {
  n = 0;
  readonly product = new Int32Array(orderModel.maxLines);
  readonly qty = new Int32Array(orderModel.maxLines);
  readonly unit = new Float64Array(orderModel.maxLines);
  /** Σ qty × unit after `price`. */
  gross = 0;
  /** gross − discount after `price`. */
  amount = 0;
  private readonly catalog: Catalog;
  private readonly chooser: Chooser;

  constructor(catalog: Catalog, chooser: Chooser) {
    this.catalog = catalog;
    this.chooser = chooser;
  }

  /**
   * Picks 1 + min(5, Poisson(1.5)) products, each priced at or a little over
   * its share of the remaining gross; a shortfall is filled by an add-on line,
   * then by more units of one line. Returns the list total (≥ gross).
   */
  fill(rng: Rng, gross: number): number {
    const picks = 1 + Math.min(orderModel.maxLines - 1, rng.poisson(orderModel.extraLinesMean));
    this.n = 0;
    let total = 0;
    for (let p = 0; p < picks; p++) {
      const remaining = gross - total;
      if (remaining <= 0) break;
      // Mostly one unit; sometimes 2–3 units of a cheaper item.
      const units = rng.chance(0.25) ? 2 + rng.int(2) : 1;
      total += this.addLine(rng, remaining / (picks - p), units);
    }
    for (let extra = 0; extra < 2 && total < gross && this.n < orderModel.maxLines; extra++) {
      total += this.addLine(rng, gross - total, 1);
    }
    if (total < gross) {
      // Top up the line whose extra units overshoot the gross the least.
      const price = this.catalog.price;
      const gap = gross - total;
      let best = 0;
      let bestOver = Infinity;
      for (let l = 0; l < this.n; l++) {
        const unitPrice = price[this.product[l] ?? 0] ?? 1;
        const over = Math.ceil(gap / unitPrice) * unitPrice - gap;
        if (over < bestOver) {
          bestOver = over;
          best = l;
        }
      }
      const unitPrice = price[this.product[best] ?? 0] ?? 1;
      const more = Math.ceil(gap / unitPrice);
      this.qty[best] = (this.qty[best] ?? 0) + more;
      total += more * unitPrice;
    }
    return total;
  }

  /** Sets unit prices to list × min(1, gross / listTotal), then gross and amount, rounded to cents. */
  price(gross: number, listTotal: number, discount: number): void {
    const factor = Math.min(1, gross / listTotal);
    let lines = 0;
    for (let l = 0; l < this.n; l++) {
      const unit = round2((this.catalog.price[this.product[l] ?? 0] ?? 0) * factor);
      this.unit[l] = unit;
      lines += (this.qty[l] ?? 0) * unit;
    }
    this.gross = round2(lines);
    this.amount = round2(Math.max(0, lines - discount));
  }

  /** Adds `units` of a product priced in [share/units, 1.25 share/units] (else the nearest cheaper); returns its list value. */
  private addLine(rng: Rng, share: number, units: number): number {
    const target = share / units;
    const c = this.chooser.category(rng, target * 1.25);
    const j = this.chooser.product(rng, c, target, target * 1.25);
    const unitPrice = this.catalog.price[j] ?? 1;
    const inWindow = unitPrice >= target && unitPrice <= target * 1.25;
    const qty = inWindow ? units : Math.max(1, Math.min(20, Math.round(share / unitPrice)));
    for (let l = 0; l < this.n; l++) {
      if (this.product[l] === j) {
        this.qty[l] = (this.qty[l] ?? 0) + qty;
        return qty * unitPrice;
      }
    }
    this.product[this.n] = j;
    this.qty[this.n] = qty;
    this.n++;
    return qty * unitPrice;
  }
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
