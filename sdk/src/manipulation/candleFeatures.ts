import { atr, rsi } from '../indicators/index.js';
import { selectMedian } from './select.js';
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
}

/**
 * The last `CANDLE_TAIL_BARS` bars the features were computed on, plus their ATR(14), for rules
 * that look back a few bars. Held in reusable buffers: valid until the next
 * `computeCandleFeatures` call that is given the same tail, so read it within one analysis only.
 */
export interface CandleTail {
  high: Float64Array;
  low: Float64Array;
  open: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  atr: Float64Array;
}

/** Tail buffers plus the kernels' scratch outputs, all of one length. */
interface TailBuffers extends CandleTail {
  rsi: Float64Array;
  quoteVolume: Float64Array;
}

function newBuffers(m: number): TailBuffers {
  return {
    high: new Float64Array(m),
    low: new Float64Array(m),
    open: new Float64Array(m),
    close: new Float64Array(m),
    volume: new Float64Array(m),
    atr: new Float64Array(m),
    rsi: new Float64Array(m),
    quoteVolume: new Float64Array(m),
  };
}

/**
 * Buffers for full-length tails, created on first use and reused by every later call: a cycle over
 * hundreds of symbols then allocates no typed arrays, which keeps the scan's garbage collector
 * quiet. Series shorter than the tail (fresh listings) get their own buffers.
 */
let fullTail: TailBuffers | null = null;

function buffersFor(m: number): TailBuffers {
  if (m !== CANDLE_TAIL_BARS) return newBuffers(m);
  fullTail ??= newBuffers(m);
  return fullTail;
}

/**
 * The tail of one column in `buf` when the column has the series' length `n` (the tail starts at
 * `start`); otherwise the column's own last `CANDLE_TAIL_BARS` values via `tail`, so a malformed
 * snapshot reaches the kernels, and fails their checks, exactly as it would without buffers.
 */
