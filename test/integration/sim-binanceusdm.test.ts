import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceSign, createBinanceUsdmClient, startSimExchange, type SimExchange } from '@perpscope/sdk/sim';
import { runScan } from '../../sdk/src/cli/commands/scan.js';
import { runSim } from '../../sdk/src/cli/commands/sim.js';
import { runCli } from '../../sdk/src/cli/index.js';
import { captureIo } from '../../sdk/test/cli/testIo.js';
import { SIM_START_MS, until } from '../support/sim.js';

const KEY = { apiKey: 'sim-binance-key', secret: 'sim-binance-secret', password: '' };
const SYMBOL = 'ETH/USDT:USDT';
const ID = 'ETHUSDT';

type Client = ReturnType<typeof createBinanceUsdmClient>;

/** ccxt error classes by name along the prototype chain (the test package does not depend on ccxt). */
function isA(name: string): (err: unknown) => boolean {
  return (err) => {
    for (let p = err === null || typeof err !== 'object' ? null : Object.getPrototypeOf(err); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      if ((p as { constructor: { name: string } }).constructor.name === name) return true;
    }
    return false;
  };
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** A base quantity worth about `usd` at `price`, on the market's step. */
function qtyFor(ex: Client, usd: number, price: number): number {
  return Number(ex.amountToPrecision(SYMBOL, usd / price));
}

describe('ccxt binanceusdm against SimExchange (binanceusdm dialect)', () => {
  let sim: SimExchange;
  let ex: Client;
  let seq = 0;
  const cid = (): string => `x-sim-${seq++}`;

  beforeAll(async () => {
    // Accelerated so that a stop's trigger is reached within seconds; rateLimitScale 10 keeps the
    // suite clear of the weight budget, which has its own test below.
    sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 8, seed: 5, startTimeMs: SIM_START_MS, acceleration: 60, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 10 });
    ex = createBinanceUsdmClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('lists linear perpetuals with base quantities, filters and listing time', () => {
    const m = ex.market(SYMBOL);
    const core = sim.source.markets().find((x) => x.symbol === SYMBOL)!;
    expect(m.id).toBe(ID);
    expect(m.swap && m.linear && m.contract).toBe(true);
    expect(m.contractSize, 'Binance USD-M counts quantities in base').toBe(1);
    expect(m.precision.price).toBe(core.tickSize);
    expect(m.precision.amount).toBeCloseTo(core.lotSize * core.contractSize, 12);
    expect(m.limits.amount?.min).toBeCloseTo(core.minAmount * core.contractSize, 12);
    expect(m.limits.cost?.min, 'MIN_NOTIONAL').toBe(5);
    expect(m.created, 'onboardDate is the listing time').toBe(core.listedAtMs ?? sim.source.firstDataMs(SYMBOL));
    expect(Object.keys(ex.markets ?? {}).length).toBe(8);
  });

  it('serves tickers, klines, the book, trades, funding and open interest', async () => {
    const tickers = await ex.fetchTickers();
    expect(Object.keys(tickers).length).toBe(8);
    const t = tickers[SYMBOL]!;
    expect(t.last).toBeGreaterThan(0);
    expect(t.quoteVolume).toBeGreaterThan(0);
    expect(t.baseVolume! * t.last!).toBeGreaterThan(0);

    const bars = await ex.fetchOHLCV(SYMBOL, '1h', undefined, 10);
    expect(bars.length).toBe(10);
    for (let i = 1; i < bars.length; i++) expect(bars[i]![0]! - bars[i - 1]![0]!).toBe(3_600_000);
    const [closed] = sim.source.candles(SYMBOL, '1H', bars[0]![0]!, bars[0]![0]! + 1);
    expect(bars[0]!.slice(1, 5), 'a closed bar is the source bar').toEqual([closed!.open, closed!.high, closed!.low, closed!.close]);
    const since = bars[2]![0]!;
    const page = await ex.fetchOHLCV(SYMBOL, '1h', since, 3);
    expect(page.map((b) => b[0])).toEqual([since, since + 3_600_000, since + 7_200_000]);

    const book = await ex.fetchOrderBook(SYMBOL, 10);
    expect(book.bids.length).toBe(10);
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);
    for (let i = 1; i < 10; i++) expect(book.bids[i]![0]!).toBeLessThan(book.bids[i - 1]![0]!);

    const trades = await ex.fetchTrades(SYMBOL, undefined, 20);
    expect(trades.length).toBe(20);
    expect(trades.every((x) => x.amount! > 0 && (x.side === 'buy' || x.side === 'sell'))).toBe(true);

    const funding = await ex.fetchFundingRate(SYMBOL);
    expect(funding.fundingRate, 'the source rate at the sim time the answer carries').toBeCloseTo(sim.source.fundingRate(SYMBOL, funding.timestamp!).rate, 8);
    expect(funding.markPrice).toBeGreaterThan(0);
    const history = await ex.fetchFundingRateHistory(SYMBOL, undefined, 5);
    expect(history.length).toBe(5);
    for (const h of history) expect(h.timestamp! % (8 * 3_600_000), 'settled at 8h boundaries').toBe(0);
    expect(history[4]!.timestamp! - history[0]!.timestamp!).toBe(4 * 8 * 3_600_000);

    const oi = await ex.fetchOpenInterestHistory(SYMBOL, '1h', undefined, 4);
    expect(oi.length).toBe(4);
    expect(oi[3]!.timestamp! - oi[0]!.timestamp!).toBe(3 * 3_600_000);
    expect(oi[0]!.openInterestAmount).toBeGreaterThan(0);
  });

  it('reports the balance and sets leverage and margin mode', async () => {
    const balance = await ex.fetchBalance();
    expect(balance.USDT?.total).toBe(100_000);
    expect(balance.USDT?.free).toBe(100_000);
    const lev = await ex.setLeverage(7, SYMBOL);
    expect((lev as { leverage: number }).leverage).toBe(7);
    await ex.setMarginMode('isolated', SYMBOL);
    expect((await caught(ex.setMarginMode('isolated', SYMBOL))).constructor.name, '-4046 No need to change margin type').toBe('MarginModeAlreadySet');
    await ex.setMarginMode('cross', SYMBOL);
  });

  it('places, finds by newClientOrderId, refuses a duplicate id, and cancels a limit order', async () => {
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    const price = Number(ex.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.9));
    const id = cid();
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', qtyFor(ex, 100, price), price, { newClientOrderId: id });
    expect(placed.clientOrderId).toBe(id);
    expect(placed.status).toBe('open');
    const found = await ex.fetchOrder('', SYMBOL, { clientOrderId: id });
    expect(found.id).toBe(placed.id);
    expect(found.amount).toBe(placed.amount);
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toContain(placed.id);

    const dup = await caught(ex.createOrder(SYMBOL, 'limit', 'buy', qtyFor(ex, 100, price), price, { newClientOrderId: id }));
    expect(dup).toSatisfy(isA('InvalidOrder'));
    expect(dup.message).toContain('-4116');

    const canceled = await ex.cancelOrder(String(placed.id), SYMBOL);
    expect(canceled.status).toBe('canceled');
    expect((await ex.fetchOrder(String(placed.id), SYMBOL)).status).toBe('canceled');
    expect(await caught(ex.cancelOrder(String(placed.id), SYMBOL)), '-2011 Unknown order sent').toSatisfy(isA('OrderNotFound'));
    expect(await caught(ex.fetchOrder('999999', SYMBOL)), '-2013 Order does not exist').toSatisfy(isA('OrderNotFound'));
  });

  it('refuses orders with Binance codes: min notional, margin, reduce-only without a position, unknown symbol', async () => {
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    const ask = book.asks[0]![0]!;
    const tiny = ex.market(SYMBOL).limits.amount!.min!;
    const small = await caught(ex.createOrder(SYMBOL, 'market', 'buy', tiny));
    expect(tiny * ask, 'the smallest lot is under 5 USDT here').toBeLessThan(5);
    expect(small).toSatisfy(isA('InvalidOrder'));
    expect(small.message).toContain('-4164');
    const huge = await caught(ex.createOrder(SYMBOL, 'market', 'buy', qtyFor(ex, 10_000_000, ask)));
    expect(huge).toSatisfy(isA('InsufficientFunds'));
    expect(huge.message).toContain('-2019');
    const reduce = await caught(ex.createOrder(SYMBOL, 'market', 'sell', qtyFor(ex, 100, ask), undefined, { reduceOnly: true }));
    expect(reduce).toSatisfy(isA('InvalidOrder'));
    expect(reduce.message).toContain('-2022');
    const res = await fetch(`${sim.url}/fapi/v1/depth?symbol=NOPEUSDT`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: -1121, msg: 'Invalid symbol.' });
  });

  it('opens a position, shows it, closes it reduce-only and lists both fills', async () => {
    const ask = (await ex.fetchOrderBook(SYMBOL, 5)).asks[0]![0]!;
    const qty = qtyFor(ex, 500, ask);
    const open = await ex.createOrder(SYMBOL, 'market', 'buy', qty, undefined, { newClientOrderId: cid() });
    expect(open.status).toBe('closed');
    expect(open.filled).toBe(qty);
    const [pos] = await ex.fetchPositions([SYMBOL]);
    expect(pos?.side).toBe('long');
    expect(pos?.contracts).toBe(qty);
    expect(pos?.entryPrice).toBe(open.average);
    const balance = await ex.fetchBalance();
    expect(balance.USDT?.used, 'initial margin is held').toBeGreaterThan(0);

    const close = await ex.createOrder(SYMBOL, 'market', 'sell', qty * 2, undefined, { reduceOnly: true });
    expect(close.filled, 'reduce-only never flips the position').toBe(qty);
    expect(await ex.fetchPositions([SYMBOL])).toEqual([]);
    const fills = await ex.fetchMyTrades(SYMBOL);
    expect(fills.filter((f) => f.order === open.id || f.order === close.id).map((f) => f.side).sort()).toEqual(['buy', 'sell']);
  });

  it('a closePosition STOP_MARKET rests as an algo order, can be cancelled, and closes the position when the price gets there', async () => {
    const ask = (await ex.fetchOrderBook(SYMBOL, 5)).asks[0]![0]!;
    const qty = qtyFor(ex, 500, ask);
    await ex.createOrder(SYMBOL, 'market', 'buy', qty);

    const last = sim.source.lastPrice(SYMBOL, sim.nowMs())!;
    const above = await caught(ex.createOrder(SYMBOL, 'STOP_MARKET', 'sell', undefined as unknown as number, undefined, { stopPrice: Number(ex.priceToPrecision(SYMBOL, last * 1.05)), closePosition: true }));
    expect(above.message, 'a sell stop above the market would trigger at once').toContain('-2021');

    const far = await ex.createOrder(SYMBOL, 'STOP_MARKET', 'sell', undefined as unknown as number, undefined, { stopPrice: Number(ex.priceToPrecision(SYMBOL, last * 0.5)), closePosition: true });
    expect((await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).map((o) => o.id)).toEqual([far.id]);
    expect((await ex.cancelOrder(String(far.id), SYMBOL, { trigger: true })).id).toBe(far.id);
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).toEqual([]);

    // The generator is pure in time: find where the price dips below the current one in the next
    // sim hour and put the stop between, so that the wait below ends on a state, not a timer.
    // Paused while the stop is placed, so that the price it is checked against is the one read here.
    sim.pause();
    const now = sim.nowMs();
    let low = Number.POSITIVE_INFINITY;
    for (let t = now + 60_000; t < now + 3_600_000; t += 60_000) low = Math.min(low, sim.source.lastPrice(SYMBOL, t)!);
    const current = sim.source.lastPrice(SYMBOL, now)!;
    expect(low, 'the path dips within the hour').toBeLessThan(current);
    const trigger = Number(ex.priceToPrecision(SYMBOL, low + (current - low) * 0.25));
    const stop = await ex.createOrder(SYMBOL, 'STOP_MARKET', 'sell', undefined as unknown as number, undefined, { stopPrice: trigger, closePosition: true, clientAlgoId: cid() }).finally(() => sim.resume());
    expect(stop.triggerPrice).toBe(trigger);
    await until('the stop to close the position', async () => ((await ex.fetchPositions([SYMBOL])).length === 0 ? true : null), 90_000);
    const fired = await ex.fetchOrder(String(stop.id), SYMBOL, { trigger: true });
    expect(['closed']).toContain(fired.status);
  });

  it('a bad signature, an unknown key and a stale timestamp are refused with Binance codes', async () => {
    const wrongSecret = createBinanceUsdmClient(sim, { apiKey: KEY.apiKey, secret: 'not-the-secret', enableRateLimit: false });
    wrongSecret.markets = ex.markets;
    wrongSecret.marketsById = ex.marketsById;
    const bad = await caught(wrongSecret.fetchBalance());
    expect(bad).toSatisfy(isA('AuthenticationError'));
    expect(bad.message).toContain('-1022');
    const wrongKey = createBinanceUsdmClient(sim, { apiKey: 'someone-else', secret: KEY.secret, enableRateLimit: false });
    expect(await caught(wrongKey.fetchBalance())).toSatisfy(isA('AuthenticationError'));

    sim.faults.clockSkew(-30_000);
    try {
      const stale = await caught(ex.fetchBalance());
      expect(stale).toSatisfy(isA('InvalidNonce'));
      expect(stale.message).toContain('-1021');
    } finally {
      sim.faults.clockSkew(0);
    }
    // The signature is over the query string exactly: the sim's own check agrees with an independent signer.
    const query = `timestamp=${Date.now()}&recvWindow=5000`;
    const res = await fetch(`${sim.url}/fapi/v3/balance?${query}&signature=${binanceSign(KEY.secret, query)}`, { headers: { 'X-MBX-APIKEY': KEY.apiKey } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { asset: string }[])[0]?.asset).toBe('USDT');

    // recvWindow: 5 s by default, as sent up to 60 s.
    const signedGet = async (params: string): Promise<Response> =>
      fetch(`${sim.url}/fapi/v3/balance?${params}&signature=${binanceSign(KEY.secret, params)}`, { headers: { 'X-MBX-APIKEY': KEY.apiKey } });
    const sevenSecondsAgo = Date.now() - 7_000;
    const late = await signedGet(`timestamp=${sevenSecondsAgo}`);
    expect(late.status).toBe(400);
    expect(((await late.json()) as { code: number }).code).toBe(-1021);
    expect((await signedGet(`timestamp=${sevenSecondsAgo}&recvWindow=20000`)).status).toBe(200);
    expect(((await (await signedGet(`timestamp=${Date.now()}&recvWindow=60001`)).json()) as { code: number }).code).toBe(-1131);
    const unsigned = await fetch(`${sim.url}/fapi/v3/balance?timestamp=${Date.now()}`);
    expect(unsigned.status, 'no X-MBX-APIKEY').toBe(401);
    expect(((await unsigned.json()) as { code: number }).code).toBe(-2014);
  });
});

