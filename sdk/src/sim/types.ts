import type { MarketDataFaultKind, MarketDataFaultMode } from './marketDataFaults.js';
import type { SimDialectName } from './dialects/types.js';
import type { Candle, FundingRate, Market, MarkPrice, OpenInterest, OrderBook, Trade } from '@perpscope/shared';

/** A manipulation or lifecycle event the sim injected on purpose, for scoring detectors. */
export interface GroundTruthEpisode {
  kind: 'pump_and_dump' | 'spoofing' | 'delisting';
  /** ccxt unified symbol, e.g. `SIM007/USDT:USDT`. */
  symbol: string;
  startMs: number;
  endMs: number;
}

/** A market as the sim lists it: the shared Market plus when (if ever) it stops trading. */
export interface SimMarket extends Market {
  /** Sim time at which the instrument turns `suspend` and stops trading; absent when never. */
  delistAtMs?: number;
}

/** A candle with the two fields BloFin adds on the wire. */
export interface SimCandle extends Candle {
  /** Volume in quote currency (USDT). */
  quoteVolume: number;
  /** False for the bar still forming at the time it was read (BloFin `confirm` = "0"). */
  closed: boolean;
}

/** Rolling 24h statistics behind a ticker. */
export interface Stats24h {
  last: number;
  open24h: number;
  high24h: number;
  low24h: number;
  baseVolume24h: number;
  quoteVolume24h: number;
}

/**
 * Where the sim's market data comes from: the seeded generator or a recorded directory. Times are
 * sim milliseconds. Every method is pure in its arguments.
 */
export interface MarketSource {
  markets(): SimMarket[];
  /** BloFin bar codes this source can serve (`1m`, `1H`, ...). */
  supportsTimeframe(tfMs: number): boolean;
  /** Complete bars whose open time is in [fromMs, toMs), oldest first. */
  candles(symbol: string, tf: string, fromMs: number, toMs: number): SimCandle[];
  /** The bar of `tf` containing `atMs`, built from data up to `atMs` only; null when none. */
  formingCandle(symbol: string, tf: string, atMs: number): SimCandle | null;
  /** Earliest bar open time available for the symbol. */
  firstDataMs(symbol: string): number;
  orderBook(symbol: string, atMs: number, depth: number): OrderBook;
  /** Public trades with fromMs <= time < toMs, oldest first. */
  trades(symbol: string, fromMs: number, toMs: number): Trade[];
  stats24h(symbol: string, atMs: number): Stats24h | null;
  /** Last traded price at `atMs`, or null before the first data. */
  lastPrice(symbol: string, atMs: number): number | null;
  fundingRate(symbol: string, atMs: number): FundingRate;
  /** Settled funding rates with fundingTime in (fromMs, toMs], oldest first. */
  fundingHistory(symbol: string, fromMs: number, toMs: number): FundingRate[];
  openInterest(symbol: string, atMs: number): OpenInterest;
  markPrice(symbol: string, atMs: number): MarkPrice;
  groundTruth(): GroundTruthEpisode[];
}

