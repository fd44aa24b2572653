import type { Migration } from './migration.js';

/**
 * Trading: the order ledger (an order row is written as an intent before it is sent), its state
 * transitions, fills, positions, account snapshots and the append-only event log. Paper and live
 * rows share tables but never mix: every query filters on `ledger`.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'trading',
  sql: `
CREATE TABLE orders (
  client_order_id   TEXT    PRIMARY KEY,
  ledger            TEXT    NOT NULL CHECK (ledger IN ('paper', 'live')),
  exchange          TEXT    NOT NULL,
  symbol            TEXT    NOT NULL,
  side              TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
  type              TEXT    NOT NULL,
  purpose           TEXT    NOT NULL,
  trade_id          TEXT,
  amount_base       REAL    NOT NULL CHECK (amount_base > 0),
  price             REAL,
  trigger_price     REAL,
  reduce_only       INTEGER NOT NULL CHECK (reduce_only IN (0, 1)),
  state             TEXT    NOT NULL CHECK (state IN ('NEW', 'SENT', 'ACK', 'UNKNOWN', 'PARTIAL', 'FILLED', 'CANCELLED', 'REJECTED', 'LOST')),
  exchange_order_id TEXT,
  filled_base       REAL    NOT NULL DEFAULT 0,
  avg_fill_price    REAL,
  lookup_attempts   INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  params_json       TEXT    NOT NULL DEFAULT '{}',
  created_at_ms     INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX orders_by_exchange_id ON orders (ledger, exchange, exchange_order_id) WHERE exchange_order_id IS NOT NULL;
CREATE INDEX orders_by_state ON orders (ledger, state);
CREATE INDEX orders_by_trade ON orders (trade_id) WHERE trade_id IS NOT NULL;

CREATE TABLE order_transitions (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT    NOT NULL REFERENCES orders (client_order_id),
  from_state      TEXT,
  to_state        TEXT    NOT NULL,
  at_ms           INTEGER NOT NULL,
  reason          TEXT,
  details_json    TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX order_transitions_by_order ON order_transitions (client_order_id, id);
CREATE TRIGGER order_transitions_no_update BEFORE UPDATE ON order_transitions
BEGIN SELECT RAISE(ABORT, 'order_transitions is append-only'); END;
CREATE TRIGGER order_transitions_no_delete BEFORE DELETE ON order_transitions
BEGIN SELECT RAISE(ABORT, 'order_transitions is append-only'); END;

CREATE TABLE fills (
  ledger            TEXT    NOT NULL CHECK (ledger IN ('paper', 'live')),
  exchange          TEXT    NOT NULL,
  fill_id           TEXT    NOT NULL,
  client_order_id   TEXT    REFERENCES orders (client_order_id),
  exchange_order_id TEXT,
  symbol            TEXT    NOT NULL,
  side              TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
  price             REAL    NOT NULL,
  amount_base       REAL    NOT NULL CHECK (amount_base > 0),
  fee_cost          REAL    NOT NULL DEFAULT 0,
  fee_currency      TEXT,
  liquidity         TEXT    CHECK (liquidity IN ('maker', 'taker')),
  at_ms             INTEGER NOT NULL,
  PRIMARY KEY (ledger, exchange, fill_id)
) WITHOUT ROWID;
CREATE INDEX fills_by_order ON fills (client_order_id);
CREATE INDEX fills_by_time ON fills (ledger, at_ms);

CREATE TABLE positions (
  ledger             TEXT    NOT NULL CHECK (ledger IN ('paper', 'live')),
  exchange           TEXT    NOT NULL,
  symbol             TEXT    NOT NULL,
  side               TEXT    NOT NULL CHECK (side IN ('long', 'short')),
  size_base          REAL    NOT NULL CHECK (size_base >= 0),
  entry_price        REAL    NOT NULL,
  leverage           REAL    NOT NULL,
  margin_mode        TEXT    NOT NULL CHECK (margin_mode IN ('cross', 'isolated')),
  realized_pnl_usd   REAL    NOT NULL DEFAULT 0,
  liquidation_price  REAL,
  trade_id           TEXT,
  opened_at_ms       INTEGER NOT NULL,
  updated_at_ms      INTEGER NOT NULL,
  extra_json         TEXT    NOT NULL DEFAULT '{}',
  PRIMARY KEY (ledger, exchange, symbol)
) WITHOUT ROWID;

CREATE TABLE account_snapshots (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  ledger               TEXT    NOT NULL CHECK (ledger IN ('paper', 'live')),
  exchange             TEXT    NOT NULL,
  at_ms                INTEGER NOT NULL,
  equity_usd           REAL    NOT NULL,
  balance_usd          REAL    NOT NULL,
  available_usd        REAL    NOT NULL,
  unrealized_pnl_usd   REAL    NOT NULL DEFAULT 0,
  realized_pnl_usd     REAL    NOT NULL DEFAULT 0,
  payload_json         TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX account_snapshots_by_time ON account_snapshots (ledger, exchange, at_ms);

CREATE TABLE events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms        INTEGER NOT NULL,
  type         TEXT    NOT NULL,
  ledger       TEXT    CHECK (ledger IN ('paper', 'live')),
  symbol       TEXT,
  payload_json TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_type ON events (type, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
`,
};
