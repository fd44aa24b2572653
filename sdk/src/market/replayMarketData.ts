import { ErrorCode, timeframeMs, usdtSwapMarket, type Candle, type FundingRate, type Market, type MarkPrice, type OpenInterest, type OrderBook, type Ticker, type Timeframe, type Trade } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { ExchangeRejectedError, UnknownSymbolError } from '../core/errors.js';
import { BreakerState } from './circuitBreaker.js';
import type { ExchangeLimits } from './exchangeLimits.js';
import type { FetchCandlesOptions, MarketDataSource, PriceTick, SourceHealth } from './marketDataSource.js';
import { lowerBound } from './candleSearch.js';

export interface ReplayMarketDataOptions {
  /** Usually a SimulatedClock that the backtester advances. */
  clock: Clock;
  /** Stored closed candles per symbol and timeframe, ascending by open time. */
  candles: ReadonlyMap<string, Partial<Record<Timeframe, readonly Candle[]>>>;
  /** Markets; by default one active linear USDT swap per stored symbol. */
  markets?: readonly Market[];
  exchangeId?: string;
}

const DAY_MS = 86_400_000;

const REPLAY_LIMITS: ExchangeLimits = {
  exchangeId: 'replay',
  windows: [{ limit: 1_000_000, windowMs: 1_000 }],
  maxConcurrent: 1_000,
  maxCandlesPerCall: 100_000,
  weight: () => 1,
  capabilities: {
    watchOHLCV: true,
    watchOrderBook: false,
    watchTrades: false,
    watchTicker: false,
    watchMarkPrice: false,
    fetchTickers: true,
    fetchFundingRate: false,
    fetchOpenInterest: false,
    fetchMarkPrice: false,
    candleConfirmFlag: false,
  },
};

/** A unified symbol `BASE/USDT:USDT` as a default market. */
function defaultMarket(symbol: string): Market {
  const base = symbol.split('/')[0] ?? symbol;
  return { ...usdtSwapMarket(base, { tickSize: 1e-8, lotSize: 1e-8, minAmount: 0, makerFee: 0.0002, takerFee: 0.0005 }), symbol };
}


/**
 * MarketDataSource over stored candles under a clock, for backtests and deterministic replays.
 * It answers exactly what an exchange would know at `clock.nowMs()`: bars closed by then, and the
 * forming bar as just opened (open = high = low = close, no volume). `watchCandles` resolves at
 * each bar close with the closed bar and the next one opening, so the service confirms bars on
 * the same path as live. Order book, trades, funding, open interest and mark price are not
 * stored and answer `NotSupported`, and so does the price stream: prices move at bar closes.
 *
 * @example
 * const clock = new SimulatedClock(startMs);
 * const source = new ReplayMarketData({ clock, candles: new Map([['BTC/USDT:USDT', { '1h': bars }]]) });
 */
export class ReplayMarketData implements MarketDataSource {
  readonly exchangeId: string;
  readonly limits: ExchangeLimits;
  private readonly clock: Clock;
  private readonly candles: ReadonlyMap<string, Partial<Record<Timeframe, readonly Candle[]>>>;
  private readonly markets: readonly Market[];
  private readonly closers = new Set<() => void>();
  private closed = false;

  constructor(options: ReplayMarketDataOptions) {
    this.clock = options.clock;
    this.candles = options.candles;
    this.exchangeId = options.exchangeId ?? 'replay';
    this.limits = { ...REPLAY_LIMITS, exchangeId: this.exchangeId };
    this.markets = options.markets ?? [...options.candles.keys()].map(defaultMarket);
  }

  loadMarkets(): Promise<Market[]> {
    return Promise.resolve([...this.markets]);
  }

  fetchTickers(): Promise<Map<string, Ticker>> {
    const nowMs = this.clock.nowMs();
    const out = new Map<string, Ticker>();
    for (const [symbol, byTf] of this.candles) {
      const tf = this.finestTimeframe(byTf);
      if (!tf) continue;
      const tfMs = timeframeMs(tf);
      const series = byTf[tf]!;
      const closedEnd = lowerBound(series, nowMs - tfMs + 1);
      const dayStart = lowerBound(series, nowMs - DAY_MS);
      const day = series.slice(dayStart, closedEnd);
      const last = series[closedEnd - 1];
      if (!last || day.length === 0) continue;
      out.set(symbol, {
        symbol,
        timestampMs: nowMs,
        last: last.close,
        open24h: day[0]!.open,
        high24h: Math.max(...day.map((c) => c.high)),
        low24h: Math.min(...day.map((c) => c.low)),
        baseVolume24h: day.reduce((s, c) => s + c.volume, 0),
        quoteVolume24h: day.reduce((s, c) => s + c.volume * c.close, 0),
      });
    }
    return Promise.resolve(out);
  }