describe('Binance request weights', () => {
  it('reports X-MBX-USED-WEIGHT-1M, answers 429 with Retry-After past the budget, and recovers the next minute', async () => {
    let clockMs = Date.UTC(2025, 0, 15, 14, 0, 10);
    // Scale 0.05: a budget of 120 weight per minute.
    const sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 4, seed: 2, startTimeMs: SIM_START_MS, rateLimitScale: 0.05, rateLimitClockMs: () => clockMs });
    try {
      const ex = createBinanceUsdmClient(sim, { enableRateLimit: false, enableLastResponseHeaders: true });
      const usedWeight = (): string | undefined => Object.entries(ex.last_response_headers ?? {}).find(([k]) => k.toLowerCase() === 'x-mbx-used-weight-1m')?.[1] as string | undefined;
      const used: string[] = [];
      await ex.loadMarkets();
      used.push(String(usedWeight()));
      for (let i = 0; i < 2; i++) {
        await ex.fetchTickers();
        used.push(String(usedWeight()));
      }
      expect(used, 'exchangeInfo weighs 1, unfiltered 24h tickers 40').toEqual(['1', '41', '81']);
      const refused = await caught(ex.fetchTickers());
      // ccxt's binance raises DDoSProtection on HTTP 429 itself, before reading -1003 (which it maps to RateLimitExceeded).
      expect(refused).toSatisfy(isA('DDoSProtection'));
      expect(refused.message).toContain('429');
      expect(refused.message).toContain('-1003');
      const raw = await fetch(`${sim.url}/fapi/v1/ticker/24hr`);
      expect(raw.status).toBe(429);
      expect(raw.headers.get('retry-after'), '50 s left in the minute').toBe('50');
      expect(sim.stats().rejected429).toBe(2);
      clockMs += 60_000;
      await ex.fetchTickers();
      expect(usedWeight(), 'a new minute, a new budget').toBe('40');
    } finally {
      await sim.stop();
    }
  });
});

