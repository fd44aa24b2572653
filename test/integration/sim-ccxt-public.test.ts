import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlofinClient, startSimExchange, type SimExchange } from '@perpscope/sdk/sim';
import { dataDir, requireData } from '../support/testData.js';
import { SIM_START_MS, until } from '../support/sim.js';

/** ccxt error class names along the prototype chain, e.g. ['RateLimitExceeded', 'DDoSProtection', ...]. */
function errorChain(err: unknown): string[] {
  const names: string[] = [];
  for (let p = err === null || typeof err !== 'object' ? null : Object.getPrototypeOf(err); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    names.push((p as { constructor: { name: string } }).constructor.name);
  }
  return names;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function within<T>(ms: number, p: Promise<T>): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]); // a deadline for a hang, never a proof of absence
}

const HOUR = 3_600_000;

describe('ccxt blofin against SimExchange (generator)', () => {
  let sim: SimExchange;
  let ex: ReturnType<typeof createBlofinClient>;

  beforeAll(async () => {
    sim = await startSimExchange({ symbols: 40, seed: 11, startTimeMs: SIM_START_MS, acceleration: 60, pushIntervalMs: 100, historyBars: 4000 });
    // A deadline for a hang only: a loaded machine can take seconds to answer.
    ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 20_000 });
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('loads markets with BloFin instrument fields', () => {
    const btc = ex.market('BTC/USDT:USDT');
    expect(Object.keys(ex.markets ?? {}).length, 'every generated market').toBe(40);
    expect(btc.id).toBe('BTC-USDT');
    expect(btc.swap && btc.linear && btc.active, 'live linear swap').toBe(true);
    expect(btc.contractSize, 'contractValue 0.001, as BloFin lists BTC-USDT: sizes are contracts, not BTC').toBe(0.001);
    expect([btc.precision.amount, btc.limits.amount?.min], 'lot and minimum in contracts').toEqual([0.1, 0.1]);
    expect(btc.precision.price, 'tick size parsed').toBeGreaterThan(0);
  });

  it('fetchTickers: one per live market, with bid < ask and no quote volume (BloFin sends none)', async () => {
    const tickers = await ex.fetchTickers();
    const live = Object.values(ex.markets ?? {}).filter((m) => m?.active);
    expect(Object.keys(tickers).length, 'one ticker per live market').toBe(live.length);
    const btc = tickers['BTC/USDT:USDT']!;
    expect(btc.bid! < btc.ask!, 'not crossed').toBe(true);
    expect(btc.last! >= btc.low! && btc.last! <= btc.high!, 'last inside the 24h range').toBe(true);
    const stats = sim.source.stats24h('BTC/USDT:USDT', Number(btc.info.ts));
    expect(btc.info.volCurrencyQuote24h, 'BloFin tickers carry no quote volume').toBeUndefined();
    expect(btc.quoteVolume, 'so ccxt has none for swaps').toBeUndefined();
    // ccxt's blofin reads vol24h, which BloFin counts in contracts: the engine multiplies by contractSize.
    expect(btc.baseVolume, 'ccxt baseVolume is vol24h, in contracts').toBeCloseTo(stats!.baseVolume24h / 0.001, 1);
    expect(Number(btc.info.volCurrency24h), 'volCurrency24h is the same volume in BTC').toBeCloseTo(stats!.baseVolume24h, 4);
  });

  it('fetchOHLCV pages backwards with until (BloFin after=) without gaps or overlaps', async () => {
    const first = await ex.fetchOHLCV('ETH/USDT:USDT', '1m', undefined, 1440);
    expect(first.length, 'max page size').toBe(1440);
    const second = await ex.fetchOHLCV('ETH/USDT:USDT', '1m', undefined, 1440, { until: first[0]![0] });
    expect(second.length).toBe(1440);
    expect(second[second.length - 1]![0], 'second page ends right before the first').toBe(first[0]![0]! - 60_000);
    const all = [...second, ...first];
    for (let i = 1; i < all.length; i++) expect(all[i]![0]! - all[i - 1]![0]!, 'contiguous minutes').toBe(60_000);
    const src = sim.source.candles('ETH/USDT:USDT', '1m', second[0]![0]!, second[0]![0]! + 60_000)[0]!;
    expect(second[0]!.slice(1), 'bar equals the generator').toEqual([src.open, src.high, src.low, src.close, src.volume]);
  });

  it('marks the forming candle with confirm "0" and history with "1"', async () => {
    const raw = (await ex.publicGetMarketCandles({ instId: 'BTC-USDT', bar: '1H', limit: 3 })) as { data: string[][] };
    expect(raw.data.map((r) => r[8]), 'newest first: forming, then confirmed').toEqual(['0', '1', '1']);
    expect(Number(raw.data[0]![0]) - Number(raw.data[1]![0]), 'consecutive hours').toBe(HOUR);
    expect(raw.data[0]!.length, 'ts,o,h,l,c,vol,volCurrency,volCurrencyQuote,confirm').toBe(9);
  });

  it('honours BloFin candle paging: after/before are exclusive bounds, default 500, max 1440', async () => {
    const call = async (q: Record<string, string | number>): Promise<number[]> =>
      ((await ex.publicGetMarketCandles({ instId: 'BTC-USDT', ...q })) as { data: string[][] }).data.map((r) => Number(r[0]));
    const latest = await call({ bar: '1m' });
    expect(latest.length, 'default limit').toBe(500);
    expect((await call({ bar: '1m', limit: 5000 })).length, 'clamped to 1440').toBe(1440);
    const anchor = latest[100]!;
    const window = await call({ bar: '1m', after: anchor, before: anchor - 10 * 60_000 });
    expect(window, 'open times strictly between, newest first').toEqual(Array.from({ length: 9 }, (_, i) => anchor - (i + 1) * 60_000));
    const forward = await ex.fetchOHLCV('BTC/USDT:USDT', '1m', anchor, 3, { before: anchor - 1, until: anchor + 3 * 60_000 });
    expect(forward.map((b) => b[0]), 'forward paging from since').toEqual([anchor, anchor + 60_000, anchor + 120_000]);
  });

  it('serves history only back to historyBars before the start', async () => {
    const old = await ex.fetchOHLCV('BTC/USDT:USDT', '1h', undefined, 100, { until: Date.UTC(2000, 0, 1) });
    expect(old, 'nothing before the history window').toEqual([]);
  });

  it('fetchOrderBook, fetchTrades, funding and mark price are consistent with the last price', async () => {
    const book = await ex.fetchOrderBook('SIM004/USDT:USDT', 20);
    expect(book.bids.length).toBe(20);
    expect(book.bids[0]![0]! < book.asks[0]![0]!, 'not crossed').toBe(true);
    const trades = await ex.fetchTrades('SIM004/USDT:USDT', undefined, 50);
    expect(trades.length, 'recent trades').toBe(50);
    const last = trades[trades.length - 1]!.price!;
    expect(Math.abs(last / book.bids[0]![0]! - 1), 'last trade near the touch').toBeLessThan(0.01);
    const funding = await ex.fetchFundingRate('SIM004/USDT:USDT');
    expect(funding.fundingTimestamp! % (8 * HOUR), 'next settlement on the 8h grid').toBe(0);
    const history = await ex.fetchFundingRateHistory('SIM004/USDT:USDT', undefined, 5);
    expect(history.length).toBe(5);
    expect(history[4]!.timestamp! - history[3]!.timestamp!, 'settled every 8h').toBe(8 * HOUR);
    const mark = await ex.fetchMarkPrice('SIM004/USDT:USDT');
    expect(Math.abs(mark.markPrice! / last - 1), 'mark near last').toBeLessThan(0.01);
  });

  it('watchOHLCV streams the forming bar and then the confirmed one', async () => {
    const seen = new Set<number>();
    const deadline = Date.now() + 5_000;
    while (seen.size < 2 && Date.now() < deadline) {
      const bars = await ex.watchOHLCV('BTC/USDT:USDT', '1m');
      for (const b of bars) seen.add(b[0]!);
    }
    expect(seen.size, 'at 60x a 1m bar closes every second').toBeGreaterThanOrEqual(2);
    const closedOpen = Math.min(...seen);
    const rest = await ex.fetchOHLCV('BTC/USDT:USDT', '1m', undefined, 5);
    const restBar = rest.find((b) => b[0] === closedOpen)!;
    const wsBar = ex.ohlcvs['BTC/USDT:USDT']!['1m']!.find((b: number[]) => b[0] === closedOpen);
    expect(wsBar, 'the closed bar pushed over ws equals REST').toEqual(restBar);
  });

  it('watchTrades and watchOrderBook receive data', async () => {
    const trades = await ex.watchTrades('ETH/USDT:USDT');
    expect(trades.length, 'trades pushed').toBeGreaterThan(0);
    const book = await ex.watchOrderBook('ETH/USDT:USDT');
    expect(book.bids.length, 'snapshot depth').toBeGreaterThan(10);
    const updated = await ex.watchOrderBook('ETH/USDT:USDT');
    expect(updated.asks[0]![0]! > updated.bids[0]![0]!, 'deltas keep the book uncrossed').toBe(true);
    const ticker = await ex.watchTicker('ETH/USDT:USDT');
    expect(ticker.last, 'ticker pushed').toBeGreaterThan(0);
  });

  it('a 429 surfaces as RateLimitExceeded (a NetworkError in this ccxt) and is counted', async () => {
    const before = sim.stats().rejected429;
    sim.faults.burst429({ count: 1 });
    const err = await caught(ex.fetchTicker('BTC/USDT:USDT'));
    expect(errorChain(err), 'ccxt class').toContain('RateLimitExceeded');
    expect(errorChain(err), 'retryable network class').toContain('NetworkError');
    expect(sim.stats().rejected429, 'counted in stats').toBe(before + 1);
    expect(sim.requestLog().at(-1)?.status, 'logged with its status').toBe(429);
  });

  it('a 5xx surfaces as ExchangeNotAvailable', async () => {
    sim.faults.failHttp({ status: 503, count: 2 });
    expect(errorChain(await caught(ex.fetchTicker('BTC/USDT:USDT')))).toContain('ExchangeNotAvailable');
    expect(errorChain(await caught(ex.fetchTicker('BTC/USDT:USDT')))).toContain('ExchangeNotAvailable');
    await expect(ex.fetchTicker('BTC/USDT:USDT'), 'recovers after the burst').resolves.toBeTruthy();
  });

  it('a held request times out on the client; latency delays answers', async () => {
    // A held request never answers, so it times out however busy the machine is; the client
    // reuses the loaded markets so nothing else has to fit in its short timeout.
    const quick = createBlofinClient(sim, { enableRateLimit: false, timeout: 1_000 });
    try {
      quick.markets = ex.markets;
      quick.markets_by_id = ex.markets_by_id;
      sim.faults.timeoutRequests({ count: 1 });
      expect(errorChain(await caught(quick.fetchTicker('BTC/USDT:USDT')))).toContain('RequestTimeout');
      sim.faults.latency({ ms: 150 });
      const t0 = Date.now();
      await ex.fetchTicker('BTC/USDT:USDT');
      expect(Date.now() - t0, 'added latency').toBeGreaterThanOrEqual(140);
    } finally {
      sim.faults.latency({ ms: 0 });
      await quick.close();
    }
  });

  it('unknown instruments and bars map to BadRequest', async () => {
    expect(errorChain(await caught(ex.publicGetMarketCandles({ instId: 'NOPE-USDT', bar: '1m' })))).toContain('BadRequest');
    expect(errorChain(await caught(ex.publicGetMarketCandles({ instId: 'BTC-USDT', bar: '7m' })))).toContain('BadRequest');
  });

  it('a silenced websocket stays open but pushes nothing, then resumes', async () => {
    const client = createBlofinClient(sim, { enableRateLimit: false });
    try {
      await client.watchTrades('SIM001/USDT:USDT');
      sim.faults.silenceWebsockets(true);
      const before = sim.wsCounters();
      let failed: unknown = null;
      // Data already in flight when the silence began may still resolve this watch; an error would
      // mean the socket was closed.
      void client.watchTrades('SIM001/USDT:USDT').catch((err: unknown) => (failed = err));
      // Proven on the sim's own push rounds, not on elapsed time: 5 rounds passed and sent nothing.
      await until('5 push rounds while silent', () => (sim.wsCounters().pushRounds >= before.pushRounds + 5 ? true : null));
      expect(sim.wsCounters().dataMessages, 'no data pushed while silent').toBe(before.dataMessages);
      expect(failed, 'the silenced socket stays open').toBeNull();
      sim.faults.silenceWebsockets(false);
      const resumed = await within(10_000, client.watchTrades('SIM001/USDT:USDT'));
      expect(resumed, 'data resumes').not.toBe('timeout');
      expect(sim.wsCounters().dataMessages, 'pushed again').toBeGreaterThan(before.dataMessages);
    } finally {
      sim.faults.silenceWebsockets(false);
      await client.close();
    }
  });

  it('dropping websockets breaks pending watches; a new watch reconnects', async () => {
    const client = createBlofinClient(sim, { enableRateLimit: false });
    try {
      await client.watchTrades('SIM002/USDT:USDT');
      const pending = client.watchTrades('SIM002/USDT:USDT').then(
        () => 'data',
        (err: unknown) => errorChain(err).join(','),
      );
      sim.faults.dropWebsockets();
      const outcome = await within(15_000, pending);
      expect(String(outcome), 'the watch fails with a network error').toMatch(/NetworkError/);
      const again = await within(15_000, client.watchTrades('SIM002/USDT:USDT'));
      expect(again, 'reconnects and streams again').not.toBe('timeout');
    } finally {
      await client.close();
    }
  });

  it('a delisted market turns suspend and leaves the tickers', async () => {
    sim.delist('SIM010/USDT:USDT');
    const markets = await ex.loadMarkets(true);
    expect(markets['SIM010/USDT:USDT']?.active, 'inactive after delisting').toBe(false);
    const tickers = await ex.fetchTickers();
    expect(tickers['SIM010/USDT:USDT'], 'no ticker for a suspended market').toBeUndefined();
  });
});

