import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { simExchangeOptions } from '../../src/engine/exchangeClient.js';
import { createMarketGenerator, startSimExchange, type MarketGenerator } from '../../src/sim/index.js';
import { MAX_VENUE_BASIS_BPS, MAX_VENUE_FUNDING_OFFSET_BPS } from '../../src/sim/venueSkew.js';
import { FINGERPRINT_SEED, FINGERPRINT_START_MS, FINGERPRINT_SYMBOLS, fingerprintSymbols, generatorFingerprint } from './generatorFingerprint.js';

const SEED = FINGERPRINT_SEED;
const START_MS = FINGERPRINT_START_MS;
const SYMBOLS = 12;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const EIGHT_HOURS_MS = 8 * HOUR_MS;

const gen = (index?: number, symbols = SYMBOLS): MarketGenerator =>
  createMarketGenerator({ seed: SEED, symbols, startTimeMs: START_MS, ...(index !== undefined ? { venue: { index } } : {}) });

/** Sample instants around the start: on and off the hour, inside minutes, over two days of history. */
const instants = (): number[] => {
  const out: number[] = [];
  for (let h = -48; h <= 1; h += 1) for (const off of [0, 17 * MINUTE_MS + 4_321]) out.push(START_MS + h * HOUR_MS + off);
  return out;
};

/** Price gap in bps of `price` against the reference venue's `ref`. */
const bps = (price: number, ref: number): number => ((price - ref) / ref) * 10_000;

