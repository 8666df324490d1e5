/**
 * Turns validated rows into table rows, one writer per kind of file. Natural
 * keys (customer id, SKU, order id, …) are upserted, so importing the same file
 * twice changes nothing. A repeated line (same order, product and unit price)
 * is a duplicate export row and is kept once, as pandas' drop_duplicates would.
 */
import { shopTables } from '../db/migrations.ts';
import type { Db } from '../db/workspace.ts';
import { BatchedInsert } from './batched-insert.ts';
import type { FieldName, ImportKind } from './fields.ts';
import type { PreparedLines } from './line-prep.ts';

export type Value = number | string | null;
/** A converted row: field → value (null when missing). */
export type Row = Partial<Record<FieldName, Value>>;

/** A row that parses but cannot be stored (a semantic problem); reported like a bad cell. */
export class RowReject extends Error {
  readonly column: FieldName | null;
  constructor(column: FieldName | null, reason: string) {
    super(reason);
    this.column = column;
  }
}

export interface Writer {
  /** Takes one row; may queue it until the next flush (a RowReject is thrown at once, never later). */
  write(row: Row): void;
  /** Takes a batch of prepared order lines (line-prep.ts), written at once. */
  writePrepared?(lines: PreparedLines): void;
  /** Writes what write() queued; the importer calls it after every batch. */
  flush?(): void;
  /** Post-processing after the last row; returns rows touched per table. */
  finish(): Record<string, number>;
}

/** Recently used natural key → id. Cleared when full: exports repeat keys locally, and memory must stay flat. */
class KeyCache<V> {
  private map = new Map<string, V>();
  private readonly max: number;
  /** Whether a key ever left the cache: until then a miss means the key was never set. */
  evicted = false;
  constructor(max = 200_000) {
    this.max = max;
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max) {
      this.map = new Map();
      this.evicted = true;
    }
    this.map.set(key, value);
  }
}

const str = (v: Value | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: Value | undefined): number | null => (typeof v === 'number' ? v : null);

/** Customers, products and orders by natural key, created or merged on first sight in this run. */
class Entities {
  private readonly customers = new KeyCache<number>();
  private readonly products = new KeyCache<number>();
  private readonly upsertCustomer;
  private readonly upsertProduct;
  private readonly runId: number;
  private readonly currentYear = new Date().getUTCFullYear();

  constructor(db: Db, runId: number) {
    this.runId = runId;
    // COALESCE: a file that lacks a column never erases what another file said.
    this.upsertCustomer = db.prepare(
      `INSERT INTO customers(external_id, name, phone, email, address, gender, birth_year, city, country, occupation,
                             interests, signup_at, import_run_id)
       VALUES (@external_id, @name, @phone, @email, @address, @gender, @birth_year, @city, @country, @occupation,
               @interests, @signup_at, @run)
       ON CONFLICT(external_id) DO UPDATE SET
         name = COALESCE(excluded.name, name), phone = COALESCE(excluded.phone, phone),
         email = COALESCE(excluded.email, email), address = COALESCE(excluded.address, address),
         gender = COALESCE(excluded.gender, gender), birth_year = COALESCE(excluded.birth_year, birth_year),
         city = COALESCE(excluded.city, city), country = COALESCE(excluded.country, country),
         occupation = COALESCE(excluded.occupation, occupation), interests = COALESCE(excluded.interests, interests),
         signup_at = COALESCE(excluded.signup_at, signup_at), import_run_id = excluded.import_run_id
       RETURNING id`,
    );
    this.upsertProduct = db.prepare(
      `INSERT INTO products(sku, title, category, price, cost, stock, import_run_id)
       VALUES (@sku, @title, @category, @price, @cost, @stock, @run)
       ON CONFLICT(sku) DO UPDATE SET
         title = COALESCE(excluded.title, title), category = COALESCE(excluded.category, category),
         price = COALESCE(excluded.price, price), cost = COALESCE(excluded.cost, cost),
         stock = COALESCE(excluded.stock, stock), import_run_id = excluded.import_run_id
       RETURNING id`,
    );
  }

