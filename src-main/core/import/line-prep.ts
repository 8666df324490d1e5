/**
 * Order lines made ready for the writer on the reading thread. Everything
 * about a line that needs no database — quantity and price rules, return
 * detection, the order key, numbered lines, which order and product are new —
 * is decided here, so the writing thread (the import's bottleneck: it owns
 * SQLite) only binds numbers. Lines travel as typed columns (moved between
 * threads, not copied); orders and products as small slot numbers, with the
 * data of a new order or product sent once, at its first line.
 *
 * Slots are per-run dictionaries of natural keys, cleared when full so memory
 * stays flat; the writer is told to forget its slot → id table at the same
 * batch. A key seen again after a clear is new again and goes through the
 * upsert, exactly as a key the writer's cache had dropped did.
 */
import type { FieldName } from './fields.ts';
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
  newOrders: NewOrder[];
  /** Products first met in this batch, in line order. */
  newProducts: { slot: number; sku: string; row: Row }[];
  /** The slot dictionaries were cleared before this batch: slots from earlier batches mean nothing now. */
  resetOrders: boolean;
  resetProducts: boolean;
}

export interface NewOrder {
  slot: number;
  key: string;
  placedAt: Value;
  status: string | null;
  amount: number | null;
  discount: number | null;
  coupon: string | null;
  channel: string | null;
  country: string | null;
  /** The line's customer fields (for the customer upsert). */
  customer: Row;
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

const str = (v: Value | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: Value | undefined): number | null => (typeof v === 'number' ? v : null);
const round2 = (n: number) => Math.round(n * 100) / 100;

export class LinePrep {
  private readonly numbered: boolean;
  private readonly customerFields: FieldName[];
  private readonly productFields: FieldName[];
  private orderSlots = new Map<string, number>();
  private productSlots = new Map<string, number>();
  // Line numbers seen in the current order (exports list an order's lines together).
  private linesOf = '';
  private readonly lineNos = new Set<string>();
  private lastKey: string | null = null;
  private lastSlot = 0;
  private lastId: string | null = null;
  private lastCancel = false;
  private batch: PreparedLines = emptyBatch(0, false, false);

  private readonly maxOrders: number;
  private readonly maxProducts: number;

  /** `fields`: the fields the file's columns map to; the slot limits are smaller only in tests, to reach the clears. */
  constructor(fields: readonly FieldName[], { orderSlots = ORDER_SLOTS, productSlots = PRODUCT_SLOTS } = {}) {
    this.maxOrders = orderSlots;
    this.maxProducts = productSlots;
    this.numbered = fields.includes('line_no');
    this.customerFields = CUSTOMER_FIELDS.filter((f) => fields.includes(f));
    this.productFields = PRODUCT_FIELDS.filter((f) => fields.includes(f));
  }

  /** Starts a batch of at most `capacity` lines. */
  start(capacity: number): void {
    const resetOrders = this.orderSlots.size >= this.maxOrders;
    const resetProducts = this.productSlots.size >= this.maxProducts;
    if (resetOrders) {
      this.orderSlots = new Map();
      this.lastKey = null;
    }
    if (resetProducts) this.productSlots = new Map();
    this.batch = emptyBatch(capacity, resetOrders, resetProducts);
  }

  /** Adds one converted row as the next line; a problem instead when the line cannot be stored. */
  add(row: Row): LineProblem | null {
    let quantity = num(row.quantity);
    let unitPrice = num(row.unit_price);
    const lineAmount = num(row.line_amount);
    if (quantity === null) quantity = lineAmount !== null && lineAmount < 0 ? -1 : 1;
    if (quantity === 0) return { field: 'quantity', reason: 'quantity is 0' };
    if (unitPrice === null) {
      if (lineAmount === null) return { field: 'unit_price', reason: 'missing unit price and line amount' };
      unitPrice = Math.abs(lineAmount / quantity);
    }
    if (unitPrice < 0) return { field: 'unit_price', reason: `negative unit price ${unitPrice}` };
    const id = String(row.order_id);
    const statusField = (row.status as string | null | undefined) ?? null;
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastCancel = cancelInvoice.test(id);
    }
    const cInvoice = this.lastCancel;
    const negative = quantity < 0 || (lineAmount !== null && lineAmount < 0);
    let status = statusField;
    let key = id;
    if (cInvoice || negative) {
      status = 'returned';
      // A negative line inside a sales invoice becomes its own return document.
      if (!cInvoice && statusField !== 'returned') key = `${id}-R`;
    }
    const b = this.batch;
    // An order's lines mostly come together: the previous line's order saves a lookup.
    let order = key === this.lastKey ? this.lastSlot : this.orderSlots.get(key);
    if (order === undefined) {
      if (row.date === null || row.date === undefined) return { field: 'date', reason: `missing date for order ${id}` };
      order = this.orderSlots.size;
      this.orderSlots.set(key, order);
      b.newOrders.push({
        slot: order,
        key,
        placedAt: row.date,
        status,
        amount: num(row.amount),
        discount: num(row.discount),
        coupon: str(row.coupon),
        channel: str(row.channel),
        country: str(row.country),
        customer: pick(row, this.customerFields),
      });
    }
    this.lastKey = key;
    this.lastSlot = order;
    let add = 0;
    if (this.numbered) {
      if (this.linesOf !== key) {
        this.linesOf = key;
        this.lineNos.clear();
      }
      const lineNo = str(row.line_no) ?? '';
      if (!this.lineNos.has(lineNo)) {
        this.lineNos.add(lineNo);
        add = this.lineNos.size > 1 ? 1 : 0;
      }
    }
    // Lines without a SKU (common for custom items) are keyed by their title.
    const sku = str(row.product) ?? str(row.title);
    let product = -1;
    if (sku !== null) {
      const known = this.productSlots.get(sku);
      if (known !== undefined) product = known;
      else {
        product = this.productSlots.size;
        this.productSlots.set(sku, product);
        b.newProducts.push({ slot: product, sku, row: pick(row, this.productFields) });
      }
    }
    const i = b.count++;
    b.orders[i] = order;
    b.products[i] = product;
    b.quantities[i] = Math.abs(quantity);
    b.unitPrices[i] = round2(unitPrice);
    b.adds[i] = add;
    return null;
  }

  /** The batch so far, its columns cut to the lines it holds. */
  take(): PreparedLines {
    const b = this.batch;
    const n = b.count;
    this.batch = emptyBatch(0, false, false);
    return {
      ...b,
      orders: b.orders.slice(0, n),
      products: b.products.slice(0, n),
      quantities: b.quantities.slice(0, n),
      unitPrices: b.unitPrices.slice(0, n),
      adds: b.adds.slice(0, n),
    };
  }
}

/** The buffers to move (not copy) when posting prepared lines to another thread. */
export function lineTransferables(p: PreparedLines): ArrayBuffer[] {
  return [p.orders, p.products, p.quantities, p.unitPrices, p.adds].map((a) => a.buffer as ArrayBuffer);
}

function emptyBatch(capacity: number, resetOrders: boolean, resetProducts: boolean): PreparedLines {
  return {
    count: 0,
    orders: new Int32Array(capacity),
    products: new Int32Array(capacity),
    quantities: new Float64Array(capacity),
    unitPrices: new Float64Array(capacity),
    adds: new Uint8Array(capacity),
    newOrders: [],
    newProducts: [],
    resetOrders,
    resetProducts,
  };
}

function pick(row: Row, fields: readonly FieldName[]): Row {
  const out: Row = {};
  for (const f of fields) out[f] = row[f] ?? null;
  return out;
}
