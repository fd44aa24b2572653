import type Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { PerpscopeError, StoreError } from '../core/errors.js';

/** The SQLite result code of a better-sqlite3 error (`SQLITE_FULL`, `SQLITE_CORRUPT_INDEX`...), if any. */
function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Maps the SQLite failures a caller must tell apart to typed errors: a full disk (or the
 * database's page limit) becomes DISK_FULL, corruption becomes DB_CORRUPT. Anything else is
 * returned unchanged, so constraint errors and the like keep their own handling.
 */
export function mapSqliteError(err: unknown, file: string): unknown {
  if (err instanceof PerpscopeError) return err;
  const code = sqliteCode(err);
  const reason = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_FULL') {
    return new StoreError(
      ErrorCode.DiskFull,
      `Cannot write to ${file}: the disk is full (${reason}). Nothing was written; free some space, then retry.`,
      { details: { file, sqlite: code }, cause: err },
    );
  }
  if (code !== undefined && code.startsWith('SQLITE_CORRUPT')) return corruptError(file, reason, err);
  return err;
}

/** DB_CORRUPT for `file`: the message says how to get going again without guessing at the data. */
export function corruptError(file: string, reason: string, cause?: unknown): StoreError {
  return new StoreError(
    ErrorCode.DbCorrupt,
    `Database ${file} is damaged (${reason}). Restore a backup, or move the file aside and let Perpscope create a new one (the ledger in it is lost).`,
    { details: { file }, ...(cause !== undefined ? { cause } : {}) },
  );
}

type StatementMethod = 'run' | 'get' | 'all' | 'iterate';
const STATEMENT_METHODS: readonly StatementMethod[] = ['run', 'get', 'all', 'iterate'];

function guard<A extends unknown[], R>(fn: (...args: A) => R, file: string): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch (err) {
      throw mapSqliteError(err, file);
    }
  };
}

/**
 * Makes every statement, `exec` and transaction of `db` throw the typed errors of
 * `mapSqliteError`. Repositories keep using the connection as is; the mapping happens once, here.
 */
export function guardConnection(db: Database.Database, file: string): Database.Database {
  const prepare = db.prepare.bind(db);
  const exec = db.exec.bind(db);
  const transaction = db.transaction.bind(db);
  Object.defineProperty(db, 'prepare', {
    value: (source: string) => {
      const stmt = guard(prepare, file)(source);
      for (const method of STATEMENT_METHODS) {
        const original = (stmt[method] as (...args: unknown[]) => unknown).bind(stmt);
        Object.defineProperty(stmt, method, { value: guard(original, file), configurable: true, writable: true });
      }
      return stmt;
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(db, 'exec', {
    value: (source: string) => {
      guard(exec, file)(source);
      return db;
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(db, 'transaction', {
    value: <F extends (...args: never[]) => unknown>(fn: F) => {
      const tx = transaction(fn);
      const wrapped = Object.assign(guard(tx, file), {
        deferred: guard(tx.deferred, file),
        immediate: guard(tx.immediate, file),
        exclusive: guard(tx.exclusive, file),
        default: guard(tx.default, file),
      });
      return wrapped;
    },
    configurable: true,
    writable: true,
  });
  return db;
}
