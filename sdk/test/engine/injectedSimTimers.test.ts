import { describe, expect, it } from 'vitest';
import type { Market } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createEngine } from '../../src/engine/createEngine.js';
import { advanceInSteps, FakeSource, flushTurn } from '../market/fakeSource.js';

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
      await advance(clock, 9 * MIN);
      expect(source.reconnects, 'past 600 sim seconds (10 wall seconds) of silence it is dropped once').toBe(1);
      await advance(clock, 19 * MIN);
      expect(source.reconnects, 'forced reconnects are 30 wall seconds (1,800 sim seconds) apart').toBe(1);
    } finally {
      await engine.stop();
    }
  });

  it('states the warm-up ETA in wall time: 60 times the market time left at 60x', async () => {
    const etas = async (marketWallScale?: number): Promise<number[]> => {
      const clock = new SimulatedClock(1_000 * MIN + 30_000);
      const markets = ['AAA', 'BBB', 'CCC', 'DDD'].map(market);
      const source = new FakeSource(clock, markets, new Map(markets.map((m) => [m.symbol, 5e8])));
      // Backfill reads one at a time, each taking 30 s of market time and a turn of the event
      // loop: the same progress at the same market pace in both runs, seen batch by batch.
      const read = source.fetchCandles.bind(source);
      let queue: Promise<unknown> = Promise.resolve();
      source.fetchCandles = (...args) => {
        const run = queue.then(async () => {
          await clock.advance(30_000);
          await flushTurn();
          return read(...args);
        });
        queue = run.catch(() => undefined);
        return run;
      };
      const engine = createEngine(
        { exchange: 'sim', timeframes: ['1m'], backfillBars: 50 },
        { source, clock, logger: silentLogger, live: false, warmUp: { batchSymbols: 1 }, ...(marketWallScale !== undefined ? { marketWallScale } : {}) },
      );
      const out: number[] = [];
      engine.on('warmup', (p) => {
        if (!p.done && p.etaMs !== null && p.etaMs > 0) out.push(p.etaMs);
      });
      await engine.start();
      await engine.stop();
      return out;
    };
    const unscaled = await etas();
    const wall = await etas(60);
    expect(unscaled.length, 'some estimates during the backfill').toBeGreaterThan(0);
    expect(wall).toHaveLength(unscaled.length);
    // Each estimate is rounded to the ms on its own side: equal within that rounding.
    for (let i = 0; i < wall.length; i++) expect(Math.abs(wall[i]! - unscaled[i]! / 60), `estimate ${i}: ${wall[i]} vs ${unscaled[i]}/60`).toBeLessThanOrEqual(1);
  });

  it('refuses a scale that is not a positive finite number, or one without the injected clock it describes, naming it', () => {
    for (const bad of [0, -60, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createEngine({ exchange: 'sim' }, { marketWallScale: bad }), String(bad)).toThrow(/marketWallScale[\s\S]*positive finite number/);
    }
    // Without the injected market clock it describes, every stretched timer would run on wall time 60 times too slowly.
    expect(() => createEngine({ exchange: 'sim' }, { marketWallScale: 60 })).toThrow(/marketWallScale[\s\S]*deps\.source and deps\.clock/);
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
