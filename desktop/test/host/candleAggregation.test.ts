import { describe, expect, it } from 'vitest';
import { ErrorCode, type Candle } from '@perpscope/shared';
import { aggregateCandles, sourceTimeframe } from '../../src/host/candleAggregation.js';
import { adaptMarketEngine, type MarketEngineLike } from '../../src/host/marketAdapter.js';
import { createHost } from '../../src/host/index.js';
import type { HostSecretStore } from '../../src/host/ports.js';

const MIN = 60_000;
/** 2026-01-01T00:00Z: a day boundary, so hour and day buckets start on it. */
const DAY0 = Date.UTC(2026, 0, 1);

/** Bars of `stepMs` from `fromMs`, prices walking up by `i` so every bar is distinct. */
function bars(fromMs: number, count: number, stepMs: number): Candle[] {
  return Array.from({ length: count }, (_, i) => ({ openTimeMs: fromMs + i * stepMs, open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, volume: 1 + i }));
}

describe('sourceTimeframe', () => {
  it('picks the coarsest tracked timeframe that divides the target', () => {
    expect(sourceTimeframe('1h', ['1m', '15m']), '15m spans more history than 1m').toBe('15m');
    expect(sourceTimeframe('5m', ['1m', '15m']), '15m does not divide 5m').toBe('1m');
    expect(sourceTimeframe('1d', ['1m', '15m', '4h'])).toBe('4h');
    expect(sourceTimeframe('5m', ['15m', '1h']), 'nothing finer divides it').toBeNull();
    expect(sourceTimeframe('15m', ['15m']), 'a tracked timeframe is not built from itself').toBeNull();
  });
});

describe('aggregateCandles', () => {
  it('folds whole buckets: first open, last close, extreme high and low, summed volume', () => {
    const out = aggregateCandles(bars(DAY0, 10, MIN), MIN, 5 * MIN);
    expect(out).toEqual([
      { openTimeMs: DAY0, open: 100, high: 106, low: 99, close: 105, volume: 1 + 2 + 3 + 4 + 5 },
      { openTimeMs: DAY0 + 5 * MIN, open: 105, high: 111, low: 104, close: 110, volume: 6 + 7 + 8 + 9 + 10 },
    ]);
  });

  it('leaves out a first bucket joined part-way and a last one still forming', () => {
    const out = aggregateCandles(bars(DAY0 + 2 * MIN, 10, MIN), MIN, 5 * MIN);
    expect(out.map((c) => c.openTimeMs), 'minutes 2-4 and 10-11 make no whole bucket').toEqual([DAY0 + 5 * MIN]);
    expect(out[0]!.open, 'the kept bucket opens on its own first minute').toBe(103);
  });

  it('keeps a bucket with a gap inside, from the bars it has', () => {
    const rows = bars(DAY0, 15, MIN).filter((c) => c.openTimeMs !== DAY0 + 7 * MIN);
    const out = aggregateCandles(rows, MIN, 5 * MIN);
    expect(out.map((c) => c.openTimeMs)).toEqual([DAY0, DAY0 + 5 * MIN, DAY0 + 10 * MIN]);
    expect(out[1]!.volume, 'minute 7 is missing').toBe(6 + 7 + 9 + 10);
  });

  it('aligns day buckets on UTC midnight and returns nothing for no rows', () => {
    const out = aggregateCandles(bars(DAY0 - 4 * 3_600_000, 6 * 7, 4 * 3_600_000), 4 * 3_600_000, 86_400_000);
    expect(out.length, 'the partial day before DAY0 is dropped; the rows end on a whole day').toBe(6);
    expect(out.every((c) => c.openTimeMs % 86_400_000 === 0)).toBe(true);
    expect(aggregateCandles([], MIN, 5 * MIN)).toEqual([]);
  });
});

describe('candles.get for untracked timeframes', () => {
  const noSecrets: HostSecretStore = {
    set: () => Promise.reject(new Error('unused')),
    get: () => Promise.resolve(null),
    delete: () => Promise.resolve(false),
    list: () => Promise.resolve([]),
  };
  // The port's shape only: the real engine behind it is covered in marketAdapter.test.ts.
  const quarterHours = bars(DAY0, 4 * 24 * 2, 15 * MIN);
  const engine: MarketEngineLike = {
    config: { timeframes: ['15m'] },
    on: () => () => {},
    universe: () => [{ symbol: 'BTC/USDT:USDT', base: 'BTC', last: 100 }],
    candles: (_s, tf) => (tf === '15m' ? quarterHours : []),
    refreshOrderFlow: () => Promise.reject(new Error('unused')),
    health: () => ({ atMs: 0, exchangeId: 'sim', wsState: 'live', breaker: { state: 'closed' }, rateLimited429: 0, backoffs: [], symbols: [] }),
  };
  const host = createHost({ engine: adaptMarketEngine(engine, { isRunning: () => true }), secrets: noSecrets });

  it('serves every multiple of a tracked timeframe and names the ones it cannot', async () => {
    for (const [tf, count] of [['1h', 48], ['4h', 12], ['1d', 2]] as const) {
      const res = await host.call('candles.get', { symbol: 'BTC/USDT:USDT', timeframe: tf, limit: 1_000 });
      expect(res.ok && res.value.candles.length, `${tf} from two days of 15m bars`).toBe(count);
    }
    const limited = await host.call('candles.get', { symbol: 'BTC/USDT:USDT', timeframe: '1h', limit: 3, toMs: DAY0 + 10 * 3_600_000 });
    expect(limited.ok && limited.value.candles.map((c) => c.openTimeMs), 'limit and toMs apply to the built bars').toEqual([8, 9, 10].map((h) => DAY0 + h * 3_600_000));
    const finer = await host.call('candles.get', { symbol: 'BTC/USDT:USDT', timeframe: '5m' });
    expect(!finer.ok && finer.error.code).toBe(ErrorCode.InvalidInput);
    expect(!finer.ok && finer.error.message).toMatch(/timeframe: got "5m", expected a tracked timeframe \(15m\) or a multiple of one \(15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d\)/);
  });
});
