/**
 * Batched inserts for the sample shop, with explicit ids (the workspace is
 * empty, so ids are simply counters) and running counts for the summary.
 * The truth tables live here too: created by the generator, not a migration,
 * because only sample workspaces have them.
 */
import type { Db } from '../db/workspace.ts';
import { BatchInsert } from './batch.ts';

export const truthTablesSql = /* sql */ `
CREATE TABLE IF NOT EXISTS sample_truth_customers(
  customer_id    INTEGER PRIMARY KEY REFERENCES customers(id),
  segment        TEXT NOT NULL,
  lambda         REAL,
  dropout_p      REAL,
  alive_at_as_of INTEGER,
  mean_spend     REAL,
  latent         TEXT /* JSON latent factor vector */,
  rating_bias    REAL,
  dropout_at     INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS sample_truth_products(
  product_id     INTEGER PRIMARY KEY REFERENCES products(id),
  latent         TEXT NOT NULL,
  popularity     REAL NOT NULL,
  rating_bias    REAL NOT NULL,
  monthly_demand REAL NOT NULL,
  understocked   INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS sample_truth_reviews(
  review_id INTEGER PRIMARY KEY REFERENCES reviews(id),
  sentiment REAL NOT NULL,
  label     TEXT NOT NULL,
  aspects   TEXT NOT NULL
) STRICT;
`;

export interface SampleShopCounts {
  customers: number;
  products: number;
  /** All order rows: sales + cancelled + returns. */
  orders: number;
  /** Orders that count as sales (completed or pending), campaign orders included. */
  sales: number;
  pending: number;
  cancelled: number;
  returns: number;
  orderItems: number;
  events: number;
  sessions: number;
  visitors: number;
  ratings: number;
  reviews: number;
  campaignContacts: number;
  campaignResponders: number;
}

export class Writer {
  readonly counts: SampleShopCounts = {
    customers: 0,
    products: 0,
    orders: 0,
    sales: 0,
    pending: 0,
    cancelled: 0,
    returns: 0,
    orderItems: 0,
    events: 0,
    sessions: 0,
    visitors: 0,
    ratings: 0,
    reviews: 0,
    campaignContacts: 0,
    campaignResponders: 0,
  };
  private readonly customer: BatchInsert;
  private readonly truthCustomer: BatchInsert;
  private readonly order: BatchInsert;
  private readonly item: BatchInsert;
  private readonly event: BatchInsert;
  private readonly rating: BatchInsert;
  private readonly review: BatchInsert;
  private readonly truthReview: BatchInsert;
  private readonly contact: BatchInsert;
  private nextItemId = 1;
  private nextEventId = 1;
  private nextReviewId = 1;

  constructor(db: Db) {
    // Parents listed per batch: their pending rows are written first (foreign keys).
    const customer = new BatchInsert(db, 'customers', [
      'id',
      'external_id',
      'name',
      'phone',
      'email',
      'address',
      'gender',
      'birth_year',
      'city',
      'country',
      'occupation',
      'interests',
      'signup_at',
    ]);
    const order = new BatchInsert(
      db,
      'orders',
      ['id', 'external_id', 'customer_id', 'placed_at', 'status', 'amount', 'discount', 'coupon', 'channel', 'country'],
      [customer],
    );
    const review = new BatchInsert(
      db,
      'reviews',
      ['id', 'customer_id', 'product_id', 'rating', 'text', 'created_at', 'language'],
      [customer],
    );
    this.customer = customer;
    this.order = order;
    this.review = review;
    this.truthCustomer = new BatchInsert(
      db,
      'sample_truth_customers',
      [
        'customer_id',
        'segment',
        'lambda',
        'dropout_p',
        'alive_at_as_of',
        'mean_spend',
        'latent',
        'rating_bias',
        'dropout_at',
      ],
      [customer],
    );
    this.item = new BatchInsert(db, 'order_items', ['id', 'order_id', 'product_id', 'quantity', 'unit_price'], [order]);
    this.event = new BatchInsert(
      db,
      'events',
      ['id', 'customer_id', 'visitor_id', 'session_id', 'occurred_at', 'type', 'product_id', 'query'],
      [customer],
    );
    this.rating = new BatchInsert(db, 'ratings', ['id', 'customer_id', 'product_id', 'rating', 'rated_at'], [customer]);
    this.truthReview = new BatchInsert(
      db,
      'sample_truth_reviews',
      ['review_id', 'sentiment', 'label', 'aspects'],
      [review],
    );
    this.contact = new BatchInsert(
      db,
      'campaign_contacts',
      ['campaign_id', 'customer_id', 'sent_at', 'arm', 'responded', 'order_id'],
      [customer, order],
    );
  }

  /** Writes every buffered row; call before reading the tables back. */
  flush(): void {
    for (const b of [this.customer, this.order, this.item, this.event, this.rating, this.review]) b.flush();
    for (const b of [this.truthReview, this.contact, this.truthCustomer]) b.flush();
  }

  insertCustomer(row: (string | number | null)[]): void {
    this.customer.add(...row);
    this.counts.customers++;
  }

  insertCustomerTruth(row: (string | number | null)[]): void {
    this.truthCustomer.add(...row);
  }

  insertOrder(
    id: number,
    externalId: string,
    customerId: number,
    placedAt: number,
    status: 'completed' | 'pending' | 'cancelled' | 'returned',
    amount: number,
    discount: number,
    coupon: string | null,
    channel: string,
    country: string,
  ): void {
    this.order.add(id, externalId, customerId, placedAt, status, amount, discount, coupon, channel, country);
    this.counts.orders++;
    if (status === 'completed' || status === 'pending') this.counts.sales++;
    if (status === 'pending') this.counts.pending++;
    else if (status === 'cancelled') this.counts.cancelled++;
    else if (status === 'returned') this.counts.returns++;
  }

  insertItem(orderId: number, productId: number, quantity: number, unitPrice: number): void {
    this.item.add(this.nextItemId++, orderId, productId, quantity, unitPrice);
    this.counts.orderItems++;
  }

  insertEvent(
    customerId: number | null,
    visitorId: string | null,
    sessionId: string,
    at: number,
    type: string,
    productId: number | null,
    query: string | null,
  ): void {
    this.event.add(this.nextEventId++, customerId, visitorId, sessionId, at, type, productId, query);
    this.counts.events++;
  }

  insertRating(customerId: number, productId: number, rating: number, at: number): void {
    this.rating.add(this.counts.ratings + 1, customerId, productId, rating, at);
    this.counts.ratings++;
  }

  insertReview(
    customerId: number,
    productId: number,
    rating: number,
    text: string,
    at: number,
    language: string,
    sentiment: number,
    aspects: string,
  ): void {
    const id = this.nextReviewId++;
    this.review.add(id, customerId, productId, rating, text, at, language);
    const label = sentiment > 0 ? 'positive' : sentiment < 0 ? 'negative' : 'neutral';
    this.truthReview.add(id, sentiment, label, aspects);
    this.counts.reviews++;
  }

  insertContact(
    campaignId: number,
    customerId: number,
    sentAt: number,
    arm: 'treatment' | 'control',
    orderId: number | null,
  ): void {
    this.contact.add(campaignId, customerId, sentAt, arm, orderId === null ? 0 : 1, orderId);
    this.counts.campaignContacts++;
    if (orderId !== null) this.counts.campaignResponders++;
  }
}
