import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { HomeLockedError } from '../../src/core/errors.js';
import { acquireHomeLock, HOME_LOCK_HOLDER_FILE, openStore, readHomeLockHolder } from '../../src/store/index.js';
import { tempDir } from './helpers.js';
import { thrownError } from '../thrownError.js';

const fixture = fileURLToPath(new URL('./fixtures/holdHomeLock.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

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


/** A child process holding the lock on `home`; resolves once it printed that it holds it. */
function lockHolder(home: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fixture, home], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => p.on('close', () => resolve()));
  cleanups.push(() => p.kill('SIGKILL'));
  let stderr = '';
  p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /locked (\d+)/.exec(out);
      if (m) resolve({ pid: Number(m[1]), kill: async () => {
          p.kill('SIGKILL');
          await closed;
        },
      });
    });
    void closed.then(() => reject(new Error(`lock holder exited early: ${stderr}`)));
  });
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

  it('refuses while another process holds it, and takes over once that process is killed -9', async () => {
    const home = fresh();
    const holder = await lockHolder(home);
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
