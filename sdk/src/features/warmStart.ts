import type { Candle } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import type { Donchian } from '../indicators/index.js';
import type { IndicatorScratch } from './batch.js';
import { candleIssue } from './columns.js';
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
  const c = acceptedColumns(candles, end, rejected, scratch);
  const m = c.close.length;
  if (m === 0) return rejected;
  const p = t.params;
  const out = recursiveBuffers(m, scratch);
  if (!canComputeRecursive(c, p, out)) {
    for (let i = 0; i < m; i++) {
      t.advance({ openTimeMs: c.openTimeMs[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! });
    }
    return rejected;
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
  return rejected;
}