  customer(row: Row): number | null {
    // Without a customer id, the (pseudonymized) email identifies the customer, as in Shopify exports.
    const key = str(row.customer) ?? str(row.email);
    if (key === null) return null;
    const cached = this.customers.get(key);
    if (cached !== undefined) return cached;
    const age = num(row.age);
    const { id } = this.upsertCustomer.get({
      external_id: key,
      name: str(row.customer_name),
      phone: str(row.phone),
      email: str(row.email),
      address: str(row.address),
      gender: str(row.gender),
      birth_year: num(row.birth_year) ?? (age !== null ? this.currentYear - age : null),
      city: str(row.city),
      country: str(row.country),
      occupation: str(row.occupation),
      interests: str(row.interests),
      signup_at: num(row.signup_at),
      run: this.runId,
    }) as { id: number };
    this.customers.set(key, id);
    return id;
  }

  product(row: Row): number | null {
    // Lines without a SKU (common for custom items) are keyed by their title.
    const sku = str(row.product) ?? str(row.title);
    if (sku === null) return null;
    const cached = this.products.get(sku);
    if (cached !== undefined) return cached;
    const id = this.storeProduct(sku, row);
    this.products.set(sku, id);
    return id;
  }

  /** Upserts a product without the cache (order lines keep their own slot → id table: see line-prep.ts). */
  storeProduct(sku: string, row: Row): number {
    const { id } = this.upsertProduct.get({
      sku,
      title: str(row.title),
      category: str(row.category),
      price: num(row.price),
      cost: num(row.cost),
      stock: num(row.stock),
      run: this.runId,
    }) as { id: number };
    return id;
  }
}

/** Each table's largest id when the run began. */
type LastIds = Readonly<Record<string, number>>;

function lastIds(db: Db): LastIds {
  return Object.fromEntries(
    shopTables.map((t) => [t, db.prepare(`SELECT IFNULL(MAX(id), 0) FROM ${t}`).pluck().get() as number]),
  );
}

/**
 * Rows the run wrote, per table: the rows it added, which SQLite numbered past the table's largest id when the run
 * began (a count over that id range, which reads no row), and the older rows it updated (a scan of those alone:
 * none on a first import, where counting every row by its run id took 0.1 s on a 1M-line file).
 */
function touched(db: Db, runId: number, since: LastIds, tables: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    const last = since[t] ?? 0;
    const added = db.prepare(`SELECT COUNT(*) FROM ${t} WHERE id > ?`).pluck().get(last) as number;
    const updated = db
      .prepare(`SELECT COUNT(*) FROM ${t} WHERE id <= ? AND import_run_id = ?`)
      .pluck()
      .get(last, runId) as number;
    out[t] = added + updated;
  }
  return out;
}

/** An absent status, amount or discount keeps what the workspace has (another file may have said it). */
function orderUpsert(db: Db) {
  return db.prepare(
    `INSERT INTO orders(external_id, customer_id, placed_at, status, amount, discount, coupon, channel, country,
                        item_count, import_run_id)
     VALUES (@external_id, @customer_id, @placed_at, IFNULL(@status, 'completed'), IFNULL(@amount, 0),
             IFNULL(@discount, 0), @coupon, @channel, @country, @item_count, @run)
     ON CONFLICT(external_id) DO UPDATE SET
       customer_id = COALESCE(excluded.customer_id, customer_id), placed_at = excluded.placed_at,
       status = IFNULL(@status, status), amount = IFNULL(@amount, amount), discount = IFNULL(@discount, discount),
       coupon = COALESCE(excluded.coupon, coupon), channel = COALESCE(excluded.channel, channel),
       country = COALESCE(excluded.country, country), item_count = COALESCE(excluded.item_count, item_count),
       import_run_id = excluded.import_run_id
     RETURNING id`,
  );
}

/**
 * Order lines, prepared on the reading side (line-prep.ts: the quantity and
 * price rules, returns, order keys, numbered lines). The natural key of a
 * line is (order, product, unit price): a repeated key is the same line
 * exported twice and is kept once — unless the file numbers its lines
 * (Olist's order_item_id), in which case differently numbered lines of one
 * product are separate units and add up.
 *
 * Per batch: new products and customers are upserted, new orders inserted
 * many per statement (see batched-insert.ts), then the lines, whose orders
 * and products arrive as slots that index this writer's slot → id tables.
 */
