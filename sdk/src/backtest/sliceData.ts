import { timeframeMs, type Candle } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import { lowerBound } from '../market/candleSearch.js';
import type { RecordedOpenInterest } from '../data/readers/derivativesCsv.js';
import { backtestDataFrom, type BacktestData, type FundingEvent } from './data.js';

/** A period of the data to replay: [fromMs, toMs) plus `warmupBars` bars before `fromMs`. */
export interface DataWindow {
  fromMs: number;
  toMs: number;
  warmupBars: number;
}

/**
 * A copy of `data` holding only what a replay of `window` may see: per symbol the `warmupBars`
 * bars before `fromMs` and the bars opening at or after `fromMs` that close by `toMs` (a bar that
 * straddles `toMs` is left out: its close lies after it), and the funding settled and open
 * interest recorded strictly before `toMs`. Nothing at or after `toMs` is in the copy, which is what keeps a walk-forward fit from
 * seeing its test period. Symbols without a bar in the window are left out; the fingerprint is
 * the copy's own.
 */
export function sliceBacktestData(data: BacktestData, window: DataWindow): BacktestData {
  const candles = new Map<string, Candle[]>();
  const funding = new Map<string, FundingEvent[]>();
  const openInterest = new Map<string, RecordedOpenInterest[]>();
  const barMs = timeframeMs(data.timeframe);
  for (const symbol of data.symbols) {
    const bars = data.candles.get(symbol) ?? [];
    const first = lowerBound(bars, window.fromMs);
    // The first bar that closes after toMs: openTimeMs + barMs > toMs.
    const end = lowerBound(bars, window.toMs - barMs + 1);
    if (end <= first) continue;
    candles.set(symbol, bars.slice(Math.max(0, first - window.warmupBars), end));
    const events = data.funding.get(symbol);
    if (events) funding.set(symbol, events.filter((e) => e.fundingTimeMs < window.toMs));
    const oi = data.openInterest?.get(symbol);
    if (oi) openInterest.set(symbol, oi.filter((p) => p.timeMs < window.toMs));
  }
  if (candles.size === 0) {
    throw new InvalidInputError('data window', [
      { path: 'window', received: `${new Date(window.fromMs).toISOString()} .. ${new Date(window.toMs).toISOString()}`, expected: `a period with at least one ${data.timeframe} bar of ${data.symbols.length} symbol(s)` },
    ]);
  }
  return backtestDataFrom(data.timeframe, candles, funding, openInterest);
}