describe('SimExchange rate limits', () => {
  it('answers 429 beyond the (scaled) BloFin allowance and counts it', async () => {
    // The window alone: BloFin's suspension after an overflow is covered by sdk/test/sim/fidelityPenalties.
    const sim = await startSimExchange({ seed: 1, startTimeMs: SIM_START_MS, symbols: 3, rateLimitScale: 0.01, rateLimitPenalties: false });
    const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 2_000 });
    try {
      const results: string[] = [];
      for (let i = 0; i < 8; i++) {
        results.push(await ex.publicGetMarketInstruments().then(() => 'ok', (err: unknown) => errorChain(err)[0] ?? 'unknown'));
      }
      expect(results, '500 x 0.01 = 5 per minute').toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'RateLimitExceeded', 'RateLimitExceeded', 'RateLimitExceeded']);
      expect(sim.stats(), 'every request counted').toEqual({ requests: 8, rejected429: 3 });
    } finally {
      await ex.close();
      await sim.stop();
    }
  });
});

const REPLAY = 'binance-usdm-2025-10';

describe.skipIf(!requireData(REPLAY))('SimExchange replaying binance-usdm-2025-10', () => {
  it("serves the files' candles and their 24h base volume", async () => {
    const dir = dataDir(REPLAY)!;
    const sim = await startSimExchange({ dataDir: dir });
    const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 10_000 });
    try {
      await ex.loadMarkets();
      const tickers = await ex.fetchTickers();
      const expected = new Map<string, number>();
      for (const symbol of Object.keys(tickers)) {
        const file = join(dir, `${symbol.split('/')[0]}USDT_1h.csv`);
        const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1, -1).map((l) => l.split(','));
        const last24 = rows.slice(-24);
        expected.set(symbol, last24.reduce((s, r) => s + Number(r[5]), 0));
      }
      expect(Object.keys(tickers).length, 'every USDT symbol in the directory').toBe(521);
      // Ranking by quote volume from the files is proven over the candle path (market-realdata):
      // BloFin tickers carry no quote volume.
      for (const [symbol, base] of expected) {
        const served = Number(tickers[symbol]!.info.volCurrency24h);
        expect(Math.abs(served - base), `${symbol} 24h base volume`).toBeLessThanOrEqual(1e-6 * Math.max(1, base));
      }
      const btcRows = readFileSync(join(dir, 'BTCUSDT_1h.csv'), 'utf8').trim().split('\n').slice(1);
      const lastComplete = btcRows[btcRows.length - 2]!.split(',');
      const bars = await ex.fetchOHLCV('BTC/USDT:USDT', '1h', undefined, 3);
      expect(bars[bars.length - 1]!.slice(1), 'newest bar is the last complete row').toEqual(lastComplete.slice(1).map(Number));
      expect(bars[bars.length - 1]![0], 'UTC open time').toBe(Date.parse(`${lastComplete[0]!.replace(' ', 'T')}Z`));
    } finally {
      await ex.close();
      await sim.stop();
    }
  });
});
