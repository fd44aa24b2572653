import type { CandleArrays, MarketSnapshot } from '../../src/manipulation/index.js';
import { mulberry32 as rng } from '../../../test/support/rng.js';

export { rng };

export const HOUR_MS = 3_600_000;
export const T0 = Date.UTC(2025, 9, 1);


export interface MutableCandles {
  openTimeMs: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

/** A quiet 1h random walk: +/-0.3% steps, wicks within 0.2%, volume 1000 +/- 10%. */
export function calmCandles(bars = 200, seed = 7, start = 100): MutableCandles {
  const r = rng(seed);
  const c: MutableCandles = { openTimeMs: [], open: [], high: [], low: [], close: [], volume: [] };
  let price = start;
  for (let i = 0; i < bars; i++) {
    const open = price;
    const close = open * (1 + (r() - 0.5) * 0.006);
    c.openTimeMs.push(T0 + i * HOUR_MS);
    c.open.push(open);
    c.close.push(close);
    c.high.push(Math.max(open, close) * (1 + r() * 0.002));
    c.low.push(Math.min(open, close) * (1 - r() * 0.002));
    c.volume.push(1000 * (0.9 + r() * 0.2));
    price = close;
  }
  return c;
}

/** A symmetric book around `mid`: 20 levels each side, 1 bp apart, `levelBase` base units each. */
export function calmBook(mid: number, levelBase = 50, spreadBps = 2): { bids: [number, number][]; asks: [number, number][] } {
  const half = (spreadBps / 2 / 10_000) * mid;
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 0; i < 20; i++) {
    bids.push([mid - half - i * mid * 0.0001, levelBase]);
    asks.push([mid + half + i * mid * 0.0001, levelBase]);
  }
  return { bids, asks };
}

export function snapshotOf(candles: CandleArrays, extra: Partial<MarketSnapshot> = {}): MarketSnapshot {
  const n = candles.close.length;
  const last = candles.close[n - 1] as number;
  return {
    symbol: 'TEST/USDT:USDT',
    nowMs: (candles.openTimeMs[n - 1] as number) + HOUR_MS,
    barMs: HOUR_MS,
    candles,
    book: calmBook(last),
    trades: { windowMs: HOUR_MS, buyVolumeBase: 500, sellVolumeBase: 480, tradeCount: 900 },
    fundingRate: 0.0001,
    fundingIntervalHours: 8,
    fundingHistory: [0.0001, 0.0001, 0.00008],
    openInterestHistory: Array.from(candles.close, () => 50_000),
    markPrice: last,
    indexPrice: last,
    market: { takerFeeRate: 0.0006, makerFeeRate: 0.0002, listedAtMs: T0 - 365 * 86_400_000 },
    ...extra,
  };
}

/** Replaces the last bar. */
export function setLastBar(c: MutableCandles, bar: { open: number; high: number; low: number; close: number; volume: number }): void {
  const i = c.close.length - 1;
  c.open[i] = bar.open;
  c.high[i] = bar.high;
  c.low[i] = bar.low;
  c.close[i] = bar.close;
  c.volume[i] = bar.volume;
}
