import { describe, expect, it } from 'vitest';
import { BINANCE_USDM_LIMITS, BLOFIN_LIMITS, BYBIT_LIMITS, HTX_LIMITS, rateLimitFloorMs, rateLimitFloorWeightedMs, type RateWindow } from '../../src/market/exchangeLimits.js';

/** Reference schedule: tries every whole millisecond from the previous send on (small cases only). */
function bruteForceFloorMs(windows: readonly RateWindow[], weights: readonly number[]): number {
  const sent: number[] = [];
  let t = 0;
  for (let k = 0; k < weights.length; k++) {
    const fits = (at: number) =>
      windows.every((w) => {
        let used = 0;
        for (let j = 0; j < k; j++) if (sent[j]! > at - w.windowMs) used += weights[j]!;
        return used + weights[k]! <= w.limit;
      });
    while (!fits(t)) t++;
    sent.push(t);
  }
  return weights.length ? t : 0;
}

/** Deterministic pseudo-random integers (mulberry32), so a failure always reproduces. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
  };
}

describe('rateLimitFloorWeightedMs', () => {
  it('equals rateLimitFloorMs when every request weighs 1', () => {
    for (const windows of [BLOFIN_LIMITS.windows, BYBIT_LIMITS.windows]) {
      for (const count of [0, 1, 499, 500, 501, 600, 601, 1_500, 1_501, 1_602, 3_001]) {
        expect(rateLimitFloorWeightedMs(windows, new Array<number>(count).fill(1)), `${count} requests`).toBe(rateLimitFloorMs(windows, count));
      }
    }
  });

  it('counts Binance request weight against 2,400 per minute', () => {
    const windows = BINANCE_USDM_LIMITS.windows;
    // Klines of 500 candles weigh 5: 480 fit one minute, the 481st waits for the first to age out.
    expect(rateLimitFloorWeightedMs(windows, new Array<number>(480).fill(5))).toBe(0);
    expect(rateLimitFloorWeightedMs(windows, new Array<number>(481).fill(5))).toBe(60_000);
    // The 40-weight tickers call first leaves room for 471 pages (2,359 weight) in the first minute, not 480.
    expect(rateLimitFloorWeightedMs(windows, [1, 40, ...new Array<number>(471).fill(5)])).toBe(0);
    expect(rateLimitFloorWeightedMs(windows, [1, 40, ...new Array<number>(472).fill(5)])).toBe(60_000);
  });

  it('waits until enough weight has left the window, not just one request', () => {
    const windows = [{ limit: 10, windowMs: 1_000 }];
    expect(rateLimitFloorWeightedMs(windows, [6, 6])).toBe(1_000);
    expect(rateLimitFloorWeightedMs(windows, [3, 3, 3, 3])).toBe(1_000);
    expect(rateLimitFloorWeightedMs(windows, [9, 1, 1]), 'the 9 must leave before the last 1 fits').toBe(1_000);
    expect(rateLimitFloorWeightedMs(windows, [1, 9, 9]), 'the 1 and the 9 leave together').toBe(1_000);
    expect(rateLimitFloorWeightedMs(windows, [10, 10, 10])).toBe(2_000);
  });

  it('matches a millisecond-by-millisecond schedule on random weights and windows', () => {
    const next = rng(7);
    for (let c = 0; c < 200; c++) {
      const windows: RateWindow[] = [{ limit: 5 + next(10), windowMs: 1 + next(20) }];
      if (next(2)) windows.push({ limit: windows[0]!.limit + next(15), windowMs: windows[0]!.windowMs + 1 + next(40) });
      const weights = Array.from({ length: next(40) }, () => next(windows[0]!.limit + 1));
      expect(rateLimitFloorWeightedMs(windows, weights), JSON.stringify({ windows, weights })).toBe(bruteForceFloorMs(windows, weights));
    }
  });

  it('refuses a weight no window can hold, and a malformed weight', () => {
    expect(() => rateLimitFloorWeightedMs([{ limit: 10, windowMs: 1_000 }], [1, 11])).toThrow(/weights\[1\] = 11 exceeds the window of 10 per 1000 ms/);
    expect(() => rateLimitFloorWeightedMs([{ limit: 10, windowMs: 1_000 }], [-1])).toThrow(/weights\[0\] must be a finite number >= 0, got -1/);
    expect(() => rateLimitFloorWeightedMs([{ limit: 0, windowMs: 1_000 }], [1])).toThrow(/must have limit > 0/);
  });
});

describe('market-load weights', () => {
  it('count both of the requests ccxt sends to load Bybit\'s and HTX\'s markets, one elsewhere', () => {
    expect(BYBIT_LIMITS.weight('loadMarkets', 0)).toBe(2);
    expect(HTX_LIMITS.weight('loadMarkets', 0)).toBe(2);
    expect(BYBIT_LIMITS.weight('fetchTickers', 0)).toBe(1);
    expect(BLOFIN_LIMITS.weight('loadMarkets', 0)).toBe(1);
  });
});
