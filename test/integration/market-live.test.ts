import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import {
  acceleratedClock,
  CcxtMarketData,
  findCandleGaps,
  MarketDataService,
  type BarEvent,
  type FeedEvent,
  type GapEvent,
  type MarketDataServiceOptions,
} from '../../sdk/src/market/index.js';
import { createBinanceUsdmClient, createBlofinClient, createBybitClient, createHtxClient, startSimExchange, type SimDialectName, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS } from '../support/sim.js';

const ACCEL = 60; // one 1m bar per wall second
const MIN = 60_000;

/** Resolves when `done()` holds, polling every 50 ms wall; fails after `timeoutMs` wall. */
async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50)); // poll period between state checks, not a wait for progress
  }
}

/** ccxt's pro class for the dialect, pointed at the sim. */
function clientFor(sim: SimExchange, dialect: SimDialectName): CcxtMarketDataExchange {
  const options = { timeout: 5_000 };
  if (dialect === 'binanceusdm') return createBinanceUsdmClient(sim, options) as unknown as CcxtMarketDataExchange;
  if (dialect === 'bybit') return createBybitClient(sim, options) as unknown as CcxtMarketDataExchange;
  if (dialect === 'htx') return createHtxClient(sim, options) as unknown as CcxtMarketDataExchange;
  return createBlofinClient(sim, options) as unknown as CcxtMarketDataExchange;
}
type CcxtMarketDataExchange = ConstructorParameters<typeof CcxtMarketData>[0]['exchange'];
type Started = { sim: SimExchange; source: CcxtMarketData; service: MarketDataService; bars: BarEvent[]; gaps: GapEvent[]; feeds: FeedEvent[]; symbols: string[] };

/**
 * RELIABILITY 14 on one dialect: a silent websocket is detected as stale, the candles come over
 * REST meanwhile, and the stream recovers once pushes resume, with no bar lost or repeated.
 */
async function silentThenRecovered(started: Started): Promise<void> {
  const { sim: s, source, bars, feeds, symbols, service: svc } = started;
  await waitFor(() => bars.length >= symbols.length, 10_000, 'first live bars');
  s.faults.silenceWebsockets(true);
  const silentAtMs = s.nowMs();
  await waitFor(() => symbols.every((sym) => feeds.some((f) => f.symbol === sym && f.state === 'stale')), 10_000, 'stale streams');
  for (const f of feeds.filter((x) => x.state === 'stale')) {
    expect(f.atMs - silentAtMs, 'staleness is detected within 2 intervals (+ one push and one check)').toBeLessThanOrEqual(2 * MIN + 30_000);
  }
  expect(svc.health().wsState).toBe('down');
  await waitFor(() => symbols.every((sym) => bars.some((b) => b.symbol === sym && b.via === 'polling')), 15_000, 'bars from REST polling');
  expect(source.health().wsErrors, 'the silent socket was dropped and resubscribed').toBeGreaterThan(0);
  s.faults.silenceWebsockets(false);
  await waitFor(() => symbols.every((sym) => feeds.some((f) => f.symbol === sym && f.state === 'recovered')), 15_000, 'recovery');
  expect(svc.health().wsState).toBe('live');
  const recoveredAtMs = s.nowMs();
  await waitFor(() => symbols.every((sym) => bars.some((b) => b.symbol === sym && b.via === 'websocket' && b.candle.openTimeMs > recoveredAtMs)), 15_000, 'websocket bars again');
  for (const sym of symbols) {
    const own = bars.filter((b) => b.symbol === sym);
    expect(findCandleGaps(own.map((b) => b.candle.openTimeMs), MIN), `${sym}: no bar lost across fallback and recovery`).toEqual([]);
    expect(new Set(own.map((b) => b.candle.openTimeMs)).size, `${sym}: no bar emitted twice`).toBe(own.length);
  }
}

