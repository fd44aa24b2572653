import type { Candle } from '@perpscope/shared';
import { InvalidInputError, type FieldIssue } from '../core/errors.js';
import type { OhlcvColumns } from './types.js';

/** Six zeroed columns of `n` bars. */
export function allocOhlcvColumns(n: number): OhlcvColumns {
  return { openTimeMs: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
}

/**
 * Copies candles into columns, checking what the features rely on: finite positive prices,
 * finite non-negative volume and strictly increasing open times. Throws `InvalidInputError`
 * naming the first bad candles (repair belongs to the market-data edge, not here).
 */
export function candlesToColumns(candles: readonly Candle[], subject = 'candles'): OhlcvColumns {
  const n = candles.length;
  const cols = allocOhlcvColumns(n);
  const issues: FieldIssue[] = [];
  let lastTime = -Infinity;
  for (let i = 0; i < n && issues.length < 5; i++) {
    const k = candles[i]!;
    const issue = candleIssue(k, lastTime, `${subject}[${i}]`);
    if (issue) issues.push(issue);
    lastTime = k.openTimeMs;
    cols.openTimeMs[i] = k.openTimeMs;
    cols.open[i] = k.open;
    cols.high[i] = k.high;
    cols.low[i] = k.low;
    cols.close[i] = k.close;
    cols.volume[i] = k.volume;
  }
  if (issues.length) throw new InvalidInputError(subject, issues);
  return cols;
}

/** The first problem with one candle, or null. `lastOpenTimeMs` is the previous candle's open time. */
export function candleIssue(k: Candle, lastOpenTimeMs: number, path: string): FieldIssue | null {
  // One combined test for the common valid case; the detailed checks below only run on failure.
  // (`x > 0` is false for NaN, and Infinity is caught by the isFinite on each field.)
  if (
    k.openTimeMs > lastOpenTimeMs &&
    Number.isFinite(k.openTimeMs) &&
    k.open > 0 &&
    k.high > 0 &&
    k.low > 0 &&
    k.close > 0 &&
    k.high >= k.low &&
    k.volume >= 0 &&
    Number.isFinite(k.open + k.high + k.low + k.close + k.volume)
  ) {
    return null;
  }
  if (!Number.isFinite(k.openTimeMs) || k.openTimeMs <= lastOpenTimeMs) {
    return { path: `${path}.openTimeMs`, received: String(k.openTimeMs), expected: `a time after ${lastOpenTimeMs}` };
  }
  for (const f of ['open', 'high', 'low', 'close'] as const) {
    if (!(Number.isFinite(k[f]) && k[f] > 0)) return { path: `${path}.${f}`, received: String(k[f]), expected: 'a finite price above 0' };
  }
  if (!(k.high >= k.low)) return { path: `${path}.high`, received: String(k.high), expected: `at least low (${k.low})` };
  if (!(Number.isFinite(k.volume) && k.volume >= 0)) {
    return { path: `${path}.volume`, received: String(k.volume), expected: 'a finite volume >= 0' };
  }
  return null;
}

/** Columns for bars `[0, end)`: subarray views, no copy. */
export function sliceColumns(c: OhlcvColumns, end: number): OhlcvColumns {
  return {
    openTimeMs: c.openTimeMs.subarray(0, end),
    open: c.open.subarray(0, end),
    high: c.high.subarray(0, end),
    low: c.low.subarray(0, end),
    close: c.close.subarray(0, end),
    volume: c.volume.subarray(0, end),
  };
}