function orderLinesWriter(db: Db, runId: number, since: LastIds, mapped: ReadonlySet<FieldName>): Writer {
  const entities = new Entities(db, runId);
  const upsertOrder = orderUpsert(db);
  // New orders in bulk; one that already exists is left alone here and upserted on its own below.
  const insertOrders = new BatchedInsert(
    db,
    `INSERT INTO orders(external_id, customer_id, placed_at, status, amount, discount, coupon, channel, country,
                        item_count, import_run_id)`,
    // Amount: an order the reader tallied gets its goods total less the discount, as `setAmount` below would set
    // it (one UPDATE per order saved); otherwise the file's amount, or 0 until its lines are summed.
    `(?, ?, ?, IFNULL(?, 'completed'), IFNULL(ROUND(? - IFNULL(?, 0), 2), IFNULL(?, 0)), IFNULL(?, 0), ?, ?, ?, ?, ?)`,
    'ON CONFLICT(external_id) DO NOTHING',
  );
  const lastOrderId = db.prepare('SELECT IFNULL(MAX(id), 0) FROM orders').pluck();
  const ordersAfter = db.prepare('SELECT id, external_id FROM orders WHERE id > ?');
  const itemHead = 'INSERT INTO order_items(order_id, product_id, quantity, unit_price, import_run_id)';
  // The run id is a literal: one value fewer to bind on every line.
  const itemRow = `(?, ?, ?, ?, ${Math.trunc(runId)})`;
  const itemTail = (quantity: string) =>
    `ON CONFLICT(order_id, product_id, unit_price) DO UPDATE SET
       quantity = ${quantity}, import_run_id = excluded.import_run_id`;
  const replaceItems = new BatchedInsert(db, itemHead, itemRow, itemTail('excluded.quantity'));
  const addItems = new BatchedInsert(
    db,
    itemHead,
    itemRow,
    itemTail(
      'CASE WHEN import_run_id = excluded.import_run_id THEN quantity + excluded.quantity ELSE excluded.quantity END',
    ),
  );
  // Paid amount = sum of the lines less the order's discount, for the orders of each batch, as their lines land:
  // done here rather than once at the end, this thread's work overlaps the reading of the next batches. An order
  // whose lines span batches is set again with each batch; the last has all its lines. The reader tallies the
  // orders created by this run whose lines come together (line-prep.ts); the others — stored before this run,
  // or with lines scattered over the file — are summed from their stored lines.
  const sumAmounts = mapped.has('amount')
    ? null
    : db.prepare(
        `UPDATE orders SET amount = ROUND(IFNULL((SELECT SUM(quantity * unit_price) FROM order_items
                                                  WHERE order_id = orders.id), 0) - discount, 2)
         WHERE id IN (SELECT value FROM json_each(?))`,
      );
  const setAmount = db.prepare('UPDATE orders SET amount = ROUND(? - discount, 2) WHERE id = ?');
  // Slot → id (see line-prep.ts); 0 = none.
  let orderIds: number[] = [];
  let productIds: number[] = [];
  // Slot → 1 when the order was stored before this run created it (its stored lines count too).
  let stored: number[] = [];

  /** Slots of the orders this batch inserted: their tallied amounts went in with them. */
  const inserted = new Set<number>();

  function writeOrders(p: PreparedLines): void {
    const o = p.newOrders;
    const n = o.keys.length;
    if (n === 0) return;
    const tallied = new Map<number, number>();
    if (sumAmounts) for (let i = 0; i < p.totalSlots.length; i++) tallied.set(p.totalSlots[i]!, p.totals[i]!);
    // Each order's customer, from its first line's customer values (one row object, refilled per order).
    const customerIds: (number | null)[] = new Array<number | null>(n);
    const width = o.customerFields.length;
    const customer: Row = {};
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < width; f++) customer[o.customerFields[f]!] = o.customers[i * width + f] ?? null;
      customerIds[i] = entities.customer(customer);
    }
    const last = lastOrderId.get() as number;
    const added = insertOrders.write(n, (args, at, i) => {
      args[at] = o.keys[i];
      args[at + 1] = customerIds[i];
      args[at + 2] = o.placedAt[i];
      args[at + 3] = o.status[i];
      args[at + 4] = tallied.get(o.slots[i]!) ?? null;
      args[at + 5] = o.discount[i];
      args[at + 6] = o.amount[i];
      args[at + 7] = o.discount[i];
      args[at + 8] = o.coupon[i];
      args[at + 9] = o.channel[i];
      args[at + 10] = o.country[i];
      args[at + 11] = null;
      args[at + 12] = runId;
    });
    if (added === n) {
      // All new: SQLite numbered them max(id) + 1, + 2, … in statement order (no RETURNING rows to build).
      for (let i = 0; i < n; i++) {
        orderIds[o.slots[i]!] = last + 1 + i;
        inserted.add(o.slots[i]!);
      }
      return;
    }
    // Some were stored already (a re-import): the new ones are those numbered past the old maximum.
    const rows = ordersAfter.all(last) as { id: number; external_id: string }[];
    const ids = new Map(rows.map((r) => [r.external_id, r.id]));
    for (let i = 0; i < n; i++) {
      const slot = o.slots[i]!;
      const id = ids.get(o.keys[i]!);
      if (id !== undefined) {
        orderIds[slot] = id;
        inserted.add(slot);
      } else {
        const params: OrderParams = {
          external_id: o.keys[i]!,
          customer_id: customerIds[i] ?? null,
          placed_at: o.placedAt[i] ?? null,
          status: o.status[i] ?? null,
          amount: o.amount[i] ?? null,
          discount: o.discount[i] ?? null,
          coupon: o.coupon[i] ?? null,
          channel: o.channel[i] ?? null,
          country: o.country[i] ?? null,
          item_count: null,
          run: runId,
        };
        orderIds[slot] = (upsertOrder.get(params) as { id: number }).id;
        stored[slot] = 1;
      }
    }
  }

  return {
    write() {
      throw new Error('order lines are written prepared (writePrepared)');
    },
    writePrepared(p) {
      if (p.resetOrders) {
        orderIds = [];
        stored = [];
      }
      if (p.resetProducts) productIds = [];
      for (const { slot, sku, row } of p.newProducts) productIds[slot] = entities.storeProduct(sku, row);
      inserted.clear();
      writeOrders(p);
      const { orders, products, quantities, unitPrices, adds } = p;
      const fill = (args: unknown[], at: number, line: number) => {
        args[at] = orderIds[orders[line]!];
        const product = products[line]!;
        args[at + 1] = product < 0 ? null : productIds[product];
        args[at + 2] = quantities[line];
        args[at + 3] = unitPrices[line];
      };
      // Runs of lines that replace or add (numbered files), in file order.
      for (let from = 0; from < p.count;) {
        const add = adds[from]!;
        let to = from + 1;
        while (to < p.count && adds[to] === add) to++;
        const offset = from;
        (add ? addItems : replaceItems).write(to - from, (args, at, line) => fill(args, at, offset + line));
        from = to;
      }
      if (sumAmounts) {
        const summed: number[] = [];
        const { totalSlots, totals, recount } = p;
        for (let i = 0; i < totalSlots.length; i++) {
          const slot = totalSlots[i]!;
          if (stored[slot]) summed.push(orderIds[slot]!);
          else if (!inserted.has(slot)) setAmount.run(totals[i], orderIds[slot]);
        }
        for (const slot of recount) summed.push(orderIds[slot]!);
        if (summed.length) sumAmounts.run(JSON.stringify(summed));
      }
    },
    finish() {
      return touched(db, runId, since, ['customers', 'products', 'orders', 'order_items']);
    },
  };
}

