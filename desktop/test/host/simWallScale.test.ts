import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, openStore, silentLogger, type EngineDeps } from '@perpscope/sdk';
import { hostEngineFactory } from '../../src/host/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

describe('the host engine over its own SimExchange', () => {
  const homes: string[] = [];
  afterAll(() => {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it.each([60, 1])('tells the engine its market clock runs at the sim acceleration (%dx), so wall-time timers stay wall time', async (acceleration) => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-sim-scale-'));
    homes.push(home);
    writeFileSync(join(home, 'config.json'), JSON.stringify({ sim: { symbols: 5, seed: 3, acceleration, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 50 }));
    const seen: EngineDeps[] = [];
    const factory = hostEngineFactory({
      openStore,
      env: {},
      createEngine: (config, deps) => {
        seen.push(deps ?? {});
        return createEngine(config, deps);
      },
    });
    const runtime = await factory({ home, sim: true, logger: silentLogger });
    try {
      expect(seen).toHaveLength(1);
      expect(seen[0]!.marketWallScale, 'the injected source runs on the sim clock').toBe(acceleration);
      expect(seen[0]!.source, 'the engine reads the source the host resolved').toBeDefined();
    } finally {
      await runtime.stop();
    }
  });
});
