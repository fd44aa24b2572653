/**
 * Feature rows: every number a strategy, the regime classifier or a calibration may read about one
 * closed bar of one symbol x timeframe. Prices are in quote currency, volumes in base units,
 * returns and percentages are fractions (0.01 = 1 %). `NaN` means "not enough history yet" or, for
 * the order-flow fields, "not supplied".
 */
export const FEATURE_NAMES = [
  'openTimeMs',
  'open',
  'high',
  'low',
  'close',
  'volume',
  /** EMA(fast) of close, 21 by default. */
  'emaFast',
  /** EMA(slow) of close, 50 by default. */
  'emaSlow',
  /** Change of EMA(fast) over the slope lookback, as a fraction of price per bar. */
  'emaSlope',
  'atr',
  /** ATR / close. */
  'atrPct',
  'adx',
  'plusDi',
  'minusDi',
  'rsi',
  'supertrend',
  /** Supertrend direction: +1 up, -1 down. */
  'supertrendDir',
  /** Donchian channel over the bars up to and including this one. */
  'donchianUpper',
  'donchianLower',
  /** Donchian channel as of the previous bar: the level a breakout on this bar crosses. */
  'donchianUpperPrev',
  'donchianLowerPrev',
  /** Simple returns over 1, 5 and 20 bars. */
  'ret1',
  'ret5',
  'ret20',
  /** Volume over the mean volume of the preceding volume window. */
  'volumeBurst',
  /** Z-score of volume against the preceding volume window. */
  'volumeZ',
  /** Close change per bar over the velocity window, in ATRs. */
  'velocity',
  /** Realized volatility over the short and long windows (per bar, as the indicator reports it). */
  'realizedVolShort',
  'realizedVolLong',
  /** realizedVolShort / realizedVolLong: above 1 means volatility is expanding. */
  'volRatio',
  /** (upper wick + lower wick) / range, in [0, 1]. */
  'wickRatio',
  'upperWickRatio',
  'lowerWickRatio',
  /** Order-book or trade imbalance in [-1, 1] (bids minus asks over their sum), when supplied. */
  'flowImbalance',
  /** Book depth in quote currency over this bar's quote volume, when supplied. */
  'depthToVolume',
  /** Funding rate per interval as a fraction, when supplied. */
  'fundingRate',
  /** Funding rate change since the previous bar. */
  'fundingDelta',
  /** Open interest relative change since the previous bar. */
  'oiDelta',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** One closed bar's features. */
export type FeatureRow = Record<FeatureName, number>;

/** Features for every bar of a series, one column per feature. */
export type FeatureColumns = Record<FeatureName, Float64Array>;

/** A candle series as columns. `openTimeMs` must be strictly increasing. */
export interface OhlcvColumns {
  openTimeMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * Optional order-flow figures observed at one bar close. Any field may be missing; the matching
 * features are then `NaN`.
 */
export interface OrderFlowInput {
  /** Book (or trade) imbalance in [-1, 1]. */
  imbalance?: number;
  /** Book depth near the mid, in quote currency. */
  depthUsd?: number;
  /** Funding rate per interval, as a fraction. */
  fundingRate?: number;
  /** Open interest, in base units or quote; only its relative change is used. */
  openInterest?: number;
}

/** Order-flow inputs aligned with the bars of a series (`NaN` where unknown). */
export interface OrderFlowColumns {
  imbalance?: Float64Array;
  depthUsd?: Float64Array;
  fundingRate?: Float64Array;
  openInterest?: Float64Array;
}

/**
 * The storage of a feature row: a class whose constructor assigns every field, so every row shares
 * one hidden class with the fields in place. A row is made for every closed bar of every series
 * (8,000 a cycle for 2,000 symbols x 4 timeframes); in a CPU profile of that cycle, building the
 * same row as one 38-field object literal was the largest single item, and V8 builds it faster
 * through a constructor. `declare` keeps the fields out of the emitted class body, where they would
 * first be defined as `undefined` and lose their number representation.
 */
class BlankFeatureRow implements FeatureRow {
  declare openTimeMs: number;
  declare open: number;
  declare high: number;
  declare low: number;
  declare close: number;
  declare volume: number;
  declare emaFast: number;
  declare emaSlow: number;
  declare emaSlope: number;
  declare atr: number;
  declare atrPct: number;
  declare adx: number;
  declare plusDi: number;
  declare minusDi: number;
  declare rsi: number;
  declare supertrend: number;
  declare supertrendDir: number;
  declare donchianUpper: number;
  declare donchianLower: number;
  declare donchianUpperPrev: number;
  declare donchianLowerPrev: number;
  declare ret1: number;
  declare ret5: number;
  declare ret20: number;
  declare volumeBurst: number;
  declare volumeZ: number;
  declare velocity: number;
  declare realizedVolShort: number;
  declare realizedVolLong: number;
  declare volRatio: number;
  declare wickRatio: number;
  declare upperWickRatio: number;
  declare lowerWickRatio: number;
  declare flowImbalance: number;
  declare depthToVolume: number;
  declare fundingRate: number;
  declare fundingDelta: number;
  declare oiDelta: number;

  constructor() {
    const nan = Number.NaN;
    this.openTimeMs = nan;
    this.open = nan;
    this.high = nan;
    this.low = nan;
    this.close = nan;
    this.volume = nan;
    this.emaFast = nan;
    this.emaSlow = nan;
    this.emaSlope = nan;
    this.atr = nan;
    this.atrPct = nan;
    this.adx = nan;
    this.plusDi = nan;
    this.minusDi = nan;
    this.rsi = nan;
    this.supertrend = nan;
    this.supertrendDir = nan;
    this.donchianUpper = nan;
    this.donchianLower = nan;
    this.donchianUpperPrev = nan;
    this.donchianLowerPrev = nan;
    this.ret1 = nan;
    this.ret5 = nan;
    this.ret20 = nan;
    this.volumeBurst = nan;
    this.volumeZ = nan;
    this.velocity = nan;
    this.realizedVolShort = nan;
    this.realizedVolLong = nan;
    this.volRatio = nan;
    this.wickRatio = nan;
    this.upperWickRatio = nan;
    this.lowerWickRatio = nan;
    this.flowImbalance = nan;
    this.depthToVolume = nan;
    this.fundingRate = nan;
    this.fundingDelta = nan;
    this.oiDelta = nan;
  }
}

/** A fresh row with every feature `NaN` (a plain data object: read and write it like any record). */
export function emptyFeatureRow(): FeatureRow {
  return new BlankFeatureRow();
}
