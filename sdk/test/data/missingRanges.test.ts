import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { missingBarRanges } from '../../src/data/coverage.js';
import { missingFundingRanges } from '../../src/data/download/downloadCandles.js';
import { openStore } from '../../src/store/index.js';
import { H, T0, tempDir } from './helpers.js';

const M = 60_000;

describe('missingBarRanges', () => {
  const tmp = tempDir('perpscope-data-missing-');
  afterAll(() => tmp.cleanup());

  it('lists every stretch without bars, including holes between stored runs, across the walk chunks of a long series', () => {
    const store = openStore({ file: join(tmp.dir, 'long.db') });
    try {
      const key = { exchange: 'x', symbol: 'BTC/USDT:USDT', timeframe: '1m' };
      // 70,000 minutes with three holes: one inside the first 50,000-row chunk, one spanning its last row and the next chunk's first, one later.
      const holes = [
        [1_000, 1_010],
        [50_010, 50_013],
        [60_000, 60_500],
      ] as const;
      const inHole = (i: number) => holes.some(([a, b]) => i >= a && i < b);
      const candles: Candle[] = [];
      for (let i = 0; i < 70_000; i++) if (!inHole(i)) candles.push({ openTimeMs: T0 + i * M, open: 1, high: 2, low: 0.5, close: 1.5, volume: 1 });
      store.candles.upsertSeries(key, candles);
      const expected = holes.map(([a, b]) => ({ fromMs: T0 + a * M, toMs: T0 + b * M, bars: b - a }));
      expect(missingBarRanges(store, key, T0, T0 + 70_000 * M, M)).toEqual(expected);
      expect(missingBarRanges(store, key, T0 - 5 * M, T0 + 70_010 * M, M), 'the ends of the range count too').toEqual([
        { fromMs: T0 - 5 * M, toMs: T0, bars: 5 },
        ...expected,
        { fromMs: T0 + 70_000 * M, toMs: T0 + 70_010 * M, bars: 10 },
      ]);
      expect(missingBarRanges(store, key, T0 + 1_010 * M, T0 + 50_000 * M, M), 'a range inside stored bars lacks nothing').toEqual([]);
      expect(missingBarRanges(store, { ...key, symbol: 'ETH/USDT:USDT' }, T0, T0 + 10 * M, M)).toEqual([{ fromMs: T0, toMs: T0 + 10 * M, bars: 10 }]);
    } finally {
      store.close();
    }
  });
});

describe('missingFundingRanges', () => {
  const every8h = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * 8 * H);

  it('fetches the whole range while the interval is unknown (fewer than two settlements stored)', () => {
    expect(missingFundingRanges([], T0, T0 + 100 * H)).toEqual([{ fromMs: T0, toMs: T0 + 100 * H }]);
    expect(missingFundingRanges([T0 + 8 * H], T0, T0 + 100 * H)).toEqual([{ fromMs: T0, toMs: T0 + 100 * H }]);
    expect(missingFundingRanges(every8h(T0, 3), T0 + 10 * H, T0 + 10 * H), 'an empty range').toEqual([]);
  });

  it('finds a missing start, holes longer than the interval, and a missing end', () => {
    const stored = [...every8h(T0 + 24 * H, 3), ...every8h(T0 + 64 * H, 3)];
    expect(missingFundingRanges(stored, T0, T0 + 120 * H)).toEqual([
      { fromMs: T0, toMs: T0 + 24 * H },
      { fromMs: T0 + 40 * H + 1, toMs: T0 + 64 * H },
      { fromMs: T0 + 80 * H + 1, toMs: T0 + 120 * H },
    ]);
  });

  it('a complete series lacks nothing, even when the range starts or ends between settlements', () => {
    expect(missingFundingRanges(every8h(T0, 10), T0 - 7 * H, T0 + 72 * H + 8 * H)).toEqual([]);
    expect(missingFundingRanges(every8h(T0, 10), T0, T0 + 72 * H + 1), 'the range ends at the last settlement').toEqual([]);
  });
});
