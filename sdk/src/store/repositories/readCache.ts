import type Database from 'better-sqlite3';

/** One `PRAGMA data_version` statement per connection, shared by every cache on it. */
const dataVersionStatements = new WeakMap<Database.Database, Database.Statement<[], number>>();

function dataVersionOf(db: Database.Database): Database.Statement<[], number> {
  let stmt = dataVersionStatements.get(db);
  if (!stmt) {
    stmt = db.prepare<[], number>('PRAGMA data_version').pluck();
    dataVersionStatements.set(db, stmt);
  }
  return stmt;
}

/**
 * Decoded rows of one repository, kept between writes so that a reader asking the same question
 * at every bar (a backtest's broker and protection do) pays one cheap `PRAGMA data_version`
 * instead of a query and a decode.
 *
 * Invariants, the same as the order ledger's cache:
 * - the owning repository calls `invalidate` before each of its writes, so its own writes are
 *   never served stale, and a write inside a transaction that is rolled back leaves no entry;
 * - nothing read inside a transaction is kept (it may be uncommitted); on a file database such a
 *   read bypasses the cache. On a private in-memory database an entry kept before the transaction
 *   is still served inside it: no other connection can change the rows, and a write of the
 *   transaction dropped the entries it changes before it ran;
 * - another connection's commit (a new `data_version`) drops every entry.
 * Values are handed to every reader as they are, so they must be frozen by the loader.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, V>();
  private seenDataVersion = -1;
  private readonly dataVersion: Database.Statement<[], number>;

  constructor(private readonly db: Database.Database) {
    this.dataVersion = dataVersionOf(db);
  }

  /** The entry for `key`, loaded by `load` on a miss (and not kept inside a transaction). */
  read(key: string, load: () => V): V {
    if (this.db.inTransaction) return this.heldInTransaction(key) ?? load();
    // No other connection can reach a private in-memory database: its version never moves.
    const version = this.db.memory ? 0 : this.dataVersion.get()!;
    if (version !== this.seenDataVersion) {
      this.entries.clear();
      this.seenDataVersion = version;
    }
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = load();
    this.entries.set(key, value);
    return value;
  }

  /**
   * Inside a transaction: the entry kept for `key` before it began, on a private in-memory database
   * (see the invariants), else undefined. A paper fill's transaction reads the account and the
   * positions several times; in a backtest that was a query and a decode each time.
   */
  heldInTransaction(key: string): V | undefined {
    return this.db.inTransaction && this.db.memory ? this.entries.get(key) : undefined;
  }

  /** Drops `key`'s entry, or every entry without a key. */
  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}

/** Freezes a decoded JSON value and everything in it, so a cached value cannot be changed by a reader. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
