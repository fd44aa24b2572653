import type Database from 'better-sqlite3';
import { InvalidInputError } from '../../core/errors.js';
import { fromJson, toJson } from '../json.js';
import { deepFreeze, ReadCache } from './readCache.js';

/**
 * Key/value settings stored as JSON (UI overrides, kill switch, daily anchors). Values come back
 * as `unknown`: the caller validates them with its own schema, since a setting may have been
 * written by an older version.
 */
export class SettingsRepository {
  private readonly getStmt: Database.Statement<[string], { value_json: string }>;
  private readonly setStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly allStmt: Database.Statement<[], { key: string; value_json: string }>;
  /** Decoded values for `peek`, boxed so that an unset key is cached too. */
  private readonly cache: ReadCache<{ readonly value: unknown }>;

  constructor(db: Database.Database) {
    this.cache = new ReadCache(db);
    this.getStmt = db.prepare('SELECT value_json FROM settings WHERE key = ?');
    this.setStmt = db.prepare(
      `INSERT INTO settings (key, value_json, updated_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at_ms = excluded.updated_at_ms`,
    );
    this.deleteStmt = db.prepare('DELETE FROM settings WHERE key = ?');
    this.allStmt = db.prepare('SELECT key, value_json FROM settings ORDER BY key');
  }

  /** The stored value, or undefined when the key is unset. */
  get(key: string): unknown {
    const r = this.getStmt.get(key);
    return r === undefined ? undefined : fromJson(r.value_json);
  }

  /**
   * The stored value like `get`, but shared and deep-frozen: read-only for the caller. Served from
   * a cache between writes (see `ReadCache`), for state read at every bar or price (the paper
   * account, protection plans, entry times), where decoding the row each time was a measurable
   * part of a backtest.
   */
  peek(key: string): unknown {
    return this.cache.read(key, () => {
      const r = this.getStmt.get(key);
      return Object.freeze({ value: r === undefined ? undefined : deepFreeze(fromJson(r.value_json)) });
    }).value;
  }

  /** Stores any JSON-serializable value (`undefined` is refused: use `delete`). */
  set(key: string, value: unknown, nowMs: number): void {
    if (value === undefined) throw new InvalidInputError('setting', [{ path: key, received: 'undefined', expected: 'a JSON value (use delete() to unset)' }]);
    const json = toJson(value);
    this.cache.invalidate(key);
    this.setStmt.run(key, json, nowMs);
  }

  /** Returns true if the key existed. */
  delete(key: string): boolean {
    this.cache.invalidate(key);
    return this.deleteStmt.run(key).changes > 0;
  }

  all(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.allStmt.all()) out[r.key] = fromJson(r.value_json);
    return out;
  }
}