describe('perpscope sim --dialect and scan --sim --exchange binanceusdm', () => {
  it('sim --dialect binanceusdm serves fapi; an unknown dialect is refused by name', async () => {
    const lines: string[] = [];
    const sim = await runSim({ dialect: 'binanceusdm', symbols: 3, seed: 1 }, (l) => lines.push(l));
    try {
      expect(lines[0]).toBe(`listening ${sim.url}`);
      expect(sim.dialect).toBe('binanceusdm');
      const info = (await (await fetch(`${sim.url}/fapi/v1/exchangeInfo`)).json()) as { symbols: { contractType: string }[] };
      expect(info.symbols.map((s) => s.contractType)).toEqual(['PERPETUAL', 'PERPETUAL', 'PERPETUAL']);
      expect((await fetch(`${sim.url}/api/v1/market/instruments`)).status, 'BloFin paths are not served').toBe(404);
    } finally {
      await sim.stop();
    }
    await expect(runSim({ dialect: 'okx' }, () => undefined)).rejects.toThrow(/dialect.*okx.*blofin, binanceusdm, bybit, htx/s);
  });

  it('the CLI passes --dialect through: perpscope sim --dialect binanceusdm', async () => {
    // Interrupted at once: the command starts the sim, reports, and stops it.
    const io = { ...captureIo(false), interrupted: Promise.resolve() };
    expect(await runCli(['sim', '--dialect', 'binanceusdm', '--symbols', '2'], io)).toBe(0);
    expect(io.lines[0]).toMatch(/^listening http:\/\/127\.0\.0\.1:\d+$/);
    expect(io.lines[1]).toMatch(/^dialect binanceusdm: REST http:\/\/127\.0\.0\.1:\d+\/fapi\/v1/);
    const bad = { ...captureIo(false), interrupted: Promise.resolve() };
    expect(await runCli(['sim', '--dialect', 'okx'], bad)).not.toBe(0);
    expect(bad.errors.join('\n')).toMatch(/dialect.*okx/s);
  });

  it('scan --sim --exchange binanceusdm --top 5 --json ranks rows read through ccxt binanceusdm', async () => {
    const io = captureIo(false);
    // Binance's 24h tickers carry no bid/ask (real fapi neither): the quotes come from bookTicker,
    // so the default 50 bps spread gate of the universe applies as on any exchange.
    await runScan({ sim: true, exchange: 'binanceusdm', symbols: 20, seed: 7, top: 5, json: true, timeframes: ['15m'], home: '/nonexistent-perpscope-home' }, io);
    const rows = io.lines.map((l) => JSON.parse(l) as { rank: number; symbol: string; last: number; spreadBps: number; quoteVolume24h: number });
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const r of rows) {
      expect(r.symbol).toMatch(/^[A-Z0-9]+\/USDT:USDT$/);
      expect(r.last).toBeGreaterThan(0);
      expect(r.quoteVolume24h).toBeGreaterThan(0);
      expect(r.spreadBps, 'order flow came from the fapi depth endpoint').toBeGreaterThan(0);
    }
  });

  it('scan --sim --exchange names the exchanges the sim speaks when given another', async () => {
    await expect(runScan({ sim: true, exchange: 'okx', top: 5, json: true, home: '/nonexistent-perpscope-home' }, captureIo(false))).rejects.toThrow(/blofin, binanceusdm, bybit or htx/);
  });
});