interface OrderParams {
  external_id: string;
  customer_id: number | null;
  placed_at: Value;
  status: string | null;
  amount: number | null;
  discount: number | null;
  coupon: string | null;
  channel: string | null;
  country: string | null;
  item_count: number | null;
  run: number;
}

function ordersWriter(db: Db, runId: number, since: LastIds, occurrenceCache: number): Writer {
  const entities = new Entities(db, runId);
  const upsertOrder = orderUpsert(db);
  // Transaction logs without an order id (CDNOW): the id is the row's content plus
  // its occurrence count in the file, stable when the same file is imported again.
  // Recent counts stay in memory; once the cache has dropped keys, a key it lacks is
  // counted from this run's orders instead (its earlier occurrences are written
  // already), so memory stays flat however long the file.
  const occurrences = new KeyCache<number>(occurrenceCache);
  // `~base#n` ids of one base sort between `~base#` and `~base#:` (digits sort below ':').
  const written = db
    .prepare('SELECT COUNT(*) FROM orders WHERE external_id > ? AND external_id < ? AND import_run_id = ?')
    .pluck();
  return {
    write(row) {
      const customerId = entities.customer(row);
      let id = str(row.order_id);
      if (id === null) {
        const base = `~${String(row.customer)}|${String(row.date)}|${String(row.amount)}|${String(row.quantity ?? '')}#`;
        const seen =
          occurrences.get(base) ?? (occurrences.evicted ? (written.get(base, `${base}:`, runId) as number) : 0);
        occurrences.set(base, seen + 1);
        id = `${base}${seen + 1}`;
      }
      const amount = num(row.amount);
      const status = (row.status as string | null | undefined) ?? (amount !== null && amount < 0 ? 'returned' : null);
      upsertOrder.get({
        external_id: id,
        customer_id: customerId,
        placed_at: row.date,
        status,
        amount: amount === null ? null : Math.abs(amount),
        discount: num(row.discount),
        coupon: str(row.coupon),
        channel: str(row.channel),
        country: str(row.country),
        item_count: num(row.quantity),
        run: runId,
      });
    },
    finish: () => touched(db, runId, since, ['customers', 'orders']),
  };
}

