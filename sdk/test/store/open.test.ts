import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ErrorCode } from '@perpscope/shared';
import { StoreError } from '../../src/core/errors.js';
import { openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { openStore, LATEST_SCHEMA_VERSION, MIGRATIONS, type Store } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
function fresh(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
function track(store: Store): Store {
  cleanups.unshift(() => store.close());
  return store;
}

describe('openStore pragmas', () => {
  it('leaves the file in WAL mode at the latest schema', () => {
    const store = track(openStore({ home: fresh() }));
    const db = new Database(store.file);
    expect(db.pragma('journal_mode', { simple: true }), 'WAL is persistent in the file').toBe('wal');
    db.close();
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
  });

  it('reports the pragmas of the open connection: NORMAL by default, FULL on request', () => {
    const home = fresh();
    const store = openStore({ home });
    expect(store.pragmas()).toEqual({ journalMode: 'wal', synchronous: 'NORMAL', foreignKeys: true, busyTimeoutMs: 5000 });
    store.close();
    const full = track(openStore({ home, synchronous: 'FULL', busyTimeoutMs: 1000 }));
    expect(full.pragmas(), 'a reopen sets synchronous again rather than inheriting anything').toEqual({
      journalMode: 'wal',
      synchronous: 'FULL',
      foreignKeys: true,
      busyTimeoutMs: 1000,
    });
  });

  it('sets synchronous explicitly on every open (NORMAL=1, FULL=2)', () => {
    const file = join(fresh(), 'x.db');
    const normal = openDatabase(file);
    expect(normal.pragma('synchronous', { simple: true }), 'NORMAL is the WAL default we choose').toBe(1);
    expect(normal.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(normal.pragma('busy_timeout', { simple: true })).toBe(5000);
    normal.close();
    const full = openDatabase(file, { synchronous: 'FULL', busyTimeoutMs: 250 });
    expect(full.pragma('synchronous', { simple: true }), 'FULL on request').toBe(2);
    expect(full.pragma('busy_timeout', { simple: true })).toBe(250);
    expect(full.pragma('journal_mode', { simple: true })).toBe('wal');
    full.close();
  });

  it('refuses an unknown synchronous mode naming the field', () => {
    expect(() => openStore({ home: fresh(), synchronous: 'OFF' as 'FULL' })).toThrow(/synchronous.*"OFF".*NORMAL.*FULL/);
  });

  it('creates the home directory and puts perpscope.db in it', () => {
    const home = join(fresh(), 'nested', 'home');
    const store = track(openStore({ home }));
    expect(store.file).toBe(join(home, 'perpscope.db'));
  });

  it('turns a file that is not a database into a StoreError naming the file', () => {
    const file = join(fresh(), 'junk.db');
    writeFileSync(file, 'this is not sqlite at all, just some text that is long enough'.repeat(100));
    let caught: unknown;
    try {
      openStore({ file });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe(ErrorCode.StoreError);
    expect((caught as StoreError).message).toContain(file);
  });
});

describe('migrations', () => {
  it('migrates a fresh file to the latest version', () => {
    const store = track(openStore({ home: fresh() }));
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(store.migration.fromVersion).toBe(0);
    expect(store.migration.applied).toEqual(MIGRATIONS.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`));
  });

  it('migrates an older database forward and keeps its data', () => {
    const home = fresh();
    const old = openDatabase(join(home, 'perpscope.db'));
    migrate(old, MIGRATIONS.slice(0, 1), 'old.db');
    expect(old.pragma('user_version', { simple: true }), 'built at version 1').toBe(1);
    old.prepare(`INSERT INTO settings (key, value_json, updated_at_ms) VALUES ('ui.theme', '"dark"', 1)`).run();
    old.close();

    const store = track(openStore({ home }));
    expect(store.migration.fromVersion).toBe(1);
    expect(store.migration.toVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(store.settings.get('ui.theme'), 'data from version 1 survives').toBe('dark');
    expect(store.events.append({ atMs: 1, type: 'ok' }), 'tables from version 2 exist').toBe(1);
  });

  it('is a no-op on a current database', () => {
    const home = fresh();
    openStore({ home }).close();
    const again = track(openStore({ home }));
    expect(again.migration.applied).toEqual([]);
  });

  it('refuses a database from a newer version with SCHEMA_TOO_NEW naming both versions', () => {
    const home = fresh();
    const store = openStore({ home });
    const file = store.file;
    store.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();

    let caught: unknown;
    try {
      openStore({ home });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    const err = caught as StoreError;
    expect(err.code).toBe(ErrorCode.SchemaTooNew);
    expect(err.message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 5}`);
    expect(err.message).toContain(`up to ${LATEST_SCHEMA_VERSION}`);
    expect(err.details).toMatchObject({ databaseVersion: LATEST_SCHEMA_VERSION + 5, supportedVersion: LATEST_SCHEMA_VERSION });
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true }), 'the refused file is left untouched').toBe(LATEST_SCHEMA_VERSION + 5);
    after.close();
  });

  it('rolls a failing migration back whole and leaves the version where it was', () => {
    const db = openDatabase(join(fresh(), 'x.db'));
    const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;' }];
    expect(() => migrate(db, broken, 'x.db')).toThrow(new RegExp(`Migration ${MIGRATIONS.length + 1} \\(broken\\) failed`));
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half'`).get(), 'partial DDL rolled back').toBeUndefined();
    db.close();
  });
});
