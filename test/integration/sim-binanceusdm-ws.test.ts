import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { acceleratedClock, CcxtMarketData, MarketDataService, type BarEvent } from '../../sdk/src/market/index.js';
import { createBinanceUsdmClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS, until } from '../support/sim.js';

const SYMBOL = 'ETH/USDT:USDT';
const ID = 'ETHUSDT';
const MIN = 60_000;

type Client = ReturnType<typeof createBinanceUsdmClient>;
type Level = [number, number];

/** ccxt error classes by name along the prototype chain (the test package does not depend on ccxt). */
function isA(name: string, err: unknown): boolean {
  for (let p = err === null || typeof err !== 'object' ? null : Object.getPrototypeOf(err); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor: { name: string } }).constructor.name === name) return true;
  }
  return false;
}

const depthRequests = (sim: SimExchange): number => sim.requestLog().filter((e) => e.path === '/fapi/v1/depth').length;
const top = (levels: readonly (readonly (number | undefined)[])[], n: number): Level[] => levels.slice(0, n).map((l) => [l[0]!, l[1]!]);

describe('ccxt pro binanceusdm against the sim (binanceusdm market streams)', () => {
  let sim: SimExchange;
  let ex: Client;

  beforeAll(async () => {
    // 60x: one 1m bar per wall second, so a bar closes while a test waits for it.
    sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 6, seed: 11, startTimeMs: SIM_START_MS, acceleration: 60, pushIntervalMs: 100, rateLimitScale: 10 });
    ex = createBinanceUsdmClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.stop();
  });

  it('declares the streams it serves in ccxt has', () => {
    for (const m of ['watchOHLCV', 'watchOrderBook', 'watchTrades', 'watchTicker', 'watchMarkPrice'] as const) expect(ex.has[m], m).toBe(true);
  });

  it('watchOHLCV: bars close with the values the sim recorded', async () => {
    const closed = await until('a kline for a later bar than the first one seen', async () => {
      const first = await ex.watchOHLCV(SYMBOL, '1m');
      const firstOpen = first[first.length - 1]![0]!;
      for (;;) {
        const rows = await ex.watchOHLCV(SYMBOL, '1m');
        const last = rows[rows.length - 1]!;
        if (last[0]! > firstOpen) return rows.find((r) => r[0] === firstOpen) ?? null;
      }
    });
    const [truth] = sim.source.candles(SYMBOL, '1m', closed[0]!, closed[0]! + MIN);
    expect(truth, 'the sim has the bar').toBeDefined();
    expect(closed.slice(0, 5)).toEqual([truth!.openTimeMs, truth!.open, truth!.high, truth!.low, truth!.close]);
  });

  it('watchOrderBook: the streamed book equals the REST book at the same sim time', async () => {
    const book = await ex.watchOrderBook(SYMBOL, 100);
    expect(book.bids.length).toBeGreaterThan(0);
    const before = depthRequests(sim);
    expect(before, 'the snapshot came over REST once').toBeGreaterThanOrEqual(1);
    // A few diffs apply on top of the snapshot before time stops.
    const nonce0 = book.nonce!;
    await until('three diff events applied', async () => ((await ex.watchOrderBook(SYMBOL, 100)).nonce! > nonce0 ? true : null));
    sim.pause();
    // Two push rounds after the pause: the diff up to the paused time has been sent and applied.
    const rounds = sim.wsCounters().pushRounds;
    await until('two push rounds after the pause', () => (sim.wsCounters().pushRounds >= rounds + 2 ? true : null));
    const streamed = (ex.orderbooks as Record<string, { bids: number[][]; asks: number[][] }>)[SYMBOL]!;
    const rest = await ex.fetchOrderBook(SYMBOL, 100);
    sim.resume();
    expect(top(streamed.bids, 20)).toEqual(top(rest.bids, 20));
    expect(top(streamed.asks, 20)).toEqual(top(rest.asks, 20));
  });

  it('watchOrderBook: a sequence gap rejects the watch, and the next watch resyncs from a REST snapshot', async () => {
    await ex.watchOrderBook(SYMBOL, 100);
    const before = depthRequests(sim);
    sim.faults.gapBookStream({ count: 1 });
    const err = await until('the watch to reject on the gap', async () => {
      try {
        await ex.watchOrderBook(SYMBOL, 100);
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(isA('ChecksumError', err), String(err)).toBe(true);
    const resynced = await ex.watchOrderBook(SYMBOL, 100);
    expect(depthRequests(sim), 'one new REST snapshot').toBe(before + 1);
    expect(resynced.bids.length).toBeGreaterThan(0);
    expect(resynced.bids[0]![0]!).toBeLessThan(resynced.asks[0]![0]!);
  });

  it('watchTrades: the sim tape, price and size as recorded', async () => {
    const trades = await until('streamed trades', async () => {
      const t = await ex.watchTrades(SYMBOL);
      return t.length > 0 ? t : null;
    });
    const t = trades[trades.length - 1]!;
    const recorded = sim.source.trades(SYMBOL, t.timestamp!, t.timestamp! + 1).find((r) => String(r.id) === t.id);
    expect(recorded, `trade ${t.id} is on the sim tape`).toBeDefined();
    expect(t.price).toBe(recorded!.price);
    expect(t.side).toBe(recorded!.side);
  });

  it('watchTicker and watchMarkPrice: the 24h last and the mark of the sim', async () => {
    const ticker = await ex.watchTicker(SYMBOL);
    expect(ticker.symbol).toBe(SYMBOL);
    expect(ticker.last).toBeGreaterThan(0);
    const stats = sim.source.stats24h(SYMBOL, ticker.timestamp!);
    expect(ticker.last).toBeCloseTo(stats!.last, 2);
    const mark = await ex.watchMarkPrice(SYMBOL);
    expect(mark.markPrice).toBeGreaterThan(0);
    const truth = sim.source.markPrice(SYMBOL, mark.timestamp!);
    expect(mark.markPrice!).toBeCloseTo(truth.markPrice, 4);
    expect(ID).toBe(ex.market(SYMBOL).id);
  });
});

describe('market data over Binance USD-M streams: no REST book polling while the socket is healthy', () => {
  let sim: SimExchange | undefined;
  let service: MarketDataService | undefined;
  afterEach(async () => {
    await service?.stop();
    await sim?.stop();
    service = undefined;
    sim = undefined;
  });

  it('books, trades and tickers come from the streams across bar closes, with no REST book request', async () => {
    const ACCEL = 60; // one 1m bar per wall second
    const s = await startSimExchange({ dialect: 'binanceusdm', symbols: 6, seed: 11, startTimeMs: SIM_START_MS, acceleration: ACCEL, pushIntervalMs: 100, historyBars: 200, rateLimitScale: 10 });
    sim = s;
    const exchange = createBinanceUsdmClient(s, { timeout: 5_000 });
    // Backoff of the data reads and stream resubscriptions pinned to no jitter, so retries are prompt.
    const source = new CcxtMarketData({ exchange, clock: new SystemClock(), backoff: { baseMs: 50, maxMs: 200 }, random: () => 0.5 });
    expect(source.limits.capabilities.streamOrderFlow, 'the pro class streams order flow').toBe(true);
    const svc = new MarketDataService({ source, clock: acceleratedClock(() => s.nowMs(), ACCEL), timeframes: ['1m'], historyBars: 50, gates: { topN: 2 }, universeRefreshMs: 0, healthIntervalMs: 0 });
    service = svc;
    const bars: BarEvent[] = [];
    svc.on('bar', (e) => bars.push(e));
    await svc.start();
    const symbols = svc.universe().map((m) => m.symbol);
    expect(symbols.length).toBe(2);
    const refreshAll = () => Promise.all(symbols.map((sym) => svc.refreshOrderFlow(sym)));
    const served = () => source.streamStats().servedFromStream;
    const restPath = (path: string) => s.requestLog().filter((e) => e.path === path).length;

    // Warm-up: the first reads start the streams (ccxt reads each book's snapshot over REST once).
    await until('both books served from their streams', async () => {
      await refreshAll();
      return served().orderbook >= symbols.length ? true : null;
    });
    const depthBefore = restPath('/fapi/v1/depth');
    const tradesBefore = restPath('/fapi/v1/trades');
    const servedBefore = served().orderbook;
    const barsBefore = bars.length;

    // Over N bar closes per symbol, every refresh is answered from the streams.
    const N = 4;
    let refreshes = 0;
    await until(`${N} bar closes per symbol`, async () => {
      await refreshAll();
      refreshes++;
      const after = bars.slice(barsBefore);
      return symbols.every((sym) => after.filter((b) => b.symbol === sym).length >= N) ? true : null;
    });
    expect(bars.slice(barsBefore).every((b) => b.via !== 'polling'), 'candles stayed on the websocket').toBe(true);
    expect(restPath('/fapi/v1/depth'), 'no REST order-book request while the socket is healthy').toBe(depthBefore);
    expect(served().orderbook - servedBefore).toBe(refreshes * symbols.length);
    const flow = svc.orderFlow(symbols[0]!)!;
    expect(flow.bookTop!.bids[0]![0]).toBeLessThan(flow.bookTop!.asks[0]![0]);
    expect(served().trades, 'trades read from the stream once it had pushed').toBeGreaterThan(0);
    expect(restPath('/fapi/v1/trades'), 'trades polled over REST only until the stream pushed').toBeLessThanOrEqual(tradesBefore + symbols.length);

    // Tickers: the first read starts the all-market stream, later ones are answered by it.
    await source.fetchTickers();
    const tickersRest = restPath('/fapi/v1/ticker/24hr');
    const tickers = await until('tickers served from the stream', async () => {
      const t = await source.fetchTickers();
      return served().tickers > 0 ? t : null;
    });
    expect(restPath('/fapi/v1/ticker/24hr')).toBe(tickersRest);
    expect(tickers.get(symbols[0]!)!.last).toBeGreaterThan(0);

    // A dropped socket: reads fall back to REST at once, then the streams resubscribe (each new
    // book subscription reads one REST snapshot) and REST book polling stops again.
    // From here the polls read only the book and trades: refreshOrderFlow's funding, open-interest
    // and mark reads on every poll would spend Binance's 2400/min weight and queue later reads.
    const readFlow = () => Promise.all(symbols.map((sym) => Promise.all([source.fetchOrderBook(sym, 20), source.fetchTrades(sym, 100)])));
    const failuresBefore = source.streamStats().failures.orderbook;
    const resubscribesBefore = source.streamStats().resubscribes;
    const depthAtDrop = restPath('/fapi/v1/depth');
    // The outage lasts until the fallback is seen: new sockets are refused, so the streams stay down.
    s.faults.refuseWebsockets(true);
    s.faults.dropWebsockets();
    await until('the book streams to notice the drop', () => (source.streamStats().failures.orderbook >= failuresBefore + symbols.length ? true : null));
    await svc.refreshOrderFlow(symbols[0]!);
    expect(restPath('/fapi/v1/depth'), 'the fallback read the book over REST').toBe(depthAtDrop + 1);
    s.faults.refuseWebsockets(false);
    const servedAtResume = served().orderbook;
    await until('both books served from the resubscribed streams', async () => {
      await readFlow();
      return source.streamStats().resubscribes >= resubscribesBefore + symbols.length && served().orderbook >= servedAtResume + symbols.length ? true : null;
    });
    const depthAfter = restPath('/fapi/v1/depth');
    const barsAtResume = bars.length;
    await until('two more bar closes per symbol', async () => {
      await readFlow();
      const after = bars.slice(barsAtResume);
      return symbols.every((sym) => after.filter((b) => b.symbol === sym).length >= 2) ? true : null;
    });
    expect(restPath('/fapi/v1/depth'), 'healthy again: no REST book polling').toBe(depthAfter);
  });
});
