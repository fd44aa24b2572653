import { join } from 'node:path';
import type { Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { SystemClock } from '../../src/core/clock.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { downloadCandles, type DownloadCandlesOptions } from '../../src/data/download/downloadCandles.js';
import { FundingRateStore } from '../../src/data/fundingRates.js';
import { BLOFIN_LIMITS, scaleLimits } from '../../src/market/exchangeLimits.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { H, tempDir } from './helpers.js';

const RATE_SCALE = 20;
const FROM_MS = SIM_START_MS - 200 * H;

describe('downloadCandles against SimExchange (ccxt blofin over loopback)', () => {
  const tmp = tempDir('perpscope-data-download-');
  let sim: SimExchange;
  const clients: Exchange[] = [];
  let symbols: string[];
  const stores: Store[] = [];
  const newStore = (name: string) => {
    const store = openStore({ file: join(tmp.dir, `${name}.db`) });
    stores.push(store);
    return store;
  };
  const run = (store: Store, extra: Partial<DownloadCandlesOptions> = {}) => {
    const exchange = createBlofinClient(sim, { timeout: 10_000 }) as unknown as Exchange;
    clients.push(exchange);
    return downloadCandles(store, {
      exchange,
      storeExchange: 'sim',
      symbols,
      timeframe: '1h',
      fromMs: FROM_MS,
      toMs: SIM_START_MS,
      nowMs: () => sim.nowMs(),
      clock: new SystemClock(),
      limits: scaleLimits(BLOFIN_LIMITS, RATE_SCALE),
      pageLimit: 48,
      ...extra,
    });
  };
  const stored = (store: Store) => symbols.map((symbol) => store.candles.range({ exchange: 'sim', symbol, timeframe: '1h' }));
  const funding = (store: Store) => {
    const rates = new FundingRateStore(store.file);
    try {
      return symbols.map((s) => rates.range('sim', s));
    } finally {
      rates.close();
    }
  };

  beforeAll(async () => {
    sim = await startSimExchange({ symbols: 3, seed: 11, startTimeMs: SIM_START_MS, historyBars: 300, rateLimitScale: RATE_SCALE });
    symbols = sim.source.markets().slice(0, 2).map((m) => m.symbol);
  });
  afterAll(async () => {
    for (const s of stores) s.close();
    for (const c of clients) await c.close();
    await sim.stop();
    tmp.cleanup();
  });

  it('pages forward from --from to --to, storing every closed bar once, plus the funding history', async () => {
    const store = newStore('full');
    const report = await run(store);
    expect(report.aborted).toBe(false);
    for (const s of report.symbols) {
      expect(s.error).toBeUndefined();
      expect(s.candles).toMatchObject({ startMs: FROM_MS, resumed: false, pages: Math.ceil(200 / 48), stored: 200, refused: 0, gaps: [] });
    }
    for (const series of stored(store)) {
      expect(series).toHaveLength(200);
      expect(series[0]!.openTimeMs).toBe(FROM_MS);
      expect(series[series.length - 1]!.openTimeMs, '--to is exclusive').toBe(SIM_START_MS - H);
      expect(series.every((c, i) => i === 0 || c.openTimeMs - series[i - 1]!.openTimeMs === H), 'no gaps, no duplicates').toBe(true);
    }
    const direct = sim.source.candles(symbols[0]!, '1H', FROM_MS, SIM_START_MS);
    expect(stored(store)[0]!.map((c) => c.openTimeMs), 'the bars the sim generated').toEqual(direct.map((c) => c.openTimeMs));
    for (const rates of funding(store)) {
      expect(rates, 'one settlement per 8 h over 200 h').toHaveLength(25);
      expect(rates.every((r) => r.fundingTimeMs >= FROM_MS && r.fundingTimeMs < SIM_START_MS)).toBe(true);
    }
  });

  it('an interrupted download resumes after the last stored candle and ends with exactly the uninterrupted rows', async () => {
    const full = newStore('reference');
    await run(full);
    const store = newStore('resumed');
    const controller = new AbortController();
    const first = await run(store, { signal: controller.signal, onPage: () => controller.abort() });
    expect(first.aborted).toBe(true);
    const partial = stored(store).map((s) => s.length);
    expect(partial.every((n) => n < 200), `stopped early (${partial.join(', ')} bars)`).toBe(true);
    expect(partial.some((n) => n > 0), 'the first page was stored').toBe(true);
    const second = await run(store);
    expect(second.aborted).toBe(false);
    for (const [i, s] of second.symbols.entries()) {
      if (partial[i]! > 0) {
        expect(s.candles.resumed).toBe(true);
        expect(s.candles.startMs, 'starts right after the last stored bar').toBe(FROM_MS + partial[i]! * H);
      }
      expect(s.candles.stored).toBe(200 - partial[i]!);
    }
    expect(stored(store)).toEqual(stored(full));
    expect(funding(store)).toEqual(funding(full));
    const third = await run(store);
    expect(third.symbols.map((s) => s.candles.pages), 'nothing left to fetch').toEqual([0, 0]);
  });

  it('a download interrupted before a series stored earlier fills the hole on the re-run and ends with exactly the uninterrupted rows', async () => {
    const full = newStore('reference-hole');
    await run(full);
    const store = newStore('hole');
    // The later stretch is stored first (the "March..April" of an earlier run).
    const later = await run(store, { fromMs: FROM_MS + 120 * H });
    expect(later.symbols.map((s) => s.candles.stored)).toEqual([80, 80]);
    // Then a longer run from the start stops after its first page per symbol (the "mid-February" stop).
    const controller = new AbortController();
    const first = await run(store, { signal: controller.signal, onPage: () => controller.abort() });
    expect(first.aborted).toBe(true);
    const partial = stored(store).map((s) => s.length - 80);
    expect(partial.every((n) => n < 120), `stopped before the stored stretch (${partial.join(', ')} new bars)`).toBe(true);
    const pages: { symbol: string; nextFromMs: number }[] = [];
    const second = await run(store, { onPage: (p) => p.kind === 'candles' && pages.push(p) });
    expect(second.aborted).toBe(false);
    for (const [i, s] of second.symbols.entries()) {
      expect(s.candles.startMs, 'starts at the first missing bar, not after the last stored one').toBe(FROM_MS + partial[i]! * H);
      expect(s.candles.resumed).toBe(partial[i]! > 0);
      expect(s.candles.stored, 'fetches exactly the hole').toBe(120 - partial[i]!);
      expect(s.candles.gaps).toEqual([]);
      expect(pages.filter((p) => p.symbol === s.symbol).every((p) => p.nextFromMs <= FROM_MS + 120 * H), 'never re-fetches the stored stretch').toBe(true);
    }
    expect(stored(store)).toEqual(stored(full));
    expect(funding(store)).toEqual(funding(full));
    const third = await run(store);
    expect(third.symbols.map((s) => s.candles.pages), 'nothing left to fetch').toEqual([0, 0]);
    expect(third.symbols.map((s) => s.funding), 'no funding left to fetch either').toEqual([
      { pages: 0, stored: 0, resumed: true },
      { pages: 0, stored: 0, resumed: true },
    ]);
  });

  it('a window the exchange leaves empty is reported as a gap, and the next run asks for it again', async () => {
    const store = newStore('empty-window');
    const beforeHistoryMs = SIM_START_MS - 400 * H;
    const report = await run(store, { symbols: [symbols[0]!], fromMs: beforeHistoryMs, funding: false });
    const s = report.symbols[0]!;
    const series = stored(store)[0]!;
    expect(series.length, 'the bars the sim has').toBeGreaterThan(0);
    const firstStoredMs = series[0]!.openTimeMs;
    expect(firstStoredMs, 'the sim serves nothing this early').toBeGreaterThan(beforeHistoryMs);
    expect(s.candles.gaps).toEqual([{ fromMs: beforeHistoryMs, toMs: firstStoredMs, bars: (firstStoredMs - beforeHistoryMs) / H }]);
    const again = await run(store, { symbols: [symbols[0]!], fromMs: beforeHistoryMs, funding: false });
    expect(again.symbols[0]!.candles).toMatchObject({ startMs: beforeHistoryMs, resumed: false, stored: 0, gaps: s.candles.gaps });
    expect(again.symbols[0]!.candles.pages, 'the empty stretch is asked for again, the stored bars are not').toBe(Math.ceil((firstStoredMs - beforeHistoryMs) / H / 48));
  });

  it('an unexpected error in one symbol stops the others and rejects only once no request is in flight', async () => {
    const store = newStore('failing');
    const exchange = createBlofinClient(sim, { timeout: 10_000 }) as unknown as Exchange;
    clients.push(exchange);
    const fetchOHLCV = exchange.fetchOHLCV.bind(exchange);
    let inFlight = 0;
    let requests = 0;
    exchange.fetchOHLCV = async (...args: Parameters<Exchange['fetchOHLCV']>) => {
      inFlight++;
      requests++;
      try {
        return await fetchOHLCV(...args);
      } finally {
        inFlight--;
      }
    };
    const failure = new Error('disk full');
    const err = await run(store, {
      exchange,
      onPage: (p) => {
        if (p.symbol === symbols[0]) throw failure;
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(failure);
    expect(inFlight, 'no request outlives the call').toBe(0);
    const requestsAtRejection = requests;
    // One more round trip to the sim: a worker still running would have sent its next request by now.
    await fetchOHLCV(symbols[1]!, '1h', FROM_MS, 1);
    expect(requests, 'no worker keeps fetching after the call rejected').toBe(requestsAtRejection);
    expect(stored(store)[1]!.length, 'the other symbol stored at most its in-flight page').toBeLessThanOrEqual(48);
    expect(exchange.enableRateLimit, "the caller's own throttle setting is restored").toBe(true);
  });

  it('unknown symbols and timeframes the exchange does not serve are refused before anything is fetched', async () => {
    const store = newStore('refused');
    const err = await run(store, { symbols: ['NOPEUSDT'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain('"NOPEUSDT"');
    await expect(run(store, { timeframe: '7m' })).rejects.toThrow(/timeframe: got "7m"/);
    // A week is served by BloFin but starts on a Monday, not on the epoch's grid (a Thursday).
    await expect(run(store, { timeframe: '1w' })).rejects.toThrow(/timeframe: got "1w", expected one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d/);
    expect(store.candles.listSeries()).toEqual([]);
  });
});
