import { timeframeMs, type Candle, type Market, type Timeframe } from '@perpscope/shared';
import type { CandleArrays, MarketSnapshot } from '../manipulation/index.js';
import type { MarketDataService, OrderFlowSnapshot } from '../market/index.js';
import type { OrderFlowInput } from '../features/index.js';

/** Column arrays for the analytics modules, from candles in time order. */
export function candleArrays(candles: readonly Candle[]): CandleArrays {
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

/** Order-flow inputs for the feature tracker, from the market layer's latest snapshot. */
export function orderFlowInput(flow: OrderFlowSnapshot | undefined): OrderFlowInput | undefined {
  if (!flow) return undefined;
  const out: OrderFlowInput = {};
  if (flow.book) {
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
 * One ranking/radar snapshot per universe symbol on `timeframe`, read from the market-data
 * service. Nothing after `nowMs` is read: candles are confirmed bars only.
 */
export function buildSnapshots(market: MarketDataService, timeframe: Timeframe, nowMs: number): MarketSnapshot[] {
  const barMs = timeframeMs(timeframe);
  const marketsBySymbol = new Map(market.markets().map((m) => [m.symbol, m]));
  const out: MarketSnapshot[] = [];
  for (const member of market.universe()) {
    const candles = market.candles(member.symbol, timeframe);
    if (candles.length === 0) continue;
    const flow = market.orderFlow(member.symbol);
    const last = candles[candles.length - 1]!;
    const snapshot: MarketSnapshot = {
      symbol: member.symbol,
      nowMs,
      barMs,
      candles: candleArrays(candles),
      quoteVolume24hUsd: member.quoteVolume24h,
      revision: `${last.openTimeMs}:${candles.length}:${flow?.updatedAtMs ?? 0}`,
    };
    const info = marketInfo(marketsBySymbol.get(member.symbol));
    if (info) snapshot.market = info;
    if (flow?.bookTop) snapshot.book = { bids: flow.bookTop.bids, asks: flow.bookTop.asks };
    if (flow?.trades && flow.trades.trades > 0) {
      const px = last.close;
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
    out.push(snapshot);
  }
  return out;
}
