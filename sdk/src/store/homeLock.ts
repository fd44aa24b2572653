import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { HomeLockedError, StoreError } from '../core/errors.js';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from './privateFiles.js';

/** The lock itself: an empty SQLite file whose write lock the trading process holds while it runs. */
export const HOME_LOCK_FILE = 'perpscope.lock';
/** Who holds the lock, for the refusal message; written by the holder after it takes the lock. */
export const HOME_LOCK_HOLDER_FILE = 'perpscope.lock.json';

/** The process trading from a home. */
export interface HomeLockHolder {
  pid: number;
  /** What it runs, e.g. `perpscope run --paper --sim`. */
  command: string;
  sinceMs: number;
  hostname: string;
}

export interface HomeLock {
  readonly home: string;
  readonly holder: HomeLockHolder;
  /** Gives the home up; idempotent. Exiting (even by kill -9) gives it up too. */
  release(): void;
}

export interface AcquireHomeLockOptions {
  /** Shown to a second process that is refused. */
  command: string;
  nowMs?: () => number;
}

/**
 * The lock databases held in this process. A lock holds until it is released or the process
 * exits: without this reference, a caller that dropped its handle would let the garbage collector
 * close the database, and with it silently give the lock up to another writer.
 */
const heldLocks = new Set<Database.Database>();

/**
 * Takes the one-writer lock of a Perpscope home, or throws HomeLockedError (HOME_LOCKED) naming
 * the process that holds it. Trading processes (`run`, `serve`, the desktop app, the MCP server)
 * take it, and so does `openPerpscope` as its engine starts, since the engine's learning is written
 * to the home (without it, the script learns in memory only). Read-only commands (`scan`,
 * `keys list`) never do and keep working beside a trader.
 *
 * The lock is SQLite's own write lock on `perpscope.lock`, held by an open `BEGIN IMMEDIATE`
 * for the life of the process. The operating system drops it when the process ends, however it
 * ends, so a lock left by a crashed or killed process is simply taken over: there is no stale
 * lock to detect or break, and no race between two processes taking over the same stale file.
 *
 * @example
 * const lock = acquireHomeLock(home, { command: 'perpscope run --paper' });
 * try { ... } finally { lock.release(); }
 */
export function acquireHomeLock(home: string, options: AcquireHomeLockOptions): HomeLock {
  const lockFile = join(home, HOME_LOCK_FILE);
  let db: Database.Database;
  try {
    ensurePrivateDir(home);
    ensurePrivateFile(lockFile);
    // timeout 0: a held lock is an answer, not something to wait for.
    db = new Database(lockFile, { timeout: 0 });
  } catch (err) {
    throw new StoreError(ErrorCode.StoreError, `Cannot open the home lock ${lockFile}: ${err instanceof Error ? err.message : String(err)}`, {
      details: { home, file: lockFile },
      cause: err,
    });
  }
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    db.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw lockedError(home, readHomeLockHolder(home));
    throw new StoreError(ErrorCode.StoreError, `Cannot take the home lock ${lockFile}: ${err instanceof Error ? err.message : String(err)}`, {
      details: { home, file: lockFile },
      cause: err,
    });
  }
  const holder: HomeLockHolder = { pid: process.pid, command: options.command, sinceMs: Math.floor((options.nowMs ?? Date.now)()), hostname: hostname() };
  const holderFile = join(home, HOME_LOCK_HOLDER_FILE);
  const tmp = `${holderFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(holder)}\n`, { mode: PRIVATE_FILE_MODE });
    renameSync(tmp, holderFile);
  } catch (err) {
    // Not held after all: a lock whose holder cannot be named would hold the home until exit,
    // with no handle to release it.
    db.close();
    try {
      unlinkSync(tmp);
    } catch {
      // Never written, or already gone.
    }
    throw new StoreError(ErrorCode.StoreError, `Cannot record the home lock's holder in ${holderFile}: ${err instanceof Error ? err.message : String(err)}`, {
      details: { home, file: holderFile },
      cause: err,
    });
  }
  heldLocks.add(db);
  let released = false;
  return {
    home,
    holder,
    release() {
      if (released) return;
      released = true;
      // The holder file goes first, while the lock still guarantees it is ours to remove.
      try {
        unlinkSync(holderFile);
      } catch {
        // Already gone: nothing to clean up.
      }
      heldLocks.delete(db);
      if (db.open) db.close();
    },
  };
}

/** The holder recorded in `home`, or null when none is recorded (or the record is unreadable). */
export function readHomeLockHolder(home: string): HomeLockHolder | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(home, HOME_LOCK_HOLDER_FILE), 'utf8'));
  } catch {
    return null;
  }
  const h = parsed as Partial<HomeLockHolder> | null;
  if (!h || typeof h.pid !== 'number' || typeof h.command !== 'string' || typeof h.sinceMs !== 'number') return null;
  return { pid: h.pid, command: h.command, sinceMs: h.sinceMs, hostname: typeof h.hostname === 'string' ? h.hostname : '' };
}

/** True when a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(home: string, recorded: HomeLockHolder | null): HomeLockedError {
  const advice = 'Only one trading process may use a home at a time: stop the other one first, or start this one with another --home.';
  // A record naming a dead process predates the current holder, which has not written its own yet.
  const holder = recorded && (recorded.hostname !== hostname() || isAlive(recorded.pid)) ? recorded : null;
  if (!holder) {
    return new HomeLockedError(ErrorCode.HomeLocked, `Another Perpscope process is already trading from ${home} (it is just starting). ${advice}`, { details: { home } });
  }
  return new HomeLockedError(
    ErrorCode.HomeLocked,
    `Another Perpscope process is already trading from ${home}: pid ${holder.pid} (${holder.command}), since ${new Date(holder.sinceMs).toISOString()}. ${advice}`,
    { details: { home, pid: holder.pid, command: holder.command, sinceMs: holder.sinceMs, hostname: holder.hostname } },
  );
}
