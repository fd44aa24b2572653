import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { MarketDataService } from '../../src/market/marketDataService.js';
import { ReplayMarketData } from '../../src/market/replayMarketData.js';
import type { BarEvent } from '../../src/market/liveCandles.js';
import { quoteVolume24hFromHourly } from '../../src/market/quoteVolume.js';

const H = 3_600_000;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const series = (n: number, volume: number): Candle[] =>
  Array.from({ length: n }, (_, i) => ({ openTimeMs: i * H, open: 10 + i, high: 12 + i, low: 9 + i, close: 11 + i, volume: volume + i }));

describe('ReplayMarketData through MarketDataService', () => {
  const candles = new Map([
    ['AAA/USDT:USDT', { '1h': series(48, 100) }],
    ['BBB/USDT:USDT', { '1h': series(48, 300) }],
    ['CCC/USDT:USDT', { '1h': series(48, 200) }],
  ]);

  it('ranks by 24h quote volume at the clock, backfills what was closed, then emits each bar close in order', async () => {
    const clock = new SimulatedClock(30 * H);
    const source = new ReplayMarketData({ clock, candles });
    const service = new MarketDataService({ source, clock, timeframes: ['1h'], historyBars: 20, universeRefreshMs: 0, healthIntervalMs: 0 });
    const bars: BarEvent[] = [];
    service.on('bar', (e) => bars.push(e));
    await service.start();
    expect(service.universe().map((m) => m.symbol)).toEqual(['BBB/USDT:USDT', 'CCC/USDT:USDT', 'AAA/USDT:USDT']);
    expect(service.universe()[0]?.quoteVolume24h, 'sum of volume x close over bars 6..29').toBeCloseTo(quoteVolume24hFromHourly(series(30, 300), 30 * H), 6);
    expect(service.candles('AAA/USDT:USDT', '1h').map((c) => c.openTimeMs / H), 'nothing after the clock leaks in').toEqual(
      Array.from({ length: 20 }, (_, i) => 10 + i),
    );
    for (let i = 0; i < 3; i++) {
      await clock.advance(H);
      await flush();
    }
    const forA = bars.filter((b) => b.symbol === 'AAA/USDT:USDT');
    expect(forA.map((b) => b.candle), 'bars 30, 31, 32 close at 31h, 32h, 33h').toEqual(series(33, 100).slice(30));
    expect(bars.length).toBe(9);
    await service.stop();
  });

  it('answers NotSupported for data it does not store', async () => {
    const source = new ReplayMarketData({ clock: new SimulatedClock(0), candles });
    await expect(source.fetchOrderBook('AAA/USDT:USDT')).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(source.fetchCandles('ZZZ/USDT:USDT', '1h', { limit: 1 })).rejects.toMatchObject({ code: 'UNKNOWN_SYMBOL' });
  });
});
