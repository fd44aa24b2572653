import { chmodSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { StoreError } from '../../src/core/errors.js';
import { openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { SettingsRepository } from '../../src/store/repositories/settings.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from './helpers.js';
import { thrownError } from '../thrownError.js';

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
const mode = (path: string): number => statSync(path).mode & 0o777;
const posix = process.platform !== 'win32';


/** A store with enough settings rows to span many pages, closed (WAL checkpointed into the file). */
function filledHome(): { home: string; file: string } {
  const home = join(fresh(), 'home');
  const store = openStore({ home });
  store.transaction(() => {
    for (let i = 0; i < 3_000; i++) store.settings.set(`k${i}`, { text: 'x'.repeat(200), i }, i);
  });
  const file = store.file;
  store.close();
  return { home, file };
}

describe.skipIf(!posix)('store file permissions', () => {
  it('creates the home 0700 and the database, WAL and SHM files 0600', () => {
    const home = join(fresh(), 'nested', 'home');
    const store = openStore({ home });
    try {
      store.settings.set('x', 1, 1);
      expect(mode(home), 'home').toBe(0o700);
      expect(mode(store.file), 'database').toBe(0o600);
      expect(mode(`${store.file}-wal`), 'write-ahead log').toBe(0o600);
      expect(mode(`${store.file}-shm`), 'shared memory index').toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('tightens an existing 0755 home and 0644 database', () => {
    const { home, file } = filledHome();
    // Files written by an older Perpscope had the default modes.
    chmodSync(home, 0o755);
    chmodSync(file, 0o644);
    openStore({ home }).close();
    expect(mode(home)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
  });

  it('writes backups 0600', async () => {
    const dir = fresh();
    const store = openStore({ home: join(dir, 'home') });
    try {
      const report = await store.backup(join(dir, 'backups', 'copy.db'));
      expect(mode(report.file)).toBe(0o600);
    } finally {
      store.close();
    }
  });
});

describe('corruption is refused at open (quick_check)', () => {
  it('a page overwritten in the middle of the file gives DB_CORRUPT naming the file, not a later "malformed"', () => {
    const { home, file } = filledHome();
    const size = statSync(file).size;
    const pageSize = 4096;
    const pages = Math.floor(size / pageSize);
    expect(pages, 'the database spans many pages').toBeGreaterThan(20);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, Math.floor(pages / 2) * pageSize);
    closeSync(fd);
    const e = thrownError(StoreError, () => openStore({ home }));
    expect(e.code, e.message).toBe(ErrorCode.DbCorrupt);
    expect(e.message, 'names the file').toContain(file);
    expect(e.message, 'says what to do').toMatch(/Restore a backup/);
  });

  it('a healthy file opens and keeps its rows', () => {
    const { home } = filledHome();
    const store = openStore({ home });
    try {
      expect(store.settings.get('k2999')).toEqual({ text: 'x'.repeat(200), i: 2999 });
    } finally {
      store.close();
    }
  });
});

describe('a full disk is a typed DISK_FULL error', () => {
  it('a write past the size limit throws StoreError DISK_FULL naming the file, and earlier rows survive', () => {
    const file = join(fresh(), 'full.db');
    const db = openDatabase(file);
    try {
      migrate(db, MIGRATIONS, file);
      const settings = new SettingsRepository(db);
      settings.set('before', 'kept', 1);
      const pages = Number(db.pragma('page_count', { simple: true }));
      // SQLite answers SQLITE_FULL ("database or disk is full") exactly as on a full disk.
      db.pragma(`max_page_count = ${pages + 2}`);
      const e = thrownError(StoreError, () => {
        for (let i = 0; i < 1_000; i++) settings.set(`big${i}`, 'y'.repeat(4_000), i);
      });
      expect(e.code, e.message).toBe(ErrorCode.DiskFull);
      expect(e.message).toContain(file);
      expect(e.message).toMatch(/disk is full/);
      expect(e.retryable, 'retry only after space is freed: not automatically').toBe(false);
      expect(settings.get('before')).toBe('kept');
    } finally {
      db.close();
    }
  });

  it('a transaction that runs out of space throws DISK_FULL too', () => {
    const file = join(fresh(), 'full-tx.db');
    const db = openDatabase(file);
    try {
      migrate(db, MIGRATIONS, file);
      const settings = new SettingsRepository(db);
      db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 1}`);
      const tx = db.transaction(() => {
        for (let i = 0; i < 1_000; i++) settings.set(`big${i}`, 'z'.repeat(4_000), i);
      });
      expect(thrownError(StoreError, () => tx()).code).toBe(ErrorCode.DiskFull);
      expect(settings.get('big0'), 'rolled back').toBeUndefined();
      expect(readFileSync(file).length, 'file still readable').toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});
