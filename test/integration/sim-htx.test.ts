import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHtxClient, htxSign, startSimExchange, type SimExchange } from '@perpscope/sdk/sim';
import { runScan } from '../../sdk/src/cli/commands/scan.js';
import { runCli } from '../../sdk/src/cli/index.js';
import { captureIo } from '../../sdk/test/cli/testIo.js';
import { tickerFromCcxt } from '../../sdk/src/market/ccxtConvert.js';
import { SIM_START_MS } from '../support/sim.js';

const KEY = { apiKey: 'sim-htx-key', secret: 'sim-htx-secret', password: '' };
const SYMBOL = 'ETH/USDT:USDT';
const ID = 'ETH-USDT';
const HOUR = 3_600_000;

type Client = ReturnType<typeof createHtxClient>;

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

/** HTX's signature v2 query for `path`, signed with `secret` over the sim's host. */
function signedQuery(sim: SimExchange, method: string, path: string, secret: string, extra: Record<string, string> = {}, stampMs = Date.now()): string {
  const params: Record<string, string> = { AccessKeyId: KEY.apiKey, SignatureMethod: 'HmacSHA256', SignatureVersion: '2', Timestamp: new Date(stampMs).toISOString().slice(0, 19), ...extra };
  const sorted = Object.keys(params)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(params[k]!)}`)
    .join('&');
  const signature = htxSign(secret, method, new URL(sim.url).host, path, sorted);
  return `${sorted}&Signature=${encodeURIComponent(signature)}`;
}

describe('ccxt htx against SimExchange (htx dialect)', () => {
  let sim: SimExchange;
  let ex: Client;

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'htx', symbols: 8, seed: 5, startTimeMs: SIM_START_MS, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 10 });
    ex = createHtxClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('lists USDT-margined swaps with contract size, tick, listing time and status', () => {
    const m = ex.market(SYMBOL);
    const core = sim.source.markets().find((x) => x.symbol === SYMBOL)!;
    expect(m.id).toBe(ID);
    expect(m.swap && m.linear && m.contract && !m.future).toBe(true);
    expect(m.contractSize, 'one HTX contract is one lot of the market').toBeCloseTo(core.lotSize * core.contractSize, 12);
    expect(m.precision.amount, 'HTX trades whole contracts').toBe(1);
    expect(m.precision.price).toBe(core.tickSize);
    expect(m.active).toBe(true);
    expect(m.created, 'create_date is the listing day').toBe(Math.floor((core.listedAtMs ?? 0) / 86_400_000) * 86_400_000);
    expect(Object.keys(ex.markets ?? {}).length).toBe(8);
  });

  it('serves tickers, klines, the book and trades in contracts', async () => {
    const m = ex.market(SYMBOL);
    const tickers = await ex.fetchTickers();
    expect(Object.keys(tickers).length).toBe(8);
    const t = tickers[SYMBOL]!;
    const stats = sim.source.stats24h(SYMBOL, t.timestamp!)!;
    expect(t.last).toBeGreaterThan(0);
    expect(t.bid!).toBeLessThan(t.ask!);
    expect(t.baseVolume, 'amount is the 24h volume in coin').toBeCloseTo(stats.baseVolume24h, 0);
    expect(Number((t.info as { trade_turnover: string }).trade_turnover), 'trade_turnover is the 24h quote volume').toBeGreaterThan(0);
    expect(Number((t.info as { vol: string }).vol), 'vol counts contracts').toBeCloseTo(stats.baseVolume24h / m.contractSize!, -2);

    const bars = await ex.fetchOHLCV(SYMBOL, '1h', undefined, 10);
    expect(bars.length).toBe(10);
    for (let i = 1; i < bars.length; i++) expect(bars[i]![0]! - bars[i - 1]![0]!).toBe(HOUR);
    expect(bars[9]![0], 'the last bar is the one forming at the sim time').toBe(Math.floor(sim.nowMs() / HOUR) * HOUR);
    const [closed] = sim.source.candles(SYMBOL, '1H', bars[0]![0]!, bars[0]![0]! + 1);
    expect(bars[0]!.slice(1, 5), 'a closed bar is the source bar').toEqual([closed!.open, closed!.high, closed!.low, closed!.close]);
    const since = bars[2]![0]!;
    const page = await ex.fetchOHLCV(SYMBOL, '1h', since, 3);
    expect(page.map((b) => b[0])).toEqual([since, since + HOUR, since + 2 * HOUR]);

    const book = await ex.fetchOrderBook(SYMBOL);
    expect(book.bids.length).toBe(150);
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);
    for (let i = 1; i < 20; i++) expect(book.bids[i]![0]!).toBeLessThan(book.bids[i - 1]![0]!);
    expect(book.bids.every(([, v]) => Number.isInteger(v) && v! > 0), 'levels count whole contracts').toBe(true);

    const trades = await ex.fetchTrades(SYMBOL, undefined, 20);
    expect(trades.length).toBe(20);
    expect(trades.every((x) => x.amount! >= 1 && (x.side === 'buy' || x.side === 'sell'))).toBe(true);
    for (let i = 1; i < trades.length; i++) expect(trades[i]!.timestamp!).toBeGreaterThanOrEqual(trades[i - 1]!.timestamp!);
  });

  it("the converted 24h volumes are the day's trades: quote from trade_turnover, base from the coin amount", async () => {
    const m = ex.market(SYMBOL);
    const raw = await ex.fetchTicker(SYMBOL);
    // The tick's own `ts` is the sim time its 24h window ends at (ccxt stamps the ticker with the response's).
    const at = (raw.info as { ts: number }).ts;
    const dayTrades = sim.source.trades(SYMBOL, at - 24 * HOUR, at);
    expect(dayTrades.length).toBeGreaterThan(1_000);
    const turnover = dayTrades.reduce((a, t) => a + t.price * t.amount, 0);
    const coins = dayTrades.reduce((a, t) => a + t.amount, 0);
    const t = tickerFromCcxt(raw, m.contractSize!, sim.nowMs()).value!;
    expect(t.quoteVolume24h / turnover, 'quote volume within 0.5 % of the sum of price x size of the day').toBeCloseTo(1, 2);
    expect(t.baseVolume24h / coins, 'base volume within 0.5 % of the coins traded in the day').toBeCloseTo(1, 2);
    expect(Math.abs(raw.quoteVolume! / turnover - 1), "ccxt's quoteVolume (the contract count) is not the quote volume").toBeGreaterThan(0.5);
  });

  it('serves funding, its history, open interest and its history', async () => {
    const funding = await ex.fetchFundingRate(SYMBOL);
    const source = sim.source.fundingRate(SYMBOL, sim.nowMs());
    // The predicted rate drifts with the sim clock between the answer and this read: close, not equal.
    expect(Math.abs(funding.fundingRate! - source.rate)).toBeLessThan(1e-5);
    expect(funding.fundingRate).not.toBe(0);
    expect(funding.fundingTimestamp! % (8 * HOUR), 'the period settles on an 8h boundary').toBe(0);
    expect(funding.fundingTimestamp!).toBeGreaterThan(sim.nowMs());
    expect(funding.interval).toBe('8h');
    const history = await ex.fetchFundingRateHistory(SYMBOL, undefined, 5);
    expect(history.length).toBe(5);
    for (const h of history) expect(h.timestamp! % (8 * HOUR), 'settled at 8h boundaries').toBe(0);
    expect(history[4]!.timestamp! - history[0]!.timestamp!).toBe(4 * 8 * HOUR);
    const settled = sim.source.fundingHistory(SYMBOL, history[0]!.timestamp! - 1, history[0]!.timestamp!);
    expect(history[0]!.fundingRate).toBeCloseTo(settled[0]!.rate, 8);
    const since = history[1]!.timestamp!;
    const from = await ex.fetchFundingRateHistory(SYMBOL, since, 2);
    expect(from.map((h) => h.timestamp)).toEqual([since, since + 8 * HOUR]);

    const oi = await ex.fetchOpenInterest(SYMBOL);
    const m = ex.market(SYMBOL);
    const before = sim.source.openInterest(SYMBOL, sim.nowMs() - 60_000).amountBase;
    const oiBase = Number((oi.info as { amount: string }).amount);
    expect(oi.openInterestAmount! * m.contractSize!, 'volume counts contracts of the coin amount').toBeCloseTo(oiBase, 0);
    expect(Math.abs(oiBase - before) / before, 'the source open interest of that moment').toBeLessThan(0.01);
    expect(oi.openInterestValue).toBeGreaterThan(0);
    const hist = await ex.fetchOpenInterestHistory(SYMBOL, '1h', undefined, 4);
    expect(hist.length).toBe(4);
    expect(hist[3]!.timestamp! - hist[0]!.timestamp!).toBe(3 * HOUR);
    expect(hist[0]!.openInterestAmount, 'amount_type 2 counts coin').toBeCloseTo(sim.source.openInterest(SYMBOL, hist[0]!.timestamp!).amountBase, 4);
  });

  it("answers bad input and unknown contracts with HTX's error shape", async () => {
    expect(isA('BadSymbol')(await caught(ex.fetchOrderBook('NOPE/USDT:USDT'))), 'ccxt knows no such market').toBe(true);
    const res = await fetch(`${sim.url}/linear-swap-ex/market/depth?contract_code=NOPE-USDT&type=step0`);
    expect(await res.json()).toMatchObject({ status: 'error', err_code: 1013 });
    const bad = await fetch(`${sim.url}/linear-swap-ex/market/history/kline?contract_code=${ID}&period=2min`);
    const body = (await bad.json()) as { err_code: number; err_msg: string };
    expect(body.err_code).toBe(1030);
    expect(body.err_msg).toMatch(/period.*2min.*1min/);
  });

  it('refuses a bad signature, a foreign key and a stale timestamp with the gateway error, and serves a good one', async () => {
    const path = '/v5/account/balance';
    const good = await fetch(`${sim.url}${path}?${signedQuery(sim, 'GET', path, KEY.secret)}`);
    expect(((await good.json()) as { code: number }).code).toBe(200);
    for (const [what, query] of [
      ['wrong secret', signedQuery(sim, 'GET', path, 'not-the-secret')],
      ['stale timestamp', signedQuery(sim, 'GET', path, KEY.secret, {}, Date.now() - 10 * 60_000)],
    ] as const) {
      const body = await (await fetch(`${sim.url}${path}?${query}`)).json();
      expect(body, what).toMatchObject({ status: 'error', 'err-code': 'api-signature-not-valid' });
    }
    const unsigned = await (await fetch(`${sim.url}${path}`)).json();
    expect(unsigned).toMatchObject({ status: 'error', 'err-code': 'api-signature-not-valid' });

    const stranger = createHtxClient(sim, { enableRateLimit: false, timeout: 5_000, apiKey: 'someone-else', secret: 'x' });
    stranger.markets = ex.markets;
    stranger.markets_by_id = ex.markets_by_id;
    const err = await caught(stranger.fetchBalance());
    expect(isA('AuthenticationError')(err), err.message).toBe(true);
    expect(err.message).toMatch(/Incorrect Access key/);
    const forged = createHtxClient(sim, { enableRateLimit: false, timeout: 5_000, apiKey: KEY.apiKey, secret: 'forged' });
    forged.markets = ex.markets;
    forged.markets_by_id = ex.markets_by_id;
    expect(isA('AuthenticationError')(await caught(forged.fetchBalance()))).toBe(true);

    const balance = await ex.fetchBalance();
    expect(balance.USDT?.total).toBe(100_000);
    expect(balance.USDT?.free).toBe(100_000);
  });

  it('places a signed limit order, reads it back by id and client id, refuses the client id again, cancels it', async () => {
    const book = await ex.fetchOrderBook(SYMBOL);
    const price = Number(ex.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.9));
    await ex.setLeverage(5, SYMBOL);
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', 40, price, { clientOrderId: 4_200_001 });
    expect(placed.id).toMatch(/^\d+$/);
    const read = await ex.fetchOrder(placed.id!, SYMBOL);
    expect(read).toMatchObject({ id: placed.id, clientOrderId: '4200001', status: 'open', side: 'buy', type: 'limit', amount: 40, price, filled: 0, reduceOnly: false });
    expect(((read.info as { lever_rate: number }).lever_rate), 'the leverage set for the contract').toBe(5);
    expect((await ex.fetchOrder(undefined as unknown as string, SYMBOL, { clientOrderId: 4_200_001 })).id).toBe(placed.id);
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toContain(placed.id);
    const core = sim.source.markets().find((x) => x.symbol === SYMBOL)!;
    expect(sim.accountSnapshot().orders.find((o) => o.orderId === placed.id)?.size, '40 HTX contracts are 40 lots of the core').toBe(String(40 * core.lotSize));

    // ccxt maps none of the v5 duplicate code: the raw answer carries it.
    const dup = (await ex.contractPrivatePostV5TradeOrder({ contract_code: ID, margin_mode: 'cross', side: 'buy', type: 'limit', volume: '1', price: String(price), client_order_id: 4_200_001 })) as { code: number };
    expect(dup.code).toBe(1050);

    const canceled = await ex.cancelOrder(placed.id!, SYMBOL);
    expect(canceled.id).toBe(placed.id);
    expect((await ex.fetchOrder(placed.id!, SYMBOL)).status).toBe('canceled');
    expect(isA('OrderNotFound')(await caught(ex.cancelOrder(placed.id!, SYMBOL))), 'a finished order cannot be cancelled (1061)').toBe(true);
    expect(isA('OrderNotFound')(await caught(ex.fetchOrder('999999999', SYMBOL))), 'an unknown id is 1017').toBe(true);
  });

  it('opens a position with a market order, reports it and its fills, refuses an oversized reduce-only, closes reduce-only', async () => {
    const opened = await ex.createOrder(SYMBOL, 'market', 'buy', 30);
    const [pos] = await ex.fetchPositions([SYMBOL]);
    expect(pos).toMatchObject({ symbol: SYMBOL, side: 'long', contracts: 30, marginMode: 'cross' });
    expect(pos!.entryPrice).toBeGreaterThan(0);
    const fills = (await ex.fetchMyTrades(SYMBOL)).filter((t) => t.order === opened.id);
    expect(fills.reduce((s, t) => s + t.amount!, 0)).toBe(30);
    expect(fills.every((t) => t.side === 'buy' && t.takerOrMaker === 'taker' && t.fee!.cost! > 0 && t.fee!.currency === 'USDT')).toBe(true);
    const tooMuch = await caught(ex.createOrder(SYMBOL, 'market', 'sell', 31, undefined, { reduceOnly: true }));
    expect(isA('InsufficientFunds')(tooMuch), 'HTX 1048: insufficient close amount').toBe(true);
    const wrongSide = await caught(ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { reduceOnly: true }));
    expect(wrongSide.message).toContain('1048');
    const closed = await ex.createOrder(SYMBOL, 'market', 'sell', 30, undefined, { reduceOnly: true });
    expect((await ex.fetchOrder(closed.id!, SYMBOL)).status).toBe('closed');
    expect(await ex.fetchPositions([SYMBOL])).toEqual([]);
    const balance = await ex.fetchBalance();
    expect(balance.USDT!.total, 'fees were paid').toBeLessThan(100_000);
  });

  it('rests a stop-loss and a take-profit as algo orders, refuses one that would fire at once, cancels them', async () => {
    await ex.createOrder(SYMBOL, 'market', 'buy', 20);
    const last = (await ex.fetchTicker(SYMBOL)).last!;
    const stopAt = Number(ex.priceToPrecision(SYMBOL, last * 0.9));
    const sl = await ex.createOrder(SYMBOL, 'market', 'sell', 20, undefined, { stopLossPrice: stopAt, clientOrderId: 4_300_001 });
    const tp = await ex.createOrder(SYMBOL, 'market', 'sell', 20, undefined, { takeProfitPrice: Number(ex.priceToPrecision(SYMBOL, last * 1.1)) });
    const open = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { stopLossTakeProfit: true });
    expect(open.map((o) => o.id).sort()).toEqual([sl.id, tp.id].sort());
    expect(open.find((o) => o.id === sl.id)).toMatchObject({ side: 'sell', amount: 20, stopLossPrice: stopAt, status: 'open', clientOrderId: '4300001' });
    expect(sim.accountSnapshot().triggers.filter((t) => t.state === 'live').length, 'both wait in the shared trigger engine').toBe(2);
    const wrongSide = (await ex.contractPrivatePostV5AlgoOrder({ contract_code: ID, margin_mode: 'cross', side: 'sell', type: 'sl', volume: '20', sl_trigger_price: ex.priceToPrecision(SYMBOL, last * 1.2) })) as { code: number; message: string };
    expect(wrongSide.code).toBe(1030);
    expect(wrongSide.message).toMatch(/sl_trigger_price.*immediately.*below/);
    await ex.cancelOrder(sl.id!, SYMBOL, { stopLossTakeProfit: true });
    expect((await ex.fetchOrder(undefined as unknown as string, SYMBOL, { stopLoss: true, clientOrderId: 4_300_001 })).status).toBe('canceled');
    await ex.cancelOrder(tp.id!, SYMBOL, { stopLossTakeProfit: true });
    expect(isA('OrderNotFound')(await caught(ex.cancelOrder(tp.id!, SYMBOL, { stopLossTakeProfit: true })))).toBe(true);
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { stopLossTakeProfit: true })).toEqual([]);
    await ex.createOrder(SYMBOL, 'market', 'sell', 20, undefined, { reduceOnly: true });
  });

  it('enforces the market-data window with a 429 carrying 1032', async () => {
    const tight = await startSimExchange({ dialect: 'htx', symbols: 2, seed: 5, startTimeMs: SIM_START_MS, rateLimitScale: 0.005, rateLimitClockMs: () => 0 });
    try {
      // Scaled to 4 requests per window on a frozen clock: the fifth is refused.
      const url = `${tight.url}/linear-swap-ex/market/depth?contract_code=BTC-USDT&type=step6`;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(url)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      expect(await (await fetch(url)).json()).toMatchObject({ status: 'error', err_code: 1032 });
    } finally {
      await tight.stop();
    }
  });
});

describe('htx through the CLI', () => {
  it('perpscope sim --dialect htx serves HTX paths', async () => {
    // Interrupted at once: the command starts the sim, reports, and stops it.
    const io = { ...captureIo(false), interrupted: Promise.resolve() };
    expect(await runCli(['sim', '--dialect', 'htx', '--symbols', '2'], io)).toBe(0);
    expect(io.lines[0]).toMatch(/^listening http:\/\/127\.0\.0\.1:\d+$/);
    expect(io.lines[1]).toMatch(/^dialect htx: REST http:\/\/127\.0\.0\.1:\d+\/linear-swap-api/);
  });

  it('scan --sim --exchange htx --top 5 --json ranks rows read through ccxt htx', async () => {
    const io = captureIo(false);
    await runScan({ sim: true, exchange: 'htx', symbols: 20, seed: 7, top: 5, json: true, timeframes: ['15m'], home: '/nonexistent-perpscope-home' }, io);
    const rows = io.lines.map((l) => JSON.parse(l) as { rank: number; symbol: string; last: number; spreadBps: number; quoteVolume24h: number; score: number });
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const r of rows) {
      expect(r.symbol).toMatch(/^[A-Z0-9]+\/USDT:USDT$/);
      expect(r.last).toBeGreaterThan(0);
      expect(r.quoteVolume24h).toBeGreaterThan(0);
      expect(r.spreadBps, 'order flow came from the depth endpoint').toBeGreaterThan(0);
    }
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.score).toBeLessThanOrEqual(rows[i - 1]!.score);
  });
});