describe('live candles over ccxt pro against SimExchange (blofin; the silence property on every dialect)', () => {
  let sim: SimExchange | undefined;
  let service: MarketDataService | undefined;
  afterEach(async () => {
    await service?.stop();
    await sim?.stop();
    service = undefined;
    sim = undefined;
  });

  async function start(over: Partial<MarketDataServiceOptions> = {}, dialect: SimDialectName = 'blofin'): Promise<Started> {
    sim = await startSimExchange({ dialect, port: 0, symbols: 8, seed: 3, startTimeMs: SIM_START_MS, acceleration: ACCEL, historyBars: 200, pushIntervalMs: 100 });
    const s = sim;
    const source = new CcxtMarketData({ exchange: clientFor(s, dialect), clock: new SystemClock() });
    const svc = new MarketDataService({
      source,
      clock: acceleratedClock(() => s.nowMs(), ACCEL),
      timeframes: ['1m'],
      historyBars: 50,
      gates: { topN: 3 },
      universeRefreshMs: 0,
      healthIntervalMs: 0,
      ...over,
    });
    service = svc;
    const bars: BarEvent[] = [];
    const gaps: GapEvent[] = [];
    const feeds: FeedEvent[] = [];
    svc.on('bar', (e) => bars.push(e));
    svc.on('gap', (e) => gaps.push(e));
    svc.on('feed', (e) => feeds.push(e));
    await svc.start();
    return { sim: s, source, service: svc, bars, gaps, feeds, symbols: svc.universe().map((m) => m.symbol) };
  }

  /** The sim's own closed 1m bar at `openTimeMs`. */
  const truth = (s: SimExchange, symbol: string, openTimeMs: number) => {
    const [c] = s.source.candles(symbol, '1m', openTimeMs, openTimeMs + MIN);
    return c && { openTimeMs: c.openTimeMs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
  };

  it('emits bar-close events for confirmed candles only, in order', async () => {
    const { sim: s, bars, symbols } = await start();
    await waitFor(() => symbols.every((sym) => bars.filter((b) => b.symbol === sym).length >= 2), 15_000, 'two bar closes per symbol');
    for (const sym of symbols) {
      const own = bars.filter((b) => b.symbol === sym);
      for (const b of own) {
        expect(b.candle.openTimeMs + MIN, 'a bar is only emitted once closed').toBeLessThanOrEqual(s.nowMs());
        // A bar that closed between the backfill and the subscription is filled by gap repair;
        // with a healthy socket nothing falls back to REST polling.
        expect(b.via, 'healthy socket: websocket or boundary repair, never polling').not.toBe('polling');
      }
      expect(own.some((b) => b.via === 'websocket'), 'live bars arrive over the websocket').toBe(true);
      const times = own.map((b) => b.candle.openTimeMs);
      expect(findCandleGaps(times, MIN), 'consecutive bars').toEqual([]);
    }
  });

  it('repairs the gap left by a websocket drop over REST', async () => {
    // Resubscribe only after 2.5 bars (fixed backoff), well inside the staleness threshold.
    const { sim: s, bars, gaps, symbols, service: svc } = await start({
      backoff: { baseMs: 150_000, maxMs: 150_000, factor: 1 },
      random: () => 1,
      staleAfterMs: 10 * MIN,
    });
    await waitFor(() => bars.length >= symbols.length, 10_000, 'first live bars');
    s.faults.dropWebsockets();
    await waitFor(() => symbols.every((sym) => gaps.some((g) => g.symbol === sym)), 15_000, 'a repaired gap per symbol');
    await waitFor(() => symbols.every((sym) => bars.filter((b) => b.symbol === sym).length >= 6), 15_000, 'bars after the repair');
    for (const sym of symbols) {
      const gap = gaps.find((g) => g.symbol === sym)!;
      expect(gap.gap.bars, 'the drop lasted over a bar').toBeGreaterThanOrEqual(2);
      expect(gap.repairedBars, 'REST delivered every missing bar').toBe(gap.gap.bars);
      const own = bars.filter((b) => b.symbol === sym);
      expect(findCandleGaps(own.map((b) => b.candle.openTimeMs), MIN), 'no bar missing from the event stream').toEqual([]);
      expect(own.some((b) => b.via === 'repair')).toBe(true);
      const ring = svc.candles(sym, '1m');
      expect(findCandleGaps(ring.map((c) => c.openTimeMs), MIN), 'the ring is contiguous').toEqual([]);
      for (const b of own.filter((x) => x.via === 'repair')) {
        expect(b.candle, `repaired ${sym} bar equals the exchange's`).toEqual(truth(s, sym, b.candle.openTimeMs));
      }
    }
  });

  // ccxt takes about a wall second to re-dial after a close; at 60x that is a whole bar, so forced
  // reconnects are spaced wider than the default 30 s.
  it.each(['blofin', 'binanceusdm', 'bybit', 'htx'] as const)('falls back to REST polling on a silent %s websocket and recovers afterwards (RELIABILITY 14)', async (dialect) => {
    await silentThenRecovered(await start({ pollIntervalMs: 15_000, reconnectIntervalMs: 5 * MIN }, dialect));
  });
});
