import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { CcxtMarketData, MarketDataService, rankUniverse, DEFAULT_UNIVERSE_GATES, type UniverseChange } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS } from '../support/sim.js';

describe('universe over ccxt blofin against SimExchange', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ port: 0, symbols: 60, seed: 11, startTimeMs: SIM_START_MS, historyBars: 300 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('ranks active USDT swaps by the 24h quote volume estimated from what the exchange reports, with gates', async () => {
    const clock = new SystemClock();
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock });
    const service = new MarketDataService({
      source,
      clock,
      timeframes: ['1m'],
      historyBars: 5,
      live: false,
      universeRefreshMs: 0,
      healthIntervalMs: 0,
      gates: { topN: 20, exclude: ['SIM00*'] },
    });
    await service.start();
    const nowMs = sim.nowMs();
    const truth = sim.source
      .markets()
      .filter((m) => m.active && m.type === 'swap' && m.settle === 'USDT' && (m.delistAtMs === undefined || m.delistAtMs > nowMs))
      .filter((m) => !m.base.startsWith('SIM00'))
      // BloFin tickers carry no quote volume: the estimate is base volume x last price, at the
      // time the tickers were served.
      .map((m) => {
        const stats = sim.source.stats24h(m.symbol, service.ticker(m.symbol)?.timestampMs ?? nowMs);
        return { symbol: m.symbol, qv: stats ? stats.baseVolume24h * stats.last : 0 };
      })
      .sort((a, b) => b.qv - a.qv || (a.symbol < b.symbol ? -1 : 1))
      .slice(0, 20);
    const got = service.universe();
    expect(got.map((m) => m.symbol), 'rank order equals the sim\'s own 24h volumes at its last price').toEqual(truth.map((t) => t.symbol));
    for (const [i, m] of got.entries()) expect(m.quoteVolume24h / truth[i]!.qv, `${m.symbol} volume`).toBeCloseTo(1, 3);
    expect(got.some((m) => m.base.startsWith('SIM00')), 'the glob exclude holds').toBe(false);
    expect(service.candles(got[0]!.symbol, '1m').length, 'backfill ran').toBe(5);
    const again = rankUniverse(service.markets(), new Map(got.map((m) => [m.symbol, service.ticker(m.symbol)!])), { ...DEFAULT_UNIVERSE_GATES, topN: 20 });
    expect(again.members.map((m) => m.symbol), 'ranking is a pure function of markets and tickers').toEqual(got.map((m) => m.symbol));
    await service.stop();
  });

  it('a delisted market leaves the universe with an event on the next refresh', async () => {
    const clock = new SystemClock();
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock });
    const service = new MarketDataService({ source, clock, timeframes: [], live: false, universeRefreshMs: 0, healthIntervalMs: 0, gates: { topN: 10 } });
    const changes: UniverseChange[] = [];
    service.on('universe', (c) => changes.push(c));
    await service.start();
    const victim = service.universe()[2]!.symbol;
    sim.delist(victim);
    const change = await service.refreshUniverse();
    expect(change.removed, 'suspended instruments are inactive').toEqual([{ symbol: victim, reason: 'inactive' }]);
    expect(change.added, 'the next market by volume moves up into the top 10').toHaveLength(1);
    expect(changes, 'the initial ranking and the change were both emitted').toHaveLength(2);
    expect(service.universe().some((m) => m.symbol === victim)).toBe(false);
    await service.stop();
  });
});
