import type { Migration } from './migration.js';

/** Market data and app state: candles, signals, labels, settings, watchlists, bandit state. */
export const migration0001: Migration = {
  version: 1,
  name: 'init',
  sql: `
-- WITHOUT ROWID: the primary key is the only access path, so the table is clustered on it and
-- no second B-tree (rowid table + PK index) has to be written per row.
CREATE TABLE candles (
  exchange     TEXT    NOT NULL,
  symbol       TEXT    NOT NULL,
  timeframe    TEXT    NOT NULL,
  open_time_ms INTEGER NOT NULL,
  open         REAL    NOT NULL,
  high         REAL    NOT NULL,
  low          REAL    NOT NULL,
  close        REAL    NOT NULL,
  volume       REAL    NOT NULL,
  PRIMARY KEY (exchange, symbol, timeframe, open_time_ms)
) WITHOUT ROWID;

CREATE TABLE signals (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at_ms INTEGER NOT NULL,
  exchange      TEXT    NOT NULL,
  symbol        TEXT    NOT NULL,
  timeframe     TEXT    NOT NULL,
  side          TEXT    NOT NULL CHECK (side IN ('long', 'short')),
  strategy      TEXT    NOT NULL,
  score         REAL    NOT NULL,
  probability   REAL,
  payload_json  TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX signals_by_symbol ON signals (symbol, created_at_ms);
CREATE INDEX signals_by_time ON signals (created_at_ms);

CREATE TABLE labels (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  signal_id      INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
  horizon_ms     INTEGER NOT NULL,
  due_at_ms      INTEGER NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('pending', 'matured')),
  matured_at_ms  INTEGER,
  return_bps     REAL,
  value          REAL,
  payload_json   TEXT    NOT NULL DEFAULT '{}',
  UNIQUE (signal_id, horizon_ms)
);
CREATE INDEX labels_pending ON labels (status, due_at_ms);

CREATE TABLE settings (
  key           TEXT    PRIMARY KEY,
  value_json    TEXT    NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE TABLE watchlists (
  name          TEXT    PRIMARY KEY,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE watchlist_items (
  watchlist TEXT    NOT NULL REFERENCES watchlists (name) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  symbol    TEXT    NOT NULL,
  PRIMARY KEY (watchlist, symbol)
);

CREATE TABLE bandit_state (
  name          TEXT    PRIMARY KEY,
  state_json    TEXT    NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
`,
};
