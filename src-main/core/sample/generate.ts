/**
 * The embedded sample shop: fills an empty workspace with a synthetic store
 * whose generating parameters are known (see GROUND_TRUTH.md), so analyses can
 * be checked against the truth and the app is useful on first launch.
 *
 * Rows are streamed customer by customer (nothing grows with the shop size but
 * the SQLite pages), all inside ONE transaction: a cancel or an error rolls the
 * workspace back to empty, and SQLite spills a large transaction to the WAL
 * file, so memory stays flat even for a million customers. Secondary indexes
 * are dropped for the load and rebuilt at the end of that transaction.
 */
import type { Db } from '../db/workspace.ts';
import { setMeta } from '../db/workspace.ts';
import { Basket, round2 } from './basket.ts';
import { dropIndexes } from '../db/bulk.ts';
import { buildCatalog, catalogSize, categories, extraInterests } from './catalog.ts';
import type { Catalog } from './catalog.ts';
import { Chooser } from './chooser.ts';
import { playSession } from './events.ts';
import type { EmitEvent } from './events.ts';
import {
  ageCategoryTilt,
  campaignModel,
  categoryKeys,
  categoryWeights,
  channels,
  channelConcentration,
  coupons,
  DAY,
  genderCategoryTilt,
  HISTORY_DAYS,
  latentModel,
  markovModel,
  missingRates,
  orderModel,
  ratingModel,
  segmentModels,
  segments,
  WEEK,
} from './model.ts';
import type { SegmentModel } from './model.ts';
import { drawPerson } from './people.ts';
import { draftReview } from './reviews.ts';
import { Rng, Stream } from './rng.ts';
import { writeStock } from './stock.ts';
import { truthDocument } from './truth.ts';
import type { SampleTruth } from './truth.ts';
import { truthTablesSql, Writer } from './writer.ts';
import type { SampleShopCounts } from './writer.ts';

export interface SampleShopOptions {
  customers?: number;
  seed?: number;
  /** Last day of the history (ISO date); orders fall before the following midnight. */
  asOf?: string;
  onProgress?: (done: number, total: number) => void;
  shouldCancel?: () => boolean;
}

export interface SampleShopSummary {
  seed: number;
  asOf: string;
  counts: SampleShopCounts;
  truth: SampleTruth;
}

export class SampleShopCancelled extends Error {
  override name = 'SampleShopCancelled';
  constructor() {
    super('sample shop generation was cancelled; the workspace is unchanged');
  }
}

const PROGRESS_EVERY = 500;
const segmentShares = segments.map((s) => segmentModels[s].share);
// Orders and sessions cluster at lunch and in the evening.
const hourWeights = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 7, 8, 7, 6, 6, 6, 6, 6, 7, 8, 10, 11, 9, 5];
const hourTotal = hourWeights.reduce((a, b) => a + b, 0);

