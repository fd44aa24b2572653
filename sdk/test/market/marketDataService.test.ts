import { describe, expect, it } from 'vitest';
import type { Market } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { MarketDataService, type MarketDataServiceOptions } from '../../src/market/marketDataService.js';
import type { BarEvent, FeedEvent, GapEvent } from '../../src/market/liveCandles.js';
import type { UniverseChange } from '../../src/market/universe.js';
import { WsState } from '../../src/market/health.js';
import { advanceInSteps, FakeSource, flushTurn, truthBar } from './fakeSource.js';

const MIN = 60_000;
const flush = flushTurn;
const advance = advanceInSteps;

const market = (base: string, active = true): Market => ({
  symbol: `${base}/USDT:USDT`, id: `${base}-USDT`, base, quote: 'USDT', settle: 'USDT', type: 'swap', linear: true, active,
  contractSize: 1, tickSize: 0.01, lotSize: 1, minAmount: 1, makerFee: 0, takerFee: 0,
});

function setup(over: Partial<MarketDataServiceOptions> = {}) {
  const clock = new SimulatedClock(100 * MIN + 30_000);
  const markets = [market('AAA'), market('BBB'), market('CCC')];
  const volumes = new Map([['AAA/USDT:USDT', 3e6], ['BBB/USDT:USDT', 5e6], ['CCC/USDT:USDT', 1e3]]);
  const source = new FakeSource(clock, markets, volumes);
  const service = new MarketDataService({
    source, clock, timeframes: ['1m'], historyBars: 10, gates: { minQuoteVolumeUsd: 1e6 }, universeRefreshMs: 10 * MIN, healthIntervalMs: 0,
    random: () => 0.5, watchdogCheckMs: 1_000, pollIntervalMs: 5_000, reconnectIntervalMs: 30_000,
    ...over,
  });
  const bars: BarEvent[] = [];
  const gaps: GapEvent[] = [];
  const feeds: FeedEvent[] = [];
  const universes: UniverseChange[] = [];
  service.on('bar', (e) => bars.push(e));
  service.on('gap', (e) => gaps.push(e));
  service.on('feed', (e) => feeds.push(e));
  service.on('universe', (e) => universes.push(e));
  return { clock, markets, volumes, source, service, bars, gaps, feeds, universes };
}

const A = 'AAA/USDT:USDT';

