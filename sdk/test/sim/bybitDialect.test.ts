import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSim } from '../../src/cli/commands/sim.js';
import { runScan } from '../../src/cli/commands/scan.js';
import { bybitSign } from '../../src/sim/dialects/index.js';
import { createBybitClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { captureIo } from '../cli/testIo.js';
import { SIM_KEY, SIM_SYMBOL } from '../trading/helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

type Bybit = ReturnType<typeof createBybitClient>;
type Envelope = { retCode: number; retMsg: string; result: Record<string, unknown> };

/** A v5 request signed as Bybit documents it, with the timestamp and secret the test chooses. */
async function signedGet(sim: SimExchange, path: string, query: string, opts: { timestampMs?: number; secret?: string } = {}): Promise<{ status: number; body: Envelope; headers: Headers }> {
  const ts = String(opts.timestampMs ?? Date.now());
  const sign = bybitSign(opts.secret ?? SIM_KEY.secret, ts, SIM_KEY.apiKey, '5000', query);
  const res = await fetch(`${sim.url}${path}?${query}`, { headers: { 'X-BAPI-API-KEY': SIM_KEY.apiKey, 'X-BAPI-TIMESTAMP': ts, 'X-BAPI-RECV-WINDOW': '5000', 'X-BAPI-SIGN': sign } });
  return { status: res.status, body: (await res.json()) as Envelope, headers: res.headers };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

describe('SimExchange bybit dialect: public data through ccxt.bybit', () => {
  let sim: SimExchange;
  let ex: Bybit;

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'bybit', symbols: 4, seed: 21, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 60, rateLimitScale: 20 });
    ex = createBybitClient(sim, { enableRateLimit: false, timeout: 5_000 });
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('loads the sim markets as linear USDT perpetuals with their steps, ticks and listing times', async () => {
    const markets = await ex.loadMarkets();
    const core = sim.source.markets();
    expect(Object.keys(markets).sort()).toEqual(core.map((m) => m.symbol).sort());
    const m = ex.market(SIM_SYMBOL);
    const c = core.find((x) => x.symbol === SIM_SYMBOL)!;
    expect(m).toMatchObject({ id: `${c.base}${c.quote}`, type: 'swap', linear: true, contract: true, contractSize: 1, settle: 'USDT', active: true });
    expect(m.precision.price).toBe(c.tickSize);
    expect(m.created).toBeGreaterThan(0);
    const paths = sim.requestLog().map((r) => r.path);
    expect(new Set(paths)).toEqual(new Set(['/v5/market/instruments-info']));
  });

  it('serves tickers, klines, the book, trades, funding and open interest in Bybit shapes', async () => {
    const tickers = await ex.fetchTickers();
    expect(Object.keys(tickers).length).toBe(sim.source.markets().length);
    const t = tickers[SIM_SYMBOL]!;
    expect(t.last).toBeGreaterThan(0);
    expect(t.bid).toBeLessThan(t.ask!);

    const bars = await ex.fetchOHLCV(SIM_SYMBOL, '1m', undefined, 5);
    expect(bars.length).toBe(5);
    // Bybit lists klines newest first; ccxt sorts them back, so the steps are exactly one minute.
    expect(bars.slice(1).map((b, i) => b[0]! - bars[i]![0]!)).toEqual([60_000, 60_000, 60_000, 60_000]);
    for (const [, o, h, l, c] of bars) expect(h! >= Math.max(o!, c!) && l! <= Math.min(o!, c!)).toBe(true);

    const book = await ex.fetchOrderBook(SIM_SYMBOL, 10);
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);

    const trades = await ex.fetchTrades(SIM_SYMBOL, undefined, 20);
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.every((x) => x.price! > 0 && x.amount! > 0 && (x.side === 'buy' || x.side === 'sell'))).toBe(true);

    const rate = await ex.fetchFundingRate(SIM_SYMBOL);
    expect(Number.isFinite(rate.fundingRate)).toBe(true);
    expect(rate.fundingTimestamp! % (8 * 3_600_000)).toBe(0);
    const history = await ex.fetchFundingRateHistory(SIM_SYMBOL, undefined, 3);
    expect(history.length).toBe(3);
    expect(history[1]!.timestamp! - history[0]!.timestamp!).toBe(8 * 3_600_000);

    const oi = await ex.fetchOpenInterest(SIM_SYMBOL);
    expect(oi.openInterestAmount).toBeGreaterThan(0);
    const oiHistory = await ex.fetchOpenInterestHistory(SIM_SYMBOL, '1h', undefined, 3);
    expect(oiHistory.map((x) => x.timestamp! - oiHistory[0]!.timestamp!)).toEqual([0, 3_600_000, 7_200_000]);

    expect(sim.requestLog().every((r) => r.path.startsWith('/v5/market/') && !r.private && r.code === '0')).toBe(true);
  });

  it('answers errors in the retCode envelope: an unknown symbol, a bad interval, a missing category', async () => {
    const unknown = await rejection(ex.publicGetV5MarketOrderbook({ category: 'linear', symbol: 'NOPEUSDT' }));
    expect(unknown).toBeInstanceOf(ccxt.BadRequest);
    expect(unknown.message).toMatch(/"retCode":10001/);
    const interval = await rejection(ex.publicGetV5MarketKline({ category: 'linear', symbol: ex.market(SIM_SYMBOL).id, interval: '7' }));
    expect(interval.message).toMatch(/interval invalid/);
    const res = await fetch(`${sim.url}/v5/market/tickers`);
    expect(((await res.json()) as Envelope).retMsg).toMatch(/category is required/);
  });
});

