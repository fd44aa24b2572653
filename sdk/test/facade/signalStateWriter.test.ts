import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireHomeLock, HOME_LOCK_HOLDER_FILE, HomeLockedError, InvalidInputError, openPerpscope, type Logger, type PerpscopeConfigInput } from '../../src/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { rejection } from './rejection.js';
import { lockHolder } from '../store/lockHolder.js';

const HOUR_MS = 3_600_000;
const configAt = (startTimeMs: number) => ({ exchange: 'sim', timeframes: ['15m'], sim: { symbols: 12, seed: 7, startTimeMs, rateLimitScale: 20 } }) satisfies PerpscopeConfigInput;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-facade-writer-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

/** A connection of the test's own on the home's database: counts rows, and sees any commit by another connection. */
function watchLearning(home: string) {
  const db = new Database(join(home, 'perpscope.db'), { readonly: true });
  cleanups.push(() => db.close());
  const count = (table: string) => db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
  return {
    /** Changes whenever another connection commits to the database. */
    dataVersion: () => Number(db.pragma('data_version', { simple: true })),
    rows: () => ({ signals: count('signals'), pendingLabels: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM labels WHERE status = 'pending'`).get()!.n, state: count('bandit_state') }),
  };
}

function warningLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = { warnings, debug() {}, info() {}, warn: (_f: Record<string, unknown>, msg: string) => void warnings.push(msg), error() {}, child: () => logger };
  return logger;
}

function lockAttempt(home: string): unknown {
  try {
    const lock = acquireHomeLock(home, { command: 'perpscope run --paper --sim' });
    lock.release();
    return lock;
  } catch (err) {
    return err;
  }
}

/** One run at the sim start that stores its learning, so a later run has something to resume from. */
async function seedLearning(home: string): Promise<void> {
  const ps = openPerpscope(configAt(SIM_START_MS), { home, env: {} });
  try {
    await ps.start();
  } finally {
    await ps.stop();
  }
}

describe("openPerpscope: one process writes a home's learning", () => {
  it('the first to start stores the signal state and holds the home, naming itself, until it stops', async () => {
    const home = freshHome();
    const ps = openPerpscope(configAt(SIM_START_MS), { home, env: {} });
    try {
      await ps.start();
      const rows = watchLearning(home).rows();
      expect(rows.signals, 'the start cycle labeled signals and stored them').toBeGreaterThan(0);
      expect(rows.state, "the engine's memory row").toBeGreaterThan(0);
      const refused = lockAttempt(home);
      expect(refused, 'a trader cannot take the home while the script writes to it').toBeInstanceOf(HomeLockedError);
      expect((refused as HomeLockedError).message).toContain('(openPerpscope (sim))');
    } finally {
      await ps.stop();
    }
    expect(lockAttempt(home), 'stop() gives the home up').not.toBeInstanceOf(Error);
  }, 120_000);

  it('beside a process that holds the home, a later run resumes from what is stored, commits nothing and says so; trading stays refused', async () => {
    const home = freshHome();
    await seedLearning(home);
    const watch = watchLearning(home);
    const before = watch.rows();
    expect(before.pendingLabels, 'the seeding run left pending labels').toBeGreaterThan(0);
    const version = watch.dataVersion();
    const holder = (await lockHolder(home, cleanups)).pid;
    const logger = warningLogger();
    // Two hours on: new bars close, so a writer would label, mature and store.
    const ps = openPerpscope(configAt(SIM_START_MS + 2 * HOUR_MS), { home, env: {}, logger });
    const restored: Record<string, unknown>[] = [];
    ps.engine.on('alert', (a) => {
      if (a.kind === 'signal_state_restored') restored.push(a.details ?? {});
    });
    try {
      await ps.start();
      expect(logger.warnings, 'one warning naming the holder').toEqual([expect.stringContaining(`the home is held by pid ${holder} (holdHomeLock fixture)`)]);
      expect(restored, "the seeding run's pending labels and last cycle, read from the store").toEqual([expect.objectContaining({ pendingLabels: before.pendingLabels, lastCloseTimeMs: expect.any(Number) })]);
      expect(await rejection(() => ps.trade.paper())).toBeInstanceOf(HomeLockedError);
      expect(watch.dataVersion(), 'no commit to the database').toBe(version);
      expect(watch.rows()).toEqual(before);
    } finally {
      await ps.stop();
    }
  }, 120_000);

  it("learning: 'read' takes no lock and commits nothing; a bad value names the option", async () => {
    const home = freshHome();
    await seedLearning(home);
    const watch = watchLearning(home);
    const version = watch.dataVersion();
    const logger = warningLogger();
    const ps = openPerpscope(configAt(SIM_START_MS + 2 * HOUR_MS), { home, env: {}, logger, learning: 'read' });
    try {
      await ps.start();
      expect(lockAttempt(home), 'the home stays free for a trader').not.toBeInstanceOf(Error);
      expect(watch.dataVersion(), 'no commit to the database').toBe(version);
      expect(logger.warnings, 'nothing to warn about: read was asked for').toEqual([]);
    } finally {
      await ps.stop();
    }
    const bad = (() => {
      try {
        return openPerpscope(configAt(SIM_START_MS), { home, env: {}, learning: 'always' as never });
      } catch (err) {
        return err;
      }
    })();
    expect(bad).toBeInstanceOf(InvalidInputError);
    expect((bad as InvalidInputError).issues).toEqual([expect.objectContaining({ path: 'learning', received: '"always"', expected: "'write' or 'read'" })]);
  }, 120_000);
  it('a lock the home cannot take (its holder record cannot be written) leaves the script running without storing, saying why', async () => {
    const home = freshHome();
    await seedLearning(home);
    const watch = watchLearning(home);
    const version = watch.dataVersion();
    mkdirSync(join(home, HOME_LOCK_HOLDER_FILE, 'occupied'), { recursive: true });
    const logger = warningLogger();
    const ps = openPerpscope(configAt(SIM_START_MS + 2 * HOUR_MS), { home, env: {}, logger });
    try {
      await ps.start();
      expect(logger.warnings).toEqual([expect.stringContaining(`Cannot record the home lock's holder in ${join(home, HOME_LOCK_HOLDER_FILE)}`)]);
      expect(logger.warnings[0], 'nothing holds the home, so nothing is said about it').not.toContain('refused');
      expect(watch.dataVersion(), 'no commit to the database').toBe(version);
    } finally {
      await ps.stop();
    }
    rmSync(join(home, HOME_LOCK_HOLDER_FILE), { recursive: true });
    expect(lockAttempt(home), 'the failed attempt held nothing').not.toBeInstanceOf(Error);
  }, 120_000);

  it('a start that fails after the engine took the home gives the home up', async () => {
    const home = freshHome();
    const ps = openPerpscope(configAt(SIM_START_MS), { home, env: {} });
    // The restore (and the lock) happen inside the engine's start; the failure comes after it.
    const engineStart = ps.engine.start.bind(ps.engine);
    (ps.engine as { start: () => Promise<void> }).start = async () => {
      await engineStart();
      expect(lockAttempt(home), 'the engine holds the home once it restored').toBeInstanceOf(HomeLockedError);
      throw new Error('start failed after the restore');
    };
    try {
      await expect(ps.start()).rejects.toThrow('start failed after the restore');
      expect(lockAttempt(home), 'given up with the failed start, before stop()').not.toBeInstanceOf(Error);
    } finally {
      await ps.stop();
    }
  }, 120_000);
});
