/**
 * Order lines made ready for the writer on the reading thread. Everything
 * about a line that needs no database — quantity and price rules, return
 * detection, the order key, numbered lines, which order and product are new,
 * the goods total of an order whose lines come together (order-tally.ts) —
 * is decided here, so the writing thread (it owns SQLite) only binds numbers. Lines travel as typed columns (moved between
 * threads, not copied); orders and products as small slot numbers, with the
 * data of a new order or product sent once, at its first line.
 *
 * Slots are per-run dictionaries of natural keys, cleared when full so memory
 * stays flat; the writer is told to forget its slot → id table at the same
 * batch. A key seen again after a clear is new again and goes through the
 * upsert, exactly as a key the writer's cache had dropped did.
 */
import type { FieldName } from './fields.ts';
import { OrderTally } from './order-tally.ts';
import type { Row, Value } from './writers.ts';

/** One batch of prepared lines (the good rows of a RowBatch, in file order). */
export interface PreparedLines {
  count: number;
  /** Order slot of each line. */
  orders: Int32Array;
  /** Product slot of each line; -1 when the line names no product. */
  products: Int32Array;
  quantities: Float64Array;
  unitPrices: Float64Array;
  /** 1: the line adds to an earlier line with the same key (numbered lines of one product). */
  adds: Uint8Array;
  /** Orders first met in this batch, in line order. */
  newOrders: NewOrders;
  /** Products first met in this batch, in line order. */
  newProducts: { slot: number; sku: string; row: Row }[];
  /** The slot dictionaries were cleared before this batch: slots from earlier batches mean nothing now. */
  resetOrders: boolean;
  resetProducts: boolean;
  /**
   * Goods totals (Σ quantity × unit price over the kept lines) of the orders of this batch whose lines so far all
   * came together, as slot and total: final once the order's last line has gone by. Empty when the file has amounts.
   */
  totalSlots: Int32Array;
  totals: Float64Array;
  /** Orders of this batch whose lines came back after other orders' (or over a cleared dictionary): summed in SQL. */
  recount: Int32Array;
}

/**
 * The orders first met in a batch, field by field (entry i of each list is order i). A batch crosses threads by
 * structured clone, which copies flat lists of strings and numbers for a fraction of what an object per order costs
 * (1M lines: 50,000 orders).
 */
export interface NewOrders {
  slots: number[];
  keys: string[];
  placedAt: Value[];
  status: (string | null)[];
  amount: (number | null)[];
  discount: (number | null)[];
  coupon: (string | null)[];
  channel: (string | null)[];
  country: (string | null)[];
  /** The customer fields the file has, in the order of `customers`. */
  customerFields: FieldName[];
  /** Each order's first line's customer values: `customerFields.length` per order. */
  customers: Value[];
}

/** A line that parses but cannot be stored; reported like a bad cell. */
export interface LineProblem {
  field: FieldName;
  reason: string;
}

/** Slots kept before a dictionary is cleared (the writer's caches had the same sizes). */
const ORDER_SLOTS = 50_000;
const PRODUCT_SLOTS = 200_000;

const CUSTOMER_FIELDS: readonly FieldName[] = [
  'customer',
  'email',
  'customer_name',
  'phone',
  'address',
  'gender',
  'birth_year',
  'age',
  'city',
  'country',
  'occupation',
  'interests',
  'signup_at',
];
const PRODUCT_FIELDS: readonly FieldName[] = ['product', 'title', 'category', 'price', 'cost', 'stock'];

/** A return document: a 'C' invoice (C + digits, as in UCI Online Retail) or a negative line. */
const cancelInvoice = /^C\d/i;

/** The fields `add` reads, by their position in a line's values (see LinePrep.at). */
const READ_FIELDS = [
  'quantity',
  'unit_price',
  'line_amount',
  'order_id',
  'status',
  'date',
  'amount',
  'discount',
  'coupon',
  'channel',
  'country',
  'line_no',
  'product',
  'title',
] as const satisfies readonly FieldName[];
type ReadField = (typeof READ_FIELDS)[number];

/** values[p], or undefined where no column feeds the field (p = -1), as a row object without it reads. */
const at = (values: readonly Value[], p: number): Value | undefined => (p < 0 ? undefined : values[p]);

