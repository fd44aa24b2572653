import { readFileSync } from 'node:fs';
import { timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';
import { parseRecordedCsv } from '@perpscope/sdk/data';

/**
 * Bars of one recorded OHLCV file whose open time lies in `[fromMs, toMs]`, oldest first, at most
 * `maxBars` (the latest ones), read by the replay's own parser: the bars a trade is shown on are
 * the bars it was traded on.
 */
export function readRecordedBars(path: string, timeframe: Timeframe, fromMs: number, toMs: number, maxBars: number): Candle[] {
  const s = parseRecordedCsv(readFileSync(path, 'utf8'), timeframeMs(timeframe), path);
  const out: Candle[] = [];
  for (let i = 0; i < s.openMs.length; i++) {
    const openTimeMs = s.openMs[i]!;
    if (openTimeMs < fromMs || openTimeMs > toMs) continue;
    out.push({ openTimeMs, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! });
  }
  return out.length > maxBars ? out.slice(out.length - maxBars) : out;
}
