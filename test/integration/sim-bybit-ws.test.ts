import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBybitClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS, until } from '../support/sim.js';
import { expectStreamedBookEqualsRest, proveStreamsReplacePolling } from '../support/streamFallback.js';

const SYMBOL = 'ETH/USDT:USDT';
const MIN = 60_000;
const BOOK_PATH = '/v5/market/orderbook';

type Client = ReturnType<typeof createBybitClient>;


describe('ccxt pro bybit against the sim (bybit public linear stream)', () => {
  let sim: SimExchange;
  let ex: Client;

  beforeAll(async () => {
    // 60x: one 1m bar per wall second, so a bar closes while a test waits for it.
    sim = await startSimExchange({ dialect: 'bybit', symbols: 6, seed: 11, startTimeMs: SIM_START_MS, acceleration: 60, pushIntervalMs: 100, rateLimitScale: 10 });
    ex = createBybitClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.stop();
  });

  it('watchOHLCV: bars close with the values the sim recorded', async () => {
    const first = await ex.watchOHLCV(SYMBOL, '1m');
    const firstOpen = first[first.length - 1]![0]!;
    const closed = await until('a kline for a later bar than the first one seen', async () => {
      const rows = await ex.watchOHLCV(SYMBOL, '1m');
      return rows[rows.length - 1]![0]! > firstOpen ? (rows.find((r) => r[0] === firstOpen) ?? null) : null;
    });
    const [truth] = sim.source.candles(SYMBOL, '1m', closed[0]!, closed[0]! + MIN);
    expect(truth, 'the sim has the bar').toBeDefined();
    expect(closed.slice(0, 5)).toEqual([truth!.openTimeMs, truth!.open, truth!.high, truth!.low, truth!.close]);
  });

  it('watchOrderBook: a snapshot then deltas, equal to the REST book at the same sim time, with no REST snapshot', async () => {
    await expectStreamedBookEqualsRest(sim, ex, { symbol: SYMBOL, depth: 50, bookPath: BOOK_PATH, minLevels: 50, progress: 'timestamp' });
  });

  it('watchTrades: the sim tape, price and side as recorded', async () => {
    const trades = await until('streamed trades', async () => {
      const t = await ex.watchTrades(SYMBOL);
      return t.length > 0 ? t : null;
    });
    const t = trades[trades.length - 1]!;
    const recorded = sim.source.trades(SYMBOL, t.timestamp!, t.timestamp! + 1).find((r) => String(r.id ?? r.timestampMs) === t.id);
    expect(recorded, `trade ${t.id} is on the sim tape`).toBeDefined();
    expect(t.price).toBe(recorded!.price);
    expect(t.side).toBe(recorded!.side);
  });

  it('watchTicker: last and mark of the sim', async () => {
    const ticker = await ex.watchTicker(SYMBOL);
    expect(ticker.symbol).toBe(SYMBOL);
    const stats = sim.source.stats24h(SYMBOL, ticker.timestamp!);
    expect(ticker.last).toBeCloseTo(stats!.last, 2);
    expect(ticker.markPrice!).toBeCloseTo(sim.source.markPrice(SYMBOL, ticker.timestamp!).markPrice, 4);
  });
});

describe('market data over Bybit streams: no REST book polling while the socket is healthy', () => {
  it('books and trades come from the streams across bar closes; a dropped socket falls back to REST and resubscribes', async () => {
    await proveStreamsReplacePolling({ dialect: 'bybit', client: (sim) => createBybitClient(sim, { timeout: 5_000 }), bookPath: BOOK_PATH });
  });
});
