import type { SeriesKey, Store } from '../store/index.js';
import { timeframeLengthMs } from './timeframes.js';

/** Stretch of missing bars between two stored bars. */
export interface CoverageGap {
  /** Open time of the last bar before the gap. */
  afterOpenTimeMs: number;
  /** Open time of the first bar after it. */
  beforeOpenTimeMs: number;
  missingBars: number;
}

/** What the store holds for one exchange, symbol and timeframe. */
export interface SeriesCoverage {
  exchange: string;
  symbol: string;
  timeframe: string;
  firstOpenTimeMs: number;
  lastOpenTimeMs: number;
  count: number;
  /** Bars from first to last without gaps; null for a timeframe of no fixed length. */
  expectedCount: number | null;
  gaps: number;
  missingBars: number;
  largestGap: CoverageGap | null;
}

export interface CoverageFilter {
  exchange?: string;
  symbol?: string;
  timeframe?: string;
}

/**
 * Coverage of every stored candle series (or those matching `filter`): span, count, the count a
 * gapless series would have, and its gaps with the largest one. Reads each series' open times
 * once: a report, not a hot path.
 *
 * @example
 * for (const s of candleCoverage(store)) console.log(s.symbol, s.count, s.gaps);
 */
export function candleCoverage(store: Pick<Store, 'candles'>, filter: CoverageFilter = {}): SeriesCoverage[] {
  const out: SeriesCoverage[] = [];
  for (const series of store.candles.listSeries()) {
    if (filter.exchange !== undefined && series.exchange !== filter.exchange) continue;
    if (filter.symbol !== undefined && series.symbol !== filter.symbol) continue;
    if (filter.timeframe !== undefined && series.timeframe !== filter.timeframe) continue;
    const tfMs = timeframeLengthMs(series.timeframe);
    let gaps = 0;
    let missingBars = 0;
    let largestGap: CoverageGap | null = null;
    if (tfMs !== null) {
      const candles = store.candles.range(series);
      for (let i = 1; i < candles.length; i++) {
        const after = candles[i - 1]!.openTimeMs;
        const before = candles[i]!.openTimeMs;
        if (before - after <= tfMs) continue;
        const missing = Math.round((before - after) / tfMs) - 1;
        gaps++;
        missingBars += missing;
        if (!largestGap || missing > largestGap.missingBars) largestGap = { afterOpenTimeMs: after, beforeOpenTimeMs: before, missingBars: missing };
      }
    }
    out.push({
      exchange: series.exchange,
      symbol: series.symbol,
      timeframe: series.timeframe,
      firstOpenTimeMs: series.firstOpenTimeMs,
      lastOpenTimeMs: series.lastOpenTimeMs,
      count: series.count,
      expectedCount: tfMs === null ? null : Math.round((series.lastOpenTimeMs - series.firstOpenTimeMs) / tfMs) + 1,
      gaps,
      missingBars,
      largestGap,
    });
  }
  return out;
}

/** Open times `[fromMs, toMs)` of bars a series lacks. */
export interface MissingRange {
  fromMs: number;
  toMs: number;
  bars: number;
}

/** Rows read per query while walking a series: bounds memory on long 1m histories. */
const WALK_CHUNK = 50_000;

/**
 * The stretches of `[startMs, endMs)` (open times on the `tfMs` grid from `startMs`) with no stored
 * bar, in ascending order: the first one is where a download resumes, and every one must be fetched
 * for the series to be complete, including holes between bars stored by earlier runs.
 */
export function missingBarRanges(store: Pick<Store, 'candles'>, key: SeriesKey, startMs: number, endMs: number, tfMs: number): MissingRange[] {
  const out: MissingRange[] = [];
  const add = (fromMs: number, toMs: number) => {
    if (toMs > fromMs) out.push({ fromMs, toMs, bars: Math.ceil((toMs - fromMs) / tfMs) });
  };
  let expectedMs = startMs;
  let fromMs = startMs;
  for (;;) {
    const chunk = store.candles.range(key, { fromMs, toMs: endMs - 1, limit: WALK_CHUNK });
    for (const c of chunk) {
      if (c.openTimeMs > expectedMs) add(expectedMs, c.openTimeMs);
      expectedMs = Math.max(expectedMs, c.openTimeMs + tfMs);
    }
    if (chunk.length < WALK_CHUNK) break;
    fromMs = chunk[chunk.length - 1]!.openTimeMs + 1;
  }
  add(expectedMs, endMs);
  return out;
}