const str = (v: Value | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: Value | undefined): number | null => (typeof v === 'number' ? v : null);
const round2 = (n: number) => Math.round(n * 100) / 100;

export class LinePrep {
  private readonly numbered: boolean;
  private readonly fields: readonly FieldName[];
  private readonly customerFields: FieldName[];
  private readonly productFields: FieldName[];
  // Where each field sits in a line's values: the last column feeding it, as a row object built column by column
  // keeps. Lines come as values by column (addValues) so the reader builds no row object per line.
  private readonly at: Record<ReadField, number>;
  private readonly customerAt: Int32Array;
  private readonly productAt: Int32Array;
  private orderSlots = new Map<string, number>();
  private productSlots = new Map<string, number>();
  // Most SKUs are plain digits ("85123"): below DIRECT_SKUS their number indexes this table (slot + 1; 0 = not seen),
  // which spares hashing a fresh string per line; the table grows to the largest such SKU seen. All SKUs share
  // one slot numbering (productCount).
  private digitSlots = new Int32Array(0);
  private productCount = 0;
  // Line numbers seen in the current order (exports list an order's lines together).
  private linesOf = '';
  private readonly lineNos = new Set<string>();
  private lastKey: string | null = null;
  private lastSlot = 0;
  private lastId: string | null = null;
  private lastCancel = false;
  /** lastKey was made from lastId, with "-R" when lastReturnKey. */
  private lastKeyFromId = false;
  private lastReturnKey = false;
  private batch: PreparedLines = emptyBatch(0, false, false, []);
  // Order totals (see PreparedLines.totals): the tally of the order whose lines go by now, and the orders whose lines
  // did not come together (their slots, until the order dictionary is cleared).
  private readonly tally: OrderTally | null;
  private tallySlot = -1;
  private tallyClean = false;
  private scattered = new Set<number>();
  private readonly totalSlots: number[] = [];
  private readonly totals: number[] = [];
  private readonly recount = new Set<number>();

  private readonly maxOrders: number;
  private readonly maxProducts: number;

  /** `fields`: the fields the file's columns map to; the slot limits are smaller only in tests, to reach the clears. */
  constructor(fields: readonly FieldName[], { orderSlots = ORDER_SLOTS, productSlots = PRODUCT_SLOTS } = {}) {
    this.maxOrders = orderSlots;
    this.maxProducts = productSlots;
    this.numbered = fields.includes('line_no');
    this.fields = [...fields];
    this.customerFields = CUSTOMER_FIELDS.filter((f) => fields.includes(f));
    this.productFields = PRODUCT_FIELDS.filter((f) => fields.includes(f));
    const at = {} as Record<ReadField, number>;
    for (const f of READ_FIELDS) at[f] = fields.lastIndexOf(f);
    this.at = at;
    this.customerAt = Int32Array.from(this.customerFields, (f) => fields.lastIndexOf(f));
    this.productAt = Int32Array.from(this.productFields, (f) => fields.lastIndexOf(f));
    // A file with order amounts keeps them: nothing to sum.
    this.tally = fields.includes('amount') ? null : new OrderTally();
  }

  /** Starts a batch of at most `capacity` lines. */
  start(capacity: number): void {
    const resetOrders = this.orderSlots.size >= this.maxOrders;
    const resetProducts = this.productCount >= this.maxProducts;
    if (resetOrders) {
      this.orderSlots = new Map();
      this.lastKey = null;
      this.lastKeyFromId = false;
      // An order going on past the clear comes back as a new slot the writer finds stored already: summed in SQL.
      this.tallySlot = -1;
      this.scattered = new Set();
    }
    if (resetProducts) {
      this.productSlots = new Map();
      this.digitSlots.fill(0);
      this.productCount = 0;
      // The open order's lines are keyed by product slots that now mean nothing: its later lines are summed in SQL.
      if (this.tallySlot >= 0) this.scatter(this.tallySlot);
    }
    this.batch = emptyBatch(capacity, resetOrders, resetProducts, this.customerFields);
    this.totalSlots.length = 0;
    this.totals.length = 0;
    this.recount.clear();
  }

