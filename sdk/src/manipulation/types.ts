/**
 * Input and output types of the manipulation radar. The engine adapts its market state to
 * `MarketSnapshot`; everything here is plain data so the radar stays pure and replayable.
 */

/** Closed candles of one timeframe, oldest first. Volume is in base units. */
export interface CandleArrays {
  openTimeMs: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume: ArrayLike<number>;
}

/** One side of a book: `[price, amountBase]`, best level first. */
export type BookSide = readonly (readonly [number, number])[];

export interface BookTop {
  bids: BookSide;
  asks: BookSide;
}

/** Provenance of an order book: see `MarketSnapshot.bookSource`. */
export type BookSource = 'exchange' | 'synthetic' | 'none';

/** Aggregated taker flow over a recent window. */
export interface TradeStats {
  windowMs: number;
  buyVolumeBase: number;
  sellVolumeBase: number;
  tradeCount: number;
}

/** Static facts about the contract. Fees are rates (0.0006 = 6 bps). */
export interface MarketInfo {
  takerFeeRate: number;
  makerFeeRate: number;
  /** Listing time when known; drives the fresh-listing flag. */
  listedAtMs?: number;
}

/**
 * Everything the radar and the ranking know about one symbol at one cycle. Only `symbol`,
 * `nowMs`, `barMs` and `candles` are required; flags needing a missing input stay quiet.
 */
export interface MarketSnapshot {
  symbol: string;
  /** Decision time; nothing after it may be read. */
  nowMs: number;
  /** Bar length of `candles` in milliseconds. */
  barMs: number;
  candles: CandleArrays;
  /** Exchange-reported 24h quote volume; derived from candles when absent. */
  quoteVolume24hUsd?: number;
  book?: BookTop;
  /**
   * Where `book` comes from: `exchange` (a venue's real book), `synthetic` (invented around the
   * price, e.g. by SimExchange; only a demo may score on it), `none` (no book, or one withheld
   * because it was synthetic). Absent: `exchange` when `book` is set, else `none`.
   */
  bookSource?: BookSource;
  trades?: TradeStats;
  /** Current funding rate per interval (0.0001 = 1 bp). */
  fundingRate?: number;
  fundingIntervalHours?: number;
  /** Past funding rates, oldest first, excluding the current one. */
  fundingHistory?: ArrayLike<number>;
  /** Open interest in base units, one value per bar of `candles`, oldest first, aligned to the end. */
  openInterestHistory?: ArrayLike<number>;
  markPrice?: number;
  indexPrice?: number;
  market?: MarketInfo;
  /**
   * Changes whenever any input above changes (e.g. a counter the engine bumps on each update).
   * When present, incremental caches compare it instead of sampling the inputs.
   */
  revision?: string | number;
}

export const FLAG_NAMES = [
  'spoofing_depth_imbalance',
  'liquidity_vacuum',
  'scam_wick',
  'exhausted_spike',
  'funding_divergence',
  'oi_price_divergence',
  'post_surge_reversal',
  'wash_trade_volume',
  'fresh_listing',
  'collapse',
  'pump_onset',
] as const;
export type FlagName = (typeof FLAG_NAMES)[number];

/** The figures that made a flag fire, rounded for display. */
export type Evidence = Record<string, number | string>;

export interface ManipFlag {
  name: FlagName;
  /** 0.5 at the rule threshold, rising to 1 at twice the threshold. */
  severity: number;
  evidence: Evidence;
}

export interface ManipResult {
  symbol: string;
  /** 0-100: the logistic layer's probability over the rule severities and features, x100. */
  manipScore: number;
  flags: ManipFlag[];
  /**
   * Present only when a cross-section was given and the symbol's last bar is older than its newest
   * bar (the symbol's feed lags): the symbol was measured against the cross-section of its own
   * last bar (`own_bar`), or, with none for that bar, against no peers at all (`none`: moves are
   * measured raw and no market stress applies).
   */
  peerContext?: { lastBarOpenTimeMs: number; marketBarOpenTimeMs: number; context: 'own_bar' | 'none' };
}
