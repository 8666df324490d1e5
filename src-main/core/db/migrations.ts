/**
 * Versioned schema migrations. A workspace file records its version in
 * `PRAGMA user_version`; opening an older file applies the missing steps in
 * order, each inside its own transaction, so an old workspace upgrades in place.
 *
 * Conventions the rest of the core relies on:
 * - Times are INTEGER unix seconds. A source time without a zone is stored as
 *   its wall-clock reading taken as UTC, so calendar days stay the shop's days.
 * - Money is REAL in the shop's currency units, rounded to cents at import.
 * - Every entity has an integer surrogate key plus the natural key the shop's
 *   exports use (external_id, sku), which is UNIQUE: re-imports upsert.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: /* sql */ `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE import_runs (
  id            INTEGER PRIMARY KEY,
  file_name     TEXT NOT NULL,
  file_path     TEXT NOT NULL,
  file_size     INTEGER NOT NULL,
  file_hash     TEXT NOT NULL,
  kind          TEXT NOT NULL,
  format        TEXT NOT NULL,
  encoding      TEXT NOT NULL,
  delimiter     TEXT,
  mapping       TEXT NOT NULL,
  options       TEXT NOT NULL,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  rows_read     INTEGER NOT NULL DEFAULT 0,
  rows_imported INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  counts        TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE import_errors (
  id      INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  column  TEXT,
  reason  TEXT NOT NULL,
  raw     TEXT
) STRICT;
CREATE INDEX import_errors_run ON import_errors(run_id, line);

-- Remembered column mappings, keyed by the file layout (kind + normalized header).
CREATE TABLE import_mappings (
  layout_key TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  header     TEXT NOT NULL,
  mapping    TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE customers (
  id            INTEGER PRIMARY KEY,
  external_id   TEXT NOT NULL UNIQUE,
  name          TEXT,
  phone         TEXT,
  email         TEXT,
  address       TEXT,
  gender        TEXT CHECK (gender IN ('female', 'male', 'other')),
  birth_year    INTEGER,
  city          TEXT,
  country       TEXT,
  occupation    TEXT,
  interests     TEXT,
  signup_at     INTEGER,
  import_run_id INTEGER
) STRICT;

CREATE TABLE products (
  id            INTEGER PRIMARY KEY,
  sku           TEXT NOT NULL UNIQUE,
  title         TEXT,
  category      TEXT,
  price         REAL,
  cost          REAL,
  stock         INTEGER,
  import_run_id INTEGER
) STRICT;
CREATE INDEX products_category ON products(category);

-- status: completed | pending | cancelled | returned. A return document
-- (e.g. a 'C' invoice) is its own order with status 'returned'; sales are the
-- orders that are neither cancelled nor returned.
CREATE TABLE orders (
  id            INTEGER PRIMARY KEY,
  external_id   TEXT NOT NULL UNIQUE,
  customer_id   INTEGER REFERENCES customers(id),
  placed_at     INTEGER NOT NULL,
  status        TEXT NOT NULL DEFAULT 'completed'
                CHECK (status IN ('completed', 'pending', 'cancelled', 'returned')),
  amount        REAL NOT NULL DEFAULT 0,
  discount      REAL NOT NULL DEFAULT 0,
  coupon        TEXT,
  channel       TEXT,
  country       TEXT,
  -- Number of items when an orders file gives it without lines (e.g. CDNOW's CDs).
  item_count    REAL,
  import_run_id INTEGER
) STRICT;
CREATE INDEX orders_customer_time ON orders(customer_id, placed_at);
CREATE INDEX orders_time ON orders(placed_at);

-- Quantities are positive; a return's lines belong to its returned order.
CREATE TABLE order_items (
  id            INTEGER PRIMARY KEY,
  order_id      INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  product_id    INTEGER NOT NULL REFERENCES products(id),
  quantity      REAL NOT NULL,
  unit_price    REAL NOT NULL,
  import_run_id INTEGER,
  UNIQUE (order_id, product_id, unit_price)
) STRICT;
CREATE INDEX order_items_product ON order_items(product_id);

-- An event belongs to a customer or to an anonymous visitor (actor says which).
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers(id),
  visitor_id  TEXT,
  session_id  TEXT,
  occurred_at INTEGER NOT NULL,
  type        TEXT NOT NULL,
  product_id  INTEGER REFERENCES products(id),
  query       TEXT,
  import_run_id INTEGER,
  CHECK (customer_id IS NOT NULL OR visitor_id IS NOT NULL)
) STRICT;
CREATE UNIQUE INDEX events_natural ON events(
  IFNULL(customer_id, -1), IFNULL(visitor_id, ''), occurred_at, type,
  IFNULL(product_id, -1), IFNULL(query, ''));
CREATE INDEX events_customer_time ON events(customer_id, occurred_at);
CREATE INDEX events_time ON events(occurred_at);

CREATE TABLE ratings (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  product_id  INTEGER NOT NULL REFERENCES products(id),
  rating      REAL NOT NULL,
  scale_min   REAL NOT NULL DEFAULT 1,
  scale_max   REAL NOT NULL DEFAULT 5,
  rated_at    INTEGER,
  import_run_id INTEGER,
  UNIQUE (customer_id, product_id)
) STRICT;
CREATE INDEX ratings_product ON ratings(product_id);

CREATE TABLE reviews (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers(id),
  product_id  INTEGER REFERENCES products(id),
  rating      REAL,
  text        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  language    TEXT,
  import_run_id INTEGER
) STRICT;
CREATE UNIQUE INDEX reviews_natural ON reviews(
  IFNULL(customer_id, -1), IFNULL(product_id, -1), created_at, text);
CREATE INDEX reviews_product ON reviews(product_id);

CREATE TABLE campaigns (
  id          INTEGER PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  name        TEXT,
  channel     TEXT,
  coupon      TEXT,
  started_at  INTEGER,
  note        TEXT,
  import_run_id INTEGER
) STRICT;

CREATE TABLE campaign_contacts (
  id          INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  sent_at     INTEGER,
  arm         TEXT NOT NULL DEFAULT 'treatment' CHECK (arm IN ('treatment', 'control')),
  responded   INTEGER NOT NULL DEFAULT 0 CHECK (responded IN (0, 1)),
  order_id    INTEGER REFERENCES orders(id),
  import_run_id INTEGER,
  UNIQUE (campaign_id, customer_id)
) STRICT;
CREATE INDEX campaign_contacts_customer ON campaign_contacts(customer_id);

CREATE TABLE analysis_runs (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  params      TEXT NOT NULL,
  seed        INTEGER,
  status      TEXT NOT NULL DEFAULT 'completed'
              CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  metrics     TEXT NOT NULL DEFAULT '{}',
  result      TEXT,
  created_at  INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;
CREATE INDEX analysis_runs_kind ON analysis_runs(kind, created_at);
`,
  },
  {
    version: 2,
    name: 'language-model work: conversations, personas, review insights, product copy',
    sql: `
CREATE TABLE conversations (
  id          INTEGER PRIMARY KEY,
  title       TEXT NOT NULL,
  template    TEXT,
  grounding   TEXT,           -- JSON: what the chat is grounded on ({segment}|{customer}|{product})
  system_prompt TEXT,         -- the user's edited system prompt, NULL for the template's
  options     TEXT NOT NULL DEFAULT '{}', -- JSON: tone, language, model path
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE conversation_messages (
  id          INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role        TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  text        TEXT NOT NULL,
  stats       TEXT,           -- JSON: tokens, tokens/s, time to first token, stop reason
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX conversation_messages_conv ON conversation_messages(conversation_id, id);

CREATE TABLE personas (
  id          INTEGER PRIMARY KEY,
  scope       TEXT NOT NULL CHECK (scope IN ('segment', 'customer')),
  subject     TEXT NOT NULL,  -- the segment name or the customer's external id
  persona     TEXT NOT NULL,  -- JSON, validated against the persona schema
  model       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (scope, subject)
) STRICT;

CREATE TABLE review_insights (
  review_id   INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
  sentiment   REAL NOT NULL CHECK (sentiment BETWEEN -1 AND 1),
  aspects     TEXT NOT NULL,  -- JSON array of aspect names
  summary     TEXT NOT NULL,
  reply       TEXT,           -- drafted reply, for negative reviews
  model       TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;

-- Per-customer RFM scores of a run, so segment drill-downs page and sort in SQL instead of in memory.
CREATE TABLE rfm_scores (
  run_id      INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  segment     TEXT NOT NULL,
  r           INTEGER NOT NULL,
  f           INTEGER NOT NULL,
  m           INTEGER NOT NULL,
  recency_days INTEGER NOT NULL,
  frequency   INTEGER NOT NULL,
  monetary    REAL NOT NULL,
  PRIMARY KEY (run_id, customer_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX rfm_scores_segment ON rfm_scores(run_id, segment, monetary);

CREATE TABLE product_copy (
  product_id  INTEGER PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
  copy        TEXT NOT NULL,  -- JSON: description, selling points
  language    TEXT NOT NULL,
  model       TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;
`,
  },
  {
    version: 3,
    name: 'segment drill-down sorted by recency and frequency in SQL',
    sql: `
CREATE INDEX rfm_scores_segment_recency ON rfm_scores(run_id, segment, recency_days);
CREATE INDEX rfm_scores_segment_frequency ON rfm_scores(run_id, segment, frequency);
`,
  },
  {
    version: 4,
    name: 'persona language; review insights that failed, kept for a resume to retry',
    sql: `
-- The language a persona was written in. Older rows were written in Chinese unless they hold no Han character.
ALTER TABLE personas ADD COLUMN language TEXT NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en'));
UPDATE personas SET language = 'en' WHERE NOT persona GLOB '*[一-鿿]*';

-- A review whose answer could not be used (invalid output, cut off at maxTokens). Kept apart from review_insights so
-- that every row there stays a valid insight for the reports; a later run retries these and clears the row on success.
CREATE TABLE review_insight_failures (
  review_id   INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
  error       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 1,
  model       TEXT NOT NULL,
  failed_at   INTEGER NOT NULL
) STRICT;
`,
  },
];

export const latestVersion = migrations.reduce((v, m) => Math.max(v, m.version), 0);

/** The tables that hold the shop's data (as opposed to bookkeeping: runs, errors, mappings). */
export const shopTables = [
  'customers',
  'products',
  'orders',
  'order_items',
  'events',
  'ratings',
  'reviews',
  'campaigns',
  'campaign_contacts',
] as const;
