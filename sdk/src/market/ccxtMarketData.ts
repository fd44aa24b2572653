import type { Candle, FundingRate, Market, MarkPrice, OpenInterest, OrderBook, Ticker, Timeframe, Trade } from '@perpscope/shared';
import type { Exchange, Ticker as CcxtTicker } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { mapCcxtError } from '../core/ccxtErrors.js';
import { ErrorCode } from '@perpscope/shared';
import { ExchangeRejectedError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import {
  candlesFromCcxt,
  fundingFromCcxt,
  marketFromCcxt,
  markPriceFromCcxt,
  openInterestFromCcxt,
  orderBookFromCcxt,
  tickerFromCcxt,
  tradesFromCcxt,
} from './ccxtConvert.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuitBreaker.js';
import { limitsForExchange, MarketOperation, type ExchangeLimits } from './exchangeLimits.js';
import { guardedRead, type ReadGuard } from './guardedRead.js';
import type { BackoffWindow, FetchCandlesOptions, MarketDataSource, SourceHealth } from './marketDataSource.js';
import { WeightedLimiter } from './weightedLimiter.js';

export interface CcxtMarketDataOptions {
  /** A ccxt pro exchange instance with swap markets (`new ccxt.pro.blofin()`, or `createBlofinClient(sim)`). */
  exchange: Exchange;
  clock: Clock;
  logger?: Logger;
  /** Overrides the documented limits (e.g. `scaleLimits(BLOFIN_LIMITS, 20)` against a scaled SimExchange). */
  limits?: ExchangeLimits;
  breaker?: Partial<Omit<CircuitBreakerOptions, 'name' | 'clock'>>;
  backoff?: BackoffOptions;
  /** Attempts per read, the first included (default 4). */
  maxAttempts?: number;
  /** Extra time a finished request stays counted by the limiter (default 50 ms). */
  limiterSafetyMarginMs?: number;
  /** Source of randomness for jitter (default Math.random). */
  random?: () => number;
}

/**
 * MarketDataSource over any ccxt pro exchange with swap markets. Every REST read goes through
 * the weighted limiter, the exchange's circuit breaker and jittered retries; ccxt's own throttle
 * is switched off because the limiter replaces it (two pacers would halve throughput).
 *
 * @example
 * const source = new CcxtMarketData({ exchange: new ccxt.pro.blofin(), clock: new SystemClock() });
 */
export class CcxtMarketData implements MarketDataSource {
  readonly exchangeId: string;
  readonly limits: ExchangeLimits;
  private readonly exchange: Exchange;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly limiter: WeightedLimiter;
  private readonly breaker: CircuitBreaker;
  private readonly guard: ReadGuard;
  private readonly backoffs: BackoffWindow[] = [];
  private contractSizes = new Map<string, number>();
  private wsErrors = 0;

  constructor(options: CcxtMarketDataOptions) {
    this.exchange = options.exchange;
    this.exchange.enableRateLimit = false;
    this.exchangeId = options.exchange.id;
    this.clock = options.clock;
    this.logger = (options.logger ?? silentLogger).child({ exchange: this.exchangeId });
    this.limits = options.limits ?? limitsForExchange(options.exchange);
    this.limiter = new WeightedLimiter({
      windows: this.limits.windows,
      maxConcurrent: this.limits.maxConcurrent,
      clock: this.clock,
      logger: this.logger,
      safetyMarginMs: options.limiterSafetyMarginMs ?? 50,
    });
    this.breaker = new CircuitBreaker({
      ...options.breaker,
      name: this.exchangeId,
      clock: this.clock,
      onStateChange: (change) => {
        this.logger.warn({ ...change }, `circuit breaker ${change.from} -> ${change.to}`);
        options.breaker?.onStateChange?.(change);
      },
    });
    this.guard = {
      exchangeId: this.exchangeId,
      limiter: this.limiter,
      breaker: this.breaker,
      clock: this.clock,
      logger: this.logger,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      maxAttempts: options.maxAttempts ?? 4,
      random: options.random ?? Math.random,
      onBackoff: (pause) => this.backoffs.push(pause),
    };
  }

  async loadMarkets(): Promise<Market[]> {
    const raw = await guardedRead(this.guard, { operation: MarketOperation.loadMarkets, weight: this.limits.weight('loadMarkets') }, () =>
      this.exchange.loadMarkets(true),
    );
    const markets: Market[] = [];
    for (const m of Object.values(raw)) {
      const market = m ? marketFromCcxt(m) : undefined;
      if (!market) continue;
      markets.push(market);
      this.contractSizes.set(market.symbol, market.contractSize);
    }
    return markets;
  }

  async fetchTickers(): Promise<Map<string, Ticker>> {
    const raw = await guardedRead(this.guard, { operation: MarketOperation.fetchTickers, weight: this.limits.weight('fetchTickers') }, () =>
      this.exchange.fetchTickers(),
    );
    const nowMs = this.clock.nowMs();
    const out = new Map<string, Ticker>();
    for (const t of Object.values(raw)) {
      const ticker = t?.symbol ? tickerFromCcxt(t, this.contractSize(t.symbol), nowMs) : undefined;
      if (ticker) out.set(ticker.symbol, ticker);
    }
    return out;
  }

  async fetchCandles(symbol: string, timeframe: Timeframe, options: FetchCandlesOptions): Promise<Candle[]> {
    const limit = Math.min(options.limit, this.limits.maxCandlesPerCall);
    const params = options.untilMs === undefined ? {} : { until: options.untilMs };
    const rows = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchOHLCV, weight: this.limits.weight('fetchOHLCV', limit), symbol, ...(options.priority ? { priority: options.priority } : {}) },
      () => this.exchange.fetchOHLCV(symbol, timeframe, undefined, limit, params),
    );
    return candlesFromCcxt(rows);
  }

  async watchCandles(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    if (!this.limits.capabilities.watchOHLCV) {
      throw new ExchangeRejectedError(ErrorCode.NotSupported, `${this.exchangeId} has no watchOHLCV`, { details: { exchange: this.exchangeId } });
    }
    try {
      return candlesFromCcxt(await this.exchange.watchOHLCV(symbol, timeframe));
    } catch (err) {
      this.wsErrors++;
      throw mapCcxtError(err, { exchange: this.exchangeId, operation: 'watchOHLCV', symbol });
    }
  }

  async fetchOrderBook(symbol: string, depth: number): Promise<OrderBook> {
    const book = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchOrderBook, weight: this.limits.weight('fetchOrderBook', depth), symbol },
      () => this.exchange.fetchOrderBook(symbol, depth),
    );
    return orderBookFromCcxt(symbol, book, this.contractSize(symbol), this.clock.nowMs());
  }

  async fetchTrades(symbol: string, limit: number): Promise<Trade[]> {
    const trades = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchTrades, weight: this.limits.weight('fetchTrades', limit), symbol },
      () => this.exchange.fetchTrades(symbol, undefined, limit),
    );
    return tradesFromCcxt(symbol, trades, this.contractSize(symbol));
  }

  async fetchFundingRate(symbol: string): Promise<FundingRate> {
    const raw = await guardedRead(this.guard, { operation: MarketOperation.fetchFundingRate, weight: this.limits.weight('fetchFundingRate'), symbol }, () =>
      this.exchange.fetchFundingRate(symbol),
    );
    return this.required(fundingFromCcxt(symbol, raw, this.clock.nowMs()), 'fetchFundingRate', symbol);
  }

  async fetchOpenInterest(symbol: string): Promise<OpenInterest> {
    const raw = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchOpenInterest, weight: this.limits.weight('fetchOpenInterest'), symbol },
      () => this.exchange.fetchOpenInterest(symbol),
    );
    return this.required(openInterestFromCcxt(symbol, raw, this.contractSize(symbol), this.clock.nowMs()), 'fetchOpenInterest', symbol);
  }

  async fetchMarkPrice(symbol: string): Promise<MarkPrice> {
    const request = { operation: MarketOperation.fetchMarkPrice, weight: this.limits.weight('fetchMarkPrice'), symbol };
    const endpoint = this.limits.capabilities.markPriceEndpoint;
    const implicit = endpoint ? (this.exchange as unknown as Record<string, unknown>)[endpoint] : undefined;
    if (typeof implicit === 'function') {
      const instId = this.exchange.market(symbol).id;
      const raw = (await guardedRead(this.guard, request, () => (implicit as (p: object) => Promise<unknown>).call(this.exchange, { instId }))) as {
        data?: { markPrice?: unknown; indexPrice?: unknown; ts?: unknown }[];
      };
      const row = raw.data?.[0];
      const parsed = row
        ? markPriceFromCcxt(symbol, { markPrice: Number(row.markPrice), indexPrice: Number(row.indexPrice), timestamp: Number(row.ts) } as CcxtTicker, this.clock.nowMs())
        : undefined;
      return this.required(parsed, 'fetchMarkPrice', symbol);
    }
    const useMarkEndpoint = this.exchange.has['fetchMarkPrice'] === true;
    const raw = await guardedRead(this.guard, request, () => (useMarkEndpoint ? this.exchange.fetchMarkPrice(symbol) : this.exchange.fetchTicker(symbol)));
    return this.required(markPriceFromCcxt(symbol, raw, this.clock.nowMs()), 'fetchMarkPrice', symbol);
  }

  async reconnect(): Promise<void> {
    await this.exchange.close();
  }

  health(): SourceHealth {
    const nowMs = this.clock.nowMs();
    const active = this.backoffs.filter((b) => b.untilMs > nowMs);
    this.backoffs.splice(0, this.backoffs.length, ...active);
    return {
      exchangeId: this.exchangeId,
      breaker: this.breaker.snapshot(),
      limiter: this.limiter.stats(),
      backoffs: active,
      wsErrors: this.wsErrors,
    };
  }

  async close(): Promise<void> {
    this.limiter.clear(new ExchangeRejectedError(ErrorCode.ExchangeUnavailable, `${this.exchangeId} market data closed`));
    await this.exchange.close();
  }

  private contractSize(symbol: string): number {
    return this.contractSizes.get(symbol) ?? this.exchange.markets?.[symbol]?.contractSize ?? 1;
  }

  private required<T>(value: T | undefined, operation: string, symbol: string): T {
    if (value !== undefined) return value;
    throw new ExchangeRejectedError(ErrorCode.ExchangeError, `${this.exchangeId} ${operation}: response for ${symbol} has no usable value`, {
      details: { exchange: this.exchangeId, operation, symbol },
    });
  }
}
