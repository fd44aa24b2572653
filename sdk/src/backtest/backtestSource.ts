import { timeframeMs, type Candle, type FundingRate, type Market, type MarkPrice, type OpenInterest, type OrderBook, type Ticker, type Timeframe, type Trade } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { ReplayMarketData, type ExchangeLimits, type FetchCandlesOptions, type MarketDataSource, type PriceTick, type SourceHealth } from '../market/index.js';
import { lowerBound } from '../market/candleSearch.js';
import type { DerivativesHistory, RecordedDerivatives } from '../market/derivativesHistory.js';
import type { RecordedOpenInterest } from '../data/readers/derivativesCsv.js';
import type { FundingEvent } from './data.js';
import { syntheticBook, type DepthModel } from './fillModel.js';

/** Settlements and OI points handed to the radar per read: 30 days of 8h funding, ~83 days of 4h OI. */
const FUNDING_POINTS = 90;
const OI_POINTS = 500;
const DAY_MS = 86_400_000;

export interface BacktestSourceOptions {
  clock: Clock;
  timeframe: Timeframe;
  candles: ReadonlyMap<string, readonly Candle[]>;
  markets: readonly Market[];
  depth: DepthModel;
  exchangeId: string;
  /** Recorded funding settlements per symbol, oldest first, for the radar. */
  funding?: ReadonlyMap<string, readonly FundingEvent[]>;
  /** Recorded open interest per symbol, oldest first, for the radar. */
  openInterest?: ReadonlyMap<string, readonly RecordedOpenInterest[]>;
}

/**
 * The in-process market-data source of a backtest: recorded candles through `ReplayMarketData`
 * (what an exchange knows at the clock's time), plus an order book built by the depth model
 * around the price of the moment: the open of the bar forming now (the next bar's open, where a
 * market order placed at a bar close fills), sized from the last closed bar's quote volume. It
 * serves no public trades (the replay feeds the bar's path to the paper broker itself) and no
 * funding or mark (funding is settled from the recorded files, the mark is the path price).
 * Recorded funding and open interest reach the radar through `derivativesAt`, each point only
 * once the clock has reached its timestamp.
 */
export class BacktestMarketData implements MarketDataSource, RecordedDerivatives {
  readonly exchangeId: string;
  readonly limits: ExchangeLimits;
  private readonly replay: ReplayMarketData;
  private readonly tfMs: number;
  private readonly derivatives = new Map<string, { funding: FundingRate[]; openInterest?: OpenInterest[] }>();

  constructor(private readonly o: BacktestSourceOptions) {
    this.replay = new ReplayMarketData({
      clock: o.clock,
      candles: new Map([...o.candles].map(([symbol, bars]) => [symbol, { [o.timeframe]: bars }])),
      markets: o.markets,
      exchangeId: o.exchangeId,
    });
    this.exchangeId = this.replay.exchangeId;
    this.limits = this.replay.limits;
    this.tfMs = timeframeMs(o.timeframe);
    for (const symbol of o.candles.keys()) {
      const funding = (o.funding?.get(symbol) ?? []).map((f) => ({ symbol, timestampMs: f.fundingTimeMs, rate: f.rate }));
      const oi = o.openInterest?.get(symbol)?.map((p) => ({ symbol, timestampMs: p.timeMs, amountBase: p.amountBase, valueUsd: p.valueUsd }));
      if (funding.length || oi?.length) this.derivatives.set(symbol, { funding, ...(oi?.length ? { openInterest: oi } : {}) });
    }
  }

  /** Recorded funding and OI of `symbol` with a timestamp at or before `nowMs` (the newest ones). */
  derivativesAt(symbol: string, nowMs: number): DerivativesHistory | undefined {
    const d = this.derivatives.get(symbol);
    if (!d) return undefined;
    const fundingEnd = upperBoundByTime(d.funding, nowMs);
    const out: DerivativesHistory = { funding: d.funding.slice(Math.max(0, fundingEnd - FUNDING_POINTS), fundingEnd) };
    if (d.openInterest) {
      const oiEnd = upperBoundByTime(d.openInterest, nowMs);
      out.openInterest = d.openInterest.slice(Math.max(0, oiEnd - OI_POINTS), oiEnd);
    }
    return out;
  }

