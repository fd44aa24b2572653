import { expect } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { acceleratedClock, CcxtMarketData, MarketDataService, type BarEvent } from '../../sdk/src/market/index.js';
import { limitsForExchange, scaleLimits } from '../../sdk/src/market/exchangeLimits.js';
import { startSimExchange, type SimDialectName, type SimExchange } from '../../sdk/src/sim/index.js';

import { SIM_START_MS, until } from './sim.js';

type Exchange = ConstructorParameters<typeof CcxtMarketData>[0]['exchange'];

/** Requests the sim has answered on `path`. */
export const restPath = (sim: SimExchange, path: string): number => sim.requestLog().filter((e) => e.path === path).length;

/**
 * The property every streaming dialect proves (issue 15): with the market service on a ccxt pro
 * client of a sim speaking `dialect` (one 1m bar per wall second), books and trades come from the
 * streams across bar closes with no REST book request on `bookPath`; after the sockets drop (and
 * new ones are refused) a refresh reads the book over REST; once sockets are allowed again the
 * streams resubscribe and REST book polling stops. The client's request budget is the venue's
 * limits scaled like the sim's, as the engine sets it on a sim: the test refreshes far more often
 * than the order-flow loop does, and at BloFin's real 500 a minute one refresh would wait out the
 * window. The sim and the service are stopped however the proof ends.
 */
export async function proveStreamsReplacePolling(o: { dialect: SimDialectName; client: (sim: SimExchange) => Exchange; bookPath: string; watchTickers?: boolean }): Promise<void> {
  const ACCEL = 60;
  const RATE_LIMIT_SCALE = 10;
  const sim = await startSimExchange({ dialect: o.dialect, symbols: 6, seed: 11, startTimeMs: SIM_START_MS, acceleration: ACCEL, pushIntervalMs: 100, historyBars: 200, rateLimitScale: RATE_LIMIT_SCALE });
  let svc: MarketDataService | undefined;
  try {
    const exchange = o.client(sim);
    const source = new CcxtMarketData({ exchange, clock: new SystemClock(), limits: scaleLimits(limitsForExchange(exchange), RATE_LIMIT_SCALE), backoff: { baseMs: 50, maxMs: 200 }, random: () => 0.5 });
    expect(source.limits.capabilities.streamOrderFlow).toBe(true);
    if (o.watchTickers !== undefined) expect(source.limits.capabilities.watchTickers).toBe(o.watchTickers);
    const service = new MarketDataService({ source, clock: acceleratedClock(() => sim.nowMs(), ACCEL), timeframes: ['1m'], historyBars: 50, gates: { topN: 2 }, universeRefreshMs: 0, healthIntervalMs: 0 });
    svc = service;
    const bars: BarEvent[] = [];
    service.on('bar', (e) => bars.push(e));
    await service.start();
    const symbols = service.universe().map((m) => m.symbol);
    expect(symbols.length).toBe(2);
    const refreshAll = () => Promise.all(symbols.map((sym) => service.refreshOrderFlow(sym)));
    const served = () => source.streamStats().servedFromStream;
    const closes = async (what: string, n: number): Promise<void> => {
      const from = bars.length;
      await until(what, async () => {
        await refreshAll();
        const after = bars.slice(from);
        return symbols.every((sym) => after.filter((b) => b.symbol === sym).length >= n) ? true : null;
      });
    };

    await until('both books served from their streams', async () => {
      await refreshAll();
      return served().orderbook >= symbols.length ? true : null;
    });
    const depthBefore = restPath(sim, o.bookPath);
    const barsBefore = bars.length;
    await closes('4 bar closes per symbol', 4);
    expect(bars.slice(barsBefore).every((b) => b.via !== 'polling'), 'candles stayed on the websocket').toBe(true);
    expect(restPath(sim, o.bookPath), 'no REST order-book request while the socket is healthy').toBe(depthBefore);
    expect(served().trades).toBeGreaterThan(0);

    const failuresBefore = source.streamStats().failures.orderbook;
    const resubscribesBefore = source.streamStats().resubscribes;
    // The outage lasts until the fallback is seen: new sockets are refused, so the streams stay down.
    sim.faults.refuseWebsockets(true);
    sim.faults.dropWebsockets();
    await until('the book streams to notice the drop', () => (source.streamStats().failures.orderbook >= failuresBefore + symbols.length ? true : null));
    await service.refreshOrderFlow(symbols[0]!);
    expect(restPath(sim, o.bookPath), 'the fallback read the book over REST').toBe(depthBefore + 1);
    sim.faults.refuseWebsockets(false);
    const servedAtResume = served().orderbook;
    await until('both books served from the resubscribed streams', async () => {
      await refreshAll();
      return source.streamStats().resubscribes >= resubscribesBefore + symbols.length && served().orderbook >= servedAtResume + symbols.length ? true : null;
    });
    const depthAfter = restPath(sim, o.bookPath);
    await closes('two more bar closes per symbol', 2);
    expect(restPath(sim, o.bookPath), 'healthy again: no REST book polling').toBe(depthAfter);
  } finally {
    await svc?.stop();
    await sim.stop();
  }
}

type BookClient = {
  watchOrderBook(symbol: string, limit?: number): Promise<{ bids: unknown[]; timestamp?: number | undefined; nonce?: number | undefined }>;
  fetchOrderBook(symbol: string, limit?: number): Promise<{ bids: (number | undefined)[][]; asks: (number | undefined)[][] }>;
  orderbooks: unknown;
};

/**
 * A dialect's book stream against its REST book: the streamed snapshot arrives without a REST
 * book request, an update is applied on top of it (`progress`: the book's timestamp or nonce),
 * and with the sim paused the streamed book's top `depth` levels equal the REST book's.
 */
export async function expectStreamedBookEqualsRest(sim: SimExchange, ex: BookClient, o: { symbol: string; depth: number; bookPath: string; minLevels: number; progress: 'timestamp' | 'nonce' }): Promise<void> {
  const before = restPath(sim, o.bookPath);
  const book = await ex.watchOrderBook(o.symbol, o.depth);
  expect(book.bids.length).toBeGreaterThanOrEqual(o.minLevels);
  const mark0 = book[o.progress]!;
  await until('an update applied on top of the snapshot', async () => ((await ex.watchOrderBook(o.symbol, o.depth))[o.progress]! > mark0 ? true : null));
  expect(restPath(sim, o.bookPath), 'the stream brings its own snapshot').toBe(before);
  sim.pause();
  const rounds = sim.wsCounters().pushRounds;
  await until('two push rounds after the pause', () => (sim.wsCounters().pushRounds >= rounds + 2 ? true : null));
  const streamed = (ex.orderbooks as Record<string, { bids: number[][]; asks: number[][] }>)[o.symbol]!;
  const rest = await ex.fetchOrderBook(o.symbol, o.depth);
  sim.resume();
  const top = (levels: readonly (readonly (number | undefined)[])[]): [number, number][] => levels.slice(0, o.depth).map((l) => [l[0]!, l[1]!]);
  expect(top(streamed.bids)).toEqual(top(rest.bids));
  expect(top(streamed.asks)).toEqual(top(rest.asks));
}
