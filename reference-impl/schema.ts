/**
 * The layer's schema, in the SQL subset SQLite and PostgreSQL share: TEXT (JSON documents as
 * TEXT), BIGINT epoch-millisecond timestamps, INTEGER flags, composite primary keys. Every
 * statement is idempotent (`IF NOT EXISTS`), so `store.migrate(SCHEMA)` creates or upgrades.
 */
export const SCHEMA: readonly string[] = [
  // Orders as channels see them. `doc` is the canonical order (lines, shipTo, totals…);
  // `timeline` holds comma-joined JSON entries so a status change appends with `||`.
  `CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    dc TEXT NOT NULL,
    doc TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    so_number TEXT,
    invoice TEXT,
    rejection TEXT,
    timeline TEXT NOT NULL,
    shipment_confirmed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  // The orders whose shipment was confirmed (for reconciliation); written once per order, never at
  // intake. UNIQUE so that SQLite probes it, not the primary key and the whole row, when asked
  // whether one order has shipped. It replaces a non-unique index of the same rows.
  `DROP INDEX IF EXISTS orders_shipment_confirmed`,
  `CREATE UNIQUE INDEX IF NOT EXISTS orders_shipped ON orders (id) WHERE shipment_confirmed_at IS NOT NULL`,
  // Responses stored per (partner, operation, Idempotency-Key) for byte-identical replays.
  `CREATE TABLE IF NOT EXISTS idempotency (
    partner TEXT NOT NULL,
    operation TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (partner, operation, idem_key)
  )`,
  // The layer's stock view per (distribution center, sku): `version` is the WMS sequence reflected
  // (what the availability API reports), `revision` counts every change of the view (what the
  // canonical inventory events carry, +1 per event).
  `CREATE TABLE IF NOT EXISTS stock (
    dc TEXT NOT NULL,
    sku TEXT NOT NULL,
    uom TEXT NOT NULL,
    on_hand BIGINT NOT NULL,
    reserved BIGINT NOT NULL,
    version BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    as_of BIGINT NOT NULL,
    PRIMARY KEY (dc, sku)
  )`,
  `CREATE INDEX IF NOT EXISTS stock_by_sku ON stock (sku)`,
  // Open reservations: one row per order and sku, settled when the stock leaves or released on cancel.
  `CREATE TABLE IF NOT EXISTS reservations (
    order_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    dc TEXT NOT NULL,
    qty BIGINT NOT NULL,
    trace_id TEXT NOT NULL,
    PRIMARY KEY (order_id, sku)
  )`,
  `CREATE INDEX IF NOT EXISTS reservations_by_position ON reservations (dc, sku)`,
  // Commands for downstream systems (the transactional outbox), ordered per `okey`.
  `CREATE TABLE IF NOT EXISTS outbox (
    seq BIGINT PRIMARY KEY,
    okey TEXT NOT NULL,
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    payload TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at BIGINT NOT NULL,
    state TEXT,
    exception_id TEXT,
    created_at BIGINT NOT NULL
  )`,
  // Canonical events not yet published.
  `CREATE TABLE IF NOT EXISTS event_outbox (
    seq BIGINT PRIMARY KEY,
    channel TEXT NOT NULL,
    id TEXT NOT NULL,
    subject TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL
  )`,
  // Labels bought and what the carriers and the WMS said about them.
  `CREATE TABLE IF NOT EXISTS shipments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    label_id TEXT,
    service_level TEXT NOT NULL,
    status TEXT NOT NULL,
    gi_number TEXT,
    shipped_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS shipments_by_order ON shipments (order_id)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS shipments_by_tracking ON shipments (tracking_number)`,
  `CREATE TABLE IF NOT EXISTS returns (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    lines TEXT NOT NULL,
    received TEXT,
    credit_memo TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS returns_by_order ON returns (order_id)`,
  // The exception queue; `command` is the outbox message a replay re-issues.
  `CREATE TABLE IF NOT EXISTS exceptions (
    id TEXT PRIMARY KEY,
    system TEXT NOT NULL,
    operation TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    trace_id TEXT NOT NULL,
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    command TEXT NOT NULL,
    http_status INTEGER,
    retryable INTEGER NOT NULL,
    business_key TEXT,
    created_at BIGINT NOT NULL,
    last_attempt_at BIGINT NOT NULL,
    replay_count INTEGER NOT NULL,
    resolved_at BIGINT
  )`,
  `CREATE INDEX IF NOT EXISTS exceptions_by_time ON exceptions (created_at, id)`,
  // Webhook deliveries stored before their 202, published to the bus from here.
  `CREATE TABLE IF NOT EXISTS inbox (
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    mkey TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    published INTEGER NOT NULL,
    PRIMARY KEY (source, event_id)
  )`,
  // Retry-After per downstream system, so a restarted layer honours what the old one was told.
  `CREATE TABLE IF NOT EXISTS system_gates (
    system TEXT PRIMARY KEY,
    blocked_until BIGINT NOT NULL
  )`,
];
