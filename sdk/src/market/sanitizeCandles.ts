import { TIMEFRAMES, timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';

/** What was wrong with some of the candles handed to `sanitizeCandles`. */
export const CandleIssue = {
  /** A field was missing, not a number, NaN or infinite: the candle was dropped. */
  NonFinite: 'non_finite',
  /** Volume below zero: set to 0, prices kept. */
  NegativeVolume: 'negative_volume',
  /** A candle older than one before it: the series was sorted by open time. */
  OutOfOrder: 'out_of_order',
  /** Several candles with one open time: the last received was kept. */
  Duplicate: 'duplicate',
  /** High/low not enclosing open and close: widened to the OHLC extremes. Non-positive prices: dropped. */
  InconsistentOhlc: 'inconsistent_ohlc',
  /** Open time not on the timeframe grid: floored onto it. */
  Misaligned: 'misaligned',
} as const;
export type CandleIssue = (typeof CandleIssue)[keyof typeof CandleIssue];

export interface CandleWarning {
  kind: CandleIssue;
  /** Candles affected. */
  count: number;
}

export interface SanitizeContext {
  symbol: string;
  timeframe: Timeframe;
}

export interface SanitizedCandles {
  /** Ascending, unique, grid-aligned, finite candles with `low <= open, close <= high` and volume >= 0. */
  candles: Candle[];
  /** One entry per issue found, in `CandleIssue` order; empty when the input was clean. */
  warnings: CandleWarning[];
}

const ORDER: readonly CandleIssue[] = Object.values(CandleIssue);

function finiteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * The edge guard between raw exchange candles and indicator state: rejects or repairs bad
 * candles and counts each kind of problem. It never throws on bad candle data (only on a bad
 * `ctx`) and never mutates its input; candles that needed no repair are passed through by
 * reference.
 *
 * @example
 * const { candles, warnings } = sanitizeCandles(raw, { symbol: 'BTC/USDT:USDT', timeframe: '1h' });
 * for (const w of warnings) logger.warn({ ...w, symbol }, 'repaired candles');
 */
export function sanitizeCandles(candles: readonly unknown[], ctx: SanitizeContext): SanitizedCandles {
  checkContext(ctx);
  const barMs = timeframeMs(ctx.timeframe);
  const counts = new Map<CandleIssue, number>();
  const bump = (kind: CandleIssue) => counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const kept: Candle[] = [];
  let latestMs = -Infinity;
  let unordered = false;
  for (const raw of Array.isArray(candles) ? candles : []) {
    const candle = repair(raw, barMs, bump);
    if (!candle) continue;
    if (candle.openTimeMs < latestMs) {
      bump(CandleIssue.OutOfOrder);
      unordered = true;
    } else {
      latestMs = candle.openTimeMs;
    }
    kept.push(candle);
  }
  // Array.prototype.sort is stable, so among equal open times the input order survives and the
  // last one received is the last of its run.
  if (unordered) kept.sort((a, b) => a.openTimeMs - b.openTimeMs);
  const out: Candle[] = [];
  for (let i = 0; i < kept.length; i++) {
    const next = kept[i + 1];
    if (next && next.openTimeMs === kept[i]!.openTimeMs) {
      bump(CandleIssue.Duplicate);
      continue;
    }
    out.push(kept[i]!);
  }
  const warnings = ORDER.filter((k) => counts.has(k)).map((kind) => ({ kind, count: counts.get(kind)! }));
  return { candles: out, warnings };
}

/** One candle made valid, or null when it cannot be; every change is counted. */
function repair(raw: unknown, barMs: number, bump: (kind: CandleIssue) => void): Candle | null {
  if (typeof raw !== 'object' || raw === null) {
    bump(CandleIssue.NonFinite);
    return null;
  }
  const c = raw as Record<string, unknown>;
  const { openTimeMs, open, high, low, close, volume } = c;
  if (!finiteNumber(openTimeMs) || !finiteNumber(open) || !finiteNumber(high) || !finiteNumber(low) || !finiteNumber(close) || !finiteNumber(volume)) {
    bump(CandleIssue.NonFinite);
    return null;
  }
  if (!(open > 0 && high > 0 && low > 0 && close > 0)) {
    bump(CandleIssue.InconsistentOhlc);
    return null;
  }
  let fixed = false;
  let timeMs = openTimeMs;
  if (timeMs % barMs !== 0) {
    bump(CandleIssue.Misaligned);
    timeMs = Math.floor(timeMs / barMs) * barMs;
    fixed = true;
  }
  let vol = volume;
  if (vol < 0) {
    bump(CandleIssue.NegativeVolume);
    vol = 0;
    fixed = true;
  }
  let hi = high;
  let lo = low;
  if (hi < Math.max(open, close, low) || lo > Math.min(open, close)) {
    bump(CandleIssue.InconsistentOhlc);
    hi = Math.max(open, high, low, close);
    lo = Math.min(open, high, low, close);
    fixed = true;
  }
  if (!fixed) return raw as Candle;
  return { openTimeMs: timeMs, open, high: hi, low: lo, close, volume: vol };
}

function checkContext(ctx: SanitizeContext): void {
  const issues = [];
  if (typeof ctx?.symbol !== 'string' || ctx.symbol.length === 0) {
    issues.push({ path: 'symbol', received: String(ctx?.symbol), expected: 'a non-empty symbol' });
  }
  if (!(TIMEFRAMES as readonly unknown[]).includes(ctx?.timeframe)) {
    issues.push({ path: 'timeframe', received: String(ctx?.timeframe), expected: `one of ${TIMEFRAMES.join(', ')}` });
  }
  if (issues.length) throw new InvalidInputError('sanitizeCandles context', issues);
}
