import { timeframeMs, type Candle, type Market, type Timeframe } from '@perpscope/shared';
import type { CandleArrays, MarketSnapshot } from '../manipulation/index.js';
import type { MarketDataService, OrderFlowSnapshot } from '../market/index.js';
import { fundingIntervalHoursOf, openInterestPerBar, type DerivativesHistory } from '../market/derivativesHistory.js';
import type { OrderFlowInput } from '../features/index.js';

/** Column arrays for the analytics modules, from candles in time order. */
export function candleArrays(candles: readonly Candle[]): CandleArrays & { close: Float64Array; openTimeMs: Float64Array } {
  const n = candles.length;
  const openTimeMs = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    openTimeMs[i] = c.openTimeMs;
    open[i] = c.open;
    high[i] = c.high;
    low[i] = c.low;
    close[i] = c.close;
    volume[i] = c.volume;
  }
  return { openTimeMs, open, high, low, close, volume };
}

/**
 * Order-flow inputs for the feature tracker, from the market layer's latest snapshot. A book
 * invented for a replay (`synthetic_replay`) is left out, as it is from the radar.
 */
export function orderFlowInput(flow: OrderFlowSnapshot | undefined, books: BookProvenance = 'exchange'): OrderFlowInput | undefined {
  if (!flow) return undefined;
  const out: OrderFlowInput = {};
  if (flow.book && books !== 'synthetic_replay') {
    out.imbalance = flow.book.imbalance;
    out.depthUsd = flow.book.bidDepth50BpsUsd + flow.book.askDepth50BpsUsd;
  }
  if (flow.funding) out.fundingRate = flow.funding.rate;
  if (flow.openInterest) out.openInterest = flow.openInterest.amountBase;
  return out;
}

function marketInfo(market: Market | undefined): MarketSnapshot['market'] {
  if (!market) return undefined;
  return { takerFeeRate: market.takerFee, makerFeeRate: market.makerFee, ...(market.listedAtMs !== undefined ? { listedAtMs: market.listedAtMs } : {}) };
}

/**
 * Where the engine's order books come from, decided by what it is connected to:
 * - `exchange`: a real venue; books feed the radar and the cost figures;
 * - `synthetic_demo`: SimExchange's generator invents books (a demo): shown and scored, labelled `synthetic`;
 * - `synthetic_replay`: books invented around recorded prices (a `--sim-data` replay, a backtest):
 *   never scored, so snapshots carry no book and rows say `book: none`.
 */
export type BookProvenance = 'exchange' | 'synthetic_demo' | 'synthetic_replay';

/** The provenance of an in-process SimExchange's books: a replay of recorded data, or the generator's demo. */
export function simBookProvenance(dataDir: string | undefined): BookProvenance {
  return dataDir ? 'synthetic_replay' : 'synthetic_demo';
}

/** What `buildSnapshots` reads from the market-data service. */
export type SnapshotMarket = Pick<MarketDataService, 'markets' | 'universe' | 'candles' | 'orderFlow' | 'derivativesHistory'> & Partial<Pick<MarketDataService, 'ring'>>;

/**
 * The confirmed bars of a series as columns: a view of the ring's own storage when the market has
 * one (no copy, no candle objects), else columns built from its candles. A view stays valid until
 * the ring's next bar, so snapshots are for a synchronous reader: one ranking, returning nothing
 * that holds their columns.
 */
function seriesColumns(market: SnapshotMarket, symbol: string, timeframe: Timeframe): CandleArrays & { close: Float64Array; openTimeMs: Float64Array } {
  const ring = market.ring?.(symbol, timeframe);
  return ring ? ring.view() : candleArrays(market.candles(symbol, timeframe));
}

export interface SnapshotOptions {
  /** Default `exchange`. */
  books?: BookProvenance;
}

/**
 * Funding and OI history onto the snapshot: settled funding (oldest first) as `fundingHistory`,
 * the last settlement as the current rate when no live rate is known (a recorded backtest), and
 * OI forward-filled onto the bars. Nothing after `nowMs` is used.
 */
