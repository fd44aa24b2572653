import { atr, realizedVol, rsi } from '../indicators/index.js';
import type { CandleArrays } from './types.js';

/**
 * Bars read from the end of the series: a 60-bar baseline before a spike up to 3 bars back, and
 * ATR/RSI warm-up (Wilder seeds weigh (13/14)^86 < 0.2% after 100 bars). Older bars cannot change
 * any figure materially, and reading fewer keeps a 400-symbol cycle within a few milliseconds.
 */
export const CANDLE_TAIL_BARS = 100;
const ATR_PERIOD = 14;
const RSI_PERIOD = 14;
/** Baseline for the volume z-score, per the product spec. */
export const VOLUME_BASELINE_BARS = 60;
const SHORT_VOL_BARS = 10;
const LONG_VOL_BARS = 60;
const VELOCITY_BARS = 3;

/** Per-symbol candle statistics at the last closed bar. Ratios are fractions unless named `Pct`. */
export interface CandleFeatures {
  bars: number;
  lastOpenTimeMs: number;
  close: number;
  /** Wilder ATR(14) at the last bar, in price. */
  atr: number;
  /** ATR(14) at the bar before the last, so a spike bar does not dilute its own yardstick. */
  atrPrev: number;
  atrPct: number;
  rsi: number;
  ret1: number;
  ret4: number;
  ret24: number;
  /** Last bar volume against the mean and sample std of the 60 bars before it. */
  volumeZ: number;
  /** Std of 1-bar log returns over the last 10 bars over the same over the last 60. */
  volRegime: number;
  /** Close change over the last 3 bars per bar, in units of `atrPrev`. */
  velocityAtr: number;
  upperWickAtr: number;
  lowerWickAtr: number;
  rangeAtr: number;
  /** Mean quote volume (close x volume) of the last 24 bars. */
  quoteVolumePerBar: number;
  /** Median quote volume of one bar over the tail: typical flow, unmoved by a burst. */
  medianQuoteVolumePerBar: number;
  /** Quote volume summed over the bars covering the last 24 hours. */
  quoteVolume24h: number;
  /**
   * The tail the figures were computed on, for rules that look back a few bars. Views into the
   * caller's arrays when they are Float64Arrays: read them during the analysis only.
   */
  tailHigh: Float64Array;
  tailLow: Float64Array;
  tailOpen: Float64Array;
  tailClose: Float64Array;
  tailVolume: Float64Array;
  tailAtr: Float64Array;
}

/**
 * The last `n` values as a Float64Array (indicator kernels take typed arrays): a view when the
 * input already is one, else a copy. Callers only read it.
 */
export function tail(values: ArrayLike<number>, n: number): Float64Array {
  const len = values.length;
  const start = Math.max(0, len - n);
  if (values instanceof Float64Array) return values.subarray(start);
  const out = new Float64Array(len - start);
  for (let i = start; i < len; i++) out[i - start] = values[i] as number;
  return out;
}

function at(a: ArrayLike<number>, i: number): number {
  return i >= 0 && i < a.length ? (a[i] as number) : Number.NaN;
}

function lastFinite(a: Float64Array, fromEnd = 0): number {
  const v = a[a.length - 1 - fromEnd];
  return v === undefined ? Number.NaN : v;
}

