import { describe, expect, it } from 'vitest';
import { createMarketGenerator } from '../../src/sim/index.js';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOUR = 3_600_000;
const MIN = 60_000;

describe('createMarketGenerator', () => {
  const gen = createMarketGenerator({ seed: 42, symbols: 30, startTimeMs: START });

  it('lists BTC, ETH and SIMnnn swaps with prices spanning orders of magnitude', () => {
    const markets = gen.markets();
    expect(markets.map((m) => m.symbol).slice(0, 3), 'fixed naming order').toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'SIM001/USDT:USDT']);
    expect(markets.every((m) => m.type === 'swap' && m.settle === 'USDT'), 'USDT-settled swaps only').toBe(true);
    const prices = markets.map((m) => gen.lastPrice(m.symbol, START)!);
    expect(Math.log10(Math.max(...prices) / Math.min(...prices)), 'price levels span >= 4 decades').toBeGreaterThan(4);
    const qv = markets.map((m) => gen.stats24h(m.symbol, START)!.quoteVolume24h);
    expect(Math.log10(Math.max(...qv) / Math.min(...qv)), 'quote volumes span >= 3 decades so ranking is meaningful').toBeGreaterThan(3);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const again = createMarketGenerator({ seed: 42, symbols: 30, startTimeMs: START });
    const other = createMarketGenerator({ seed: 43, symbols: 30, startTimeMs: START });
    const a = gen.candles('SIM003/USDT:USDT', '5m', START - 6 * HOUR, START);
    expect(again.candles('SIM003/USDT:USDT', '5m', START - 6 * HOUR, START), 'same seed, same bars').toEqual(a);
    expect(other.candles('SIM003/USDT:USDT', '5m', START - 6 * HOUR, START), 'other seed, other bars').not.toEqual(a);
    expect(again.groundTruth(), 'same seed, same episodes').toEqual(gen.groundTruth());
  });

  it('returns the same candle whichever window it is requested in', () => {
    const wide = gen.candles('ETH/USDT:USDT', '15m', START - 48 * HOUR, START);
    const narrow = gen.candles('ETH/USDT:USDT', '15m', START - 7 * HOUR, START - 3 * HOUR);
    const fresh = createMarketGenerator({ seed: 42, symbols: 30, startTimeMs: START }).candles('ETH/USDT:USDT', '15m', START - 7 * HOUR, START - 3 * HOUR);
    const byTime = new Map(wide.map((c) => [c.openTimeMs, c]));
    expect(narrow.length, '4h of 15m bars').toBe(16);
    for (const c of narrow) expect(byTime.get(c.openTimeMs), `bar ${c.openTimeMs} identical`).toEqual(c);
    expect(fresh, 'a cold generator agrees with a warm one').toEqual(narrow);
  });

  it('aggregates every timeframe from the same minutes', () => {
    const hour = gen.candles('SIM005/USDT:USDT', '1h', START - 2 * HOUR, START - HOUR)[0]!;
    const minutes = gen.candles('SIM005/USDT:USDT', '1m', START - 2 * HOUR, START - HOUR);
    expect(minutes.length).toBe(60);
    expect(hour.open, 'open = first minute open').toBe(minutes[0]!.open);
    expect(hour.close, 'close = last minute close').toBe(minutes[59]!.close);
    expect(hour.high, 'high = max of minute highs').toBe(Math.max(...minutes.map((m) => m.high)));
    expect(hour.low, 'low = min of minute lows').toBe(Math.min(...minutes.map((m) => m.low)));
    const vol = minutes.reduce((s, m) => s + m.volume, 0);
    expect(hour.volume, 'volume = sum of minute volumes').toBeCloseTo(vol, 6);
    for (const c of minutes) expect(c.low <= Math.min(c.open, c.close) && c.high >= Math.max(c.open, c.close), 'valid OHLC').toBe(true);
  });

  it('forms the current bar from data up to the read time only', () => {
    const at = START + 30 * MIN + 15_000;
    const forming = gen.formingCandle('BTC/USDT:USDT', '1h', at)!;
    expect(forming.closed, 'forming bar is unconfirmed').toBe(false);
    expect(forming.openTimeMs).toBe(START);
    const full = gen.candles('BTC/USDT:USDT', '1h', START, START + HOUR)[0]!;
    expect(forming.open).toBe(full.open);
    expect(forming.high <= full.high && forming.low >= full.low, 'partial range stays inside the final range').toBe(true);
    expect(forming.close, 'close is the last price').toBe(gen.lastPrice('BTC/USDT:USDT', at));
  });

  it('produces trades consistent with candles and books around the last price', () => {
    const from = START - 10 * MIN;
    const bars = gen.candles('SIM002/USDT:USDT', '1m', from, START);
    const trades = gen.trades('SIM002/USDT:USDT', from, START);
    for (const bar of bars) {
      const inBar = trades.filter((t) => t.timestampMs >= bar.openTimeMs && t.timestampMs < bar.openTimeMs + MIN);
      const volume = inBar.reduce((s, t) => s + t.amount, 0);
      expect(volume, 'trade sizes sum to the bar volume').toBeCloseTo(bar.volume, 6);
      for (const t of inBar) expect(t.price >= bar.low && t.price <= bar.high, 'trade inside the bar range').toBe(true);
    }
    const book = gen.orderBook('SIM002/USDT:USDT', START, 20);
    const last = gen.lastPrice('SIM002/USDT:USDT', START)!;
    const bid = book.bids[0]![0];
    const ask = book.asks[0]![0];
    expect(bid < ask, 'book not crossed').toBe(true);
    expect(((ask - bid) / last) * 1e4, 'spread within a few tens of bps').toBeLessThan(60);
    expect(bid <= last * 1.0001 && ask >= last * 0.9999, 'touch straddles the last price').toBe(true);
    expect(book.bids[19]![1] < book.bids[0]![1] * 3, 'depth decays away from the touch').toBe(true);
  });

  it('records pump-and-dump, spoofing and delisting ground truth that shows in the data', () => {
    const truth = gen.groundTruth();
    const kinds = new Set(truth.map((g) => g.kind));
    expect([...kinds].sort(), 'all three episode kinds').toEqual(['delisting', 'pump_and_dump', 'spoofing']);
    const pump = truth.find((g) => g.kind === 'pump_and_dump' && g.endMs < START)!;
    const during = gen.candles(pump.symbol, '1m', pump.startMs, pump.endMs);
    const before = gen.candles(pump.symbol, '1m', pump.startMs - 6 * HOUR, pump.startMs - HOUR);
    const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(during.map((c) => c.quoteVolume)), 'volume surges during the pump').toBeGreaterThan(3 * avg(before.map((c) => c.quoteVolume)));
    const peak = Math.max(...during.map((c) => c.high));
    expect(peak / during[0]!.open, 'price runs up at least 15%').toBeGreaterThan(1.15);
    const spoof = truth.find((g) => g.kind === 'spoofing')!;
    const mid = (spoof.startMs + spoof.endMs) / 2;
    const sizes = (atMs: number): number[] => {
      const b = gen.orderBook(spoof.symbol, atMs, 10);
      return [...b.bids, ...b.asks].map((l) => l[1]);
    };
    const ratio = (xs: number[]): number => Math.max(...xs) / [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(ratio(sizes(mid)), 'a wall far above the median level during the episode').toBeGreaterThan(8);
    expect(ratio(sizes(spoof.endMs + MIN)), 'the wall is gone afterwards').toBeLessThan(8);
    const delist = truth.find((g) => g.kind === 'delisting')!;
    expect(gen.candles(delist.symbol, '1m', delist.startMs, delist.startMs + HOUR), 'no bars after delisting').toEqual([]);
    expect(gen.markets().find((m) => m.symbol === delist.symbol)?.delistAtMs).toBe(delist.startMs);
  });

  it('keeps funding, open interest and mark price consistent with the price', () => {
    const f = gen.fundingRate('BTC/USDT:USDT', START);
    expect(Math.abs(f.rate), 'funding within exchange caps').toBeLessThan(0.0075);
    expect(f.nextFundingTimeMs! % (8 * HOUR), 'next funding on the 8h grid').toBe(0);
    const mark = gen.markPrice('BTC/USDT:USDT', START);
    const last = gen.lastPrice('BTC/USDT:USDT', START)!;
    expect(Math.abs(mark.markPrice / last - 1), 'mark within a few bps of last').toBeLessThan(0.001);
    const oi = gen.openInterest('BTC/USDT:USDT', START);
    expect(oi.valueUsd!, 'OI value = amount x price').toBeCloseTo(oi.amountBase * last, 0);
    expect(gen.fundingHistory('BTC/USDT:USDT', START - 24 * HOUR, START).length, 'three settlements a day').toBe(3);
  });

  it('names the bad argument in its errors', () => {
    expect(() => gen.candles('NOPE/USDT:USDT', '1m', 0, 1)).toThrow(/unknown symbol "NOPE\/USDT:USDT"/);
    expect(() => gen.candles('BTC/USDT:USDT', '7m', 0, 1)).toThrow(/unsupported timeframe "7m"/);
  });
});