function tailInto(values: ArrayLike<number>, n: number, start: number, buf: Float64Array): Float64Array {
  if (values.length !== n) return tail(values, CANDLE_TAIL_BARS);
  const m = buf.length;
  for (let i = 0; i < m; i++) buf[i] = values[start + i] as number;
  return buf;
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

/**
 * Per-bar realized volatility of the last `bars` log returns of `close` (NaN when too short): the
 * value `realizedVol(close.subarray(m - bars - 1), bars)` ends with, computed without its two
 * output arrays. Over exactly `bars` returns that kernel runs only its Welford warm-up, which is
 * repeated here operation for operation so the figure is bit-identical.
 */
function lastRealizedVol(close: Float64Array, bars: number): number {
  const m = close.length;
  if (bars < 2 || m < bars + 1) return Number.NaN;
  const from = m - bars - 1;
  let mean = 0;
  let m2 = 0;
  for (let i = 1; i <= bars; i++) {
    const x = Math.log((close[from + i] as number) / (close[from + i - 1] as number));
    const d = x - mean;
    mean += d / i;
    m2 += d * (x - mean);
  }
  return Math.sqrt(m2 > 0 ? m2 : 0) * Math.sqrt(1 / (bars - 1));
}

/** z-score of the last value against the `baseline` values before it; 0 when the baseline is flat. */
export function lastValueZ(values: ArrayLike<number>, baseline: number): number {
  const n = values.length;
  if (n < 3) return 0;
  const { mean, std } = meanStd(values, n - 1 - baseline, n - 1);
  if (!(std > 0)) return 0;
  return ((values[n - 1] as number) - mean) / std;
}

/** Median of `a` by sorting it (NaN sorts last), the reference `selectMedian` must match. */
function sortedMedian(a: Float64Array): number {
  const m = a.length;
  a.sort();
  return m % 2 === 1 ? (a[m >> 1] as number) : ((a[(m >> 1) - 1] as number) + (a[m >> 1] as number)) / 2;
}

/** Return over the last `k` bars; NaN when the tail is not longer than `k`. */
function ret(close: Float64Array, k: number): number {
  const m = close.length;
  return m > k ? (close[m - 1] as number) / (close[m - 1 - k] as number) - 1 : Number.NaN;
}

/**
 * Computes the candle statistics used by the radar and the ranking from the last
 * `CANDLE_TAIL_BARS` bars. Returns null with fewer than `ATR_PERIOD + 2` bars. Pass `tailOut`
 * to receive the tail the figures were computed on (see `CandleTail` for how long it stays valid).
 */
export function computeCandleFeatures(candles: CandleArrays, barMs: number, tailOut?: { tail: CandleTail | null }): CandleFeatures | null {
  const n = candles.close.length;
  if (n < ATR_PERIOD + 2) return null;
  const start = Math.max(0, n - CANDLE_TAIL_BARS);
  const m = n - start;
  const buf = buffersFor(m);
  const quoteVolume = buf.quoteVolume;
  const close = tailInto(candles.close, n, start, buf.close);
  const high = tailInto(candles.high, n, start, buf.high);
  const low = tailInto(candles.low, n, start, buf.low);
  const open = tailInto(candles.open, n, start, buf.open);
  const volume = tailInto(candles.volume, n, start, buf.volume);
  const atrSeries = atr(high, low, close, ATR_PERIOD, buf.atr);
  const rsiSeries = rsi(close, RSI_PERIOD, buf.rsi);
  const atrNow = atrSeries[m - 1] as number;
  const atrPrev = atrSeries[m - 2] as number;
  const c = close[m - 1] as number;
  const o = open[m - 1] as number;
  const h = high[m - 1] as number;
  const l = low[m - 1] as number;
  const yard = atrPrev > 0 ? atrPrev : atrNow;

  const barsPerDay = Math.max(1, Math.round(86_400_000 / barMs));
  let qvNaN = false;
  for (let i = 0; i < m; i++) {
    const qv = (close[i] as number) * (volume[i] as number);
    quoteVolume[i] = qv;
    if (qv !== qv) qvNaN = true;
  }
  let qv24 = 0;
  for (let i = Math.max(0, m - barsPerDay); i < m; i++) qv24 += quoteVolume[i] as number;
  let qvBars = 0;
  const qvFrom = Math.max(0, m - 24);
  for (let i = qvFrom; i < m; i++) qvBars += quoteVolume[i] as number;
  const medianQv = qvNaN ? sortedMedian(quoteVolume) : selectMedian(quoteVolume, m);

  const shortVol = lastRealizedVol(close, SHORT_VOL_BARS);
  const longVol = lastRealizedVol(close, Math.min(LONG_VOL_BARS, m - 1));
  if (tailOut) {
    const own = high === buf.high && low === buf.low && open === buf.open && volume === buf.volume;
    tailOut.tail = own ? buf : { high, low, open, close, volume, atr: atrSeries };
  }

  return {
    bars: n,
    lastOpenTimeMs: n - 1 < candles.openTimeMs.length ? (candles.openTimeMs[n - 1] as number) : Number.NaN,
    close: c,
    atr: atrNow,
    atrPrev: yard,
    atrPct: (atrNow / c) * 100,
    rsi: rsiSeries[m - 1] as number,
    ret1: ret(close, 1),
    ret4: ret(close, 4),
    ret24: ret(close, 24),
    volumeZ: lastValueZ(volume, VOLUME_BASELINE_BARS),
    volRegime: longVol > 0 ? shortVol / longVol : 1,
    velocityAtr: m > VELOCITY_BARS && yard > 0 ? (c - (close[m - 1 - VELOCITY_BARS] as number)) / (VELOCITY_BARS * yard) : 0,
    upperWickAtr: yard > 0 ? (h - Math.max(o, c)) / yard : 0,
    lowerWickAtr: yard > 0 ? (Math.min(o, c) - l) / yard : 0,
    rangeAtr: yard > 0 ? (h - l) / yard : 0,
    quoteVolumePerBar: qvBars / (m - qvFrom),
    medianQuoteVolumePerBar: medianQv,
    quoteVolume24h: qv24,
  };
}
