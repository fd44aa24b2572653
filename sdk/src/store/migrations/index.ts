import { migration0001 } from './0001_init.js';
import { migration0002 } from './0002_trading.js';
import { migration0003 } from './0003_backtest_runs.js';
import { migration0004 } from './0004_funding_rates.js';
import { migration0005 } from './0005_webhook_receipts.js';
import { migration0006 } from './0006_drawings.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006];

/** The schema version this code writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
