import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlofinClient, startSimExchange, type SimExchange } from '@perpscope/sdk/sim';
import { SIM_START_MS, until } from '../support/sim.js';

const KEY = { apiKey: 'sim-test-key', secret: 'sim-test-secret', password: 'sim-test-pass' };
const SYMBOL = 'ETH/USDT:USDT';
const INST = 'ETH-USDT';

type Client = ReturnType<typeof createBlofinClient>;

function errorChain(err: unknown): string[] {
  const names: string[] = [];
  for (let p = err === null || typeof err !== 'object' ? null : Object.getPrototypeOf(err); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    names.push((p as { constructor: { name: string } }).constructor.name);
  }
  return names;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** ccxt blofin has no fetchOrder: order-detail is reached through the implicit API. */
async function orderByClientId(ex: Client, clientOrderId: string): Promise<ReturnType<Client['parseOrder']>> {
  const res = (await ex.privateGetTradeOrderDetail({ instId: INST, clientOrderId })) as { data: Record<string, unknown> };
  return ex.parseOrder(res.data, ex.market(SYMBOL));
}

async function flatten(ex: Client): Promise<void> {
  const positions = await ex.fetchPositions();
  for (const p of positions) {
    if (!p.contracts) continue;
    await ex.createOrder(p.symbol!, 'market', p.side === 'long' ? 'sell' : 'buy', p.contracts, undefined, { reduceOnly: true });
  }
}

describe('ccxt blofin private API against SimExchange', () => {
  let sim: SimExchange;
  let ex: Client;
  let seq = 0;
  const cid = (): string => `t${seq++}`;

  beforeAll(async () => {
    // rateLimitScale 10: the suite places more orders than BloFin's 30 per 10 s; that limit has its own test.
    sim = await startSimExchange({ symbols: 8, seed: 5, startTimeMs: SIM_START_MS, acceleration: 60, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 10 });
    ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 3_000 });
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('reports the starting balance', async () => {
    const balance = await ex.fetchBalance();
    expect(balance.USDT?.total, 'initial USDT').toBe(100_000);
  });

  it('a market order by clientOrderId fills from the book and updates position and balance', async () => {
    const id = cid();
    const before = await ex.fetchBalance();
    // Paused, the book read is the book the order walks (however slow the round trips are).
    sim.pause();
    let book: Awaited<ReturnType<Client['fetchOrderBook']>>;
    let created: Awaited<ReturnType<Client['createOrder']>>;
    try {
      book = await ex.fetchOrderBook(SYMBOL, 100);
      created = await ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id });
    } finally {
      sim.resume();
    }
    expect(created.clientOrderId, 'echoed client id').toBe(id);
    const order = await orderByClientId(ex, id);
    expect(order.id, 'same order by client id').toBe(created.id);
    expect(order.status, 'market order done').toBe('closed');
    expect(order.filled).toBe(1);
    expect(order.average!, 'filled at or above the best ask').toBeGreaterThanOrEqual(book.asks[0]![0]!);
    expect(order.average!, 'within the levels one contract walks').toBeLessThanOrEqual(book.asks[5]![0]!);
    const position = (await ex.fetchPositions([SYMBOL]))[0]!;
    expect(position.side).toBe('long');
    expect(position.contracts, 'position = fill').toBe(1);
    const after = await ex.fetchBalance();
    const fee = order.fee!.cost!;
    // One contract of ETH-USDT is 0.01 ETH: the notional is price x contracts x contract value.
    const contractSize = ex.market(SYMBOL).contractSize!;
    expect(contractSize, 'ETH-USDT counts 0.01 ETH per contract').toBe(0.01);
    expect(fee, 'taker fee 6 bps of the notional').toBeCloseTo(order.average! * contractSize * 0.0006, 8);
    expect(after.USDT!.total! - before.USDT!.total!, 'equity moves by fee plus mark-to-market only').toBeLessThan(0.02 * order.average! * contractSize);
    const trades = await ex.fetchMyTrades(SYMBOL);
    expect(trades.some((t) => t.order === created.id), 'fill in trade history').toBe(true);
    await flatten(ex);
  });

  it('a resting limit order is listed, cancelled by clientOrderId and moves to history', async () => {
    const id = cid();
    const last = (await ex.fetchTicker(SYMBOL)).last!;
    await ex.createOrder(SYMBOL, 'limit', 'buy', 1, Number(ex.priceToPrecision(SYMBOL, last * 0.8)), { clientOrderId: id });
    const open = await ex.fetchOpenOrders(SYMBOL);
    expect(open.map((o) => o.clientOrderId), 'resting').toContain(id);
    const cancelled = await ex.cancelOrder('', SYMBOL, { clientOrderId: id });
    expect(cancelled.clientOrderId).toBe(id);
    expect((await orderByClientId(ex, id)).status, 'cancelled').toBe('canceled');
    const closed = await ex.fetchClosedOrders(SYMBOL);
    expect(closed.map((o) => o.clientOrderId), 'in history').toContain(id);
    const again = await caught(ex.cancelOrder('', SYMBOL, { clientOrderId: id }));
    expect(errorChain(again)[0], 'cancelling twice is rejected: BloFin answers "all operations failed", on which ccxt raises a bare ExchangeError').toBe('ExchangeError');
    expect(again.message, 'the reason rides inside (BloFin 102068)').toContain('"code":"102068"');
  });

  it('a resting limit fills as the sim price trades through it', async () => {
    const id = cid();
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    await ex.createOrder(SYMBOL, 'limit', 'buy', 2, book.bids[0]![0], { clientOrderId: id });
    const filled = await until('a fill on the resting order', async () => {
      const o = await orderByClientId(ex, id);
      return o.filled! > 0 ? o : null;
    }, 45_000);
    expect(filled.price, 'maker fills at the limit price').toBe(book.bids[0]![0]);
    if (filled.status === 'open') await ex.cancelOrder('', SYMBOL, { clientOrderId: id });
    await flatten(ex);
  });

  it('reduce-only never flips a position and is refused without one', async () => {
    await ex.createOrder(SYMBOL, 'market', 'buy', 2);
    const o = await ex.createOrder(SYMBOL, 'market', 'sell', 5, undefined, { reduceOnly: true, clientOrderId: cid() });
    const detail = await orderByClientId(ex, o.clientOrderId!);
    expect(detail.filled, 'clipped to the position').toBe(2);
    expect(await ex.fetchPositions([SYMBOL]), 'flat, not short').toEqual([]);
    const err = await caught(ex.createOrder(SYMBOL, 'market', 'sell', 1, undefined, { reduceOnly: true }));
    expect(errorChain(err)[0], 'a refused order is "all operations failed": ccxt raises a bare ExchangeError').toBe('ExchangeError');
    expect(err.message, 'BloFin 102022 inside').toContain('"code":"102022"');
  });

  it('rejects a reused clientOrderId with BloFin 102002 (ccxt InvalidOrder)', async () => {
    const id = cid();
    await ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id });
    const err = await caught(ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id }));
    expect(errorChain(err)[0], 'a refused order is "all operations failed": ccxt raises a bare ExchangeError').toBe('ExchangeError');
    expect(err.message, 'the code lets a ledger adopt the original').toContain('"code":"102002"');
    expect(sim.accountSnapshot().orders.filter((r) => r.clientOrderId === id), 'only one order exists').toHaveLength(1);
    await flatten(ex);
  });

  it('rejects a bad signature or passphrase as AuthenticationError', async () => {
    const wrongSecret = createBlofinClient(sim, { ...KEY, secret: 'nope', enableRateLimit: false });
    const wrongPass = createBlofinClient(sim, { ...KEY, password: 'nope', enableRateLimit: false });
    try {
      wrongSecret.markets = ex.markets;
      wrongPass.markets = ex.markets;
      expect(errorChain(await caught(wrongSecret.fetchBalance()))).toContain('AuthenticationError');
      expect(errorChain(await caught(wrongPass.fetchBalance()))).toContain('AuthenticationError');
      expect(sim.requestLog().at(-1), 'logged as a private request; BloFin answers auth errors with HTTP 200').toMatchObject({ private: true, status: 200, code: '152408' });
    } finally {
      await wrongSecret.close();
      await wrongPass.close();
    }
  });

  it('accept-then-timeout: the order exists although the client timed out', async () => {
    const quick = createBlofinClient(sim, { enableRateLimit: false, timeout: 400 });
    try {
      quick.markets = ex.markets;
      quick.markets_by_id = ex.markets_by_id;
      const id = cid();
      sim.faults.acceptThenTimeout({ count: 1 });
      expect(errorChain(await caught(quick.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id })))).toContain('RequestTimeout');
      const found = await orderByClientId(ex, id);
      expect(found.status, 'processed despite the lost answer').toBe('closed');
    } finally {
      await quick.close();
      await flatten(ex);
    }
  });

  it('hideOrdersFromLookups: the first N lookups find nothing, then the order appears', async () => {
    const id = cid();
    await ex.createOrder(SYMBOL, 'limit', 'buy', 1, Number(ex.priceToPrecision(SYMBOL, (await ex.fetchTicker(SYMBOL)).last! * 0.8)), { clientOrderId: id });
    sim.faults.hideOrdersFromLookups({ count: 2 });
    expect(errorChain(await caught(orderByClientId(ex, id))), 'hidden: not found').toContain('OrderNotFound');
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.clientOrderId), 'hidden from open orders too').not.toContain(id);
    expect((await orderByClientId(ex, id)).clientOrderId, 'visible again').toBe(id);
    await ex.cancelOrder('', SYMBOL, { clientOrderId: id });
  });

  it('partialFills caps each fill at the ratio', async () => {
    sim.faults.partialFills({ ratio: 0.5 });
    try {
      const id = cid();
      await ex.createOrder(SYMBOL, 'market', 'buy', 4, undefined, { clientOrderId: id });
      const o = await orderByClientId(ex, id);
      expect(o.filled, 'half filled').toBe(2);
      expect(o.status, 'market remainder cancelled after a partial fill: BloFin partially_canceled, which ccxt leaves unmapped').toBe('partially_canceled');
      expect((await ex.fetchPositions([SYMBOL]))[0]!.contracts, 'position = filled part').toBe(2);
    } finally {
      sim.faults.partialFills({ ratio: 1 });
      await flatten(ex);
    }
  });

  it('429 and 5xx apply to private endpoints, and nothing is placed', async () => {
    const id = cid();
    sim.faults.burst429({ count: 1 });
    expect(errorChain(await caught(ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id })))).toContain('RateLimitExceeded');
    sim.faults.failHttp({ status: 502, count: 1 });
    expect(errorChain(await caught(ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id })))).toContain('ExchangeNotAvailable');
    expect(sim.accountSnapshot().orders.some((r) => r.clientOrderId === id), 'never reached the matcher').toBe(false);
    expect(sim.requestLog().slice(-2).map((e) => [e.private, e.status])).toEqual([
      [true, 429],
      [true, 502],
    ]);
  });

  it('streams orders and positions on the private websocket after login', async () => {
    const id = cid();
    const orders = ex.watchOrders(SYMBOL);
    const positions = ex.watchPositions([SYMBOL]);
    // Updates sent before the sim has the subscriptions are not delivered: wait for them.
    await until('the orders and positions subscriptions', () => (sim.privateSubscriptions('orders') >= 1 && sim.privateSubscriptions('positions') >= 1 ? true : null));
    await ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id });
    const pushed = await orders;
    expect(pushed.map((o) => o.clientOrderId), 'order update pushed').toContain(id);
    // ccxt pro blofin resolves watchPositions with the single updated position, not an array.
    const pos = (await positions) as unknown as { symbol: string; contracts: number };
    expect(pos.symbol, 'position update pushed').toBe(SYMBOL);
    expect(pos.contracts, 'position size').toBe(1);
    await flatten(ex);
  });

  it('a websocket drop breaks the private stream; watching again logs in and resumes', async () => {
    const client = createBlofinClient(sim, { enableRateLimit: false });
    try {
      client.markets = ex.markets;
      client.markets_by_id = ex.markets_by_id;
      const subscribedBefore = sim.privateSubscriptions('orders');
      const first = client.watchOrders(SYMBOL).then(
        () => 'data',
        (err: unknown) => errorChain(err).join(','),
      );
      await until('the first orders subscription', () => (sim.privateSubscriptions('orders') > subscribedBefore ? true : null));
      sim.faults.dropWebsockets();
      expect(sim.privateSubscriptions('orders'), 'every connection dropped').toBe(0);
      expect(await first, 'the pending watch fails').toMatch(/NetworkError/);
      // ccxt reconnects with a delay and updates sent before it has re-subscribed are lost: trade
      // once the sim has the new subscription.
      const again = client.watchOrders(SYMBOL);
      await until('the re-login and re-subscription', () => (sim.privateSubscriptions('orders') >= 1 ? true : null));
      const id = cid();
      await ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: id });
      expect((await again).map((o) => o.clientOrderId), 'updates flow after re-login').toContain(id);
    } finally {
      await client.close();
      await flatten(ex);
    }
  });

  it('a websocket login with a bad signature is refused', async () => {
    const bad = createBlofinClient(sim, { ...KEY, secret: 'nope', enableRateLimit: false });
    try {
      bad.markets = ex.markets;
      bad.markets_by_id = ex.markets_by_id;
      const err = await caught(bad.watchOrders(SYMBOL));
      expect(err.message, 'BloFin 152409 in the error event').toContain('152409');
    } finally {
      await bad.close();
    }
  });

  it('TP/SL brackets rest on the exchange, can be cancelled, and close the position when hit', async () => {
    await flatten(ex);
    await ex.createOrder(SYMBOL, 'market', 'buy', 1);
    let last = (await ex.fetchTicker(SYMBOL)).last!;
    const bracket = await ex.createOrder(SYMBOL, 'market', 'sell', 1, undefined, {
      stopLossPrice: ex.priceToPrecision(SYMBOL, last * 0.8),
      takeProfitPrice: ex.priceToPrecision(SYMBOL, last * 1.2),
    });
    const pending = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { tpsl: true });
    expect(pending.map((o) => o.id), 'bracket listed').toContain(bracket.id);
    await ex.cancelOrder(bracket.id!, SYMBOL, { tpsl: true });
    expect((await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { tpsl: true })).map((o) => o.id), 'cancelled').not.toContain(bracket.id);
    // A 3 bps bracket must be placed around the price the sim checks it against: paused, the
    // ticker read and the placement see the same last price however slow the round trips are.
    sim.pause();
    let tight: Awaited<ReturnType<Client['createOrder']>>;
    try {
      last = (await ex.fetchTicker(SYMBOL)).last!;
      tight = await ex.createOrder(SYMBOL, 'market', 'sell', 1, undefined, {
        stopLossPrice: ex.priceToPrecision(SYMBOL, last * 0.9997),
        takeProfitPrice: ex.priceToPrecision(SYMBOL, last * 1.0003),
      });
    } finally {
      sim.resume();
    }
    await until('the bracket to fire and close the position', async () => ((await ex.fetchPositions([SYMBOL])).length === 0 ? true : null), 45_000);
    const history = await ex.fetchClosedOrders(SYMBOL, undefined, undefined, { tpsl: true });
    expect(history.find((o) => o.id === tight.id)?.status, 'bracket effective').toBe('closed');
    const stop = await ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { stopLossPrice: ex.priceToPrecision(SYMBOL, last * 1.5), reduceOnly: true });
    expect(stop.id, 'a lone stop goes to the algo (trigger) endpoint').toBeTruthy();
    await ex.cancelOrder(stop.id!, SYMBOL, { trigger: true });
  });

  it('sets leverage and margin mode, refusing a mode change with an open position', async () => {
    await ex.setLeverage(10, SYMBOL);
    expect((await ex.fetchLeverage(SYMBOL)).longLeverage, 'leverage stored').toBe(10);
    await ex.createOrder(SYMBOL, 'market', 'buy', 1);
    expect((await ex.fetchPositions([SYMBOL]))[0]!.leverage).toBe(10);
    expect(errorChain(await caught(ex.setMarginMode('isolated', SYMBOL))), 'BloFin 110019').toContain('InvalidOrder');
    await flatten(ex);
    await ex.setMarginMode('isolated', SYMBOL);
    expect((await ex.fetchMarginMode(SYMBOL)).marginMode).toBe('isolated');
    await ex.setMarginMode('cross', SYMBOL);
  });
});