  async fetchCandles(symbol: string, timeframe: Timeframe, options: FetchCandlesOptions): Promise<Candle[]> {
    const series = this.series(symbol, timeframe);
    const tfMs = timeframeMs(timeframe);
    const nowMs = this.clock.nowMs();
    const formingOpenMs = Math.floor(nowMs / tfMs) * tfMs;
    const endMs = Math.min(options.untilMs ?? Infinity, formingOpenMs + 1);
    const closedEnd = lowerBound(series, Math.min(endMs, formingOpenMs));
    const out = series.slice(Math.max(0, closedEnd - options.limit), closedEnd);
    const forming = this.formingBar(series, formingOpenMs);
    if (forming && forming.openTimeMs < endMs) {
      out.push(forming);
      if (out.length > options.limit) out.shift();
    }
    return out;
  }

  async watchCandles(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    const series = this.series(symbol, timeframe);
    const tfMs = timeframeMs(timeframe);
    const nextOpenMs = Math.floor(this.clock.nowMs() / tfMs) * tfMs + tfMs;
    if (this.closed || lowerBound(series, nextOpenMs - tfMs) >= series.length) {
      // Nothing left to replay: stay silent until closed, like an idle socket.
      await new Promise<void>((resolve) => this.onClose(resolve));
      return [];
    }
    const woke = await new Promise<boolean>((resolve) => {
      const cancel = this.clock.setTimer(nextOpenMs - this.clock.nowMs(), () => {
        this.closers.delete(close);
        resolve(true);
      });
      const close = () => {
        cancel();
        resolve(false);
      };
      this.closers.add(close);
    });
    if (!woke) return [];
    const closedBar = series[lowerBound(series, nextOpenMs - tfMs)];
    const out: Candle[] = [];
    if (closedBar && closedBar.openTimeMs === nextOpenMs - tfMs) out.push(closedBar);
    const forming = this.formingBar(series, nextOpenMs);
    if (forming) out.push(forming);
    return out;
  }

  fetchOrderBook(symbol: string): Promise<OrderBook> {
    return Promise.reject(this.notStored('order books', symbol));
  }

  fetchTrades(symbol: string): Promise<Trade[]> {
    return Promise.reject(this.notStored('trades', symbol));
  }

  fetchFundingRate(symbol: string): Promise<FundingRate> {
    return Promise.reject(this.notStored('funding rates', symbol));
  }

  fetchOpenInterest(symbol: string): Promise<OpenInterest> {
    return Promise.reject(this.notStored('open interest', symbol));
  }

  fetchMarkPrice(symbol: string): Promise<MarkPrice> {
    return Promise.reject(this.notStored('mark prices', symbol));
  }

  watchPrice(symbol: string): Promise<PriceTick> {
    return Promise.reject(this.notStored('price pushes', symbol));
  }

  reconnect(): Promise<void> {
    return Promise.resolve();
  }

  health(): SourceHealth {
    return {
      exchangeId: this.exchangeId,
      breaker: { state: BreakerState.closed, consecutiveFailures: 0, retryAtMs: 0, openedCount: 0 },
      limiter: { inFlight: 0, queued: 0, windows: [], requestsLastMinute: 0, rateLimitedCount: 0, pausedUntilMs: 0, scale: 1, lastRequestMs: null },
      backoffs: [],
      wsErrors: 0,
    };
  }

  close(): Promise<void> {
    this.closed = true;
    for (const close of [...this.closers]) close();
    this.closers.clear();
    return Promise.resolve();
  }

  private onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closers.add(fn);
  }

  private finestTimeframe(byTf: Partial<Record<Timeframe, readonly Candle[]>>): Timeframe | undefined {
    let best: Timeframe | undefined;
    for (const tf of Object.keys(byTf) as Timeframe[]) {
      if (!best || timeframeMs(tf) < timeframeMs(best)) best = tf;
    }
    return best;
  }

  private series(symbol: string, timeframe: Timeframe): readonly Candle[] {
    const series = this.candles.get(symbol)?.[timeframe];
    if (!series) {
      throw new UnknownSymbolError(ErrorCode.UnknownSymbol, `replay has no ${timeframe} candles for ${symbol}`, { details: { symbol, timeframe } });
    }
    return series;
  }

  /** The bar opening at `openMs` as known at its first instant. */
  private formingBar(series: readonly Candle[], openMs: number): Candle | undefined {
    const bar = series[lowerBound(series, openMs)];
    if (!bar || bar.openTimeMs !== openMs) return undefined;
    return { openTimeMs: openMs, open: bar.open, high: bar.open, low: bar.open, close: bar.open, volume: 0 };
  }

  private notStored(what: string, symbol: string): ExchangeRejectedError {
    return new ExchangeRejectedError(ErrorCode.NotSupported, `replay has no stored ${what} (${symbol})`, { details: { symbol } });
  }
}
