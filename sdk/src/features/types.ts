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
 * A fresh row with every feature `NaN`. Written as one literal so every row shares one hidden class
 * (rows built key by key fall back to slow dictionary properties).
 */
export function emptyFeatureRow(): FeatureRow {
  const nan = Number.NaN;
  return {
    openTimeMs: nan,
    open: nan,
    high: nan,
    low: nan,
    close: nan,
    volume: nan,
    emaFast: nan,
    emaSlow: nan,
    emaSlope: nan,
    atr: nan,
    atrPct: nan,
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
    ret1: nan,
    ret5: nan,
    ret20: nan,
    volumeBurst: nan,
    volumeZ: nan,
    velocity: nan,
    realizedVolShort: nan,
    realizedVolLong: nan,
    volRatio: nan,
    wickRatio: nan,
    upperWickRatio: nan,
    lowerWickRatio: nan,
    flowImbalance: nan,
    depthToVolume: nan,
    fundingRate: nan,
    fundingDelta: nan,
    oiDelta: nan,
  };
}
