import { adx, atr, donchian, ema, realizedVol, rsi, supertrend, type AdxSeries, type DonchianSeries, type SupertrendSeries } from '../indicators/index.js';
import { canComputeRecursive, computeRecursiveColumns, type RecursiveColumns } from './recursiveColumns.js';
import { deriveFeatures, NO_FLOW, type BarWindow, type FlowValues, type IndicatorValues } from './derive.js';
import type { FeatureParams } from './params.js';
import { emptyFeatureRow, FEATURE_NAMES, type FeatureColumns, type FeatureRow, type OhlcvColumns, type OrderFlowColumns } from './types.js';

/** Indicator columns that features are derived from; `NaN` during each indicator's warm-up. */
export interface IndicatorColumns {
  emaFast: Float64Array;
  emaSlow: Float64Array;
  atr: Float64Array;
  adx: Float64Array;
  plusDi: Float64Array;
  minusDi: Float64Array;
  rsi: Float64Array;
  supertrend: Float64Array;
  supertrendDir: Float64Array;
  donchianUpper: Float64Array;
  donchianLower: Float64Array;
  realizedVolShort: Float64Array;
  realizedVolLong: Float64Array;
  /**
   * Bar index of element 0 of the windowed columns (Donchian, realized volatility): 0 for full
   * columns, more when only the tail was computed.
   */
  windowedFrom: number;
}

/** One set of indicator output buffers of a single length (see `IndicatorScratch`). */
export interface IndicatorBuffers {
  emaFast: Float64Array;
  emaSlow: Float64Array;
  atr: Float64Array;
  rsi: Float64Array;
  dmi: AdxSeries;
  st: SupertrendSeries;
  dc: DonchianSeries;
  realizedVolShort: Float64Array;
  realizedVolLong: Float64Array;
}

/** Distinct series lengths kept before the pool starts over (a universe has few). */
const MAX_POOLED_LENGTHS = 16;

/**
 * Reusable output buffers for the indicator columns, so that a pass over many series allocates
 * nothing per series. Columns computed into a scratch stay valid only until its next use: read them
 * before computing the next series.
 */
export class IndicatorScratch {
  private readonly byLength = new Map<number, IndicatorBuffers>();
  private readonly ohlcvByLength = new Map<number, OhlcvColumns>();

  /** Candle columns of length `n` (for a series about to be computed), the same ones on every call with that `n`. */
  ohlcv(n: number): OhlcvColumns {
    let c = this.ohlcvByLength.get(n);
    if (c) return c;
    if (this.ohlcvByLength.size >= MAX_POOLED_LENGTHS) this.ohlcvByLength.clear();
    const f = () => new Float64Array(n);
    c = { openTimeMs: f(), open: f(), high: f(), low: f(), close: f(), volume: f() };
    this.ohlcvByLength.set(n, c);
    return c;
  }

  /** The buffers of length `n`, the same ones on every call with that `n`. */
  buffers(n: number): IndicatorBuffers {
    let b = this.byLength.get(n);
    if (b) return b;
    if (this.byLength.size >= MAX_POOLED_LENGTHS) this.byLength.clear();
    const f = () => new Float64Array(n);
    b = {
      emaFast: f(),
      emaSlow: f(),
      atr: f(),
      rsi: f(),
      dmi: { adx: f(), plusDi: f(), minusDi: f() },
      st: { value: f(), direction: f() },
      dc: { upper: f(), middle: f(), lower: f() },
      realizedVolShort: f(),
      realizedVolLong: f(),
    };
    this.byLength.set(n, b);
    return b;
  }
}

/**
 * The recursive indicators (EMAs, ATR, ADX, RSI, Supertrend) over the whole series: one fused pass
 * (bit-identical to the separate kernels) into the scratch buffers or new arrays, or the separate
 * kernels when the inputs are unusual (they validate and name what is wrong).
 */
function recursiveColumns(c: OhlcvColumns, p: FeatureParams, b: IndicatorBuffers | undefined, from = 0): RecursiveColumns {
  const n = c.close.length;
  const f = () => new Float64Array(n);
  const out: RecursiveColumns = b ?? { emaFast: f(), emaSlow: f(), atr: f(), rsi: f(), dmi: { adx: f(), plusDi: f(), minusDi: f() }, st: { value: f(), direction: f() } };
  if (canComputeRecursive(c, p, out)) {
    computeRecursiveColumns(c, p, out, from);
    return out;
  }
  return {
    emaFast: ema(c.close, p.emaFastPeriod),
    emaSlow: ema(c.close, p.emaSlowPeriod),
    atr: atr(c.high, c.low, c.close, p.atrPeriod),
    rsi: rsi(c.close, p.rsiPeriod),
    dmi: adx(c.high, c.low, c.close, p.adxPeriod),
    st: supertrend(c.high, c.low, c.close, p.supertrendPeriod, p.supertrendMultiplier),
  };
}

