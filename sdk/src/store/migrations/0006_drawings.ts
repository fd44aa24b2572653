import type { Migration } from './migration.js';

/**
 * A trader's chart drawings (horizontal and trend lines), per symbol. `drawing_json` is the
 * drawing as the host's contract defines it; the store keeps it opaque and the host validates
 * what it reads back.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'drawings',
  sql: `
CREATE TABLE drawings (
  symbol        TEXT    NOT NULL,
  id            TEXT    NOT NULL,
  drawing_json  TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (symbol, id)
) WITHOUT ROWID;
`,
};
