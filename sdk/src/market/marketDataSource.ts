import type { Candle, FundingRate, Market, MarkPrice, OpenInterest, OrderBook, Ticker, Timeframe, Trade } from '@perpscope/shared';
import type { BreakerSnapshot } from './circuitBreaker.js';
import type { ExchangeLimits } from './exchangeLimits.js';
import type { BadDataCounts } from './sanitizeMarketData.js';
import type { LimiterPriority, LimiterStats } from './weightedLimiter.js';

export interface FetchCandlesOptions {
  /** Newest bars first: return the `limit` bars opening before this time (default: up to now). */
  untilMs?: number;
  limit: number;
  priority?: LimiterPriority;
}

/** How one read queues for the rate budget. */
export interface ReadOptions {
  /** Default `normal`; `urgent` for a read a trader is waiting on (see `LimiterPriority`). */
  priority?: LimiterPriority;
}

/** A backoff pause in force, for the health snapshot. */
export interface BackoffWindow {
  operation: string;
  symbol?: string;
  untilMs: number;
}

/**
 * One websocket price for a symbol. `basis` says which price it is: the exchange's mark price
 * where the venue streams one (Binance USD-M `markPrice`), else the last trade of the ticker
 * channel (BloFin's `tickers` carry no mark).
 */
export interface PriceTick {
  symbol: string;
  timestampMs: number;
  price: number;
  basis: 'mark' | 'last';
  /** True when the exchange sent no time: `timestampMs` is then this machine's clock, not the exchange's. */
  localClock?: true;
}

/** Transport health of a source. */
export interface SourceHealth {
  exchangeId: string;
  breaker: BreakerSnapshot;
  limiter: LimiterStats;
  backoffs: BackoffWindow[];
  /** Websocket errors (drops, timeouts) seen since start. */
  wsErrors: number;
  /** Market data dropped at the edge since start, by kind and reason (sources that check it). */
  badData?: BadDataCounts;
}

/**
 * The MarketData port: everything the market-data service needs from an exchange. Live ccxt,
 * SimExchange (ccxt against loopback) and replay of stored candles all implement it, so the
 * service and the engine run one code path for all three.
 *
 * Reads never write: every method is idempotent and safe to retry.
 */
export interface MarketDataSource {
  readonly exchangeId: string;
  readonly limits: ExchangeLimits;
  loadMarkets(): Promise<Market[]>;
  /** Tickers keyed by unified symbol. */
  fetchTickers(): Promise<Map<string, Ticker>>;
  /** Bars oldest first; the newest may still be forming. */
  fetchCandles(symbol: string, timeframe: Timeframe, options: FetchCandlesOptions): Promise<Candle[]>;
  /** Resolves with the next websocket candle update(s) for the stream; rejects when the socket fails. */
  watchCandles(symbol: string, timeframe: Timeframe): Promise<Candle[]>;
  fetchOrderBook(symbol: string, depth: number, opts?: ReadOptions): Promise<OrderBook>;
  fetchTrades(symbol: string, limit: number, opts?: ReadOptions): Promise<Trade[]>;
  fetchFundingRate(symbol: string, opts?: ReadOptions): Promise<FundingRate>;
  fetchOpenInterest(symbol: string, opts?: ReadOptions): Promise<OpenInterest>;
  fetchMarkPrice(symbol: string, opts?: ReadOptions): Promise<MarkPrice>;
  /**
   * Resolves with the next websocket price push for `symbol` (mark price where streamed, else the
   * ticker's last); rejects when the socket fails, or with NOT_SUPPORTED where the source streams
   * no price (then REST reads are the only prices).
   */
  watchPrice(symbol: string): Promise<PriceTick>;
  /** Ends the subscription `watchPrice` opened for `symbol`, where the source can (optional: absent means nothing to end). */
  unwatchPrice?(symbol: string): Promise<void>;
  /** Drops websocket connections so pending watches fail and resubscribe (silent sockets). */
  reconnect(): Promise<void>;
  health(): SourceHealth;
  close(): Promise<void>;
}