/**
 * Runs every indicator the feature set needs over a whole series. With `scratch`, the columns are
 * written into its buffers instead of new arrays.
 */
export function computeIndicatorColumns(c: OhlcvColumns, p: FeatureParams, scratch?: IndicatorScratch): IndicatorColumns {
  const b = scratch?.buffers(c.close.length);
  const r = recursiveColumns(c, p, b);
  const dc = donchian(c.high, c.low, p.donchianPeriod, b?.dc);
  return {
    emaFast: r.emaFast,
    emaSlow: r.emaSlow,
    atr: r.atr,
    adx: r.dmi.adx,
    plusDi: r.dmi.plusDi,
    minusDi: r.dmi.minusDi,
    rsi: r.rsi,
    supertrend: r.st.value,
    supertrendDir: r.st.direction,
    donchianUpper: dc.upper,
    donchianLower: dc.lower,
    realizedVolShort: realizedVol(c.close, p.realizedVolShortPeriod, 1, b?.realizedVolShort),
    realizedVolLong: realizedVol(c.close, p.realizedVolLongPeriod, 1, b?.realizedVolLong),
    windowedFrom: 0,
  };
}

/**
 * Like `computeIndicatorColumns`, but valid only for the last two bars: the windowed indicators
 * (Donchian, realized volatility) run over just the bars those two need, while the recursive ones
 * (EMA, ATR, ADX, RSI, Supertrend), whose values depend on the whole history, still run over all
 * of it (one fused pass, stored only for the bars the last two rows read, `NaN` before). For cold
 * evaluation of the latest bar; the results match the full columns there (the recursive ones and
 * Donchian exactly, realized volatility to rounding). Read it with `BatchFeatureReader`, which honours
 * `windowedFrom`. With `scratch`, the columns are written into its buffers instead of new arrays.
 */
export function computeLatestIndicatorColumns(c: OhlcvColumns, p: FeatureParams, scratch?: IndicatorScratch): IndicatorColumns {
  const n = c.close.length;
  const tailBars = Math.max(p.donchianPeriod, p.realizedVolLongPeriod) + 2;
  if (n <= tailBars) return computeIndicatorColumns(c, p, scratch);
  const from = n - tailBars;
  const tb = scratch?.buffers(tailBars);
  // The recursive columns are stored only where the last two rows read them (the EMA slope looks
  // furthest back); they still run over the whole history.
  const r = recursiveColumns(c, p, scratch?.buffers(n), Math.max(0, Math.min(from, n - p.emaSlopeLookbackBars - 2)));
  const dc = donchian(c.high.subarray(from), c.low.subarray(from), p.donchianPeriod, tb?.dc);
  const closeTail = c.close.subarray(from);
  return {
    emaFast: r.emaFast,
    emaSlow: r.emaSlow,
    atr: r.atr,
    adx: r.dmi.adx,
    plusDi: r.dmi.plusDi,
    minusDi: r.dmi.minusDi,
    rsi: r.rsi,
    supertrend: r.st.value,
    supertrendDir: r.st.direction,
    donchianUpper: dc.upper,
    donchianLower: dc.lower,
    realizedVolShort: realizedVol(closeTail, p.realizedVolShortPeriod, 1, tb?.realizedVolShort),
    realizedVolLong: realizedVol(closeTail, p.realizedVolLongPeriod, 1, tb?.realizedVolLong),
    windowedFrom: from,
  };
}

function at(arr: Float64Array | undefined, i: number): number {
  return arr !== undefined && i >= 0 && i < arr.length ? arr[i]! : Number.NaN;
}

/**
 * Reads feature rows of one series from its precomputed indicator columns, reusing its scratch
 * objects between calls. Reads nothing after the requested bar, so a series truncated after `t`
 * gives the same row for `t`.
 */
