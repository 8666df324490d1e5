/**
 * The goods total of one order, tallied on the reading side as its lines go
 * by, so the writer can store an order's amount as a value instead of
 * summing the order's stored lines again in SQL. It follows the line rules
 * of the writer's upsert: lines are keyed by (product, unit price); a
 * repeated key replaces the quantity (the same line exported twice), or adds
 * to it when the file numbers its lines (writers.ts, `adds`).
 */

/** Past this many distinct lines, keys are looked up in a map instead of scanned (exports' orders are short). */
const SCAN_LIMIT = 32;

export class OrderTally {
  private products: number[] = [];
  private prices: number[] = [];
  private quantities: number[] = [];
  private index: Map<string, number> | null = null;

  /** Forgets the lines: the next order starts. */
  clear(): void {
    this.products.length = 0;
    this.prices.length = 0;
    this.quantities.length = 0;
    this.index = null;
  }

  /** One line: `add` = 1 when it adds to an earlier line with the same key rather than replacing it. */
  line(product: number, price: number, quantity: number, add: number): void {
    const at = this.find(product, price);
    if (at < 0) {
      this.products.push(product);
      this.prices.push(price);
      this.quantities.push(quantity);
      if (this.index) this.index.set(`${product}|${price}`, this.products.length - 1);
      else if (this.products.length > SCAN_LIMIT) this.buildIndex();
    } else this.quantities[at] = add ? this.quantities[at]! + quantity : quantity;
  }

  /** Σ quantity × unit price over the distinct lines so far. */
  sum(): number {
    let s = 0;
    for (let i = 0; i < this.quantities.length; i++) s += this.quantities[i]! * this.prices[i]!;
    return s;
  }

  private find(product: number, price: number): number {
    if (this.index) return this.index.get(`${product}|${price}`) ?? -1;
    for (let i = 0; i < this.products.length; i++) {
      if (this.products[i] === product && this.prices[i] === price) return i;
    }
    return -1;
  }

  private buildIndex(): void {
    this.index = new Map();
    for (let i = 0; i < this.products.length; i++) this.index.set(`${this.products[i]}|${this.prices[i]}`, i);
  }
}