export function generateSampleShop(db: Db, options: SampleShopOptions = {}): SampleShopSummary {
  const customers = options.customers ?? 20_000;
  if (!Number.isInteger(customers) || customers < 1 || customers > 10_000_000) {
    throw new RangeError(`customers must be an integer from 1 to 10,000,000, got ${customers}`);
  }
  const seed = options.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const asOf = options.asOf ?? '2025-12-31';
  const asOfMs = /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? Date.parse(`${asOf}T00:00:00Z`) : NaN;
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf must be an ISO date like 2025-12-31, got ${asOf}`);
  assertEmpty(db);

  const run = db.transaction(() => {
    const shop = new ShopBuilder(db, seed >>> 0, customers, asOfMs / 1000 + DAY, options);
    return shop.build(asOf);
  });
  return run();
}

function assertEmpty(db: Db): void {
  for (const table of ['customers', 'products', 'orders']) {
    const { n } = db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number };
    if (n > 0) {
      throw new Error(
        `cannot create the sample shop here: the workspace already has ${n} ${table}; open or create an empty workspace`,
      );
    }
  }
}

class ShopBuilder {
  private readonly db: Db;
  private readonly seed: number;
  private readonly customers: number;
  private readonly end: number;
  private readonly start: number;
  private readonly options: SampleShopOptions;
  private readonly rng: Rng;
  private readonly catalog: Catalog;
  private readonly chooser: Chooser;
  private readonly writer: Writer;
  private readonly visitors: number;
  private readonly sentAt: number;
  private readonly asOfYear: number;
  private readonly demand: Float64Array;
  private readonly u = new Float64Array(latentModel.k);
  private readonly channelWeights = new Float64Array(channels.length);
  private readonly bought = new Set<number>();
  private readonly basket: Basket;
  private nextOrderId = 1;
  private nextSession = 1;
  private progressDone = 0;
  // The customer being generated.
  private seg: SegmentModel = segmentModels.loyal;
  private customerId = 0;
  private country = '';
  private chinese = true;
  private spendRate = 1;
  private userBias = 0;
  private firstAt = 0;

  constructor(db: Db, seed: number, customers: number, end: number, options: SampleShopOptions) {
    this.db = db;
    this.seed = seed;
    this.customers = customers;
    this.end = end;
    this.start = end - HISTORY_DAYS * DAY;
    this.options = options;
    this.rng = new Rng(seed);
    this.catalog = buildCatalog(seed, catalogSize(customers), ratingModel.itemBiasSd);
    this.chooser = new Chooser(this.catalog);
    this.basket = new Basket(this.catalog, this.chooser);
    this.demand = new Float64Array(this.catalog.size);
    this.visitors = Math.round(customers * markovModel.visitorsPerCustomer);
    this.sentAt = end - campaignModel.sentDaysBeforeEnd * DAY + 10 * 3600;
    this.asOfYear = new Date((end - DAY) * 1000).getUTCFullYear();
    this.db.exec(truthTablesSql);
    this.writer = new Writer(db);
  }

  build(asOf: string): SampleShopSummary {
    // The generator never upserts: unique indexes go too (see db/bulk.ts).
    const rebuildIndexes = dropIndexes(this.db, ['orders', 'order_items', 'events', 'ratings', 'reviews'], true);
    this.insertProducts();
    this.db
      .prepare('INSERT INTO campaigns(id, external_id, name, channel, coupon, started_at, note) VALUES (1,?,?,?,?,?,?)')
      .run(
        campaignModel.externalId,
        campaignModel.name,
        campaignModel.channel,
        campaignModel.coupon,
        this.sentAt,
        'Sample shop: randomized treatment/control holdout; the known uplift is in meta sample_truth.',
      );
    for (let i = 0; i < this.customers; i++) {
      this.customer(i);
      this.tick();
    }
    this.chooser.setPopularity();
    categoryKeys.forEach((key, c) => (this.chooser.catWeights[c] = categoryWeights[key]));
    for (let v = 0; v < this.visitors; v++) {
      this.visitor(v);
      this.tick();
    }
    this.writer.flush();
    rebuildIndexes();
    const understockedSkus = writeStock(this.db, this.catalog, this.demand, this.seed);
    const truth = truthDocument({
      seed: this.seed,
      customers: this.customers,
      products: this.catalog.size,
      visitors: this.visitors,
      asOf,
      observationEnd: this.end,
      historyStart: this.start,
      campaignSentAt: this.sentAt,
      understockedSkus,
    });
    setMeta(this.db, 'sample_truth', JSON.stringify(truth));
    this.options.onProgress?.(this.customers + this.visitors, this.customers + this.visitors);
    return { seed: this.seed, asOf, counts: { ...this.writer.counts }, truth };
  }

  private tick(): void {
    if (++this.progressDone % PROGRESS_EVERY !== 0) return;
    if (this.options.shouldCancel?.()) throw new SampleShopCancelled();
    this.options.onProgress?.(this.progressDone, this.customers + this.visitors);
  }

  private insertProducts(): void {
    const c = this.catalog;
    const insert = this.db.prepare(
      'INSERT INTO products(id, sku, title, category, price, cost, stock) VALUES (?,?,?,?,?,?,0)',
    );
    for (let j = 0; j < c.size; j++) {
      const key = categoryKeys[c.category[j] ?? 0] ?? 'electronics';
      insert.run(j + 1, c.sku[j], c.title[j], categories[key].label, c.price[j], c.cost[j]);
    }
    this.writer.counts.products = c.size;
  }

  /**
   * A typical shopping hour on the same day as t, kept only if it stays after
   * `after` and before the end; otherwise t itself, never before `after`.
   */
  private clock(t: number, after: number): number {
    const day = Math.floor(t / DAY) * DAY;
    const at = day + this.rng.weighted(hourWeights, hourTotal) * 3600 + this.rng.int(3600);
    if (at > after && at < this.end) return at;
    return Math.max(Math.floor(t), Math.min(after + 1, this.end - 1));
  }

  private customer(i: number): void {
    const rng = this.rng;
    rng.reseed(this.seed, Stream.customer, i);
    const id = i + 1;
    this.customerId = id;
    const segName = segments[rng.weighted(segmentShares)] ?? 'occasional';
    const seg = segmentModels[segName];
    this.seg = seg;
    const person = drawPerson(rng, seg, this.asOfYear);
    this.country = person.country;
    this.chinese = person.chinese;

    // Latent taste: category weights and product softmax weights.
    const { k } = latentModel;
    const u = this.u;
    for (let f = 0; f < k; f++) u[f] = rng.normal(0, latentModel.customerSd);
    const ageTilt = ageCategoryTilt[person.ageGroup] ?? {};
    const genderTilt = person.gender === 'other' ? {} : genderCategoryTilt[person.gender];
    const cw = this.chooser.catWeights;
    categoryKeys.forEach((key, c) => {
      let dot = 0;
      for (let f = 0; f < k; f++) dot += (u[f] ?? 0) * (this.catalog.centroids[c * k + f] ?? 0);
      cw[c] =
        categoryWeights[key] *
        (seg.categoryTilt[key] ?? 1) *
        (ageTilt[key] ?? 1) *
        (genderTilt[key] ?? 1) *
        Math.exp(dot);
    });
    this.chooser.setLatent(u);
    const interests = this.interests(person.chinese);

    // BG/NBD and Gamma-Gamma draws.
    const { r, alpha, a, b } = seg.bgnbd;
    const lambda = rng.gamma(r, alpha);
    const dropout = rng.beta(a, b);
    const gg = seg.gammaGamma;
    this.spendRate = rng.gamma(gg.q, gg.gamma);
    this.userBias = rng.normal(0, ratingModel.userBiasSd);
    channels.forEach((ch, c) => (this.channelWeights[c] = rng.gamma(channelConcentration * seg.channels[ch], 1)));

    const [fromDays, toDays] = seg.signupDaysBeforeEnd;
    const signup = this.clock(rng.uniform(this.end - fromDays * DAY, this.end - toDays * DAY), this.start);
    const firstRaw = signup + Math.min(rng.exponential(1) * DAY, (this.end - signup) / 2);
    const first = this.clock(firstRaw, signup);
    this.firstAt = first;
    this.writer.insertCustomer([
      id,
      `C${String(id).padStart(7, '0')}`,
      person.name,
      person.phone,
      person.email,
      person.address,
      person.gender,
      rng.chance(missingRates.birthYear) ? null : person.birthYear,
      person.city,
      person.country,
      person.occupation,
      interests,
      signup,
    ]);

    // Purchases: the first at `first`, then Poisson(λ per week) while alive,
    // with dropout after each repeat purchase with probability p.
    this.bought.clear();
    this.sale(first);
    let t = first;
    let previous = first;
    let dropoutAt: number | null = null;
    for (;;) {
      t += rng.exponential(lambda) * WEEK;
      if (t >= this.end) break;
      // Hours are re-drawn within the day, but purchases stay in process order.
      const at = this.clock(t, previous);
      previous = at;
      this.sale(at);
      if (rng.chance(dropout)) {
        dropoutAt = at;
        break;
      }
    }

    this.campaign();
    if (rng.chance(seg.eventShare)) {
      const activeEnd = dropoutAt === null ? this.end : Math.min(this.end, dropoutAt + 30 * DAY);
      const n = 1 + rng.poisson(seg.sessionsMean - 1);
      this.sessions(n, signup, activeEnd, id, null);
    }

    this.writer.insertCustomerTruth([
      id,
      segName,
      lambda,
      dropout,
      dropoutAt === null ? 1 : 0,
      gg.p / this.spendRate,
      JSON.stringify(Array.from(u, (x) => Math.round(x * 1e4) / 1e4)),
      this.userBias,
      dropoutAt,
    ]);
  }

  /** Top-3 categories as interest tags (each kept w.p. 0.8), sometimes one unrelated hobby. */
  private interests(chinese: boolean): string | null {
    const rng = this.rng;
    const cw = this.chooser.catWeights;
    const order = Array.from(cw.keys()).sort((x, y) => (cw[y] ?? 0) - (cw[x] ?? 0));
    const tags: string[] = [];
    for (const c of order.slice(0, 3)) {
      const info = categories[categoryKeys[c] ?? 'electronics'].interest;
      if (rng.chance(0.8)) tags.push(chinese ? info.zh : info.en);
    }
    if (rng.chance(0.3)) {
      const [en, zh] = rng.pick(extraInterests);
      tags.push(chinese ? zh : en);
    }
    if (rng.chance(missingRates.interests) || tags.length === 0) return null;
    return tags.join(',');
  }

  /** A BG/NBD transaction, with its ratings and reviews, maybe a return and a cancelled re-order. */
  private sale(at: number): void {
    const rng = this.rng;
    const status = at >= this.end - orderModel.pendingDays * DAY ? 'pending' : 'completed';
    const channel = this.channel();
    const orderId = this.order(at, status, channel, 'organic');
    const saleExternal = this.externalId(orderId);
    const bk = this.basket;

    for (let l = 0; l < bk.n; l++) {
      const j = bk.product[l] ?? 0;
      if (this.bought.has(j)) continue;
      this.bought.add(j);
      if (rng.chance(ratingModel.rateProb)) this.rate(j, at);
    }

    if (status === 'completed' && rng.chance(this.seg.returnRate)) {
      const [lo, hi] = orderModel.returnDelayDays;
      const returnAt = Math.floor(at + rng.uniform(lo, hi) * DAY);
      if (returnAt < this.end) {
        // Everything back, or one line of a multi-line order.
        const only = bk.n > 1 && rng.chance(0.5) ? rng.int(bk.n) : -1;
        const paidShare = bk.gross > 0 ? bk.amount / bk.gross : 1;
        let value = 0;
        for (let l = 0; l < bk.n; l++) if (only < 0 || l === only) value += (bk.qty[l] ?? 0) * (bk.unit[l] ?? 0);
        const id = this.nextOrderId++;
        this.writer.insertOrder(
          id,
          `${saleExternal}-R`,
          this.customerId,
          returnAt,
          'returned',
          round2(value * paidShare),
          0,
          null,
          channel,
          this.country,
        );
        for (let l = 0; l < bk.n; l++) {
          if (only < 0 || l === only) {
            this.writer.insertItem(id, (bk.product[l] ?? 0) + 1, bk.qty[l] ?? 1, bk.unit[l] ?? 0);
          }
        }
      }
    }

    if (rng.chance(orderModel.cancelRate)) {
      const [lo, hi] = orderModel.cancelDelayHours;
      const cancelAt = Math.floor(at + rng.uniform(lo, hi) * 3600);
      if (cancelAt < this.end) this.order(cancelAt, 'cancelled', this.channel(), 'organic');
    }
  }

  private channel(): string {
    return channels[this.rng.weighted(this.channelWeights)] ?? 'web';
  }

  private externalId(orderId: number): string {
    return `SO${String(orderId).padStart(10, '0')}`;
  }

  /**
   * Inserts an order whose paid amount is a Gamma-Gamma draw: the basket is
   * filled to the gross (amount + coupon) at list prices, then unit prices are
   * scaled by one factor ≤ 1 (a promotion) so lines minus discount equal the amount.
   */
  private order(
    at: number,
    status: 'completed' | 'pending' | 'cancelled',
    channel: string,
    kind: 'organic' | 'campaign-treatment' | 'campaign-control',
  ): number {
    const rng = this.rng;
    const z = Math.max(1, rng.gamma(this.seg.gammaGamma.p, this.spendRate));
    let discount = 0;
    let coupon: string | null = null;
    if (kind === 'campaign-treatment') {
      coupon = campaignModel.coupon;
      discount = campaignModel.couponValue;
    } else if (kind === 'organic' && rng.chance(this.seg.couponRate)) {
      let eligible = 0;
      for (const c of coupons) if (z + c.value >= c.threshold) eligible++;
      if (eligible > 0) {
        let pick = rng.int(eligible);
        for (const c of coupons) {
          if (z + c.value < c.threshold) continue;
          if (pick-- === 0) {
            coupon = c.code;
            discount = c.value;
            break;
          }
        }
      }
    }
    const gross = z + discount;
    const bk = this.basket;
    bk.price(gross, bk.fill(rng, gross), discount);
    const id = this.nextOrderId++;
    this.writer.insertOrder(
      id,
      this.externalId(id),
      this.customerId,
      at,
      status,
      bk.amount,
      discount,
      coupon,
      channel,
      this.country,
    );
    const counts = status !== 'cancelled' && at >= this.end - 90 * DAY;
    for (let l = 0; l < bk.n; l++) {
      const j = bk.product[l] ?? 0;
      this.writer.insertItem(id, j + 1, bk.qty[l] ?? 1, bk.unit[l] ?? 0);
      if (counts) this.demand[j] = (this.demand[j] ?? 0) + (bk.qty[l] ?? 0);
    }
    return id;
  }

  private rate(j: number, boughtAt: number): void {
    const rng = this.rng;
    const [lo, hi] = ratingModel.delayDays;
    const at = Math.floor(boughtAt + rng.uniform(lo, hi) * DAY);
    if (at >= this.end) return;
    const k = latentModel.k;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += (this.u[f] ?? 0) * (this.catalog.factors[j * k + f] ?? 0);
    const score =
      ratingModel.mu +
      this.userBias +
      (this.catalog.ratingBias[j] ?? 0) +
      ratingModel.affinityWeight * dot +
      rng.normal(0, ratingModel.noiseSd);
    const rating = Math.min(5, Math.max(1, Math.round(score)));
    this.writer.insertRating(this.customerId, j + 1, rating, at);
    if (!rng.chance(ratingModel.reviewProb)) return;
    const item = this.chinese ? (this.catalog.nameZh[j] ?? '') : (this.catalog.nameEn[j] ?? '');
    const review = draftReview(rng, rating, item, this.chinese);
    this.writer.insertReview(
      this.customerId,
      j + 1,
      rating,
      review.text,
      at,
      review.language,
      review.sentiment,
      JSON.stringify(review.aspects),
    );
  }

  /** Eligible customers are split at random; responders place one campaign order in the window. */
  private campaign(): void {
    const rng = this.rng;
    if (this.firstAt > this.sentAt - campaignModel.minTenureDays * DAY) return;
    const treated = rng.chance(campaignModel.treatmentShare);
    const { baseRate, uplift } = this.seg.campaign;
    let orderId: number | null = null;
    if (rng.chance(baseRate + (treated ? uplift : 0))) {
      const windowSeconds = campaignModel.responseWindowDays * DAY;
      const delay = Math.min(rng.exponential(1 / campaignModel.meanResponseDelayDays) * DAY, windowSeconds - 3600);
      const at = Math.floor(this.sentAt + 60 + delay);
      orderId = this.order(at, 'completed', this.channel(), treated ? 'campaign-treatment' : 'campaign-control');
    }
    this.writer.insertContact(1, this.customerId, this.sentAt, treated ? 'treatment' : 'control', orderId);
  }

  private visitor(v: number): void {
    const rng = this.rng;
    rng.reseed(this.seed, Stream.visitor, v);
    const visitorId = `v${rng.hex(16)}`;
    this.chinese = rng.chance(0.8);
    this.writer.counts.visitors++;
    const n = 1 + rng.poisson(markovModel.visitorSessionsExtraMean);
    this.sessions(n, this.start, this.end, null, visitorId);
  }

  /** n sessions at uniform times in [from, to − 6 h], in time order and never overlapping. */
  private sessions(n: number, from: number, to: number, customerId: number | null, visitorId: string | null): void {
    const rng = this.rng;
    const last = to - 6 * 3600;
    if (last <= from) return;
    const starts: number[] = [];
    for (let s = 0; s < n; s++) starts.push(Math.floor(rng.uniform(from, last)));
    starts.sort((x, y) => x - y);
    let sessionId = '';
    const emit: EmitEvent = (type, at, product, query) =>
      this.writer.insertEvent(customerId, visitorId, sessionId, at, type, product === null ? null : product + 1, query);
    let busyUntil = -Infinity;
    for (const s of starts) {
      const begin = this.clock(Math.max(s, busyUntil + 60), busyUntil + 60);
      if (begin >= last) break;
      sessionId = `S${String(this.nextSession++).padStart(9, '0')}`;
      this.writer.counts.sessions++;
      busyUntil = playSession(rng, this.catalog, this.chooser, this.chinese, begin, this.end, emit);
    }
  }
}