  /** The bar forming at the clock's time and the last closed bar, for prices and depth. */
  quote(symbol: string): { price: number; refQuoteVolumeUsd: number } | null {
    const series = this.o.candles.get(symbol);
    if (!series) return null;
    const formingOpen = Math.floor(this.o.clock.nowMs() / this.tfMs) * this.tfMs;
    const i = lowerBound(series, formingOpen);
    const prev = series[i - 1];
    const forming = series[i]?.openTimeMs === formingOpen ? series[i] : undefined;
    const price = forming?.open ?? prev?.close;
    if (price === undefined) return null;
    return { price, refQuoteVolumeUsd: prev ? prev.volume * prev.close : 0 };
  }

  fetchOrderBook(symbol: string): Promise<OrderBook> {
    const q = this.quote(symbol);
    if (!q) return this.replay.fetchOrderBook(symbol);
    return Promise.resolve(syntheticBook(symbol, q.price, q.refQuoteVolumeUsd, this.o.clock.nowMs(), this.o.depth));
  }

  fetchTrades(): Promise<Trade[]> {
    return Promise.resolve([]);
  }

  loadMarkets(): Promise<Market[]> {
    return this.replay.loadMarkets();
  }

  /**
   * The replay's tickers (`ReplayMarketData.fetchTickers`: last close, and the 24h window of
   * closed bars), summed in the same order so every figure is the same number, without copying
   * the window and mapping it three times: the universe asks at every bar step.
   */
  fetchTickers(): Promise<Map<string, Ticker>> {
    const nowMs = this.o.clock.nowMs();
    const out = new Map<string, Ticker>();
    for (const [symbol, series] of this.o.candles) {
      const closedEnd = lowerBound(series, nowMs - this.tfMs + 1);
      const dayStart = lowerBound(series, nowMs - DAY_MS);
      const last = series[closedEnd - 1];
      if (!last || dayStart >= closedEnd) continue;
      let high24h = Number.NEGATIVE_INFINITY;
      let low24h = Number.POSITIVE_INFINITY;
      let baseVolume24h = 0;
      let quoteVolume24h = 0;
      for (let i = dayStart; i < closedEnd; i++) {
        const c = series[i]!;
        high24h = Math.max(high24h, c.high);
        low24h = Math.min(low24h, c.low);
        baseVolume24h += c.volume;
        quoteVolume24h += c.volume * c.close;
      }
      out.set(symbol, { symbol, timestampMs: nowMs, last: last.close, open24h: series[dayStart]!.open, high24h, low24h, baseVolume24h, quoteVolume24h });
    }
    return Promise.resolve(out);
  }

  fetchCandles(symbol: string, timeframe: Timeframe, options: FetchCandlesOptions): Promise<Candle[]> {
    return this.replay.fetchCandles(symbol, timeframe, options);
  }

  watchCandles(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    return this.replay.watchCandles(symbol, timeframe);
  }

  fetchFundingRate(symbol: string): Promise<FundingRate> {
    return this.replay.fetchFundingRate(symbol);
  }

  fetchOpenInterest(symbol: string): Promise<OpenInterest> {
    return this.replay.fetchOpenInterest(symbol);
  }

  fetchMarkPrice(symbol: string): Promise<MarkPrice> {
    return this.replay.fetchMarkPrice(symbol);
  }

  watchPrice(symbol: string): Promise<PriceTick> {
    return this.replay.watchPrice(symbol);
  }

  reconnect(): Promise<void> {
    return this.replay.reconnect();
  }

  health(): SourceHealth {
    return this.replay.health();
  }

  close(): Promise<void> {
    return this.replay.close();
  }
}

/** Index of the first point whose timestamp is after `t` (points sorted by time). */
function upperBoundByTime(points: readonly { timestampMs: number }[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.timestampMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
