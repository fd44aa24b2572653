import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestDataFrom, openPerpscope } from '../../src/index.js';
import { createMarketGenerator } from '../../src/sim/index.js';

const HOUR_MS = 3_600_000;

describe('openPerpscope backtest', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-facade-bt-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("delegates to backtest() with the facade's risk and autotrade settings, without starting the engine", async () => {
    // Loose gates and no edge requirement, given only to openPerpscope: trades happen only if they reach the backtest.
    const ps = openPerpscope(
      { exchange: 'sim', risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 3 } }, autotrade: { edge: { require: false } } },
      { home, env: {} },
    );
    try {
      const endMs = Date.UTC(2025, 0, 15);
      const startMs = endMs - 500 * HOUR_MS;
      const generator = createMarketGenerator({ seed: 7, symbols: 6, startTimeMs: endMs });
      const candles = new Map(generator.markets().map((m) => [m.symbol, generator.candles(m.symbol, '1h', startMs, endMs)] as const));
      const result = await ps.backtest({ data: 'generated', timeframe: '1h', warmupBars: 300, from: startMs + 300 * HOUR_MS, to: startMs + 460 * HOUR_MS }, { data: backtestDataFrom('1h', candles) });
      expect(result.symbols).toHaveLength(6);
      expect(result.placed, `the facade's gates and edge setting reached the AutoTrader (skipped: ${JSON.stringify(result.skipped)})`).toBeGreaterThan(0);
      expect(result.skipped.no_edge ?? 0, 'no signal was skipped for want of edge evidence').toBe(0);
      expect(ps.engine.sim(), 'the engine was not started').toBeUndefined();
    } finally {
      await ps.stop();
    }
  });
});
