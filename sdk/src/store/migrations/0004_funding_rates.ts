import type { Migration } from './migration.js';

/**
 * Funding history per exchange and symbol, as `perpscope data download` fetches it: one row per
 * settlement, so a backtest can charge recorded funding instead of a flat rate.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'funding_rates',
  sql: `
CREATE TABLE funding_rates (
  exchange        TEXT    NOT NULL,
  symbol          TEXT    NOT NULL,
  funding_time_ms INTEGER NOT NULL,
  rate            REAL    NOT NULL,
  PRIMARY KEY (exchange, symbol, funding_time_ms)
) WITHOUT ROWID;
`,
};