describe('BloFin trading rate limit', () => {
  it('answers 429 beyond 30 trading requests per 10 s while reads continue', async () => {
    const sim = await startSimExchange({ symbols: 3, seed: 2, startTimeMs: SIM_START_MS, apiKey: KEY });
    const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 3_000 });
    try {
      await ex.loadMarkets();
      const outcomes: string[] = [];
      for (let i = 0; i < 32; i++) {
        // 0.1 contract: ETH-USDT's minimum order.
        outcomes.push(await ex.createOrder(SYMBOL, 'market', i % 2 === 0 ? 'buy' : 'sell', 0.1).then(() => 'ok', (err: unknown) => errorChain(err)[0] ?? 'unknown'));
      }
      expect(outcomes.slice(0, 30).every((o) => o === 'ok'), 'the first 30 pass').toBe(true);
      expect(outcomes.slice(30), 'then 429').toEqual(['RateLimitExceeded', 'RateLimitExceeded']);
      await expect(ex.fetchBalance(), 'reads are not trading requests').resolves.toBeTruthy();
    } finally {
      await ex.close();
      await sim.stop();
    }
  });
});

describe('cross-margin liquidation', () => {
  it('closes a leveraged short at market when an injected pump takes equity to maintenance', async () => {
    const sim = await startSimExchange({ symbols: 20, seed: 8, startTimeMs: SIM_START_MS, acceleration: 600, apiKey: KEY, initialBalanceUsdt: 1_000, rateLimitScale: 10 });
    const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 3_000 });
    try {
      await ex.loadMarkets();
      const pump = sim.groundTruth().find((g) => g.kind === 'pump_and_dump' && g.startMs > sim.nowMs());
      expect(pump, 'the generator schedules a live pump after the start').toBeDefined();
      const symbol = pump!.symbol;
      await ex.setLeverage(50, symbol);
      const last = (await ex.fetchTicker(symbol)).last!;
      // 40x the balance in notional, in contracts (ccxt sends the amount as contracts unchanged).
      const amount = Number(ex.amountToPrecision(symbol, (1_000 * 40) / last / ex.market(symbol).contractSize!));
      await ex.createOrder(symbol, 'market', 'sell', amount);
      expect((await ex.fetchPositions([symbol]))[0]?.side, 'short open').toBe('short');
      await until('the liquidation', async () => ((await ex.fetchPositions([symbol])).length === 0 ? true : null), 45_000);
      const liquidation = sim.accountSnapshot().orders.find((o) => o.orderCategory === 'liquidation');
      expect(liquidation?.state, 'closed by a liquidation order').toBe('filled');
      expect(sim.nowMs() > pump!.startMs, 'during the pump').toBe(true);
      expect(sim.accountSnapshot().balanceUsdt, 'most of the margin is lost').toBeLessThan(500);
    } finally {
      await ex.close();
      await sim.stop();
    }
  });
});