describe('SimExchange bybit dialect: signatures, recvWindow and rate limits', () => {
  let sim: SimExchange;
  let limiterMs = 0;

  beforeAll(async () => {
    // The rate windows run on a clock the test holds still, so "per second" means these requests.
    sim = await startSimExchange({ dialect: 'bybit', symbols: 2, seed: 22, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 10, apiKey: SIM_KEY, rateLimitClockMs: () => limiterMs });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('accepts a request signed with the key, refuses a bad signature (10004) and an unknown key (10003)', async () => {
    const good = await signedGet(sim, '/v5/account/wallet-balance', 'accountType=UNIFIED');
    expect(good.body.retCode).toBe(0);
    const bad = await signedGet(sim, '/v5/account/wallet-balance', 'accountType=UNIFIED', { secret: 'not-the-secret' });
    expect(bad.body).toMatchObject({ retCode: 10004 });
    expect(bad.body.retMsg).toMatch(/^error sign!/);

    const wrongSecret = createBybitClient(sim, { enableRateLimit: false, apiKey: SIM_KEY.apiKey, secret: 'not-the-secret' });
    const err = await rejection(wrongSecret.fetchBalance());
    expect(err).toBeInstanceOf(ccxt.AuthenticationError);
    expect(err.message).toMatch(/"retCode":10004/);
    const unknownKey = createBybitClient(sim, { enableRateLimit: false, apiKey: 'someone-else', secret: SIM_KEY.secret });
    expect((await rejection(unknownKey.fetchBalance())).message).toMatch(/"retCode":10003/);
    expect(sim.accountSnapshot().orders).toEqual([]);
  });

  it('enforces recvWindow: a timestamp older than the window or a second ahead is refused with 10002', async () => {
    const stale = await signedGet(sim, '/v5/account/info', '', { timestampMs: Date.now() - 6_000 });
    expect(stale.body.retCode).toBe(10002);
    expect(stale.body.retMsg).toMatch(/recv_window\[5000\]/);
    const ahead = await signedGet(sim, '/v5/account/info', '', { timestampMs: Date.now() + 5_000 });
    expect(ahead.body.retCode).toBe(10002);
    const inside = await signedGet(sim, '/v5/account/info', '', { timestampMs: Date.now() - 2_000 });
    expect(inside.body.retCode).toBe(0);
  });

  it('limits an endpoint per second (query-api: 10), reports it in X-Bapi-Limit headers and refuses with 10006', async () => {
    limiterMs = 1_000_000;
    const statuses: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await signedGet(sim, '/v5/user/query-api', '');
      expect(r.body.retCode).toBe(0);
      statuses.push(r.headers.get('x-bapi-limit-status') ?? '');
    }
    expect(statuses).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
    const over = await signedGet(sim, '/v5/user/query-api', '');
    expect(over.body).toMatchObject({ retCode: 10006, retMsg: 'Too many visits!' });
    expect(over.headers.get('x-bapi-limit')).toBe('10');
    const ex = createBybitClient(sim, { enableRateLimit: false });
    expect(await rejection(ex.privateGetV5UserQueryApi())).toBeInstanceOf(ccxt.RateLimitExceeded);
    // Another endpoint has its own budget.
    expect((await signedGet(sim, '/v5/account/info', '')).body.retCode).toBe(0);
    limiterMs += 1_001;
    expect((await signedGet(sim, '/v5/user/query-api', '')).body.retCode, 'a second later the window has room again').toBe(0);
  });
});

describe('SimExchange bybit dialect: orders through ccxt.bybit', () => {
  let sim: SimExchange;
  let ex: Bybit;
  let px = 0;
  let amount = 0;

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'bybit', symbols: 4, seed: 23, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 10, apiKey: SIM_KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
    ex = createBybitClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
    px = (await ex.fetchTicker(SIM_SYMBOL)).last!;
    amount = Number(ex.amountToPrecision(SIM_SYMBOL, 200 / px));
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  const price = (factor: number): number => Number(ex.priceToPrecision(SIM_SYMBOL, px * factor));

  it('reads the unified wallet and sets leverage and margin mode', async () => {
    const balance = await ex.fetchBalance();
    expect(balance.USDT).toMatchObject({ total: 100_000, free: 100_000 });
    await ex.setLeverage(5, SIM_SYMBOL);
    expect((await ex.fetchLeverage(SIM_SYMBOL)).longLeverage).toBe(5);
    const same = await rejection(ex.setLeverage(5, SIM_SYMBOL));
    expect(same.message, 'the same leverage again is "not modified"').toMatch(/"retCode":110043/);
    await ex.setMarginMode('isolated', SIM_SYMBOL);
    expect((await ex.fetchMarginMode(SIM_SYMBOL)).marginMode).toBe('isolated');
    await ex.setMarginMode('cross', SIM_SYMBOL);
    expect((await ex.fetchMarginMode(SIM_SYMBOL)).marginMode).toBe('cross');
  });

  it('places a limit order with attached TP/SL under an orderLinkId, lists it, refuses the id again, cancels it', async () => {
    const order = await ex.createOrder(SIM_SYMBOL, 'limit', 'buy', amount, price(0.8), { clientOrderId: 'by-limit-1', takeProfit: price(0.9), stopLoss: price(0.7) });
    const open = await ex.fetchOpenOrders(SIM_SYMBOL);
    expect(open.map((o) => [o.id, o.clientOrderId, o.status, o.price, o.amount, o.takeProfitPrice, o.stopLossPrice])).toEqual([[order.id, 'by-limit-1', 'open', price(0.8), amount, price(0.9), price(0.7)]]);
    const dup = await rejection(ex.createOrder(SIM_SYMBOL, 'limit', 'buy', amount, price(0.8), { clientOrderId: 'by-limit-1' }));
    expect(dup).toBeInstanceOf(ccxt.InvalidOrder);
    expect(dup.message).toMatch(/"retCode":110072/);
    await ex.cancelOrder(String(order.id), SIM_SYMBOL);
    expect(await ex.fetchOpenOrders(SIM_SYMBOL)).toEqual([]);
    const after = await rejection(ex.createOrder(SIM_SYMBOL, 'limit', 'buy', amount, price(0.8), { clientOrderId: 'by-limit-1' }));
    expect(after.message, 'an orderLinkId stays used after its order closed').toMatch(/"retCode":110072/);
    const history = await ex.fetchCanceledAndClosedOrders(SIM_SYMBOL);
    expect(history.find((o) => o.id === order.id)?.status).toBe('canceled');
  });

  it('opens with a market order, brackets it with conditional stop and take-profit, closes reduce-only', async () => {
    const entry = await ex.createOrder(SIM_SYMBOL, 'market', 'buy', amount, undefined, { clientOrderId: 'by-entry' });
    const [pos] = await ex.fetchPositions([SIM_SYMBOL]);
    expect(pos).toMatchObject({ symbol: SIM_SYMBOL, side: 'long', contracts: amount });

    const stop = await ex.createOrder(SIM_SYMBOL, 'market', 'sell', amount, undefined, { stopLossPrice: price(0.8), reduceOnly: true, triggerBy: 'MarkPrice', clientOrderId: 'by-sl' });
    const tp = await ex.createOrder(SIM_SYMBOL, 'market', 'sell', amount, undefined, { takeProfitPrice: price(1.2), reduceOnly: true, clientOrderId: 'by-tp' });
    const open = new Map((await ex.fetchOpenOrders(SIM_SYMBOL)).map((o) => [o.clientOrderId, o]));
    expect(open.get('by-sl')).toMatchObject({ id: stop.id, status: 'open', triggerPrice: price(0.8), stopLossPrice: price(0.8), reduceOnly: true });
    expect(open.get('by-tp')).toMatchObject({ id: tp.id, status: 'open', triggerPrice: price(1.2), takeProfitPrice: price(1.2), reduceOnly: true });
    expect((open.get('by-sl')!.info as Record<string, unknown>).triggerBy).toBe('MarkPrice');
    expect(sim.accountSnapshot().triggers.filter((t) => t.state === 'live').length).toBe(2);
    // A stop on the wrong side of the market is refused, as Bybit does (110093: expected to fall).
    const wrongSide = await rejection(ex.createOrder(SIM_SYMBOL, 'market', 'sell', amount, undefined, { stopLossPrice: price(1.1), reduceOnly: true }));
    expect(wrongSide.message).toMatch(/"retCode":110093/);

    // Both prices at once go to the position's trading-stop (whole position).
    await ex.createOrder(SIM_SYMBOL, 'market', 'sell', 0, undefined, { stopLossPrice: price(0.75), takeProfitPrice: price(1.25) });
    const [withTpsl] = await ex.fetchPositions([SIM_SYMBOL]);
    expect([withTpsl?.stopLossPrice, withTpsl?.takeProfitPrice]).toEqual([price(0.75), price(1.25)]);

    const close = await ex.createOrder(SIM_SYMBOL, 'market', 'sell', amount, undefined, { reduceOnly: true, clientOrderId: 'by-close' });
    expect(await ex.fetchPositions()).toEqual([]);
    const again = await rejection(ex.createOrder(SIM_SYMBOL, 'market', 'sell', amount, undefined, { reduceOnly: true }));
    expect(again).toBeInstanceOf(ccxt.InvalidOrder);
    expect(again.message).toMatch(/"retCode":110017/);

    const fills = await ex.fetchMyTrades(SIM_SYMBOL);
    expect(fills.map((f) => [f.order, f.side, f.amount])).toEqual([
      [entry.id, 'buy', amount],
      [close.id, 'sell', amount],
    ]);
    expect(fills.every((f) => f.fee?.currency === 'USDT' && f.fee.cost! > 0 && f.takerOrMaker === 'taker')).toBe(true);
    const closed = await ex.fetchOrder(String(close.id), SIM_SYMBOL, { acknowledged: true });
    expect(closed).toMatchObject({ status: 'closed', filled: amount, reduceOnly: true, clientOrderId: 'by-close' });

    for (const o of [stop, tp]) await ex.cancelOrder(String(o.id), SIM_SYMBOL);
    await ex.cancelAllOrders(SIM_SYMBOL);
    expect(await ex.fetchOpenOrders(SIM_SYMBOL)).toEqual([]);
    expect(sim.accountSnapshot().triggers.filter((t) => t.state === 'live')).toEqual([]);
    const gone = await rejection(ex.cancelOrder(String(stop.id), SIM_SYMBOL));
    expect(gone).toBeInstanceOf(ccxt.OrderNotFound);
  });
});

describe('perpscope sim --dialect bybit and scan --sim --exchange bybit', () => {
  it('serves the Bybit protocol from the sim command, with a printed test key ccxt.bybit signs with', async () => {
    const lines: string[] = [];
    const sim = await runSim({ dialect: 'bybit', symbols: 3, seed: 5, private: true }, (l) => lines.push(l));
    try {
      expect(lines[0]).toBe(`listening ${sim.url}`);
      expect(lines).toContain(`dialect bybit: REST ${sim.url}/v5 (category=linear); no websockets`);
      const ex = createBybitClient(sim, { enableRateLimit: false });
      expect((await ex.fetchBalance()).USDT?.total).toBeGreaterThan(0);
      await ex.close();
    } finally {
      await sim.stop();
    }
  });

  it('scans through ccxt.bybit against the in-process sim', async () => {
    const io = captureIo(false);
    await runScan({ sim: true, exchange: 'bybit', symbols: 6, seed: 7, startMs: SIM_START_MS, top: 4, timeframes: ['15m'], home: '/nonexistent-perpscope-home' }, io);
    const rows = io.lines.map((l) => JSON.parse(l) as { rank: number; symbol: string; last: number });
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(rows.every((r) => /^[A-Z0-9]+\/USDT:USDT$/.test(r.symbol) && r.last > 0)).toBe(true);
  });

  it('names bybit among the dialects when another is asked for', async () => {
    await expect(runScan({ sim: true, exchange: 'kraken', symbols: 2, top: 1, home: '/nonexistent-perpscope-home' }, captureIo(false))).rejects.toThrow(/blofin, binanceusdm, bybit or htx/);
  });
});