function customersWriter(db: Db, runId: number, since: LastIds): Writer {
  const entities = new Entities(db, runId);
  return { write: (row) => void entities.customer(row), finish: () => touched(db, runId, since, ['customers']) };
}

function productsWriter(db: Db, runId: number, since: LastIds): Writer {
  const entities = new Entities(db, runId);
  return { write: (row) => void entities.product(row), finish: () => touched(db, runId, since, ['products']) };
}

function eventsWriter(db: Db, runId: number, since: LastIds): Writer {
  const entities = new Entities(db, runId);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO events(customer_id, visitor_id, session_id, occurred_at, type, product_id, query, import_run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    write(row) {
      insert.run(
        entities.customer(row),
        str(row.visitor),
        str(row.session),
        row.date,
        row.type,
        entities.product(row),
        str(row.query),
        runId,
      );
    },
    finish: () => touched(db, runId, since, ['customers', 'products', 'events']),
  };
}

function ratingsWriter(db: Db, runId: number, since: LastIds): Writer {
  const entities = new Entities(db, runId);
  let min = Infinity;
  let max = -Infinity;
  const upsert = db.prepare(
    `INSERT INTO ratings(customer_id, product_id, rating, rated_at, import_run_id) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(customer_id, product_id) DO UPDATE SET
       rating = excluded.rating, rated_at = COALESCE(excluded.rated_at, rated_at), import_run_id = excluded.import_run_id`,
  );
  return {
    write(row) {
      const rating = num(row.rating) as number;
      if (rating < 0 || rating > 100) throw new RowReject('rating', `rating ${rating} is outside 0–100`);
      if (rating < min) min = rating;
      if (rating > max) max = rating;
      upsert.run(entities.customer(row), entities.product(row), rating, num(row.date), runId);
    },
    finish() {
      if (max > -Infinity) {
        // The scale is read off the data: 1–5 stars unless values say 0–10 or 0–100.
        const scaleMax = max <= 5 ? 5 : max <= 10 ? 10 : 100;
        const scaleMin = min < 1 ? 0 : 1;
        db.prepare('UPDATE ratings SET scale_min = ?, scale_max = ? WHERE import_run_id = ?').run(
          scaleMin,
          scaleMax,
          runId,
        );
      }
      return touched(db, runId, since, ['customers', 'products', 'ratings']);
    },
  };
}

const cjk = /[\u3400-\u9fff]/;

/**
 * Reviews. A review file may name its order instead of the buyer and the product (Olist's order_reviews): the
 * order, imported before, gives the buyer, and the product when the order holds one product; a review of an order
 * with several products is the order's, with no product. A review whose order is not in the workspace keeps its
 * text and rating, linked to no one.
 */