export class BatchFeatureReader {
  private readonly c: OhlcvColumns;
  private readonly ind: IndicatorColumns;
  private readonly p: FeatureParams;
  private readonly flow: OrderFlowColumns | undefined;
  private readonly window: BarWindow;
  private readonly values: IndicatorValues;
  private readonly flowValues: FlowValues;

  constructor(c: OhlcvColumns, ind: IndicatorColumns, p: FeatureParams, flow?: OrderFlowColumns) {
    this.c = c;
    this.ind = ind;
    this.p = p;
    this.flow = flow;
    this.window = { t: 0, mask: -1, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, emaFast: ind.emaFast };
    const nan = Number.NaN;
    this.values = {
      emaFast: nan,
      emaSlow: nan,
      atr: nan,
      adx: nan,
      plusDi: nan,
      minusDi: nan,
      rsi: nan,
      supertrend: nan,
      supertrendDir: nan,
      donchianUpper: nan,
      donchianLower: nan,
      donchianUpperPrev: nan,
      donchianLowerPrev: nan,
      realizedVolShort: nan,
      realizedVolLong: nan,
    };
    this.flowValues = { ...NO_FLOW };
  }

  /** Features of bar `t` into `out` (a fresh row by default). */
  rowAt(t: number, out: FeatureRow = emptyFeatureRow()): FeatureRow {
    const ind = this.ind;
    const v = this.values;
    v.emaFast = ind.emaFast[t]!;
    v.emaSlow = ind.emaSlow[t]!;
    v.atr = ind.atr[t]!;
    v.adx = ind.adx[t]!;
    v.plusDi = ind.plusDi[t]!;
    v.minusDi = ind.minusDi[t]!;
    v.rsi = ind.rsi[t]!;
    v.supertrend = ind.supertrend[t]!;
    v.supertrendDir = ind.supertrendDir[t]!;
    const w = t - ind.windowedFrom;
    v.donchianUpper = at(ind.donchianUpper, w);
    v.donchianLower = at(ind.donchianLower, w);
    v.donchianUpperPrev = at(ind.donchianUpper, w - 1);
    v.donchianLowerPrev = at(ind.donchianLower, w - 1);
    v.realizedVolShort = at(ind.realizedVolShort, w);
    v.realizedVolLong = at(ind.realizedVolLong, w);
    const flow = this.flow;
    if (flow) {
      const f = this.flowValues;
      f.imbalance = at(flow.imbalance, t);
      f.depthUsd = at(flow.depthUsd, t);
      f.fundingRate = at(flow.fundingRate, t);
      f.fundingRatePrev = at(flow.fundingRate, t - 1);
      f.openInterest = at(flow.openInterest, t);
      f.openInterestPrev = at(flow.openInterest, t - 1);
    }
    this.window.t = t;
    out.openTimeMs = this.c.openTimeMs[t]!;
    return deriveFeatures(this.window, v, this.flowValues, this.p, out);
  }
}

/** Features of bar `t` from precomputed indicator columns (one-off; use `BatchFeatureReader` in loops). */
export function featuresAt(
  c: OhlcvColumns,
  ind: IndicatorColumns,
  t: number,
  p: FeatureParams,
  flow?: OrderFlowColumns,
  out: FeatureRow = emptyFeatureRow(),
): FeatureRow {
  return new BatchFeatureReader(c, ind, p, flow).rowAt(t, out);
}

/**
 * Batch form: features for every bar of a series, as columns. Agrees with `FeatureTracker` fed
 * the same bars one by one.
 *
 * @example
 * const cols = computeFeatures(candlesToColumns(candles), resolveFeatureParams());
 * const lastAtrPct = cols.atrPct[cols.atrPct.length - 1];
 */
export function computeFeatures(c: OhlcvColumns, p: FeatureParams, flow?: OrderFlowColumns): FeatureColumns {
  const n = c.close.length;
  const reader = new BatchFeatureReader(c, computeIndicatorColumns(c, p), p, flow);
  const cols = {} as FeatureColumns;
  for (const name of FEATURE_NAMES) cols[name] = new Float64Array(n);
  const row = emptyFeatureRow();
  for (let t = 0; t < n; t++) {
    reader.rowAt(t, row);
    for (const name of FEATURE_NAMES) cols[name][t] = row[name];
  }
  return cols;
}

/** Row `t` of feature columns as an object. */
export function featureRowAt(cols: FeatureColumns, t: number): FeatureRow {
  const row = emptyFeatureRow();
  for (const name of FEATURE_NAMES) row[name] = cols[name][t]!;
  return row;
}
