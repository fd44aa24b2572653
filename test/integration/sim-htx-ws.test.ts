import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHtxClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { startLiveRig, SYMBOL as RIG_SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';
import { SIM_START_MS, until } from '../support/sim.js';
import { expectStreamedBookEqualsRest, proveStreamsReplacePolling } from '../support/streamFallback.js';

const KEY = { apiKey: 'sim-htx-ws-key', secret: 'sim-htx-ws-secret', password: '' };
const SYMBOL = 'ETH/USDT:USDT';
const BOOK_PATH = '/linear-swap-ex/market/depth';

type Client = ReturnType<typeof createHtxClient>;


async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('ccxt pro htx against the sim (htx linear swap streams)', () => {
  let sim: SimExchange;
  let ex: Client;

  beforeAll(async () => {
    // 60x: one 1m bar per wall second, so books and tapes move while a test waits on them.
    sim = await startSimExchange({ dialect: 'htx', symbols: 6, seed: 11, startTimeMs: SIM_START_MS, acceleration: 60, pushIntervalMs: 100, rateLimitScale: 10, apiKey: KEY, initialBalanceUsdt: 100_000 });
    ex = createHtxClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.stop();
  });

  it('watchOrderBook: a snapshot then versioned updates, equal to the REST book at the same sim time, with no REST snapshot', async () => {
    await expectStreamedBookEqualsRest(sim, ex, { symbol: SYMBOL, depth: 150, bookPath: BOOK_PATH, minLevels: 21, progress: 'nonce' });
  });

  it('watchTrades: the sim tape, with price, amount and side as REST reports the same trade', async () => {
    const trades = await until('streamed trades', async () => {
      const t = await ex.watchTrades(SYMBOL);
      return t.length > 0 ? t : null;
    });
    const t = trades[trades.length - 1]!;
    const recorded = sim.source.trades(SYMBOL, t.timestamp!, t.timestamp! + 1).find((r) => String(Number(r.id)) === t.id);
    expect(recorded, `trade ${t.id} is on the sim tape`).toBeDefined();
    expect(t.price).toBe(recorded!.price);
    expect(t.side).toBe(recorded!.side);
    const rest = (await ex.fetchTrades(SYMBOL, undefined, 2000)).find((r) => r.id === t.id);
    expect(rest, `REST lists trade ${t.id}`).toBeDefined();
    expect([t.price, t.amount, t.side, t.timestamp]).toEqual([rest!.price, rest!.amount, rest!.side, rest!.timestamp]);
  });

  it('watchTicker: last, bid and ask equal to REST at the same sim time', async () => {
    const first = await ex.watchTicker(SYMBOL);
    expect(first.symbol).toBe(SYMBOL);
    sim.pause();
    const at = sim.nowMs();
    const ticker = await until('a ticker push at the paused time', async () => {
      const t = await ex.watchTicker(SYMBOL);
      return t.timestamp === at ? t : null;
    });
    const rest = await ex.fetchTicker(SYMBOL);
    sim.resume();
    expect([ticker.last, ticker.bid, ticker.ask, ticker.high, ticker.low, ticker.baseVolume]).toEqual([rest.last, rest.bid, rest.ask, rest.high, rest.low, rest.baseVolume]);
    expect(ticker.last).toBeCloseTo(sim.source.stats24h(SYMBOL, at)!.last, 1);
  });

  it('watchOrders: an order rests then is cancelled; a fill carries price, amount and fee as REST reports them; watchMyTrades gets the fill', async () => {
    const m = ex.market(SYMBOL);
    // The first watch subscribes; nothing is pushed until an order changes.
    const firstWatch = ex.watchOrders(SYMBOL);
    await until('the orders subscription', () => (sim.privateSubscriptions('orders') >= 1 ? true : null));
    const book = await ex.fetchOrderBook(SYMBOL, 20);
    const price = Number(ex.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.8));
    const resting = await ex.createOrder(SYMBOL, 'limit', 'buy', 2, price);
    await firstWatch;
    const open = await until('the resting order on the stream', () => ex.orders?.find((o) => o.id === resting.id && o.status === 'open') ?? null);
    expect([open.side, open.price, open.amount, open.filled, open.clientOrderId]).toEqual(['buy', price, 2, 0, resting.clientOrderId ?? resting.id]);
    await ex.cancelOrder(String(resting.id), SYMBOL);
    // ccxt files every pushed update in its order cache, whether or not a watch call is pending.
    await until('the cancel on the stream', () => ex.orders?.find((o) => o.id === resting.id && o.status === 'canceled') ?? null);

    const tradesWatch = ex.watchMyTrades(SYMBOL);
    await until('the trade subscription', () => (sim.privateSubscriptions('trade') >= 1 ? true : null));
    const taken = await ex.createOrder(SYMBOL, 'market', 'buy', 3);
    // The book has the depth: the market order fills whole, and its last update says so.
    const filled = await until('the fill on the stream', () => ex.orders?.find((o) => o.id === taken.id && o.status !== 'open' && o.filled === 3) ?? null);
    const rest = await ex.fetchOrder(String(taken.id), SYMBOL);
    expect(filled.status).toBe('closed');
    expect(filled.status).toBe(rest.status);
    expect([filled.amount, filled.filled, filled.average, filled.cost]).toEqual([rest.amount, rest.filled, rest.average, rest.cost]);
    expect(Number(filled.fee?.cost)).toBe(Number(rest.fee?.cost));
    expect(Number(filled.fee?.cost), 'a taker fill pays a fee').toBeGreaterThan(0);
    await tradesWatch;
    const myTrades = await until('the fill on the trade topic', () => {
      const mine = (ex.myTrades ?? []).filter((t) => t.order === taken.id);
      return mine.length > 0 ? mine : null;
    });
    const restTrades = await ex.fetchMyTrades(SYMBOL, undefined, 100, { order_id: taken.id });
    const own = restTrades.filter((t) => t.order === taken.id);
    expect(own.length).toBeGreaterThan(0);
    const sum = (rows: { amount?: number | undefined }[]): number => rows.reduce((s, r) => s + (r.amount ?? 0), 0);
    expect(sum(myTrades)).toBe(sum(own));
    expect(sum(myTrades)).toBe(3);
    expect(myTrades.map((t) => t.price).sort()).toEqual(own.map((t) => t.price).sort());
    expect(myTrades.every((t) => t.side === 'buy' && t.symbol === m.symbol)).toBe(true);
  });

  it('a wrong secret is refused: the private stream authenticates nothing and follows no orders', async () => {
    const forged = createHtxClient(sim, { enableRateLimit: false, timeout: 5_000, apiKey: KEY.apiKey, secret: 'forged' });
    try {
      await forged.loadMarkets();
      const before = sim.privateSubscriptions('orders');
      const err = await caught(forged.watchOrders(SYMBOL));
      expect(err.message).toMatch(/2003|Authentication failed/);
      expect(sim.privateSubscriptions('orders')).toBe(before);
    } finally {
      await forged.close();
    }
  });
});

