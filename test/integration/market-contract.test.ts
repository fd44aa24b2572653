import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '@perpscope/shared';
import { SimulatedClock, SystemClock } from '../../sdk/src/core/clock.js';
import { CcxtMarketData, ReplayMarketData, type MarketDataSource } from '../../sdk/src/market/index.js';
import { createBlofinClient, createMarketGenerator, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS, until } from '../support/sim.js';

const MIN = 60_000;

interface Harness {
  source: MarketDataSource;
  nowMs(): number;
  /** Lets at least one 1m bar close. */
  passBar(): Promise<void>;
  close(): Promise<void>;
}

/** One contract, every MarketDataSource implementation (STYLE: contract tests over implementations). */
const implementations: Record<string, () => Promise<Harness>> = {
  'CcxtMarketData (ccxt pro blofin -> SimExchange)': async () => {
    const sim: SimExchange = await startSimExchange({ port: 0, symbols: 6, seed: 4, startTimeMs: SIM_START_MS, acceleration: 60, historyBars: 100, pushIntervalMs: 100 });
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock: new SystemClock() });
    return {
      source,
      nowMs: () => sim.nowMs(),
      passBar: async () => {
        // The next sim minute boundary, on the sim's own clock (60x: about a wall second away).
        const next = (Math.floor(sim.nowMs() / 60_000) + 1) * 60_000 + 100;
        await until('the next sim bar', () => (sim.nowMs() >= next ? true : null));
      },
      close: async () => {
        await source.close();
        await sim.stop();
      },
    };
  },
  'ReplayMarketData (stored candles, simulated clock)': async () => {
    const startMs = Date.UTC(2025, 0, 1);
    const gen = createMarketGenerator({ seed: 4, symbols: 6, startTimeMs: startMs });
    const candles = new Map<string, Partial<Record<Timeframe, Candle[]>>>();
    for (const m of gen.markets()) {
      const strip = (cs: Candle[]) => cs.map(({ openTimeMs, open, high, low, close, volume }) => ({ openTimeMs, open, high, low, close, volume }));
      candles.set(m.symbol, { '1m': strip(gen.candles(m.symbol, '1m', startMs - 100 * MIN, startMs + 100 * MIN)) });
    }
    const clock = new SimulatedClock(startMs + 30_000);
    const source = new ReplayMarketData({ clock, candles });
    return {
      source,
      nowMs: () => clock.nowMs(),
      passBar: async () => {
        await clock.advance(MIN);
        await new Promise((r) => setImmediate(r));
      },
      close: () => source.close(),
    };
  },
};

for (const [name, make] of Object.entries(implementations)) {
  describe(`MarketDataSource contract: ${name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await make();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('lists USDT swaps and tickers for the active ones', async () => {
      const markets = await h.source.loadMarkets();
      const swaps = markets.filter((m) => m.type === 'swap' && m.settle === 'USDT' && m.active);
      expect(swaps.length).toBeGreaterThan(0);
      const tickers = await h.source.fetchTickers();
      for (const m of swaps) {
        const t = tickers.get(m.symbol);
        expect(t, `${m.symbol} has a ticker`).toBeDefined();
        expect(t!.last).toBeGreaterThan(0);
        expect(t!.quoteVolume24h).toBeGreaterThanOrEqual(0);
      }
    });

    it('returns ascending, grid-aligned candles no newer than now, honouring limit and until', async () => {
      const [m] = (await h.source.loadMarkets()).filter((x) => x.active);
      const candles = await h.source.fetchCandles(m!.symbol, '1m', { limit: 10 });
      expect(candles.length).toBeGreaterThan(0);
      expect(candles.length).toBeLessThanOrEqual(10);
      const nowMs = h.nowMs();
      candles.forEach((c, i) => {
        expect(c.openTimeMs % MIN, 'on the 1m grid').toBe(0);
        expect(c.openTimeMs, 'nothing from the future').toBeLessThanOrEqual(nowMs);
        if (i > 0) expect(c.openTimeMs - candles[i - 1]!.openTimeMs, 'ascending, contiguous').toBe(MIN);
        if (i < candles.length - 1) expect(c.openTimeMs + MIN, 'only the newest may be forming').toBeLessThanOrEqual(nowMs);
      });
      const untilMs = candles[0]!.openTimeMs;
      const older = await h.source.fetchCandles(m!.symbol, '1m', { limit: 5, untilMs });
      expect(older.length).toBeGreaterThan(0);
      for (const c of older) expect(c.openTimeMs, 'until is exclusive').toBeLessThan(untilMs);
    });

    it('pushes candle updates over watchCandles as bars pass', async () => {
      const [m] = (await h.source.loadMarkets()).filter((x) => x.active);
      let got: Candle[] | undefined;
      let receivedAtMs = 0;
      const pending = h.source.watchCandles(m!.symbol, '1m').then((c) => {
        got = c;
        receivedAtMs = h.nowMs();
      });
      for (let i = 0; i < 3 && !got; i++) await h.passBar();
      await pending;
      expect(got?.length, 'an update arrived').toBeGreaterThan(0);
      const newest = got![got!.length - 1]!;
      expect(newest.openTimeMs, 'the update is about the current or just-closed bar').toBeGreaterThanOrEqual(Math.floor(receivedAtMs / MIN) * MIN - MIN);
      expect(newest.openTimeMs).toBeLessThanOrEqual(receivedAtMs);
    });

    it('streams prices over watchPrice where the source can, and answers NOT_SUPPORTED where it cannot', async () => {
      const [m] = (await h.source.loadMarkets()).filter((x) => x.active);
      const { watchTicker, watchMarkPrice } = h.source.limits.capabilities;
      if (!watchTicker && !watchMarkPrice) {
        await expect(h.source.watchPrice(m!.symbol)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
        return;
      }
      const first = await h.source.watchPrice(m!.symbol);
      const second = await h.source.watchPrice(m!.symbol);
      for (const tick of [first, second]) {
        expect(tick.symbol).toBe(m!.symbol);
        expect(tick.price).toBeGreaterThan(0);
        expect(['mark', 'last']).toContain(tick.basis);
        expect(tick.timestampMs, 'nothing from the future').toBeLessThanOrEqual(h.nowMs());
      }
      expect(second.timestampMs, 'pushes arrive in order').toBeGreaterThanOrEqual(first.timestampMs);
    });

    it('reports health', () => {
      const health = h.source.health();
      expect(health.exchangeId).toBe(h.source.exchangeId);
      expect(health.breaker.state).toBe('closed');
      expect(health.limiter.rateLimitedCount).toBe(0);
    });
  });
}
