import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { StoreError } from '../core/errors.js';
import { openDatabase, type OpenDatabaseOptions, type SynchronousMode } from './database.js';
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './privateFiles.js';
import { migrate, schemaVersion, type MigrationResult } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { databaseFileIn } from './paths.js';
import { AccountSnapshotRepository } from './repositories/accountSnapshots.js';
import { BanditStateRepository } from './repositories/bandit.js';
import { CandleRepository } from './repositories/candles.js';
import { EventLogRepository } from './repositories/events.js';
import { FillRepository } from './repositories/fills.js';
import { LabelRepository } from './repositories/labels.js';
import { OrderRepository } from './repositories/orders.js';
import { PositionRepository } from './repositories/positions.js';
import { SettingsRepository } from './repositories/settings.js';
import { SignalRepository } from './repositories/signals.js';
import { WatchlistRepository } from './repositories/watchlists.js';
import { WebhookReceiptRepository } from './repositories/webhookReceipts.js';
import { DrawingRepository } from './repositories/drawings.js';

const SYNCHRONOUS_NAMES: readonly StorePragmas['synchronous'][] = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

export type OpenStoreOptions = ({ file: string; home?: undefined } | { home: string; file?: undefined }) & OpenDatabaseOptions;

export interface IntegrityReport {
  ok: boolean;
  /** `PRAGMA integrity_check` lines; `['ok']` when healthy. */
  messages: string[];
}

/** Connection settings as SQLite reports them (not as requested). */
export interface StorePragmas {
  journalMode: string;
  synchronous: SynchronousMode | 'OFF' | 'EXTRA';
  foreignKeys: boolean;
  busyTimeoutMs: number;
}

export interface BackupReport {
  file: string;
  totalPages: number;
}

/** The local database: one SQLite file, its repositories and maintenance operations. */
export interface Store {
  readonly file: string;
  /** What migrations did on this open. */
  readonly migration: MigrationResult;
  readonly candles: CandleRepository;
  readonly signals: SignalRepository;
  readonly labels: LabelRepository;
  readonly orders: OrderRepository;
  readonly fills: FillRepository;
  readonly positions: PositionRepository;
  readonly accountSnapshots: AccountSnapshotRepository;
  readonly settings: SettingsRepository;
  readonly watchlists: WatchlistRepository;
  readonly bandit: BanditStateRepository;
  readonly events: EventLogRepository;
  /** Webhook gateway receipts: replay guard and outcome of each accepted alert. */
  readonly webhookReceipts: WebhookReceiptRepository;
  /** The trader's chart drawings, per symbol. */
  readonly drawings: DrawingRepository;
  /**
   * Runs `fn` in one transaction (a savepoint when nested): for example a fill, its position
   * update and its event commit together or not at all. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T;
  /** Current `PRAGMA user_version`. */
  schemaVersion(): number;
  /** The connection's journal mode, synchronous level, foreign keys and busy timeout. */
  pragmas(): StorePragmas;
  /**
   * Copies the database to `destFile` with SQLite's online backup API while writes continue on
   * this connection (they are carried into the copy). The copy is a complete, standalone file.
   */
  backup(destFile: string): Promise<BackupReport>;
  /** `PRAGMA integrity_check`. */
  integrityCheck(): IntegrityReport;
  close(): void;
}

/**
 * Opens (creating if needed) the database, sets WAL and `synchronous` explicitly, and migrates it
 * forward. A database written by a newer Perpscope is refused with StoreError `SCHEMA_TOO_NEW`.
 *
 * @example
 * const store = openStore({ home: resolveHome({ home: flags.home, env: process.env }) });
 * store.candles.upsertSeries({ exchange: 'blofin', symbol: 'BTC/USDT:USDT', timeframe: '1m' }, candles);
 * store.close();
 */
/** The `file` of a store that lives in memory only, gone when closed. */
export const IN_MEMORY = ':memory:';

export function openStore(options: OpenStoreOptions): Store {
  if (options.file === undefined && options.home === undefined) {
    throw new StoreError(ErrorCode.InvalidConfig, 'openStore needs either `file` or `home`', { details: { field: 'file | home' } });
  }
  // `:memory:` is a private database of this connection (a backtest's ledger): no file, no directory.
  const inMemory = options.file === IN_MEMORY;
  const file = inMemory ? IN_MEMORY : resolve(options.file ?? databaseFileIn(options.home ?? ''));
  if (!inMemory) {
    try {
      // The home is Perpscope's own directory and is kept 0700; a caller-chosen file's existing
      // directory is left as it is (it may be shared, like /tmp).
      if (options.home !== undefined) ensurePrivateDir(resolve(options.home));
      else mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (err) {
      throw new StoreError(ErrorCode.StoreError, `Cannot create the data directory ${dirname(file)}: ${err instanceof Error ? err.message : String(err)}`, {
        details: { file },
        cause: err,
      });
    }
  }
  const db = openDatabase(file, options);
  let migration: MigrationResult;
  try {
    migration = migrate(db, MIGRATIONS, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return createStore(db, file, migration);
}

function createStore(db: Database.Database, file: string, migration: MigrationResult): Store {
  return {
    file,
    migration,
    candles: new CandleRepository(db),
    signals: new SignalRepository(db),
    labels: new LabelRepository(db),
    orders: new OrderRepository(db),
    fills: new FillRepository(db),
    positions: new PositionRepository(db),
    accountSnapshots: new AccountSnapshotRepository(db),
    settings: new SettingsRepository(db),
    watchlists: new WatchlistRepository(db),
    bandit: new BanditStateRepository(db),
    events: new EventLogRepository(db),
    webhookReceipts: new WebhookReceiptRepository(db),
    drawings: new DrawingRepository(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    schemaVersion: () => schemaVersion(db),
    pragmas: (): StorePragmas => ({
      journalMode: String(db.pragma('journal_mode', { simple: true })),
      synchronous: SYNCHRONOUS_NAMES[Number(db.pragma('synchronous', { simple: true }))] ?? 'OFF',
      foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
      busyTimeoutMs: Number(db.pragma('busy_timeout', { simple: true })),
    }),
    async backup(destFile: string): Promise<BackupReport> {
      const dest = resolve(destFile);
      if (dest === file) {
        throw new StoreError(ErrorCode.InvalidInput, `Backup destination ${dest} is the database itself`, { details: { destFile: dest } });
      }
      try {
        mkdirSync(dirname(dest), { recursive: true });
        const meta = await db.backup(dest);
        chmodSync(dest, PRIVATE_FILE_MODE);
        return { file: dest, totalPages: meta.totalPages };
      } catch (err) {
        throw new StoreError(ErrorCode.StoreError, `Backup of ${file} to ${dest} failed: ${err instanceof Error ? err.message : String(err)}`, {
          details: { file, destFile: dest },
          cause: err,
        });
      }
    },
    integrityCheck(): IntegrityReport {
      const messages = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
      return { ok: messages.length === 1 && messages[0] === 'ok', messages };
    },
    close(): void {
      if (!db.open) return;
      db.pragma('optimize');
      db.close();
    },
  };
}