/** Mean and sample std of `a[from, to)`. */
export function meanStd(a: ArrayLike<number>, from: number, to: number): { mean: number; std: number } {
  const lo = Math.max(0, from);
  const n = to - lo;
  if (n < 2) return { mean: Number.NaN, std: Number.NaN };
  let sum = 0;
  for (let i = lo; i < to; i++) sum += a[i] as number;
  const mean = sum / n;
  let ss = 0;
  for (let i = lo; i < to; i++) {
    const d = (a[i] as number) - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

/** Per-bar realized volatility of the last `bars` log returns (NaN when too short). */
function lastRealizedVol(close: Float64Array, bars: number): number {
  if (bars < 2 || close.length < bars + 1) return Number.NaN;
  return lastFinite(realizedVol(close.subarray(close.length - bars - 1), bars));
}

/** z-score of the last value against the `baseline` values before it; 0 when the baseline is flat. */
export function lastValueZ(values: ArrayLike<number>, baseline: number): number {
  const n = values.length;
  if (n < 3) return 0;
  const { mean, std } = meanStd(values, n - 1 - baseline, n - 1);
  if (!(std > 0)) return 0;
  return ((values[n - 1] as number) - mean) / std;
}

/**
 * Computes the candle statistics used by the radar and the ranking from the last
 * `CANDLE_TAIL_BARS` bars. Returns null with fewer than `ATR_PERIOD + 2` bars.
 */
export function computeCandleFeatures(candles: CandleArrays, barMs: number): CandleFeatures | null {
  const n = candles.close.length;
  if (n < ATR_PERIOD + 2) return null;
  const high = tail(candles.high, CANDLE_TAIL_BARS);
  const low = tail(candles.low, CANDLE_TAIL_BARS);
  const close = tail(candles.close, CANDLE_TAIL_BARS);
  const open = tail(candles.open, CANDLE_TAIL_BARS);
  const volume = tail(candles.volume, CANDLE_TAIL_BARS);
  const m = close.length;
  const atrSeries = atr(high, low, close, ATR_PERIOD);
  const rsiSeries = rsi(close, RSI_PERIOD);
  const atrNow = lastFinite(atrSeries);
  const atrPrev = lastFinite(atrSeries, 1);
  const c = close[m - 1] as number;
  const o = open[m - 1] as number;
  const h = high[m - 1] as number;
  const l = low[m - 1] as number;
  const yard = atrPrev > 0 ? atrPrev : atrNow;

  const barsPerDay = Math.max(1, Math.round(86_400_000 / barMs));
  let qv24 = 0;
  for (let i = Math.max(0, m - barsPerDay); i < m; i++) qv24 += (close[i] as number) * (volume[i] as number);
  let qvBars = 0;
  const qvFrom = Math.max(0, m - 24);
  for (let i = qvFrom; i < m; i++) qvBars += (close[i] as number) * (volume[i] as number);

  const qvTail = new Float64Array(m);
  for (let i = 0; i < m; i++) qvTail[i] = (close[i] as number) * (volume[i] as number);
  qvTail.sort();
  const medianQv = m % 2 === 1 ? (qvTail[m >> 1] as number) : ((qvTail[(m >> 1) - 1] as number) + (qvTail[m >> 1] as number)) / 2;

  const shortVol = lastRealizedVol(close, SHORT_VOL_BARS);
  const longVol = lastRealizedVol(close, Math.min(LONG_VOL_BARS, m - 1));
  const ret = (k: number): number => (m > k ? c / (close[m - 1 - k] as number) - 1 : Number.NaN);

  return {
    bars: n,
    lastOpenTimeMs: at(candles.openTimeMs, n - 1),
    close: c,
    atr: atrNow,
    atrPrev: yard,
    atrPct: (atrNow / c) * 100,
    rsi: lastFinite(rsiSeries),
    ret1: ret(1),
    ret4: ret(4),
    ret24: ret(24),
    volumeZ: lastValueZ(volume, VOLUME_BASELINE_BARS),
    volRegime: longVol > 0 ? shortVol / longVol : 1,
    velocityAtr: m > VELOCITY_BARS && yard > 0 ? (c - (close[m - 1 - VELOCITY_BARS] as number)) / (VELOCITY_BARS * yard) : 0,
    upperWickAtr: yard > 0 ? (h - Math.max(o, c)) / yard : 0,
    lowerWickAtr: yard > 0 ? (Math.min(o, c) - l) / yard : 0,
    rangeAtr: yard > 0 ? (h - l) / yard : 0,
    quoteVolumePerBar: qvBars / (m - qvFrom),
    medianQuoteVolumePerBar: medianQv,
    quoteVolume24h: qv24,
    tailHigh: high,
    tailLow: low,
    tailOpen: open,
    tailClose: close,
    tailVolume: volume,
    tailAtr: atrSeries,
  };
}
