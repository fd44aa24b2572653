import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import type { CandleRow } from '../../src/store/index.js';
import { useStore } from './storeFixture.js';

const key = { exchange: 'blofin', symbol: 'BTC/USDT:USDT', timeframe: '1m' };
const candle = (i: number, close = 100 + i): Candle => ({ openTimeMs: 1_700_000_000_000 + i * 60_000, open: 100, high: 110 + i, low: 90, close, volume: 5 + i });

describe('candles', () => {
  const store = useStore();

  it('round-trips a series, in ascending time, across statement chunk boundaries', () => {
    const candles = Array.from({ length: 257 }, (_, i) => candle(i));
    expect(store().candles.upsertSeries(key, candles)).toBe(257);
    expect(store().candles.range(key), 'every row back, in order').toEqual(candles);
    expect(store().candles.count(key)).toBe(257);
    expect(store().candles.lastOpenTimeMs(key)).toBe(candles[256]!.openTimeMs);
    expect(store().candles.latest(key, 3)).toEqual(candles.slice(-3));
  });

  it('replaces a candle written twice (the forming bar is rewritten as it updates)', () => {
    store().candles.upsertSeries(key, [candle(0), candle(1)]);
    store().candles.upsertSeries(key, [candle(1, 999)]);
    expect(store().candles.range(key).map((c) => c.close)).toEqual([100, 999]);
  });

  it('accepts a series out of time order; within one batch the later duplicate wins', () => {
    store().candles.upsertSeries(key, [candle(2), candle(0), candle(1), candle(0, 555)]);
    expect(store().candles.range(key).map((c) => [c.openTimeMs, c.close])).toEqual([
      [candle(0).openTimeMs, 555],
      [candle(1).openTimeMs, 101],
      [candle(2).openTimeMs, 102],
    ]);
    store().candles.upsertRows([{ ...candle(1, 7), ...key }, { ...candle(1, 8), ...key }]);
    expect(store().candles.range(key)[1]!.close).toBe(8);
  });

  it('filters by inclusive time range and limit', () => {
    const candles = Array.from({ length: 10 }, (_, i) => candle(i));
    store().candles.upsertSeries(key, candles);
    expect(store().candles.range(key, { fromMs: candles[2]!.openTimeMs, toMs: candles[5]!.openTimeMs })).toEqual(candles.slice(2, 6));
    expect(store().candles.range(key, { fromMs: candles[2]!.openTimeMs, limit: 2 })).toEqual(candles.slice(2, 4));
  });

  it('ingests rows of many series given in live order and keeps the series apart', () => {
    const symbols = ['A/USDT:USDT', 'B/USDT:USDT', 'C/USDT:USDT'];
    const rows: CandleRow[] = [];
    for (let i = 0; i < 50; i++) for (const symbol of symbols) rows.push({ ...candle(i), exchange: 'blofin', symbol, timeframe: '5m' });
    expect(store().candles.upsertRows(rows)).toBe(150);
    for (const symbol of symbols) {
      expect(store().candles.range({ exchange: 'blofin', symbol, timeframe: '5m' }), symbol).toEqual(Array.from({ length: 50 }, (_, i) => candle(i)));
    }
    expect(store().candles.listSeries()).toEqual(
      symbols.map((symbol) => ({ exchange: 'blofin', symbol, timeframe: '5m', count: 50, firstOpenTimeMs: candle(0).openTimeMs, lastOpenTimeMs: candle(49).openTimeMs })),
    );
  });

  it('writes nothing from a batch that fails part-way (one transaction)', () => {
    const bad = [{ ...candle(0), ...key }, { ...candle(1), ...key, close: null as unknown as number }];
    expect(() => store().candles.upsertRows(bad)).toThrow(/NOT NULL/);
    expect(store().candles.count(key), 'the good first row was rolled back too').toBe(0);
  });

  it('returns empty results for an unknown series', () => {
    expect(store().candles.range(key)).toEqual([]);
    expect(store().candles.lastOpenTimeMs(key)).toBeNull();
    expect(store().candles.upsertRows([])).toBe(0);
  });
});
