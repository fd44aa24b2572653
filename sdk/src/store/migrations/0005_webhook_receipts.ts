import type { Migration } from './migration.js';

/**
 * One row per webhook order the gateway accepted, keyed by its idempotency key and written before
 * the order is sent (intent first): a repeated key finds its row and places nothing, also after a
 * restart. `request_json` is the normalized order (never the secret).
 */
export const migration0005: Migration = {
  version: 5,
  name: 'webhook_receipts',
  sql: `
CREATE TABLE webhook_receipts (
  key            TEXT    NOT NULL PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  source         TEXT    NOT NULL,
  symbol         TEXT    NOT NULL,
  action         TEXT    NOT NULL CHECK (action IN ('buy', 'sell', 'close')),
  request_json   TEXT    NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('received', 'placed', 'refused', 'failed')),
  order_id       TEXT,
  error_code     TEXT,
  error_message  TEXT
) WITHOUT ROWID;
CREATE INDEX webhook_receipts_received ON webhook_receipts (received_at_ms);
`,
};
