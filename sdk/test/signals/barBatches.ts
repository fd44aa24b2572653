import { timeframeMs, type Candle } from '@perpscope/shared';
import type { OhlcvColumns } from '../../src/features/types.js';
import type { ClosedBar, SeriesData } from '../../src/signals/index.js';

export function candleAt(c: OhlcvColumns, i: number): Candle {
  return { openTimeMs: c.openTimeMs[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! };
}

/** Every bar of every series as ClosedBar batches, one batch per close time, oldest first. */
export function barBatches(series: readonly SeriesData[]): { closeTimeMs: number; bars: ClosedBar[] }[] {
  const byTime = new Map<number, ClosedBar[]>();
  for (const s of series) {
    for (let i = 0; i < s.candles.close.length; i++) {
      const closeTimeMs = s.candles.openTimeMs[i]! + timeframeMs(s.timeframe);
      let list = byTime.get(closeTimeMs);
      if (!list) byTime.set(closeTimeMs, (list = []));
      list.push({ symbol: s.symbol, timeframe: s.timeframe, candle: candleAt(s.candles, i) });
    }
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([closeTimeMs, bars]) => ({ closeTimeMs, bars }));
}
