import type { Migration } from './migration.js';

/**
 * Backtest runs: the options a run was made with, the fingerprint of the data it replayed, its
 * headline metrics and where its reports were written, so runs can be listed, reopened and
 * compared. Trades and equity stay in the run's JSON report (`outputs_json` names it).
 */
export const migration0003: Migration = {
  version: 3,
  name: 'backtest_runs',
  sql: `
CREATE TABLE backtest_runs (
  id                TEXT    PRIMARY KEY,
  created_at_ms     INTEGER NOT NULL,
  data_dir          TEXT    NOT NULL,
  timeframe         TEXT    NOT NULL,
  start_ms          INTEGER NOT NULL,
  end_ms            INTEGER NOT NULL,
  symbols_json      TEXT    NOT NULL,
  config_json       TEXT    NOT NULL,
  data_fingerprint  TEXT    NOT NULL,
  trades            INTEGER NOT NULL,
  metrics_json      TEXT    NOT NULL,
  outputs_json      TEXT    NOT NULL
);
CREATE INDEX backtest_runs_created ON backtest_runs (created_at_ms);
CREATE INDEX backtest_runs_fingerprint ON backtest_runs (data_fingerprint);
`,
};
