import { timeframeMs, type Candle, type FundingRate, type Market, type MarkPrice, type OpenInterest, type OrderBook, type Ticker, type Timeframe, type Trade } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { ReplayMarketData, type ExchangeLimits, type FetchCandlesOptions, type MarketDataSource, type SourceHealth } from '../market/index.js';
import { lowerBound } from '../market/candleSearch.js';
import { syntheticBook, type DepthModel } from './fillModel.js';

export interface BacktestSourceOptions {
  clock: Clock;
  timeframe: Timeframe;
  candles: ReadonlyMap<string, readonly Candle[]>;
  markets: readonly Market[];
  depth: DepthModel;
  exchangeId: string;
}

/**
 * The in-process market-data source of a backtest: recorded candles through `ReplayMarketData`
 * (what an exchange knows at the clock's time), plus an order book built by the depth model
 * around the price of the moment: the open of the bar forming now (the next bar's open, where a
 * market order placed at a bar close fills), sized from the last closed bar's quote volume. It
 * serves no public trades (the replay feeds the bar's path to the paper broker itself) and no
 * funding or mark (funding is settled from the recorded files, the mark is the path price).
 */
export class BacktestMarketData implements MarketDataSource {
  readonly exchangeId: string;
  readonly limits: ExchangeLimits;
  private readonly replay: ReplayMarketData;
  private readonly tfMs: number;

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

  fetchTickers(): Promise<Map<string, Ticker>> {
    return this.replay.fetchTickers();
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
