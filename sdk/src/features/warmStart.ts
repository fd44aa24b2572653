import type { Candle } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import type { Donchian } from '../indicators/index.js';
import type { IndicatorScratch } from './batch.js';
import { candleIssue, sliceColumns } from './columns.js';
import { canComputeRecursive, computeRecursiveColumns, type RecursiveColumns } from './recursiveColumns.js';
import type { BarWindow, IndicatorValues } from './derive.js';
import type { FeatureParams } from './params.js';
import type { RecursiveState } from './recursiveState.js';
import type { RollingVol } from './rollingVol.js';
import type { RejectedCandle } from './tracker.js';
import type { OhlcvColumns } from './types.js';

/**
 * The valid candles of `candles[0, end)` as columns (in the scratch's buffers when given), skipping
 * bad ones exactly as a tracker's `advance` refuses them (each checked against the last accepted
 * open time).
 */
function acceptedColumns(candles: readonly Candle[], end: number, rejected: RejectedCandle[], scratch: IndicatorScratch | undefined): OhlcvColumns {
  const f = () => new Float64Array(end);
  const { openTimeMs, open, high, low, close, volume } = scratch
    ? scratch.ohlcv(end)
    : { openTimeMs: f(), open: f(), high: f(), low: f(), close: f(), volume: f() };
  let m = 0;
  let lastMs = -Infinity;
  for (let i = 0; i < end; i++) {
    const k = candles[i]!;
    const issue = candleIssue(k, lastMs, 'candle');
    if (issue) {
      rejected.push({ index: i, error: new InvalidInputError('candle for feature tracking', [issue]) });
      continue;
    }
    lastMs = k.openTimeMs;
    openTimeMs[m] = k.openTimeMs;
    open[m] = k.open;
    high[m] = k.high;
    low[m] = k.low;
    close[m] = k.close;
    volume[m] = k.volume;
    m++;
  }
  if (m === end) return { openTimeMs, open, high, low, close, volume };
  return {
    openTimeMs: openTimeMs.subarray(0, m),
    open: open.subarray(0, m),
    high: high.subarray(0, m),
    low: low.subarray(0, m),
    close: close.subarray(0, m),
    volume: volume.subarray(0, m),
  };
}