/** Options for {@link startSimExchange}. */
export interface SimExchangeOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /**
   * The wire protocol served over the one simulated market (default `blofin`): `binanceusdm`
   * serves Binance USD-M's `fapi` REST (quantities in base, weights and `{code,msg}` errors)
   * instead of BloFin's API and websockets; `bybit` serves Bybit v5 linear REST (`/v5/*`,
   * `{ retCode, retMsg, result }` envelopes, X-BAPI-* signatures, per-endpoint limits).
   */
  dialect?: SimDialectName;
  /** Number of generated symbols (default 50). Ignored when `dataDir` is set. */
  symbols?: number;
  /** Generator seed (default 1). */
  seed?: number;
  /**
   * Which of several simulated venues this sim stands for (generator only): the same seed's
   * market with a small synthetic per-symbol basis (|basis| <= 12 bps) and funding offset
   * (<= 3 bps per 8h), so several sims on one seed differ as real venues do. Absent or index 0:
   * the seed's market unchanged.
   */
  venue?: { index: number };
  /** Replay a recorded directory instead of generating data. */
  dataDir?: string;
  /** Sim time at start. Default: now (generator) or just after the last complete 1h bar (replay). */
  startTimeMs?: number;
  /** Sim milliseconds per wall millisecond (default 1). */
  acceleration?: number;
  /**
   * Starts paused at `startTimeMs` (see {@link SimExchange.resume}): a snapshot of one moment, so
   * that a seeded one-off scan sees the same market however long its warm-up takes.
   */
  pausedAtStart?: boolean;
  /**
   * Multiplies the dialect's request allowances (default 1). BloFin: 500/min and 1,500/5 min per
   * IP, and 30 trading POSTs (`/api/v1/trade/*`) per 10 s. Binance USD-M: 2,400 request weight
   * and 1,200 orders per minute.
   */
  rateLimitScale?: number;
  /**
   * Whether overflowing a REST window suspends the IP as BloFin does (default true): 5 minutes
   * past 500/min, an hour past 1,500/5 min, every request answered 403 meanwhile. Toggle at run
   * time with `faults.penalizeRateLimits`.
   */
  rateLimitPenalties?: boolean;
  /**
   * The clock of the rate windows and suspensions, in ms (default wall time: the limits are about
   * real request rates, whatever the sim's acceleration). Tests inject one to step through a
   * suspension without waiting.
   */
  rateLimitClockMs?: () => number;
  /** Bars of history per timeframe before `startTimeMs` (default 1500). */
  historyBars?: number;
  /** Test credentials private requests must be signed with. */
  apiKey?: SimApiKey;
  /** Starting USDT balance of the test account (default 10,000). */
  initialBalanceUsdt?: number;
  /** Wall milliseconds between websocket pushes (default 200). */
  pushIntervalMs?: number;
}

export interface SimApiKey {
  apiKey: string;
  secret: string;
  password: string;
}

export interface RequestLogEntry {
  method: string;
  /** Path without query string, e.g. `/api/v1/market/candles`. */
  path: string;
  private: boolean;
  status: number;
  /**
   * BloFin's top-level `code` of a JSON answer ("0" on success): business and auth errors share
   * HTTP 200, so the code tells them apart. Absent for pages and unanswered requests.
   */
  code?: string;
  /** Sim time the request arrived. */
  atMs: number;
}

export interface SimStats {
  requests: number;
  rejected429: number;
}

/** The test account at one instant; records use BloFin's wire field names. */
export interface AccountSnapshot {
  balanceUsdt: number;
  equityUsdt: number;
  positions: Record<string, string>[];
  /** Every order ever placed, any state. */
  orders: Record<string, string | null>[];
  /** TP/SL and trigger orders, any state. */
  triggers: Record<string, string | null>[];
  fills: Record<string, string>[];
}

