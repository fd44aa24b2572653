import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { HomeLockedError, StoreError } from '../../src/core/errors.js';
import { acquireHomeLock, HOME_LOCK_HOLDER_FILE, openStore, readHomeLockHolder } from '../../src/store/index.js';
import { tempDir } from './helpers.js';
import { lockHolder } from './lockHolder.js';
import { thrownError } from '../thrownError.js';


let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
function fresh(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, 'home');
}


describe('one writer per home', () => {
  it('refuses a second holder in the same process, naming the first; release frees the home', () => {
    const home = fresh();
    const first = acquireHomeLock(home, { command: 'perpscope run --paper --sim', nowMs: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    const e = thrownError(HomeLockedError, () => acquireHomeLock(home, { command: 'perpscope serve' }));
    expect(e.code).toBe(ErrorCode.HomeLocked);
    expect(e.message).toContain(`pid ${process.pid}`);
    expect(e.message).toContain('perpscope run --paper --sim');
    expect(e.message).toContain('since 2026-01-02T03:04:05.000Z');
    expect(e.details).toMatchObject({ home, pid: process.pid, command: 'perpscope run --paper --sim' });
    first.release();
    expect(existsSync(join(home, HOME_LOCK_HOLDER_FILE)), 'holder record removed').toBe(false);
    const second = acquireHomeLock(home, { command: 'perpscope serve' });
    expect(readHomeLockHolder(home)?.command).toBe('perpscope serve');
    second.release();
    second.release();
  });

  it('a holder record that cannot be written is a StoreError naming the file, and leaves the home free', () => {
    const home = fresh();
    // A directory where the record goes: the rename onto it fails as a full disk's write would.
    mkdirSync(join(home, HOME_LOCK_HOLDER_FILE, 'occupied'), { recursive: true });
    const e = thrownError(StoreError, () => acquireHomeLock(home, { command: 'perpscope run --paper' }));
    expect(e).not.toBeInstanceOf(HomeLockedError);
    expect(e.message).toContain(join(home, HOME_LOCK_HOLDER_FILE));
    rmSync(join(home, HOME_LOCK_HOLDER_FILE), { recursive: true });
    const next = acquireHomeLock(home, { command: 'perpscope serve' });
    expect(readHomeLockHolder(home)?.command, 'the failed attempt held nothing').toBe('perpscope serve');
    next.release();
  });

  it('refuses while another process holds it, and takes over once that process is killed -9', async () => {
    const home = fresh();
    const holder = await lockHolder(home, cleanups);
    const e = thrownError(HomeLockedError, () => acquireHomeLock(home, { command: 'perpscope run --paper' }));
    expect(e.message).toContain(`pid ${holder.pid} (holdHomeLock fixture)`);
    await holder.kill();
    expect(readHomeLockHolder(home)?.pid, 'the dead holder left its record behind').toBe(holder.pid);
    const lock = acquireHomeLock(home, { command: 'perpscope run --paper' });
    expect(readHomeLockHolder(home), 'the record now names the new holder').toMatchObject({ pid: process.pid, command: 'perpscope run --paper' });
    lock.release();
  });

  it('does not stop readers or the store: the database opens while the home is locked', () => {
    const home = fresh();
    const lock = acquireHomeLock(home, { command: 'perpscope run' });
    try {
      const store = openStore({ home });
      store.settings.set('reader', 1, 1);
      expect(store.settings.get('reader')).toBe(1);
      store.close();
    } finally {
      lock.release();
    }
  });

  it.skipIf(process.platform === 'win32')('keeps its files private', () => {
    const home = fresh();
    const lock = acquireHomeLock(home, { command: 'x' });
    try {
      expect(statSync(home).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, 'perpscope.lock')).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, HOME_LOCK_HOLDER_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      lock.release();
    }
  });
});
