import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeframeMs } from '@perpscope/shared';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { BLOFIN_LIMITS, CcxtMarketData, MarketDataService, findCandleGaps } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS } from '../support/sim.js';

describe('backfill over ccxt blofin against SimExchange', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ port: 0, symbols: 200, seed: 5, startTimeMs: SIM_START_MS, historyBars: 400 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('backfills 200 symbols x 2 timeframes within BloFin\'s limits: zero 429s, no gaps', async () => {
    const clock = new SystemClock();
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 10_000 }), clock, limits: BLOFIN_LIMITS });
    const service = new MarketDataService({ source, clock, timeframes: ['1m', '15m'], historyBars: 300, live: false, universeRefreshMs: 0, healthIntervalMs: 0 });
    const progress: number[] = [];
    service.on('backfill', (p) => progress.push(p.done));
    await service.start();
    const members = service.universe();
    expect(members.length, 'every live sim market is in the universe').toBeGreaterThanOrEqual(195);
    expect(progress.length, 'one progress event per stream').toBe(members.length * 2);
    for (const m of members) {
      for (const tf of ['1m', '15m'] as const) {
        const candles = service.candles(m.symbol, tf);
        expect(candles.length, `${m.symbol} ${tf} has the requested history`).toBe(300);
        expect(findCandleGaps(candles.map((c) => c.openTimeMs), timeframeMs(tf)), `${m.symbol} ${tf} is contiguous`).toEqual([]);
      }
    }
    expect(sim.stats().rejected429, 'the limiter kept every request within the budget').toBe(0);
    const health = source.health();
    expect(health.limiter.rateLimitedCount).toBe(0);
    for (const w of health.limiter.windows) expect(w.used, `window ${w.windowMs} ms`).toBeLessThanOrEqual(w.limit);
    await service.stop();
  });
});