  /** Adds one converted row as the next line; a problem instead when the line cannot be stored. */
  add(row: Row): LineProblem | null {
    return this.addValues(this.fields.map((f) => row[f] ?? null));
  }

  /** `add` for a line given as its values in the order of the constructor's fields. */
  addValues(values: readonly Value[]): LineProblem | null {
    const p = this.at;
    let quantity = num(at(values, p.quantity));
    let unitPrice = num(at(values, p.unit_price));
    const lineAmount = num(at(values, p.line_amount));
    if (quantity === null) quantity = lineAmount !== null && lineAmount < 0 ? -1 : 1;
    if (quantity === 0) return { field: 'quantity', reason: 'quantity is 0' };
    if (unitPrice === null) {
      if (lineAmount === null) return { field: 'unit_price', reason: 'missing unit price and line amount' };
      unitPrice = Math.abs(lineAmount / quantity);
    }
    if (unitPrice < 0) return { field: 'unit_price', reason: `negative unit price ${unitPrice}` };
    const id = String(at(values, p.order_id));
    const statusField = (at(values, p.status) as string | null | undefined) ?? null;
    const sameId = id === this.lastId;
    if (!sameId) {
      this.lastId = id;
      this.lastCancel = cancelInvoice.test(id);
      this.lastKeyFromId = false;
    }
    const cInvoice = this.lastCancel;
    const negative = quantity < 0 || (lineAmount !== null && lineAmount < 0);
    let status = statusField;
    let returnKey = false;
    if (cInvoice || negative) {
      status = 'returned';
      // A negative line inside a sales invoice becomes its own return document.
      returnKey = !cInvoice && statusField !== 'returned';
    }
    const key = returnKey ? `${id}-R` : id;
    const b = this.batch;
    // An order's lines mostly come together: the previous line's order saves a lookup. The last key was made from
    // this very id (one compare, above) or is compared as text.
    const sameKey = sameId && this.lastKeyFromId && returnKey === this.lastReturnKey;
    let order = sameKey || key === this.lastKey ? this.lastSlot : this.orderSlots.get(key);
    const known = order !== undefined;
    if (order === undefined) {
      const date = at(values, p.date);
      if (date === null || date === undefined) return { field: 'date', reason: `missing date for order ${id}` };
      order = this.orderSlots.size;
      this.orderSlots.set(key, order);
      const o = b.newOrders;
      o.slots.push(order);
      o.keys.push(key);
      o.placedAt.push(date);
      o.status.push(status);
      o.amount.push(num(at(values, p.amount)));
      o.discount.push(num(at(values, p.discount)));
      o.coupon.push(str(at(values, p.coupon)));
      o.channel.push(str(at(values, p.channel)));
      o.country.push(str(at(values, p.country)));
      const customerAt = this.customerAt;
      for (let f = 0; f < customerAt.length; f++) o.customers.push(values[customerAt[f]!] ?? null);
    }
    this.lastKey = key;
    this.lastKeyFromId = true;
    this.lastReturnKey = returnKey;
    this.lastSlot = order;
    let add = 0;
    if (this.numbered) {
      if (this.linesOf !== key) {
        this.linesOf = key;
        this.lineNos.clear();
      }
      const lineNo = str(at(values, p.line_no)) ?? '';
      if (!this.lineNos.has(lineNo)) {
        this.lineNos.add(lineNo);
        add = this.lineNos.size > 1 ? 1 : 0;
      }
    }
    // Lines without a SKU (common for custom items) are keyed by their title.
    const sku = str(at(values, p.product)) ?? str(at(values, p.title));
    let product = -1;
    if (sku !== null) {
      const digits = digitKey(sku);
      const known =
        digits < 0 ? this.productSlots.get(sku) : digits < this.digitSlots.length ? this.digitSlots[digits]! - 1 : -1;
      if (known !== undefined && known >= 0) product = known;
      else {
        product = this.productCount++;
        if (digits >= 0) this.digitSlotsFor(digits)[digits] = product + 1;
        else this.productSlots.set(sku, product);
        b.newProducts.push({ slot: product, sku, row: pick(values, this.productFields, this.productAt) });
      }
    }
    const i = b.count++;
    b.orders[i] = order;
    b.products[i] = product;
    b.quantities[i] = Math.abs(quantity);
    b.unitPrices[i] = round2(unitPrice);
    b.adds[i] = add;
    if (this.tally) this.tallyLine(order, known, product, b.quantities[i]!, b.unitPrices[i]!, add);
    return null;
  }