describe('MarketDataService (scripted source)', () => {
  it('ranks, backfills, then confirms live bars only when a newer one arrives', async () => {
    const { clock, source, service, bars, universes } = setup();
    await service.start();
    expect(universes[0]?.members.map((m) => m.symbol), 'ranked by quote volume, CCC gated out').toEqual(['BBB/USDT:USDT', A]);
    expect(service.candles(A, '1m').map((c) => c.openTimeMs / MIN), '10 closed bars; bar 100 is forming').toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(service.formingCandle(A, '1m')?.openTimeMs).toBe(100 * MIN);
    await flush();
    expect(source.push(A, '1m', [truthBar(100, MIN)]), 'the websocket loop is waiting').toBe(true);
    await flush();
    expect(bars, 'an update of the forming bar is not a bar close').toEqual([]);
    await advance(clock, 30_000);
    source.push(A, '1m', [truthBar(101, MIN)]);
    await flush();
    expect(bars.map((b) => [b.symbol, b.candle.openTimeMs / MIN, b.via])).toEqual([[A, 100, 'websocket']]);
    expect(service.candles(A, '1m', 1)[0]).toEqual(truthBar(100, MIN));
    expect(service.ring(A, '1m')?.length).toBe(11);
    const health = service.health();
    expect(health.wsState).toBe(WsState.live);
    expect(health.symbols.find((s) => s.symbol === A)?.ageMs, 'last update was the websocket bar just now').toBe(0);
    expect(health.streams).toHaveLength(2);
    await service.stop();
  });

  it('repairs a gap after a websocket outage over REST, in order', async () => {
    const { clock, source, service, bars, gaps } = setup();
    await service.start();
    await flush();
    source.push(A, '1m', [truthBar(100, MIN)]);
    // The socket drops and is back within the staleness threshold: the next update skips bar 101.
    await advance(clock, 1.5 * MIN);
    expect(source.push(A, '1m', [truthBar(102, MIN)])).toBe(true);
    await advance(clock, 1_000, 100);
    expect(gaps.map((g) => [g.gap.fromOpenTimeMs / MIN, g.gap.toOpenTimeMs / MIN, g.repairedBars]), 'bar 101 and the stale final of 100').toEqual([[100, 101, 2]]);
    source.push(A, '1m', [truthBar(103, MIN)]);
    await flush();
    const forA = bars.filter((b) => b.symbol === A);
    expect(forA.map((b) => [b.candle.openTimeMs / MIN, b.via])).toEqual([[100, 'repair'], [101, 'repair'], [102, 'websocket']]);
    expect(service.candles(A, '1m').slice(-4).map((c) => c.openTimeMs / MIN), 'ring is contiguous').toEqual([99, 100, 101, 102]);
    expect(service.candles(A, '1m').slice(-4), 'repaired values are the exchange\'s').toEqual([99, 100, 101, 102].map((i) => truthBar(i, MIN)));
    await service.stop();
  });

  it('pages a long repair back over several REST calls', async () => {
    const { clock, source, service, bars, gaps } = setup({ staleAfterMs: 30 * 86_400_000, watchdogCheckMs: 3_600_000, ringCapacity: 5_000 });
    await service.start();
    await flush();
    source.push(A, '1m', [truthBar(100, MIN)]);
    await advance(clock, 2_000 * MIN, 600_000);
    expect(source.push(A, '1m', [truthBar(2_100, MIN)])).toBe(true);
    await advance(clock, 1_000, 100);
    expect(gaps.map((g) => [g.gap.bars, g.repairedBars]), 'a 2,000-bar hole, more than 1,440 per call').toEqual([[2_000, 2_000]]);
    const repairCalls = source.calls.filter((c) => c.op === 'fetchCandles' && c.symbol === A && c.untilMs !== undefined);
    expect(repairCalls.map((c) => c.limit)).toEqual([1_440, 560]);
    const forA = bars.filter((b) => b.symbol === A).map((b) => b.candle.openTimeMs / MIN);
    expect(forA).toEqual(Array.from({ length: 2_000 }, (_, i) => 100 + i));
    await service.stop();
  });

  it('falls back to REST polling when the websocket is silent, reconnects, and recovers', async () => {
    const { clock, source, service, bars, feeds } = setup();
    await service.start();
    await advance(clock, 2 * MIN + 2_000);
    expect(feeds.filter((f) => f.symbol === A).map((f) => f.state), 'silent for > 2 intervals').toEqual(['stale']);
    expect(source.reconnects, 'a silent socket is dropped so watches resubscribe').toBe(1);
    expect(service.health().wsState).toBe(WsState.down);
    await advance(clock, 60_000);
    const polled = bars.filter((b) => b.symbol === A && b.via === 'polling').map((b) => b.candle.openTimeMs / MIN);
    expect(polled, 'polling keeps confirming bars').toEqual([100, 101, 102]);
    await advance(clock, 2_000);
    expect(source.waiting(A, '1m'), 'the watch loop resubscribed after the reconnect').toBe(1);
    source.push(A, '1m', [truthBar(104, MIN)]);
    await flush();
    expect(feeds.filter((f) => f.symbol === A).map((f) => f.state)).toEqual(['stale', 'recovered']);
    const callsBefore = source.calls.filter((c) => c.op === 'fetchCandles' && c.symbol === A).length;
    await advance(clock, 30_000);
    expect(source.calls.filter((c) => c.op === 'fetchCandles' && c.symbol === A).length, 'polling stopped after recovery').toBe(callsBefore);
    const h = service.health().streams.find((s) => s.symbol === A);
    expect(h?.feed).toBe('websocket');
    await service.stop();
  });

  it('emits a health snapshot as it goes live, then one per period', async () => {
    const { clock, service } = setup({ healthIntervalMs: 5_000 });
    const seen: number[] = [];
    service.on('health', () => seen.push(clock.nowMs()));
    const startedMs = clock.nowMs();
    await service.start();
    expect(seen, 'one at once, without waiting a period').toEqual([startedMs]);
    await advance(clock, 5_000);
    expect(seen).toEqual([startedMs, startedMs + 5_000]);
    await service.stop();
  });

  it('with a floor on staleness (an accelerated sim), two silent bars are not yet a dead socket; silence past the floor is', async () => {
    const { clock, source, service, feeds } = setup({ minStaleAfterMs: 5 * MIN });
    await service.start();
    await advance(clock, 2 * MIN + 2_000);
    expect(feeds.filter((f) => f.symbol === A), 'past two bars, inside the floor: still websocket').toEqual([]);
    expect(source.reconnects).toBe(0);
    expect(service.health().wsState).toBe(WsState.live);
    await advance(clock, 3 * MIN);
    expect(feeds.filter((f) => f.symbol === A).map((f) => f.state), 'silent past the floor').toEqual(['stale']);
    expect(source.reconnects).toBe(1);
    await service.stop();
  });

  it('drops a market that is halted or delisted with a universe event', async () => {
    const { clock, markets, service, universes } = setup();
    await service.start();
    markets[0] = market('AAA', false);
    markets.splice(1, 1);
    await advance(clock, 10 * MIN + 1_000, 5_000);
    const change = universes[1];
    expect(change?.removed, 'halted -> inactive, vanished -> delisted').toEqual([
      { symbol: 'BBB/USDT:USDT', reason: 'delisted' },
      { symbol: A, reason: 'inactive' },
    ]);
    expect(service.universe()).toEqual([]);
    expect(service.candles(A, '1m'), 'its candles are dropped').toEqual([]);
    await service.stop();
  });
});
