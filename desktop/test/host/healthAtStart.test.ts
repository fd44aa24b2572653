import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HealthView } from '@perpscope/shared';
import { openStore, silentLogger } from '@perpscope/sdk';
import { hostEngineFactory } from '../../src/host/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

describe('the host runtime as it starts', () => {
  const homes: string[] = [];
  afterAll(() => {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it('pushes a running health view as start finishes, not only a period later', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-health-start-'));
    homes.push(home);
    writeFileSync(join(home, 'config.json'), JSON.stringify({ sim: { symbols: 5, seed: 3, acceleration: 60, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 50, universe: { minQuoteVolumeUsd: 0 } }));
    const runtime = await hostEngineFactory({ openStore, env: {} })({ home, sim: true, logger: silentLogger });
    const health: HealthView[] = [];
    const off = runtime.engine.events.subscribe((e) => {
      if (e.event === 'health') health.push(e.data);
    });
    try {
      await runtime.start();
      // Read as start resolves. The periodic health comes every 5 wall seconds from when the
      // market went live; only one landing in the short stretch after the engine started and
      // before start resolved could give a running view without the push.
      const states = health.map((h) => h.engine);
      expect(states[0], 'the market went live before the warm-up finished').toBe('starting');
      expect(states.at(-1), `health states seen by the end of start: ${states.join(', ')}`).toBe('running');
      expect(health.at(-1)!.symbolsTracked, 'the view is of the warmed universe').toBe(5);
    } finally {
      off();
      await runtime.stop();
    }
  });
});
