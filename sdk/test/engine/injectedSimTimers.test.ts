import { describe, expect, it } from 'vitest';
import type { Market } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createEngine } from '../../src/engine/createEngine.js';
import { advanceInSteps, FakeSource } from '../market/fakeSource.js';

const MIN = 60_000;
const advance = (clock: SimulatedClock, ms: number) => advanceInSteps(clock, ms, 5_000);

const market = (base: string): Market => ({
  symbol: `${base}/USDT:USDT`, id: `${base}-USDT`, base, quote: 'USDT', settle: 'USDT', type: 'swap', linear: true, active: true,
  contractSize: 1, tickSize: 0.01, lotSize: 1, minAmount: 1, makerFee: 0, takerFee: 0,
});

/**
 * An engine over an injected source on an accelerated market clock, as the desktop host builds it
 * around the SimExchange it started: a 1m stream whose websocket stays silent.
 */
async function silentEngine(marketWallScale?: number) {
  const clock = new SimulatedClock(1_000 * MIN + 30_000);
  const markets = [market('AAA'), market('BBB')];
  const source = new FakeSource(clock, markets, new Map(markets.map((m) => [m.symbol, 5e8])));
  const engine = createEngine(
    { exchange: 'sim', timeframes: ['1m'], backfillBars: 50 },
    { source, clock, logger: silentLogger, ...(marketWallScale !== undefined ? { marketWallScale } : {}) },
  );
  await engine.start();
  return { clock, source, engine };
}

describe('an injected source on an accelerated market clock (marketWallScale)', () => {
  it('stretches the stream watchdog to wall time: at 60x, three silent bars are not a dead socket; silence past 10 wall seconds is', async () => {
    const { clock, source, engine } = await silentEngine(60);
    try {
      expect(engine.universe().length, 'both markets pass the gates').toBe(2);
      await advance(clock, 3 * MIN);
      expect(source.reconnects, '3 sim minutes are 3 wall seconds at 60x: the socket is kept').toBe(0);
      await advance(clock, 8 * MIN);
      expect(source.reconnects, 'past 600 sim seconds (10 wall seconds) of silence it is dropped once').toBe(1);
      await advance(clock, 20 * MIN);
      expect(source.reconnects, 'forced reconnects are 30 wall seconds (1,800 sim seconds) apart').toBe(1);
    } finally {
      await engine.stop();
    }
  });

  it('without it, the same silence drops the socket after two bars (the timers run on market time)', async () => {
    const { clock, source, engine } = await silentEngine();
    try {
      await advance(clock, 2 * MIN + 10_000);
      expect(source.reconnects, 'two silent bars').toBe(1);
      await advance(clock, 3 * MIN);
      expect(source.reconnects, 'then one every 30 market seconds (half a wall second at 60x) while the stream stays stale').toBeGreaterThanOrEqual(6);
    } finally {
      await engine.stop();
    }
  });
});