  /** The digit table, grown (doubling) to hold index `digits`. */
  private digitSlotsFor(digits: number): Int32Array {
    if (digits >= this.digitSlots.length) {
      let size = Math.max(1024, this.digitSlots.length);
      while (size <= digits) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.digitSlots);
      this.digitSlots = grown;
    }
    return this.digitSlots;
  }

  private tallyLine(order: number, known: boolean, product: number, quantity: number, price: number, add: number) {
    if (order !== this.tallySlot) {
      this.closeTally();
      // An order met before whose lines did not come together: the earlier ones are stored already.
      if (known) this.scatter(order);
      this.tallySlot = order;
      this.tallyClean = !this.scattered.has(order);
      this.tally!.clear();
    }
    if (this.tallyClean) this.tally!.line(product, price, quantity, add);
    else this.recount.add(order);
  }

  /** The open order's total so far, into this batch (again when its lines go on in the next). */
  private closeTally(): void {
    if (this.tallySlot < 0 || !this.tallyClean) return;
    this.totalSlots.push(this.tallySlot);
    this.totals.push(this.tally!.sum());
  }

  private scatter(order: number): void {
    this.scattered.add(order);
    if (order === this.tallySlot) this.tallyClean = false;
  }

  /** The batch so far, its columns cut to the lines it holds. */
  take(): PreparedLines {
    const b = this.batch;
    const n = b.count;
    this.batch = emptyBatch(0, false, false, this.customerFields);
    this.closeTally();
    return {
      ...b,
      orders: b.orders.slice(0, n),
      products: b.products.slice(0, n),
      quantities: b.quantities.slice(0, n),
      unitPrices: b.unitPrices.slice(0, n),
      adds: b.adds.slice(0, n),
      totalSlots: Int32Array.from(this.totalSlots),
      totals: Float64Array.from(this.totals),
      recount: Int32Array.from(this.recount),
    };
  }
}

/** The buffers to move (not copy) when posting prepared lines to another thread. */
export function lineTransferables(p: PreparedLines): ArrayBuffer[] {
  return [p.orders, p.products, p.quantities, p.unitPrices, p.adds, p.totalSlots, p.totals, p.recount].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

function emptyBatch(
  capacity: number,
  resetOrders: boolean,
  resetProducts: boolean,
  customerFields: FieldName[],
): PreparedLines {
  return {
    count: 0,
    orders: new Int32Array(capacity),
    products: new Int32Array(capacity),
    quantities: new Float64Array(capacity),
    unitPrices: new Float64Array(capacity),
    adds: new Uint8Array(capacity),
    newOrders: {
      slots: [],
      keys: [],
      placedAt: [],
      status: [],
      amount: [],
      discount: [],
      coupon: [],
      channel: [],
      country: [],
      customerFields,
      customers: [],
    },
    newProducts: [],
    resetOrders,
    resetProducts,
    totalSlots: new Int32Array(0),
    totals: new Float64Array(0),
    recount: new Int32Array(0),
  };
}

/** Plain-digit SKUs below this index the digit table; larger ones (and all others) are keyed by their text. */
const DIRECT_SKUS = 1 << 20;

/**
 * The number a SKU of plain digits without a leading zero spells, below DIRECT_SKUS (one number ↔ one such text,
 * so the key stays exact); -1 for any other SKU ("0123", "A-1", "12.5", "99999999"), keyed by its text.
 */
function digitKey(sku: string): number {
  const n = sku.length;
  if (n === 0 || n > 7 || (n > 1 && sku.charCodeAt(0) === 48)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = sku.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v < DIRECT_SKUS ? v : -1;
}

/** The named fields of a line (their positions in `positions`) as a row. */
function pick(values: readonly Value[], fields: readonly FieldName[], positions: Int32Array): Row {
  const out: Row = {};
  for (let i = 0; i < fields.length; i++) out[fields[i]!] = values[positions[i]!] ?? null;
  return out;
}