describe('sim venues: one market, a synthetic per-venue basis and funding offset', () => {
  it('venue 0 is the market unchanged, byte for byte (same fingerprint as no venue at all)', () => {
    const plain = createMarketGenerator({ seed: SEED, symbols: FINGERPRINT_SYMBOLS, startTimeMs: START_MS });
    const zero = createMarketGenerator({ seed: SEED, symbols: FINGERPRINT_SYMBOLS, startTimeMs: START_MS, venue: { index: 0 } });
    const symbols = fingerprintSymbols(plain);
    expect(generatorFingerprint(zero, symbols, 'fine-first')).toBe(generatorFingerprint(plain, symbols, 'fine-first'));
  });

  it('a venue keeps the universe and the episodes of its seed', () => {
    const [a, b] = [gen(0), gen(1)];
    expect(b.markets()).toEqual(a.markets());
    expect(b.groundTruth()).toEqual(a.groundTruth());
  });

  it('quotes every symbol within the basis bound of venue 0, not identically, and differently per symbol and venue', () => {
    const ref = gen(0);
    const perVenue = [1, 2, 5].map((index) => gen(index));
    const means: number[] = [];
    for (const venue of perVenue) {
      for (const m of ref.markets()) {
        const gaps: number[] = [];
        for (const t of instants()) {
          const p0 = ref.lastPrice(m.symbol, t);
          const p1 = venue.lastPrice(m.symbol, t);
          if (p0 === null || p1 === null || t >= (m.delistAtMs ?? Infinity)) continue;
          // One tick of rounding on each side on top of the bound.
          const tickBps = (m.tickSize / p0) * 10_000;
          const gap = bps(p1, p0);
          expect(Math.abs(gap), `${m.symbol} at ${t}`).toBeLessThanOrEqual(MAX_VENUE_BASIS_BPS + 2 * tickBps + 1e-9);
          gaps.push(gap);
        }
        expect(gaps.length, `${m.symbol} sampled`).toBeGreaterThan(50);
        const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
        means.push(mean);
        // The basis moves (it reverts to a level rather than sitting on it).
        expect(Math.max(...gaps) - Math.min(...gaps), `${m.symbol} basis varies`).toBeGreaterThan(0.5);
      }
    }
    // Levels spread over the range: different per symbol and venue, some far from 0.
    const distinct = new Set(means.map((x) => x.toFixed(4)));
    expect(distinct.size).toBe(means.length);
    expect(Math.max(...means.map(Math.abs))).toBeGreaterThan(3);
  });

  it('serves candles, last, 24h stats, trades and books from the same skewed path', () => {
    const v = gen(3);
    const symbol = 'ETH/USDT:USDT';
    const at = START_MS + 17 * MINUTE_MS + 4_321;
    const last = v.lastPrice(symbol, at)!;
    expect(v.formingCandle(symbol, '1m', at)!.close, 'forming 1m close is the ticker last').toBe(last);
    expect(v.formingCandle(symbol, '1h', at)!.close, 'forming 1h close is the ticker last').toBe(last);
    expect(v.stats24h(symbol, at)!.last).toBe(last);
    const minutes = v.candles(symbol, '1m', START_MS - 4 * HOUR_MS, START_MS);
    const hours = v.candles(symbol, '1h', START_MS - 4 * HOUR_MS, START_MS);
    expect(hours).toHaveLength(4);
    hours.forEach((h, k) => {
      const mins = minutes.slice(k * 60, k * 60 + 60);
      expect(h.open).toBe(mins[0]!.open);
      expect(h.close).toBe(mins[59]!.close);
      expect(h.high).toBe(Math.max(...mins.map((c) => c.high)));
      expect(h.low).toBe(Math.min(...mins.map((c) => c.low)));
      // The next bar opens where this one closed, at the price last reports on the hour.
      expect(v.lastPrice(symbol, h.openTimeMs)).toBe(h.open);
    });
    const trades = v.trades(symbol, START_MS - MINUTE_MS, START_MS);
    expect(trades.at(-1)!.price, 'the minute\'s last trade is its close').toBe(minutes.at(-1)!.close);
    const book = v.orderBook(symbol, at, 5);
    expect(book.bids[0]![0]).toBeLessThan(book.asks[0]![0]);
    expect(Math.abs(bps((book.bids[0]![0] + book.asks[0]![0]) / 2, last))).toBeLessThan(5);
    // And that path is not venue 0's.
    expect(gen(0).lastPrice(symbol, at)).not.toBe(last);
  });

  it('funds within the offset bound of venue 0, per symbol and interval, current rate and history agreeing', () => {
    const ref = gen(0);
    const v = gen(4);
    const offsets: number[] = [];
    for (const m of ref.markets()) {
      const history = v.fundingHistory(m.symbol, START_MS - 10 * 24 * HOUR_MS, START_MS);
      const refHistory = ref.fundingHistory(m.symbol, START_MS - 10 * 24 * HOUR_MS, START_MS);
      expect(history.map((f) => f.timestampMs)).toEqual(refHistory.map((f) => f.timestampMs));
      expect(history.length).toBeGreaterThan(20);
      history.forEach((f, k) => {
        const offsetBps = (f.rate - refHistory[k]!.rate) * 10_000;
        // Prices a few bps apart move the drift term by a fraction of a bp on top of the offset.
        expect(Math.abs(offsetBps), `${m.symbol} at ${f.timestampMs}`).toBeLessThanOrEqual(MAX_VENUE_FUNDING_OFFSET_BPS + 0.5);
        offsets.push(offsetBps);
        expect(v.fundingRate(m.symbol, f.timestampMs).rate).toBe(f.rate);
      });
    }
    expect(Math.max(...offsets.map(Math.abs)), 'offsets are not all nil').toBeGreaterThan(1);
    expect(new Set(offsets.map((o) => o.toFixed(3))).size, 'offsets vary by symbol and interval').toBeGreaterThan(offsets.length / 2);
    const now = START_MS + 5 * MINUTE_MS;
    const btc = 'BTC/USDT:USDT';
    expect(Math.floor(now / EIGHT_HOURS_MS)).toBe(Math.floor(START_MS / EIGHT_HOURS_MS));
    expect(Math.abs(v.fundingRate(btc, now).rate - ref.fundingRate(btc, now).rate) * 10_000).toBeLessThanOrEqual(MAX_VENUE_FUNDING_OFFSET_BPS + 0.5);
  });

  it('is deterministic whatever was cached first: the same venue index gives the same bytes, another index other ones', () => {
    const symbols = fingerprintSymbols(gen(0, FINGERPRINT_SYMBOLS));
    const one = generatorFingerprint(gen(1, FINGERPRINT_SYMBOLS), symbols, 'fine-first');
    const warm = gen(1, FINGERPRINT_SYMBOLS);
    generatorFingerprint(warm, symbols, 'coarse-first');
    expect(generatorFingerprint(warm, symbols, 'fine-first'), 'hour summaries from cached minutes or their own cores agree').toBe(one);
    expect(generatorFingerprint(gen(2, FINGERPRINT_SYMBOLS), symbols, 'fine-first')).not.toBe(one);
  });

  it('reaches the wire from the config\'s sim.venue', async () => {
    const config = loadConfig({ options: { exchange: 'sim', sim: { symbols: 4, seed: SEED, startTimeMs: START_MS, pausedAtStart: true, venue: { index: 2 } } } });
    const sim = await startSimExchange(simExchangeOptions(config.sim));
    try {
      const expected = gen(2, 4).lastPrice('BTC/USDT:USDT', START_MS);
      expect(sim.source.lastPrice('BTC/USDT:USDT', START_MS)).toBe(expected);
      expect(expected).not.toBe(gen(0, 4).lastPrice('BTC/USDT:USDT', START_MS));
      const res = await fetch(`${sim.url}/api/v1/market/tickers?instId=BTC-USDT`);
      const body = (await res.json()) as { data: { last: string }[] };
      expect(Number(body.data[0]!.last), 'the ticker last over HTTP').toBe(expected);
    } finally {
      await sim.stop();
    }
  });

  it('refuses a bad venue index, naming the field', () => {
    let caught: unknown;
    try {
      loadConfig({ options: { sim: { venue: { index: -1 } } } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => i.path)).toEqual(['sim.venue.index']);
    expect(() => createMarketGenerator({ seed: SEED, symbols: 2, startTimeMs: START_MS, venue: { index: 1.5 } })).toThrow(/venue\.index: got 1\.5, expected an integer >= 0/);
  });
});
