import { walkBook, type BookSource, type SnapshotAnalysis, type MarketSnapshot } from '../manipulation/index.js';
import { BASE_TAKER_FEE_RATES, DEFAULT_FUNDING_INTERVAL_HOURS } from '../market/perpDefaults.js';

/**
 * Which inputs a row's figures rest on, so a reader sees what was absent: `book` is the book's
 * provenance (`none`: no book-based flag, depth, spread or slippage), `funding` is `history` with
 * settled funding history, `current` with a live rate only, `none` without; `openInterest` is
 * `history` with OI per bar, else `none` (BloFin has no OI history); `listing` is `exchange` when
 * the exchange's market metadata gives a listing time, else `unknown` (no fresh-listing check).
 */
export interface SnapshotInputs {
  book: BookSource;
  funding: 'history' | 'current' | 'none';
  openInterest: 'history' | 'none';
  listing: 'exchange' | 'unknown';
}

/** The inputs a snapshot carries (see `SnapshotInputs`). */
export function snapshotInputs(s: MarketSnapshot): SnapshotInputs {
  return {
    book: s.book ? (s.bookSource === 'synthetic' ? 'synthetic' : 'exchange') : 'none',
    funding: s.fundingHistory && s.fundingHistory.length > 0 ? 'history' : s.fundingRate !== undefined ? 'current' : 'none',
    openInterest: s.openInterestHistory && s.openInterestHistory.length > 0 ? 'history' : 'none',
    listing: s.market?.listedAtMs !== undefined ? 'exchange' : 'unknown',
  };
}

/**
 * Per-symbol figures behind a ranking row. Bps are of mid (book) or last close (candles).
 * Book-derived figures are NaN when the snapshot carries no book.
 */
export interface SymbolMetrics {
  symbol: string;
  close: number;
  quoteVolume24hUsd: number;
  /** Bid plus ask notional within +/-10 and +/-50 bps of mid. */
  depth10Usd: number;
  depth50Usd: number;
  spreadBps: number;
  /** Mean of the buy and sell cost beyond the touch for `notionalUsd`, walking the book. */
  slippageBps: number;
  notionalUsd: number;
  /** True when the book could not absorb the test notional on either side. */
  bookExhausted: boolean;
  takerFeeBps: number;
  /** Spread, plus buy and sell slippage, plus two taker fees: the cost of a market round trip. */
  roundTripCostBps: number;
  atrPct: number;
  ret1: number;
  ret4: number;
  ret24: number;
  /** Mean of the 1/4/24-bar returns, each divided by ATR x sqrt(horizon): signed and risk-adjusted. */
  momentumScore: number;
  /** Funding annualized in percent (NaN when unknown). */
  fundingAnnualizedPct: number;
  /** (mark - index) / index in bps (NaN when unknown). */
  basisBps: number;
  volumeZ: number;
  /** Taker buy-minus-sell share when trades are known, else the top-5 book imbalance, else 0. */
  orderFlowImbalance: number;
  /** Short over long realized volatility. */
  volRegime: number;
  /** Close change over 3 bars per bar, in ATRs. */
  priceVelocity: number;
  /** Depth within 50 bps over the mean quote volume of one bar (last 24 bars). */
  depthToVolume: number;
  /** What the figures rest on; always set by `computeSymbolMetrics`. */
  inputs?: SnapshotInputs;
}

/** Default taker fee when the snapshot carries no market info: BloFin's base tier, 6 bps. */
export const DEFAULT_TAKER_FEE_RATE = BASE_TAKER_FEE_RATES['blofin']!;

/** A `h`-bar return in units of ATR x sqrt(h); 0 when either is unknown. */
function riskAdjusted(r: number, atrFrac: number, h: number): number {
  return atrFrac > 0 && Number.isFinite(r) ? r / (atrFrac * Math.sqrt(h)) : 0;
}

/** Builds the metrics of one symbol from its snapshot and radar analysis; null without candle features. */
export function computeSymbolMetrics(snapshot: MarketSnapshot, analysis: SnapshotAnalysis, notionalUsd: number): SymbolMetrics | null {
  const c = analysis.candle;
  if (!c) return null;
  const b = analysis.book;
  let slippageBps = Number.NaN;
  let bookExhausted = false;
  if (b && snapshot.book) {
    const buy = walkBook(snapshot.book.asks, b.mid, notionalUsd, true);
    const sell = walkBook(snapshot.book.bids, b.mid, notionalUsd, false);
    slippageBps = (buy.slippageBps + sell.slippageBps) / 2;
    bookExhausted = buy.exhausted || sell.exhausted;
  }
  const takerFeeBps = (snapshot.market?.takerFeeRate ?? DEFAULT_TAKER_FEE_RATE) * 10_000;
  const spreadBps = b ? b.spreadBps : Number.NaN;
  const atrFrac = c.atrPct / 100;
  const fundingAnnualizedPct =
    snapshot.fundingRate === undefined ? Number.NaN : snapshot.fundingRate * (24 / (snapshot.fundingIntervalHours ?? DEFAULT_FUNDING_INTERVAL_HOURS)) * 365 * 100;
  const basisBps =
    snapshot.markPrice !== undefined && snapshot.indexPrice !== undefined && snapshot.indexPrice > 0
      ? ((snapshot.markPrice - snapshot.indexPrice) / snapshot.indexPrice) * 10_000
      : Number.NaN;
  const tr = snapshot.trades;
  const flow = tr ? tr.buyVolumeBase + tr.sellVolumeBase : 0;
  const orderFlowImbalance = tr && flow > 0 ? (tr.buyVolumeBase - tr.sellVolumeBase) / flow : b ? b.topImbalance : 0;
  const depth50Usd = b ? b.bidDepth50Usd + b.askDepth50Usd : Number.NaN;
  return {
    symbol: snapshot.symbol,
    close: c.close,
    quoteVolume24hUsd: snapshot.quoteVolume24hUsd ?? c.quoteVolume24h,
    depth10Usd: b ? b.bidDepth10Usd + b.askDepth10Usd : Number.NaN,
    depth50Usd,
    spreadBps,
    slippageBps,
    notionalUsd,
    bookExhausted,
    takerFeeBps,
    roundTripCostBps: (b ? spreadBps + 2 * slippageBps : 0) + 2 * takerFeeBps,
    atrPct: c.atrPct,
    ret1: c.ret1,
    ret4: c.ret4,
    ret24: c.ret24,
    momentumScore: (riskAdjusted(c.ret1, atrFrac, 1) + riskAdjusted(c.ret4, atrFrac, 4) + riskAdjusted(c.ret24, atrFrac, 24)) / 3,
    fundingAnnualizedPct,
    basisBps,
    volumeZ: c.volumeZ,
    orderFlowImbalance,
    volRegime: c.volRegime,
    priceVelocity: c.velocityAtr,
    depthToVolume: b && c.quoteVolumePerBar > 0 ? depth50Usd / c.quoteVolumePerBar : Number.NaN,
    inputs: snapshotInputs(snapshot),
  };
}