function reviewsWriter(db: Db, runId: number, since: LastIds): Writer {
  const entities = new Entities(db, runId);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO reviews(customer_id, product_id, rating, text, created_at, language, import_run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const orderOf = db.prepare(
    `SELECT o.customer_id AS customer,
            (SELECT CASE WHEN COUNT(DISTINCT product_id) = 1 THEN MIN(product_id) END
               FROM order_items WHERE order_id = o.id) AS product
       FROM orders o WHERE o.external_id = ?`,
  );
  return {
    write(row) {
      const text = String(row.text);
      let customer = entities.customer(row);
      let product = entities.product(row);
      const order = str(row.order_id);
      if (order !== null && (customer === null || product === null)) {
        const found = orderOf.get(order) as { customer: number | null; product: number | null } | undefined;
        customer ??= found?.customer ?? null;
        product ??= found?.product ?? null;
      }
      insert.run(customer, product, num(row.rating), text, row.date, cjk.test(text) ? 'zh' : 'en', runId);
    },
    finish: () => touched(db, runId, since, ['customers', 'products', 'reviews']),
  };
}

function campaignsWriter(db: Db, runId: number, since: LastIds): Writer {
  const entities = new Entities(db, runId);
  const campaigns = new KeyCache<number>(10_000);
  const upsertCampaign = db.prepare(
    `INSERT INTO campaigns(external_id, name, channel, coupon, started_at, import_run_id) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(external_id) DO UPDATE SET
       name = COALESCE(excluded.name, name), channel = COALESCE(excluded.channel, channel),
       coupon = COALESCE(excluded.coupon, coupon), started_at = MIN(IFNULL(started_at, excluded.started_at), IFNULL(excluded.started_at, started_at)),
       import_run_id = excluded.import_run_id
     RETURNING id`,
  );
  const findOrder = db.prepare('SELECT id FROM orders WHERE external_id = ?').pluck();
  const upsertContact = db.prepare(
    `INSERT INTO campaign_contacts(campaign_id, customer_id, sent_at, arm, responded, order_id, import_run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(campaign_id, customer_id) DO UPDATE SET
       sent_at = COALESCE(excluded.sent_at, sent_at), arm = excluded.arm, responded = excluded.responded,
       order_id = COALESCE(excluded.order_id, order_id), import_run_id = excluded.import_run_id`,
  );
  return {
    write(row) {
      const key = String(row.campaign);
      let campaignId = campaigns.get(key);
      if (campaignId === undefined) {
        ({ id: campaignId } = upsertCampaign.get(
          key,
          str(row.campaign_name),
          str(row.channel),
          str(row.coupon),
          num(row.sent_at),
          runId,
        ) as { id: number });
        campaigns.set(key, campaignId);
      }
      let orderId: number | null = null;
      const orderRef = str(row.order_id);
      if (orderRef !== null) {
        orderId = (findOrder.get(orderRef) as number | undefined) ?? null;
        if (orderId === null)
          throw new RowReject('order_id', `no order "${orderRef}" in the workspace (import orders first)`);
      }
      const responded =
        row.responded === null || row.responded === undefined ? (orderId !== null ? 1 : 0) : Number(row.responded);
      upsertContact.run(
        campaignId,
        entities.customer(row),
        num(row.sent_at),
        row.arm ?? 'treatment',
        responded,
        orderId,
        runId,
      );
    },
    finish: () => touched(db, runId, since, ['customers', 'campaigns', 'campaign_contacts']),
  };
}

/** `occurrenceCache`: keys of id-less order rows counted in memory (smaller only in tests, to reach the fallback). */
export function createWriter(
  db: Db,
  kind: ImportKind,
  runId: number,
  mapped: ReadonlySet<FieldName>,
  { occurrenceCache = 200_000 }: { occurrenceCache?: number } = {},
): Writer {
  const since = lastIds(db); // before the run writes a row
  switch (kind) {
    case 'order-lines':
      return orderLinesWriter(db, runId, since, mapped);
    case 'orders':
      return ordersWriter(db, runId, since, occurrenceCache);
    case 'customers':
      return customersWriter(db, runId, since);
    case 'products':
      return productsWriter(db, runId, since);
    case 'events':
      return eventsWriter(db, runId, since);
    case 'ratings':
      return ratingsWriter(db, runId, since);
    case 'reviews':
      return reviewsWriter(db, runId, since);
    case 'campaigns':
      return campaignsWriter(db, runId, since);
  }
}
