import Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { StoreError } from '../core/errors.js';
import { ensurePrivateFile } from './privateFiles.js';
import { corruptError, guardConnection, mapSqliteError } from './sqliteErrors.js';

/**
 * `synchronous` levels we allow in WAL mode.
 *
 * - `NORMAL` (default): a commit is durable once it returns as far as a process crash (kill -9,
 *   OOM, segfault) is concerned, because the WAL frames are already in the OS page cache. Only an
 *   OS crash or power loss can roll back the last commits before a checkpoint; the database is never
 *   corrupted either way. The live ledger tolerates that: reconciliation adopts orders that carry
 *   our client-id prefix. NORMAL avoids an fsync per commit, which is what makes batch ingest fast.
 * - `FULL`: fsyncs the WAL on every commit, so commits also survive power loss, at the price of
 *   one fsync per transaction.
 */
export const SynchronousMode = { Normal: 'NORMAL', Full: 'FULL' } as const;
export type SynchronousMode = (typeof SynchronousMode)[keyof typeof SynchronousMode];

const SYNCHRONOUS_VALUE: Record<SynchronousMode, number> = { NORMAL: 1, FULL: 2 };

export interface OpenDatabaseOptions {
  synchronous?: SynchronousMode;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Page cache per connection, in KiB. Large ingests touch many B-tree pages per transaction. */
  cacheSizeKib?: number;
  /**
   * Path of a `better_sqlite3.node` to load instead of the one better-sqlite3 finds in its own
   * package: a copy built for another runtime's ABI (Electron's), so node_modules stays built for Node.
   */
  nativeBinding?: string;
}

/**
 * The better-sqlite3 addon every connection of this process loads when its options name none. A
 * process can only load addons built for its own runtime's ABI, so the choice is per process: the
 * Electron main process sets it once at start, before any store opens, and then every store
 * (engine, webhook receipts, backtest runs, scripts' facade) opens with the Electron build.
 */
let processNativeBinding: string | undefined;

/** Makes `file` the better-sqlite3 addon of every later {@link openDatabase} that names none; undefined restores the default. */
export function useNativeSqliteBinding(file: string | undefined): void {
  processNativeBinding = file;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
export const DEFAULT_CACHE_SIZE_KIB = 65_536;

/**
 * Opens a connection and applies every pragma explicitly, on every open: pragmas like
 * `synchronous`, `busy_timeout` and `foreign_keys` are per connection and silently revert to
 * SQLite's defaults otherwise. Errors (not a database, unreadable file) become a StoreError.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const synchronous = options.synchronous ?? SynchronousMode.Normal;
  if (!(synchronous in SYNCHRONOUS_VALUE)) {
    throw new StoreError(ErrorCode.InvalidConfig, `Invalid synchronous mode ${JSON.stringify(synchronous)}: expected "NORMAL" or "FULL"`, {
      details: { field: 'synchronous', received: synchronous, expected: 'NORMAL | FULL' },
    });
  }
  let db: Database.Database | undefined;
  try {
    if (file !== ':memory:' && file !== '') ensurePrivateFile(file);
    const nativeBinding = options.nativeBinding ?? processNativeBinding;
    db = new Database(file, nativeBinding === undefined ? {} : { nativeBinding });
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    // An in-memory database has no file to keep a WAL beside: SQLite keeps its journal in memory.
    const expected = file === ':memory:' ? 'memory' : 'wal';
    if (String(mode).toLowerCase() !== expected) {
      throw new StoreError(ErrorCode.StoreError, `Could not switch ${file} to WAL mode (got ${String(mode)})`, { details: { file, journalMode: mode } });
    }
    db.pragma(`synchronous = ${synchronous}`);
    const applied = db.pragma('synchronous', { simple: true });
    if (applied !== SYNCHRONOUS_VALUE[synchronous]) {
      throw new StoreError(ErrorCode.StoreError, `Could not set synchronous=${synchronous} on ${file} (got ${String(applied)})`, { details: { file } });
    }
    db.pragma('foreign_keys = ON');
    db.pragma(`cache_size = -${Math.max(2_000, Math.trunc(options.cacheSizeKib ?? DEFAULT_CACHE_SIZE_KIB))}`);
    quickCheck(db, file);
    return guardConnection(db, file);
  } catch (err) {
    db?.close();
    if (err instanceof StoreError) throw err;
    const mapped = mapSqliteError(err, file);
    if (mapped instanceof StoreError) throw mapped;
    throw new StoreError(ErrorCode.StoreError, `Cannot open database ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      details: { file },
      cause: err,
    });
  }
}

/**
 * `PRAGMA quick_check` at open: damage in the middle of the file (a torn or overwritten page)
 * otherwise goes unnoticed until a query happens to read that page, possibly mid-trade. It reads
 * every page but skips the index-content cross-check of `integrity_check`, so it stays fast.
 */
function quickCheck(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  const messages = rows.map((r) => r.quick_check);
  if (messages.length === 1 && messages[0] === 'ok') return;
  const shown = messages.slice(0, 3).join('; ');
  throw corruptError(file, `quick_check: ${shown}${messages.length > 3 ? `; and ${messages.length - 3} more` : ''}`);
}
