import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { silentLogger } from '../../sdk/src/core/logger.js';
import { createEngine, type Engine } from '../../sdk/src/engine/index.js';
import { startOrderFlowLoop } from '../../sdk/src/engine/orderFlowLoop.js';
import { acceleratedClock, CcxtMarketData, MarketDataService } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS } from '../support/sim.js';

const EIGHT_HOURS_MS = 8 * 3_600_000;

describe('funding history over ccxt blofin against SimExchange', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ port: 0, symbols: 4, seed: 5, startTimeMs: SIM_START_MS, historyBars: 50 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('fetchFundingRateHistory reads BloFin\'s funding-rate-history; a scenario rate shows from its settlement on', async () => {
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock: new SystemClock() });
    expect(source.hasFundingHistory, 'ccxt blofin declares funding history').toBe(true);
    expect(source.hasOpenInterestHistory, 'ccxt blofin has no OI history').toBe(false);
    await source.loadMarkets();
    const symbol = sim.source.markets()[2]!.symbol;
    const nowMs = sim.nowMs();
    const fromMs = Math.floor(nowMs / EIGHT_HOURS_MS) * EIGHT_HOURS_MS - 2 * EIGHT_HOURS_MS;
    sim.faults.setFundingRate({ symbol, rate: 0.004, fromMs });
    const rows = await source.fetchFundingHistory(symbol, 12);
    expect(rows.length).toBe(12);
    const truth = sim.source.fundingHistory(symbol, nowMs - 13 * EIGHT_HOURS_MS, nowMs).slice(-12);
    expect(rows.map((r) => r.timestampMs), 'settlement times as the sim states them, oldest first').toEqual(truth.map((t) => t.timestampMs));
    rows.forEach((r, i) => {
      const expected = r.timestampMs >= fromMs ? 0.004 : truth[i]!.rate;
      expect(r.rate, `settlement ${new Date(r.timestampMs).toISOString()}`).toBeCloseTo(expected, 8);
    });
    await expect(source.fetchOpenInterestHistory(symbol, '1h', 10)).rejects.toThrow(/no open-interest history/);
    sim.faults.setFundingRate({ symbol, rate: null });
    await source.close();
  });

  it('polls funding history once per funding interval, not on every order-flow refresh', async () => {
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock: new SystemClock() });
    const marketClock = acceleratedClock(() => sim.nowMs(), 1);
    const service = new MarketDataService({ source, clock: marketClock, timeframes: ['1m'], historyBars: 5, live: false, universeRefreshMs: 0, healthIntervalMs: 0 });
    await service.start();
    const symbol = service.universe()[0]!.symbol;
    const count = () => sim.requestLog().filter((r) => r.path === '/api/v1/market/funding-rate-history').length;
    const before = count();
    await service.refreshOrderFlow(symbol);
    await service.refreshOrderFlow(symbol);
    await service.refreshOrderFlow(symbol);
    expect(count() - before, 'three refreshes inside one interval: one history request').toBe(1);
    const history = service.derivativesHistory(symbol)!;
    expect(history.funding.length, 'a month of 8h settlements').toBeGreaterThanOrEqual(50);
    expect(history.funding.every((f) => f.timestampMs <= marketClock.nowMs()), 'nothing from the future').toBe(true);
    expect(history.openInterest, 'BloFin: OI history absent, not empty').toBeUndefined();
    await service.stop();
  });
});

describe('funding_divergence fires in a running engine over SimExchange', () => {
  let engine: Engine;
  let stopLoop: () => void = () => {};
  beforeAll(async () => {
    engine = createEngine(
      { exchange: 'sim', timeframes: ['15m'], backfillBars: 120, sim: { symbols: 6, seed: 11, startTimeMs: SIM_START_MS, rateLimitScale: 20 }, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null } },
      { logger: silentLogger },
    );
    await engine.start();
  }, 120_000);
  afterAll(async () => {
    stopLoop();
    await engine?.stop();
  });

  it('an extreme scenario funding reaches the snapshot with its history and raises the flag; the others say funding history', { timeout: 120_000 }, async () => {
    const sim = engine.sim()!;
    const target = engine.universe()[1]!.symbol;
    sim.faults.setFundingRate({ symbol: target, rate: 0.004, fromMs: sim.nowMs() - 3 * EIGHT_HOURS_MS });
    stopLoop = startOrderFlowLoop({ engine, clock: new SystemClock(), logger: silentLogger, intervalMs: 200 });
    await vi.waitFor(
      () => {
        const rows = engine.rank({ top: 100 }).rows;
        // The first pass refreshes symbols concurrently: wait until every one of them has landed.
        expect(rows.filter((r) => r.metrics.inputs?.funding !== 'history').map((r) => r.symbol), 'symbols still without funding history').toEqual([]);
        expect(rows.find((r) => r.symbol === target)?.flags.map((f) => f.name), 'the extreme funding flag').toContain('funding_divergence');
      },
      { timeout: 60_000, interval: 200 },
    );
    const rows = engine.rank({ top: 100 }).rows;
    const row = rows.find((r) => r.symbol === target)!;
    const flag = row.flags.find((f) => f.name === 'funding_divergence')!;
    expect(flag.evidence.fundingRate8h, 'the scenario rate, per 8h').toBeCloseTo(0.004, 6);
    expect(flag.severity, '40 bps against a 30 bps extreme threshold').toBeGreaterThan(0.5);
    expect(row.metrics.inputs?.funding, 'settled funding history reached the snapshot').toBe('history');
    expect(row.metrics.inputs?.openInterest, 'BloFin has no OI history: the row says so').toBe('none');
    expect(row.book, 'a generated demo labels its books synthetic').toBe('synthetic');
    const others = rows.filter((r) => r.symbol !== target);
    expect(others.length, 'the other sim symbols are ranked too').toBeGreaterThan(0);
    for (const r of others) {
      const fd = r.flags.find((f) => f.name === 'funding_divergence');
      expect(fd?.evidence.fundingRate8h ?? 0, `${r.symbol}: the generator's own funding, not the scenario`).not.toBeCloseTo(0.004, 6);
    }
  });
});
