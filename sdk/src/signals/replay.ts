import { timeframeMs, type Timeframe } from '@perpscope/shared';
import { BatchFeatureReader, computeIndicatorColumns, computeLatestIndicatorColumns, IndicatorScratch } from '../features/batch.js';
import type { FeatureRow, OhlcvColumns, OrderFlowColumns } from '../features/types.js';
import type { SignalEngine } from './engine.js';
import { cycleTime } from './incremental.js';
import type { SeriesBar, Signal, SignalCycle } from './types.js';

/** One symbol x timeframe history for the batch paths. */
export interface SeriesData {
  symbol: string;
  timeframe: Timeframe;
  candles: OhlcvColumns;
  orderFlow?: OrderFlowColumns;
}

/**
 * Cold evaluation with batch kernels: indicators over each whole series, features and strategies on
 * the last bar only, one engine cycle. For one-shot scans; the live path seeds trackers instead.
 */
export function evaluateCold(engine: SignalEngine, series: readonly SeriesData[]): SignalCycle {
  const p = engine.config.features;
  const bars: SeriesBar[] = [];
  let cycleMs = -Infinity;
  // Each series' columns are read (two rows) before the next series overwrites the buffers.
  const scratch = new IndicatorScratch();
  for (const s of series) {
    const n = s.candles.close.length;
    if (n === 0) continue;
    const reader = new BatchFeatureReader(s.candles, computeLatestIndicatorColumns(s.candles, p, scratch), p, s.orderFlow);
    const features = reader.rowAt(n - 1);
    const prev = n > 1 ? reader.rowAt(n - 2) : null;
    const closeTimeMs = features.openTimeMs + timeframeMs(s.timeframe);
    if (closeTimeMs > cycleMs) cycleMs = closeTimeMs;
    bars.push({ symbol: s.symbol, timeframe: s.timeframe, closeTimeMs, features, prev });
  }
  return engine.runCycle(cycleTime(cycleMs, engine), bars);
}

export interface ReplayResult {
  /** Selected signals of every cycle, in cycle order. */
  signals: Signal[];
  cycles: number;
  candidates: number;
  matured: number;
}

/**
 * Runs the engine over whole histories bar by bar, in close-time order (a backtest or a baseline):
 * each distinct close time is one cycle holding every series whose bar closed then. Nothing at a
 * bar reads later bars, so truncating the input after time T leaves every signal up to T unchanged.
 */
export function replaySignals(engine: SignalEngine, series: readonly SeriesData[], onCycle?: (cycle: SignalCycle) => void): ReplayResult {
  const p = engine.config.features;
  const readers = series.map((s) => new BatchFeatureReader(s.candles, computeIndicatorColumns(s.candles, p), p, s.orderFlow));
  const tfMs = series.map((s) => timeframeMs(s.timeframe));
  const cursor = new Int32Array(series.length);
  const prevRow: (FeatureRow | null)[] = series.map(() => null);
  const result: ReplayResult = { signals: [], cycles: 0, candidates: 0, matured: 0 };
  for (;;) {
    let next = Infinity;
    for (let i = 0; i < series.length; i++) {
      const c = cursor[i]!;
      if (c < series[i]!.candles.openTimeMs.length) next = Math.min(next, series[i]!.candles.openTimeMs[c]! + tfMs[i]!);
    }
    if (next === Infinity) break;
    const bars: SeriesBar[] = [];
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const t = cursor[i]!;
      if (t >= s.candles.openTimeMs.length || s.candles.openTimeMs[t]! + tfMs[i]! !== next) continue;
      const features = readers[i]!.rowAt(t);
      bars.push({ symbol: s.symbol, timeframe: s.timeframe, closeTimeMs: next, features, prev: prevRow[i]! });
      prevRow[i] = features;
      cursor[i] = t + 1;
    }
    const cycle = engine.runCycle(next, bars);
    result.cycles++;
    result.candidates += cycle.candidates.length;
    result.matured += cycle.matured.length;
    for (const s of cycle.signals) result.signals.push(s);
    onCycle?.(cycle);
  }
  return result;
}