describe('market data over HTX streams: no REST book polling while the socket is healthy', () => {
  it('books and trades come from the streams across bar closes; a dropped socket falls back to REST and resubscribes', async () => {
    await proveStreamsReplacePolling({ dialect: 'htx', client: (sim) => createHtxClient(sim, { timeout: 5_000 }), bookPath: BOOK_PATH, watchTickers: false });
  });
});

describe('a CcxtBroker on htx following the private order stream', () => {
  let rig: LiveRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('updates the ledger from the stream without reconciling, and reconciles after a dropped socket before following again', async () => {
    const r = await startLiveRig({ dialect: 'htx', seed: 23 });
    rig = r;
    await r.broker.start();
    const book = await r.ex.fetchOrderBook(RIG_SYMBOL, 5);
    const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
    const entry = (tradeId: string) => ({ symbol: RIG_SYMBOL, side: 'buy' as const, type: 'limit' as const, price: Number(r.ex.priceToPrecision(RIG_SYMBOL, px * 0.7)), amountBase: r.amountBase, tradeId, leg: 'entry', risk: entryRisk(RIG_SYMBOL, 'long', px) });
    const follower = r.broker.follow();
    try {
      // Updates sent before the sim has the follower's subscription are not delivered: wait for it.
      await until('the follower to subscribe to orders', () => (r.sim.privateSubscriptions('orders') >= 1 ? true : null));
      const resting = await r.broker.placeOrder(entry('htx-stream'));
      expect(resting.state).toBe('ACK');
      // Cancelled outside the app: only the stream can tell the ledger, since nothing reconciles while it is healthy.
      await r.ex.cancelOrder(resting.exchangeOrderId ?? '', RIG_SYMBOL);
      await until('the stream update in the ledger', () => (r.store.orders.get(resting.clientOrderId)?.state === 'CANCELLED' ? true : null));
      expect(follower.reconnects(), 'the ledger learned it from the stream, not from a reconciliation').toBe(0);

      const second = await r.broker.placeOrder(entry('htx-stream-2'));
      expect(second.state).toBe('ACK');
      // The outage lasts until a reconciliation has seen the cancel made during it: while new sockets
      // are refused the follower keeps failing and reconciling, so no update can slip between the two.
      r.sim.faults.refuseWebsockets(true);
      r.sim.faults.dropWebsockets();
      await r.ex.cancelOrder(second.exchangeOrderId ?? '', RIG_SYMBOL);
      await until('reconciliation after the drop', () => (follower.reconnects() >= 1 && r.store.orders.get(second.clientOrderId)?.state === 'CANCELLED' ? true : null));
      r.sim.faults.refuseWebsockets(false);
      await until('the follower to subscribe again', () => (r.sim.privateSubscriptions('orders') >= 1 ? true : null));
      expect(await r.ledgerMatches()).toEqual([]);
    } finally {
      await r.broker.stop();
    }
  });
});
