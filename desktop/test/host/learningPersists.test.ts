import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@perpscope/sdk';
import { databaseFileIn, openStore } from '../../../sdk/src/store/index.js';
import { hostEngineFactory, type EngineRuntime } from '../../src/host/index.js';
import { readLearningTables } from '../../../sdk/test/cli/learningTables.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

/** A small pinned sim on 1m bars; a 3-bar label horizon lets labels mature within seconds. */
const CONFIG = {
  sim: { symbols: 12, seed: 5, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS },
  timeframes: ['1m'],
  backfillBars: 120,
  universe: { minQuoteVolumeUsd: 0 },
  signals: { labeler: { horizonBars: 3 } },
};

describe('the desktop host keeps what the signal engine learned', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-host-learning-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const file = databaseFileIn(home);
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
  let runtime: EngineRuntime | undefined;

  afterAll(async () => {
    await runtime?.stop().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('stores signals, labels and bandit weights, and lists the stored signals again after a restart', async () => {
    runtime = await factory({ home, sim: true, logger: silentLogger });
    await runtime.start();
    const first = runtime;
    const listed = await until('signals listed and a bandit update stored', async () => {
      const t = existsSync(file) ? readLearningTables(file) : null;
      const signals = (await first.engine.signals?.list({ limit: 50 })) ?? [];
      return t && (t.bandit?.updates ?? 0) > 0 && signals.length >= 2 ? signals : null;
    });
    await runtime.stop();
    runtime = undefined;
    const stored = readLearningTables(file);
    expect(stored.labels.some((l) => l.status === 'pending'), 'labels were pending at the stop').toBe(true);

    runtime = await factory({ home, sim: true, logger: silentLogger });
    await runtime.start();
    const again = ((await runtime.engine.signals?.list({ limit: 50 })) ?? []).map((s) => s.id);
    expect(again, 'the signals listed before the restart are listed right after it').toEqual(expect.arrayContaining(listed.map((s) => s.id)));
  });
});