/** Fault injection. Counts apply to the next N matching requests. */
export interface FaultController {
  /** Closes every websocket connection abruptly (no close frame). */
  dropWebsockets(): void;
  /** While on, sockets stay open and pongs are answered, but no data is pushed. */
  silenceWebsockets(on: boolean): void;
  /** Swallows the next `count` order-book stream updates, so the one after does not chain (Binance `pu`): clients must resync. */
  gapBookStream(opts: { count: number }): void;
  /** While on, new websocket connections are refused (clients keep retrying), as in an outage. */
  refuseWebsockets(on: boolean): void;
  /** Answers the next `count` HTTP requests with `status` (5xx) and a gateway error page. */
  failHttp(opts: { status: number; count: number }): void;
  /**
   * Turns BloFin's rate-limit penalties on or off (on by default): overflowing 500/min suspends
   * the IP for 5 minutes, 1,500/5 min for an hour, and the firewall answers 403 meanwhile.
   * Turning them off (or `reset()`) lifts a suspension in force.
   */
  penalizeRateLimits(on: boolean): void;
  /** Answers the next `count` HTTP requests with 429 and BloFin's rate-limit body. */
  burst429(opts: { count: number }): void;
  /** Delays every HTTP response by `ms` wall milliseconds (0 turns it off). */
  latency(opts: { ms: number }): void;
  /** Holds the next `count` HTTP requests open without ever answering them (logged with status 0). */
  timeoutRequests(opts: { count: number }): void;
  /** Processes the next `count` order placements (logged with status 0) but never answers them. */
  acceptThenTimeout(opts: { count: number }): void;
  /** The next `count` order lookups (detail, pending, history) find nothing. */
  hideOrdersFromLookups(opts: { count: number }): void;
  /** Fills at most `ratio` (0..1] of each marketable order's size; 1 turns it off. */
  partialFills(opts: { ratio: number }): void;
  /** Suspends a market now (same as {@link SimExchange.delist}). */
  delist(symbol: string): void;
  /**
   * Shifts the sim's server clock by `ms` (the `Date` header and the signed-timestamp window
   * follow it), as an exchange whose clock disagrees with ours would.
   */
  clockSkew(ms: number): void;
  /**
   * Another client on the sim's key (a process that just died, say) used every nonce from
   * `fromMs` to `toMs` inclusive: private requests carrying one are refused with 152407 until
   * `reset()`. Its stamps are unknown to any client of this process, as they would be.
   */
  foreignNonces(opts: { fromMs: number; toMs: number }): void;
  /**
   * Corrupts every answer of one public market-data endpoint with `mode` (see
   * `MarketDataFaultMode`) until called again with `mode: null` or `reset()`. Several kinds can
   * be corrupted at once. Throws on a mode that does not apply to the kind (e.g. crossed trades).
   */
  corruptMarketData(opts: { kind: MarketDataFaultKind; mode: MarketDataFaultMode | null }): void;
  /**
   * A funding scenario: `symbol` (unified or instrument id) reports `rate` per 8h interval (e.g.
   * 0.004 = 40 bps, a plausible extreme, not garbage) as its current rate and at every settlement
   * at or after sim time `fromMs` (default: all), on `/market/funding-rate` and
   * `/market/funding-rate-history`, until called with `rate: null` or `reset()`.
   */
  setFundingRate(opts: { symbol: string; rate: number | null; fromMs?: number }): void;
  /** Clears every pending fault. */
  reset(): void;
}

/** A running SimExchange. */
export interface SimExchange {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The wire protocol this sim speaks. */
  dialect: SimDialectName;
  /** `ws://127.0.0.1:PORT/ws` (public: `/ws/public`, private: `/ws/private`). */
  wsUrl: string;
  /** Current sim time. */
  nowMs(): number;
  faults: FaultController;
  /** Suspends a market now: instruments report `suspend` and it stops trading. */
  delist(symbol: string): void;
  requestLog(): RequestLogEntry[];
  groundTruth(): GroundTruthEpisode[];
  stats(): SimStats;
  /** The data source behind the server (generator or replay). */
  source: MarketSource;
  /** The test key private requests are verified against, when configured. */
  apiKey?: SimApiKey | undefined;
  /** The test account as BloFin records, for checking a client's ledger against the exchange. */
  accountSnapshot(): AccountSnapshot;
  /**
   * Freezes sim time (prices, bars, books, triggers) until {@link resume}; the paused wall time
   * never reaches the sim clock. Lets a test act on a price that cannot move under it.
   */
  pause(): void;
  /**
   * Lets sim time run up to `simMs` and holds it there (as {@link pause}) until {@link resume}: a
   * test steps an accelerated sim from one instant to the next (a bar close, say) and acts while
   * nothing moves, however slow the machine. A time already passed pauses at once, where it is.
   */
  pauseAt(simMs: number): void;
  resume(): void;
  /** Whether sim time stands still now (paused, or held at a {@link pauseAt} instant it has reached). */
  isPaused(): boolean;
  /** Logged-in private websocket connections subscribed to `channel` (e.g. `orders`), so a test can wait for a subscription. */
  privateSubscriptions(channel: string): number;
  /**
   * Websocket push rounds run so far (one per `pushIntervalMs`, silenced ones included) and data
   * messages sent: a test proves a silence by the rounds that passed without data.
   */
  wsCounters(): { pushRounds: number; dataMessages: number };
  stop(): Promise<void>;
}

export type { Candle, FundingRate, MarkPrice, OpenInterest, OrderBook, Trade };