function addDerivatives(snapshot: MarketSnapshot, history: DerivativesHistory | undefined, nowMs: number): void {
  if (!history) return;
  const funding = history.funding.filter((f) => f.timestampMs <= nowMs);
  if (funding.length > 0) {
    const interval = snapshot.fundingIntervalHours ?? fundingIntervalHoursOf(funding);
    if (snapshot.fundingRate === undefined) {
      snapshot.fundingRate = funding[funding.length - 1]!.rate;
      snapshot.fundingHistory = funding.slice(0, -1).map((f) => f.rate);
    } else snapshot.fundingHistory = funding.map((f) => f.rate);
    if (interval !== undefined) snapshot.fundingIntervalHours = interval;
  }
  const oi = history.openInterest?.filter((p) => p.timestampMs <= nowMs);
  if (oi && oi.length > 0) {
    const perBar = openInterestPerBar(oi, snapshot.candles.openTimeMs, snapshot.barMs);
    if (perBar.length > 0) snapshot.openInterestHistory = perBar;
  }
}

/**
 * One ranking/radar snapshot per universe symbol on `timeframe`, read from the market-data
 * service. Nothing after `nowMs` is read: candles are confirmed bars only. Books follow
 * `options.books` (see `BookProvenance`). The candle columns are views of the market's rings
 * where it has them (see `seriesColumns`): read them before the next bar arrives, never write them.
 */
export function buildSnapshots(market: SnapshotMarket, timeframe: Timeframe, nowMs: number, options: SnapshotOptions = {}): MarketSnapshot[] {
  const books = options.books ?? 'exchange';
  const barMs = timeframeMs(timeframe);
  const marketsBySymbol = new Map(market.markets().map((m) => [m.symbol, m]));
  const out: MarketSnapshot[] = [];
  for (const member of market.universe()) {
    const columns = seriesColumns(market, member.symbol, timeframe);
    const n = columns.close.length;
    if (n === 0) continue;
    const flow = market.orderFlow(member.symbol);
    const lastOpenTimeMs = columns.openTimeMs[n - 1]!;
    const lastClose = columns.close[n - 1]!;
    const history = market.derivativesHistory(member.symbol);
    const lastFunding = history?.funding[history.funding.length - 1]?.timestampMs ?? 0;
    const lastOi = history?.openInterest?.[history.openInterest.length - 1]?.timestampMs ?? 0;
    const snapshot: MarketSnapshot = {
      symbol: member.symbol,
      nowMs,
      barMs,
      candles: columns,
      quoteVolume24hUsd: member.quoteVolume24h,
      bookSource: 'none',
      revision: `${lastOpenTimeMs}:${n}:${flow?.updatedAtMs ?? 0}:${lastFunding}:${lastOi}`,
    };
    const info = marketInfo(marketsBySymbol.get(member.symbol));
    if (info) snapshot.market = info;
    if (flow?.bookTop && books !== 'synthetic_replay') {
      snapshot.book = { bids: flow.bookTop.bids, asks: flow.bookTop.asks };
      snapshot.bookSource = books === 'exchange' ? 'exchange' : 'synthetic';
    }
    if (flow?.trades && flow.trades.trades > 0) {
      const px = lastClose;
      snapshot.trades = {
        windowMs: flow.trades.windowMs,
        buyVolumeBase: flow.trades.buyNotionalUsd / px,
        sellVolumeBase: flow.trades.sellNotionalUsd / px,
        tradeCount: flow.trades.trades,
      };
    }
    if (flow?.funding) {
      snapshot.fundingRate = flow.funding.rate;
      if (flow.funding.intervalHours !== undefined) snapshot.fundingIntervalHours = flow.funding.intervalHours;
    }
    if (flow?.markPrice) {
      snapshot.markPrice = flow.markPrice.markPrice;
      if (flow.markPrice.indexPrice !== undefined) snapshot.indexPrice = flow.markPrice.indexPrice;
    }
    addDerivatives(snapshot, history, nowMs);
    out.push(snapshot);
  }
  return out;
}