/** Bar `i` of `c` as a candle object (for the per-bar paths: checks that fail, the last bars' `update`). */
export function candleAt(c: OhlcvColumns, i: number): Candle {
  return { openTimeMs: c.openTimeMs[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! };
}

/**
 * `acceptedColumns` for history that is already in columns (a ring's): the same checks in the same
 * order with the same errors, but no candle objects, and no copy at all when every bar is valid
 * (the result is then views over `src`). Only from the first refused bar on are the accepted bars
 * copied into buffers of their own.
 */
function acceptedFromColumns(src: OhlcvColumns, end: number, rejected: RejectedCandle[], scratch: IndicatorScratch | undefined): OhlcvColumns {
  const { openTimeMs: t, open: o, high: h, low: l, close: c, volume: v } = src;
  let out: OhlcvColumns | null = null;
  let m = 0;
  let lastMs = -Infinity;
  for (let i = 0; i < end; i++) {
    const ms = t[i]!;
    const op = o[i]!;
    const hi = h[i]!;
    const lo = l[i]!;
    const cl = c[i]!;
    const vo = v[i]!;
    // `candleIssue`'s combined test for the common valid case; anything else gets its full check.
    const ok = ms > lastMs && Number.isFinite(ms) && op > 0 && hi > 0 && lo > 0 && cl > 0 && hi >= lo && vo >= 0 && Number.isFinite(op + hi + lo + cl + vo);
    if (!ok) {
      const issue = candleIssue(candleAt(src, i), lastMs, 'candle');
      if (issue) {
        rejected.push({ index: i, error: new InvalidInputError('candle for feature tracking', [issue]) });
        if (!out) {
          const f = () => new Float64Array(end);
          out = scratch ? scratch.ohlcv(end) : { openTimeMs: f(), open: f(), high: f(), low: f(), close: f(), volume: f() };
          // Bars before the first refused one were all accepted: copy them once.
          out.openTimeMs.set(t.subarray(0, m));
          out.open.set(o.subarray(0, m));
          out.high.set(h.subarray(0, m));
          out.low.set(l.subarray(0, m));
          out.close.set(c.subarray(0, m));
          out.volume.set(v.subarray(0, m));
        }
        continue;
      }
    }
    lastMs = ms;
    if (out) {
      out.openTimeMs[m] = ms;
      out.open[m] = op;
      out.high[m] = hi;
      out.low[m] = lo;
      out.close[m] = cl;
      out.volume[m] = vo;
    }
    m++;
  }
  return sliceColumns(out ?? src, m);
}

/**
 * A fresh tracker's state as `restoreFromHistory` writes it. `advance` feeds one bar the slow way,
 * for inputs the fused kernel does not take.
 */
export interface RestoreTarget {
  readonly params: FeatureParams;
  readonly window: BarWindow;
  readonly ind: IndicatorValues;
  readonly rec: RecursiveState;
  readonly donchian: Donchian;
  readonly rvShort: RollingVol;
  readonly rvLong: RollingVol;
  advance(candle: Candle): void;
  setLastOpenTimeMs(ms: number): void;
}

function recursiveBuffers(n: number, scratch: IndicatorScratch | undefined): RecursiveColumns {
  if (scratch) return scratch.buffers(n);
  const f = () => new Float64Array(n);
  return { emaFast: f(), emaSlow: f(), atr: f(), rsi: f(), dmi: { adx: f(), plusDi: f(), minusDi: f() }, st: { value: f(), direction: f() } };
}

/**
 * Brings a fresh tracker to the state it would reach after `advance` on each of `candles[0, end)`,
 * without the per-bar replay:
 * - the recursive indicators (EMAs, Wilder ATRs, ADX, RSI, Supertrend) take the final state of one
 *   fused batch pass (`computeRecursiveColumns`), whose arithmetic is the streaming step's;
 * - the bar ring takes the tail of the columns (and of the EMA(fast) column, for the slope);
 * - Donchian, whose value depends only on its window, is fed just the last `period + 1` bars;
 * - realized volatility runs its rolling update over the close column: its Welford sums carry the
 *   rounding of the whole history, so no shortcut reproduces them bit for bit.
 * Returns the candles refused as bad, with the same errors `advance` throws.
 */
export function restoreFromHistory(t: RestoreTarget, candles: readonly Candle[], end: number, scratch?: IndicatorScratch): RejectedCandle[] {
  const rejected: RejectedCandle[] = [];
  restoreFromAccepted(t, acceptedColumns(candles, end, rejected, scratch), scratch);
  return rejected;
}

/**
 * `restoreFromHistory` over history held as columns, bars `[0, end)` of `columns`: the same state
 * and the same refused bars (indexes into the columns), without building a candle per bar.
 */
export function restoreFromColumns(t: RestoreTarget, columns: OhlcvColumns, end: number, scratch?: IndicatorScratch): RejectedCandle[] {
  const rejected: RejectedCandle[] = [];
  restoreFromAccepted(t, acceptedFromColumns(columns, end, rejected, scratch), scratch);
  return rejected;
}

/** The restore itself, over columns whose bars were all accepted. */
function restoreFromAccepted(t: RestoreTarget, c: OhlcvColumns, scratch: IndicatorScratch | undefined): void {
  const m = c.close.length;
  if (m === 0) return;
  const p = t.params;
  const out = recursiveBuffers(m, scratch);
  if (!canComputeRecursive(c, p, out)) {
    for (let i = 0; i < m; i++) t.advance(candleAt(c, i));
    return;
  }
  const w = t.window;
  const from = Math.max(0, m - (w.mask + 1));
  computeRecursiveColumns(c, p, out, from, t.rec);

  for (let b = from; b < m; b++) {
    const s = b & w.mask;
    w.open[s] = c.open[b]!;
    w.high[s] = c.high[b]!;
    w.low[s] = c.low[b]!;
    w.close[s] = c.close[b]!;
    w.volume[s] = c.volume[b]!;
    w.emaFast[s] = out.emaFast[b]!;
  }
  w.t = m - 1;

  const ind = t.ind;
  const last = m - 1;
  ind.emaFast = out.emaFast[last]!;
  ind.emaSlow = out.emaSlow[last]!;
  ind.atr = out.atr[last]!;
  ind.adx = out.dmi.adx[last]!;
  ind.plusDi = out.dmi.plusDi[last]!;
  ind.minusDi = out.dmi.minusDi[last]!;
  ind.rsi = out.rsi[last]!;
  ind.supertrend = out.st.value[last]!;
  ind.supertrendDir = out.st.direction[last]!;

  for (let b = Math.max(0, m - (p.donchianPeriod + 1)); b < m; b++) {
    ind.donchianUpperPrev = ind.donchianUpper;
    ind.donchianLowerPrev = ind.donchianLower;
    t.donchian.add({ high: c.high[b]!, low: c.low[b]! });
    const dc = t.donchian.getResult();
    ind.donchianUpper = dc ? dc.upper : Number.NaN;
    ind.donchianLower = dc ? dc.lower : Number.NaN;
  }

  const close = c.close;
  for (let b = 1; b < m; b++) {
    const x = Math.log(close[b]! / close[b - 1]!);
    t.rvShort.addReturn(x);
    t.rvLong.addReturn(x);
  }
  ind.realizedVolShort = t.rvShort.value();
  ind.realizedVolLong = t.rvLong.value();
  t.setLastOpenTimeMs(c.openTimeMs[last]!);
}
