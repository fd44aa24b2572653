import type { FeatureParams } from './params.js';
import type { FeatureRow } from './types.js';

/**
 * Recent bars as seen from the current one. Batch columns and the incremental ring buffers share
 * this view, so both forms run the same arithmetic and agree bit for bit on derived features:
 * the value `k` bars ago sits at `(t - k) & mask`; full columns use `mask = -1` (identity).
 */
export interface BarWindow {
  /** Logical index of the current bar (bars seen - 1). */
  t: number;
  mask: number;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** EMA(fast) history, for the slope. */
  emaFast: Float64Array;
}

/** Indicator values at the current bar (and the Donchian channel one bar earlier). */
export interface IndicatorValues {
  emaFast: number;
  emaSlow: number;
  atr: number;
  adx: number;
  plusDi: number;
  minusDi: number;
  rsi: number;
  supertrend: number;
  supertrendDir: number;
  donchianUpper: number;
  donchianLower: number;
  donchianUpperPrev: number;
  donchianLowerPrev: number;
  realizedVolShort: number;
  realizedVolLong: number;
}

/** Order-flow values at the current and previous bar; `NaN` where not supplied. */
export interface FlowValues {
  imbalance: number;
  depthUsd: number;
  fundingRate: number;
  fundingRatePrev: number;
  openInterest: number;
  openInterestPrev: number;
}

export const NO_FLOW: Readonly<FlowValues> = Object.freeze({
  imbalance: Number.NaN,
  depthUsd: Number.NaN,
  fundingRate: Number.NaN,
  fundingRatePrev: Number.NaN,
  openInterest: Number.NaN,
  openInterestPrev: Number.NaN,
});

function ago(w: BarWindow, arr: Float64Array, k: number): number {
  return k <= w.t ? arr[(w.t - k) & w.mask]! : Number.NaN;
}

/** Fills `out` with the features of the current bar of `w`; returns `out`. */
export function deriveFeatures(w: BarWindow, ind: IndicatorValues, flow: FlowValues, p: FeatureParams, out: FeatureRow): FeatureRow {
  const i = w.t & w.mask;
  const open = w.open[i]!;
  const high = w.high[i]!;
  const low = w.low[i]!;
  const close = w.close[i]!;
  const volume = w.volume[i]!;
  out.open = open;
  out.high = high;
  out.low = low;
  out.close = close;
  out.volume = volume;

  out.emaFast = ind.emaFast;
  out.emaSlow = ind.emaSlow;
  out.atr = ind.atr;
  out.adx = ind.adx;
  out.plusDi = ind.plusDi;
  out.minusDi = ind.minusDi;
  out.rsi = ind.rsi;
  out.supertrend = ind.supertrend;
  out.supertrendDir = ind.supertrendDir;
  out.donchianUpper = ind.donchianUpper;
  out.donchianLower = ind.donchianLower;
  out.donchianUpperPrev = ind.donchianUpperPrev;
  out.donchianLowerPrev = ind.donchianLowerPrev;
  out.realizedVolShort = ind.realizedVolShort;
  out.realizedVolLong = ind.realizedVolLong;

  out.atrPct = close > 0 ? ind.atr / close : Number.NaN;
  out.ret1 = close / ago(w, w.close, 1) - 1;
  out.ret5 = close / ago(w, w.close, 5) - 1;
  out.ret20 = close / ago(w, w.close, 20) - 1;

  const k = p.emaSlopeLookbackBars;
  const emaThen = ago(w, w.emaFast, k);
  out.emaSlope = (ind.emaFast - emaThen) / emaThen / k;

  const vk = p.velocityBars;
  // A flat market has ATR 0 and no velocity; 0 rather than NaN keeps the row usable.
  out.velocity = ind.atr > 0 ? (close - ago(w, w.close, vk)) / vk / ind.atr : ind.atr === 0 ? 0 : Number.NaN;

  // Volume against the preceding window, so one spike cannot dilute its own baseline.
  const n = p.volumePeriod;
  if (w.t >= n) {
    let sum = 0;
    for (let j = 1; j <= n; j++) sum += w.volume[(w.t - j) & w.mask]!;
    const mean = sum / n;
    let sq = 0;
    for (let j = 1; j <= n; j++) {
      const d = w.volume[(w.t - j) & w.mask]! - mean;
      sq += d * d;
    }
    const sd = Math.sqrt(sq / n);
    out.volumeBurst = mean > 0 ? volume / mean : volume > 0 ? n : 1;
    out.volumeZ = sd > 0 ? (volume - mean) / sd : 0;
  } else {
    out.volumeBurst = Number.NaN;
    out.volumeZ = Number.NaN;
  }

  const rvLong = ind.realizedVolLong;
  out.volRatio = rvLong > 0 ? ind.realizedVolShort / rvLong : rvLong === 0 ? 1 : Number.NaN;

  const range = high - low;
  if (range > 0) {
    const upper = (high - Math.max(open, close)) / range;
    const lower = (Math.min(open, close) - low) / range;
    out.upperWickRatio = upper;
    out.lowerWickRatio = lower;
    out.wickRatio = upper + lower;
  } else {
    out.upperWickRatio = 0;
    out.lowerWickRatio = 0;
    out.wickRatio = 0;
  }

  out.flowImbalance = flow.imbalance;
  const quoteVolume = volume * close;
  out.depthToVolume = quoteVolume > 0 ? flow.depthUsd / quoteVolume : Number.NaN;
  out.fundingRate = flow.fundingRate;
  out.fundingDelta = flow.fundingRate - flow.fundingRatePrev;
  out.oiDelta = flow.openInterestPrev > 0 ? flow.openInterest / flow.openInterestPrev - 1 : Number.NaN;
  return out;
}
