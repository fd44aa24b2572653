import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { acceleratedClock, bookMetrics, CcxtMarketData, MarketDataService } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS } from '../support/sim.js';

describe('order flow over ccxt blofin against SimExchange', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ port: 0, symbols: 5, seed: 9, startTimeMs: SIM_START_MS, historyBars: 50 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('serves book metrics, trade stats, funding and mark price for a universe symbol', async () => {
    const clock = new SystemClock();
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock });
    // Market data runs on sim time (the sim starts at a pinned instant), as the engine wires a sim.
    const service = new MarketDataService({ source, clock: acceleratedClock(() => sim.nowMs(), 1), timeframes: ['1m'], historyBars: 5, live: false, universeRefreshMs: 0, healthIntervalMs: 0, bookDepth: 20 });
    await service.start();
    const symbol = service.universe()[0]!.symbol;
    const flow = await service.refreshOrderFlow(symbol);
    expect(service.orderFlow(symbol)).toBe(flow);

    const book = flow.book!;
    expect(book, 'book metrics present').toBeDefined();
    expect(book.bestAsk).toBeGreaterThan(book.bestBid);
    expect(book.spreadBps).toBeCloseTo(((book.bestAsk - book.bestBid) / book.mid) * 10_000, 9);
    expect(book.bidDepth50BpsUsd, '+-50 bps holds at least the +-10 bps depth').toBeGreaterThanOrEqual(book.bidDepth10BpsUsd);
    expect(book.askDepth50BpsUsd).toBeGreaterThanOrEqual(book.askDepth10BpsUsd);
    expect(Math.abs(book.imbalance)).toBeLessThanOrEqual(1);
    const direct = bookMetrics(await source.fetchOrderBook(symbol, 20), 20)!;
    expect(direct.bestBid / book.bestBid, 'same venue, same book scale').toBeCloseTo(1, 2);

    const trades = flow.trades!;
    expect(trades.trades, 'the sim prints trades').toBeGreaterThan(0);
    expect(trades.notionalPerMinUsd).toBeGreaterThan(0);
    expect(trades.buyNotionalUsd + trades.sellNotionalUsd).toBeCloseTo(trades.notionalPerMinUsd * (trades.windowMs / 60_000), 6);

    const truthFunding = sim.source.fundingRate(symbol, sim.nowMs());
    expect(flow.funding?.rate, 'funding rate as the sim states it (it drifts slowly with sim time)').toBeCloseTo(truthFunding.rate, 6);
    expect(flow.markPrice?.markPrice, 'mark price from BloFin\'s mark-price endpoint').toBeGreaterThan(0);
    expect(flow.markPrice!.markPrice / book.mid, 'mark sits near the book').toBeCloseTo(1, 1);
    expect(flow.openInterest, 'ccxt blofin has no open-interest endpoint').toBeUndefined();
    await service.stop();
  });

  it('refreshes the top members\' order flow periodically', async () => {
    const clock = new SystemClock();
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock });
    const service = new MarketDataService({
      source, clock, timeframes: [], live: false, universeRefreshMs: 0, healthIntervalMs: 0, orderFlowIntervalMs: 200, orderFlowTopN: 2,
    });
    const seen = new Set<string>();
    const done = new Promise<void>((resolve) => {
      service.on('orderFlow', (snapshot) => {
        if (snapshot.book) seen.add(snapshot.symbol);
        if (seen.size === 2) resolve();
      });
    });
    await service.start();
    await done;
    expect([...seen].sort(), 'the two highest-ranked symbols').toEqual(service.universe().slice(0, 2).map((m) => m.symbol).sort());
    await service.stop();
  });
});
