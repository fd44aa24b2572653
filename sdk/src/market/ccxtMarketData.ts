import type { Candle, FundingRate, Market, MarkPrice, OpenInterest, OrderBook, Ticker, Timeframe, Trade } from '@perpscope/shared';
import type { Exchange, OrderBook as CcxtOrderBook, Ticker as CcxtTicker, Trade as CcxtTrade } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { mapCcxtError } from '../core/ccxtErrors.js';
import { ErrorCode } from '@perpscope/shared';
import { describeError, ExchangeRejectedError, PerpscopeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { DEFAULT_BACKOFF, fullJitterBackoffMs, type BackoffOptions } from './backoff.js';
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
import type { DerivativesHistoryFetcher } from './derivativesHistory.js';
import type { BackoffWindow, FetchCandlesOptions, MarketDataSource, PriceTick, ReadOptions, SourceHealth } from './marketDataSource.js';
import { addBadData, MarketDataIssueReason, MarketDataKind, sanitizeFunding, sanitizeMarkPrice, type BadDataCounts, type MarketDataIssue, type SanitizeOptions, type TradeCursor } from './sanitizeMarketData.js';
import { WeightedLimiter } from './weightedLimiter.js';

/** The read's queue priority for `guardedRead`, only when one was asked for. */
function priorityOf(opts: ReadOptions | undefined): Pick<ReadOptions, 'priority'> {
  return opts?.priority ? { priority: opts.priority } : {};
}

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
  /** Checks on trades, books, tickers, funding and mark prices (see `sanitizeMarketData`). */
  sanitize?: SanitizeOptions;
  /**
   * Streamed books, trades and tickers answer reads while their last push is at most this old
   * (clock ms, default 10 s); older, reads go to REST until pushes flow again.
   */
  streamStaleAfterMs?: number;
  /** A stream no read asked for in this long (clock ms, default 5 min) is ended. */
  streamIdleMs?: number;
  /**
   * Order-flow reads start websocket streams and are answered from them while fresh (default
   * true). False for a one-shot reader (`scan`): it reads each symbol once, before any push could
   * arrive, so a stream would answer nothing and only cost the venue a subscription per symbol and
   * kind (and this process their pushes until it exits). Reads then go to REST only.
   */
  streams?: boolean;
}

/** Levels a streamed book keeps where the exchange's limits name none: deeper reads go to REST. */
export const STREAM_BOOK_LEVELS = 100;

/** One background websocket subscription feeding reads (`orderbook` / `trades` / `tickers`). */
interface Stream<T> {
  key: string;
  value: T | undefined;
  /** Clock time of the last push; undefined until one arrives and after every failure. */
  pushedAtMs: number | undefined;
  askedAtMs: number;
  stopped: boolean;
}

/** What the streams have done, for health views and tests. */
export interface StreamStats {
  /** Streams running now, by `kind|symbol`. */
  active: string[];
  /** Reads answered from a stream rather than REST, by kind. */
  servedFromStream: Record<'orderbook' | 'trades' | 'tickers', number>;
  /** Stream failures (drop, sequence gap, closed client, no push within the staleness deadline), by kind. */
  failures: Record<'orderbook' | 'trades' | 'tickers', number>;
  /** Times a stream failed and subscribed again. */
  resubscribes: number;
}

type StreamKind = 'orderbook' | 'trades' | 'tickers';

/** How one bounded wait on a stream's `watch` ended. */
type WatchOutcome<T> = { kind: 'push'; value: T } | { kind: 'deadline' } | { kind: 'closed' };

/**
 * MarketDataSource over any ccxt pro exchange with swap markets. Every REST read goes through
 * the weighted limiter, the exchange's circuit breaker and jittered retries; ccxt's own throttle
 * is switched off because the limiter replaces it (two pacers would halve throughput).
 *
 * Trades, books, tickers, funding and mark prices are checked where they leave ccxt
 * (`sanitizeMarketData`), against per-symbol cursors of the newest accepted times. What fails is
 * dropped, logged and counted in `health().badData`; a read whose only answer was dropped
 * rejects (EXCHANGE_ERROR), except tickers: a dropped ticker is replaced by the symbol's last
 * good one, so one garbage row does not pull a symbol out of the universe.
 *
 * @example
 * const source = new CcxtMarketData({ exchange: new ccxt.pro.blofin(), clock: new SystemClock() });
 */
export class CcxtMarketData implements MarketDataSource, DerivativesHistoryFetcher {
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
  private readonly sanitize: SanitizeOptions;
  private readonly badData: BadDataCounts = {};
  private readonly tradeCursors = new Map<string, TradeCursor>();
  /** Newest accepted time per `kind|symbol` (for funding: the next funding time). */
  private readonly timeCursors = new Map<string, number>();
  private readonly lastGoodTickers = new Map<string, Ticker>();
  private readonly streams = new Map<string, Stream<unknown>>();
  private readonly streamStaleAfterMs: number;
  private readonly streamIdleMs: number;
  /** Whether order-flow reads use websocket streams: the venue streams them (`streamOrderFlow`) and `options.streams` allows it. */
  private readonly streamReads: boolean;
  private readonly served = { orderbook: 0, trades: 0, tickers: 0 };
  /** Stream trades already read from ccxt's cache (the cache's own objects). */
  private readonly readStreamTrades = new WeakSet<CcxtTrade>();
  private readonly failures = { orderbook: 0, trades: 0, tickers: 0 };
  private resubscribes = 0;
  private closed = false;
  /** Wakes stream loops blocked on a watch or a backoff pause when `close()` runs. */
  private readonly closeWakers = new Set<() => void>();

  constructor(options: CcxtMarketDataOptions) {
    this.exchange = options.exchange;
    this.exchange.enableRateLimit = false;
    this.exchangeId = options.exchange.id;
    this.clock = options.clock;
    this.sanitize = options.sanitize ?? {};
    this.streamStaleAfterMs = options.streamStaleAfterMs ?? 10_000;
    this.streamIdleMs = options.streamIdleMs ?? 300_000;
    this.logger = (options.logger ?? silentLogger).child({ exchange: this.exchangeId });
    this.limits = options.limits ?? limitsForExchange(options.exchange);
    this.streamReads = options.streams !== false && this.limits.capabilities.streamOrderFlow === true;
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

  /**
   * Every market's ticker: from the all-market `watchTickers` stream while it is fresh (each push
   * updates the markets it names; the stream's own copy is kept, apart from ccxt's `tickers`,
   * which mark-price pushes also write), else one REST read.
   */
  async fetchTickers(): Promise<Map<string, Ticker>> {
    const raw = this.streamedTickers() ?? (await guardedRead(this.guard, { operation: MarketOperation.fetchTickers, weight: this.limits.weight('fetchTickers') }, () =>
      this.exchange.fetchTickers(),
    ).catch((err: unknown) => this.unparseable(err, MarketDataKind.ticker, 'fetchTickers')));
    await this.fillQuotes(raw);
    const nowMs = this.clock.nowMs();
    const out = new Map<string, Ticker>();
    for (const t of Object.values(raw)) {
      if (!t) continue;
      const symbol = t.symbol;
      const key = `ticker|${symbol ?? ''}`;
      const checked = tickerFromCcxt(t, symbol ? this.contractSize(symbol) : 1, nowMs, this.timeCursors.get(key), this.sanitize);
      this.note('fetchTickers', symbol, checked.issues);
      if (checked.value) {
        this.advance(key, checked.cursorMs);
        this.lastGoodTickers.set(checked.value.symbol, checked.value);
        out.set(checked.value.symbol, checked.value);
      } else if (symbol) {
        const lastGood = this.lastGoodTickers.get(symbol);
        if (lastGood) out.set(symbol, lastGood);
      }
    }
    return out;
  }

  /**
   * Binance USD-M's 24h tickers carry no bid or ask, so every spread, and the universe's spread
   * gate, would be unknown: the best quotes come from one `fetchBidsAsks` call instead. A failure
   * there leaves the tickers as they are (quotes unknown), never fails the tickers themselves.
   */
  private async fillQuotes(raw: Record<string, CcxtTicker | undefined>): Promise<void> {
    if (!this.limits.capabilities.fetchBidsAsks) return;
    const tickers = Object.values(raw).filter((t): t is CcxtTicker => t !== undefined);
    if (tickers.length === 0 || tickers.some((t) => t.bid !== undefined && t.bid !== null)) return;
    try {
      // One try: the tickers are already in hand, and a retry's wait would hold them back.
      const quotes = await guardedRead({ ...this.guard, maxAttempts: 1 }, { operation: MarketOperation.fetchBidsAsks, weight: this.limits.weight('fetchBidsAsks') }, () => this.exchange.fetchBidsAsks());
      for (const t of tickers) {
        const q = t.symbol ? quotes[t.symbol] : undefined;
        if (!q) continue;
        t.bid = q.bid;
        t.ask = q.ask;
        t.bidVolume = q.bidVolume;
        t.askVolume = q.askVolume;
      }
    } catch (err) {
      this.logger.warn({ exchange: this.exchangeId, err: describeError(err) }, 'best bids and asks not read; spreads stay unknown this cycle');
    }
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

  /**
   * The book: from the `watchOrderBook` stream while it is fresh (started on the first read, kept
   * in sync by ccxt from a snapshot and sequenced diffs, resynced after a gap or a drop), else one
   * REST read. A stream's book is checked like a REST one, against its own time cursor.
   */
  async fetchOrderBook(symbol: string, depth: number, opts?: ReadOptions): Promise<OrderBook> {
    const caps = this.limits.capabilities;
    const levels = caps.streamBookLevels ?? STREAM_BOOK_LEVELS;
    if (this.streamReads && caps.watchOrderBook && depth <= levels) {
      const stream = this.stream<CcxtOrderBook>('orderbook', symbol, () => this.exchange.watchOrderBook(symbol, levels));
      const pushed = this.fresh(stream);
      if (pushed) {
        const view = { ...pushed, bids: pushed.bids.slice(0, depth), asks: pushed.asks.slice(0, depth) } as CcxtOrderBook;
        const key = `bookPush|${symbol}`;
        const checked = orderBookFromCcxt(symbol, view, this.contractSize(symbol), this.clock.nowMs(), this.timeCursors.get(key), this.sanitize);
        this.note('watchOrderBook', symbol, checked.issues);
        if (checked.book) {
          this.advance(key, checked.cursorMs);
          this.served.orderbook++;
          return checked.book;
        }
      }
    }
    const book = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchOrderBook, weight: this.limits.weight('fetchOrderBook', depth), symbol, ...priorityOf(opts) },
      () => this.exchange.fetchOrderBook(symbol, depth),
    ).catch((err: unknown) => this.unparseable(err, MarketDataKind.book, 'fetchOrderBook', symbol));
    const key = `book|${symbol}`;
    const checked = orderBookFromCcxt(symbol, book, this.contractSize(symbol), this.clock.nowMs(), this.timeCursors.get(key), this.sanitize);
    this.note('fetchOrderBook', symbol, checked.issues);
    this.advance(key, checked.cursorMs);
    return this.required(checked.book, 'fetchOrderBook', symbol, checked.issues);
  }

  /**
   * The newest trades not seen before: from the `watchTrades` stream while it is fresh, else one
   * REST read. Both pass the same per-symbol cursor, so a trade is delivered once either way.
   */
  async fetchTrades(symbol: string, limit: number, opts?: ReadOptions): Promise<Trade[]> {
    if (this.streamReads && this.limits.capabilities.watchTrades) {
      const stream = this.stream<CcxtTrade[]>('trades', symbol, () => this.exchange.watchTrades(symbol));
      const pushed = this.fresh(stream);
      if (pushed) {
        // ccxt keeps the stream's trades in one growing cache: the newest `limit` are what REST would answer.
        const cache = (this.exchange.trades as Record<string, CcxtTrade[] | undefined> | undefined)?.[symbol] ?? pushed;
        this.served.trades++;
        const window = cache.slice(-limit);
        // The cache keeps a garbage print for as long as it stays among the newest `limit`: it is
        // counted when first read, not again on every later read.
        const unread = window.filter((t) => !this.readStreamTrades.has(t));
        for (const t of unread) this.readStreamTrades.add(t);
        return this.acceptTrades(symbol, window, 'watchTrades', unread);
      }
    }
    const trades = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchTrades, weight: this.limits.weight('fetchTrades', limit), symbol, ...priorityOf(opts) },
      () => this.exchange.fetchTrades(symbol, undefined, limit),
    ).catch((err: unknown) => this.unparseable(err, MarketDataKind.trade, 'fetchTrades', symbol));
    return this.acceptTrades(symbol, trades, 'fetchTrades');
  }

  /** `counted`: the trades whose drops are counted (default all); the others were counted when first read. */
  private acceptTrades(symbol: string, trades: readonly CcxtTrade[], operation: string, counted?: readonly CcxtTrade[]): Trade[] {
    const cursor = this.tradeCursors.get(symbol);
    const checked = tradesFromCcxt(symbol, trades, this.contractSize(symbol), cursor, this.sanitize);
    // Each record is judged on its own against the cursor before the read, so the subset's drops are exactly its share.
    this.note(operation, symbol, counted === undefined || counted.length === trades.length ? checked.issues : tradesFromCcxt(symbol, counted, this.contractSize(symbol), cursor, this.sanitize).issues);
    if (checked.cursor) this.tradeCursors.set(symbol, checked.cursor);
    return checked.trades;
  }

  private streamedTickers(): Record<string, CcxtTicker> | undefined {
    const caps = this.limits.capabilities;
    if (!this.streamReads || !caps.watchTickers) return undefined;
    const stream = this.stream<Record<string, CcxtTicker>>('tickers', '*', async () => {
      const latest = (this.streams.get('tickers|*')?.value as Record<string, CcxtTicker> | undefined) ?? {};
      const pushed = await this.exchange.watchTickers();
      return { ...latest, ...pushed };
    });
    const pushed = this.fresh(stream);
    if (!pushed) return undefined;
    this.served.tickers++;
    // Copies: fillQuotes writes quotes into them.
    return Object.fromEntries(Object.entries(pushed).map(([k, t]) => [k, { ...t }]));
  }

  /** Streams running, reads they answered and resubscriptions after failures. */
  streamStats(): StreamStats {
    const active = [...this.streams.values()].filter((s) => !s.stopped).map((s) => s.key);
    return { active, servedFromStream: { ...this.served }, failures: { ...this.failures }, resubscribes: this.resubscribes };
  }

  /** The stream's latest value while its last push is recent enough to stand for a REST read. */
  private fresh<T>(stream: Stream<T>): T | undefined {
    const at = stream.pushedAtMs;
    if (at === undefined || this.clock.nowMs() - at > this.streamStaleAfterMs) return undefined;
    return stream.value;
  }

  /**
   * The `kind|symbol` stream, started on first use: a background loop awaiting `watch` for as
   * long as reads keep asking. A failure (socket dropped, sequence gap) marks it stale at once, so
   * reads fall back to REST, then it subscribes again after a jittered backoff; ccxt re-reads the
   * snapshot on that new subscription. A stream no read asked for in `streamIdleMs` ends.
   */
  private stream<T>(kind: StreamKind, symbol: string, watch: () => Promise<T>): Stream<T> {
    const key = `${kind}|${symbol}`;
    const nowMs = this.clock.nowMs();
    const existing = this.streams.get(key) as Stream<T> | undefined;
    if (existing) {
      existing.askedAtMs = nowMs;
      return existing;
    }
    const stream: Stream<T> = { key, value: undefined, pushedAtMs: undefined, askedAtMs: nowMs, stopped: this.closed };
    // After close() a read gets a stopped, unregistered stream: it goes to REST and subscribes nothing.
    if (this.closed) return stream;
    this.streams.set(key, stream as Stream<unknown>);
    this.runStream(stream, kind, symbol, watch).catch((err: unknown) => this.logger.warn({ stream: key, err: describeError(err) }, 'market stream loop failed'));
    return stream;
  }

  private async runStream<T>(stream: Stream<T>, kind: StreamKind, symbol: string, watch: () => Promise<T>): Promise<void> {
    let attempt = 0;
    const operation = kind === 'orderbook' ? 'watchOrderBook' : kind === 'trades' ? 'watchTrades' : 'watchTickers';
    while (!stream.stopped && !this.closed) {
      if (this.clock.nowMs() - stream.askedAtMs > this.streamIdleMs) break;
      let outcome: WatchOutcome<T>;
      try {
        outcome = await this.watchWithin(watch);
      } catch (err) {
        if (stream.stopped || this.closed) break;
        stream.pushedAtMs = undefined;
        this.wsErrors++;
        this.failures[kind]++;
        const error = mapCcxtError(err, { exchange: this.exchangeId, operation, symbol });
        // A subscription the exchange refuses as such will not succeed on a retry. A closed client
        // (reconnect) or a dropped socket will: those subscribe again.
        if (error.code === ErrorCode.NotSupported || error.code === ErrorCode.BadSymbol || error.code === ErrorCode.BadRequest) {
          this.logger.warn({ symbol, operation, code: error.code }, 'market stream unavailable; reads use REST');
          stream.stopped = true;
          // Left in the map, stopped: reads of this symbol go to REST without trying again.
          return;
        }
        const pauseMs = this.streamPauseMs(attempt++);
        this.logger.debug({ symbol, operation, code: error.code, pauseMs }, 'market stream failed; reads use REST until it resubscribes');
        if (!(await this.pauseUnlessClosed(pauseMs))) break;
        this.resubscribes++;
        continue;
      }
      if (outcome.kind === 'closed' || stream.stopped || this.closed) break;
      if (outcome.kind === 'push') {
        stream.value = outcome.value;
        stream.pushedAtMs = this.clock.nowMs();
        attempt = 0;
        continue;
      }
      // No push within the staleness deadline: the subscription may be hung on a client that looks
      // healthy, so reads go to REST and the watch is asked for again after a backoff.
      stream.pushedAtMs = undefined;
      this.failures[kind]++;
      const pauseMs = this.streamPauseMs(attempt++);
      this.logger.debug({ symbol, operation, pauseMs }, 'market stream silent past its deadline; reads use REST until it resubscribes');
      if (!(await this.pauseUnlessClosed(pauseMs))) break;
      this.resubscribes++;
    }
    stream.stopped = true;
    if (this.streams.get(stream.key) === stream) this.streams.delete(stream.key);
  }

  /**
   * One `watch`, bounded: its push, or `deadline` once `streamStaleAfterMs` of clock time pass
   * without one, or `closed` as soon as `close()` runs. A watch abandoned at the deadline keeps a
   * handler, so its later rejection (e.g. when the client closes) is never unhandled.
   */
  private watchWithin<T>(watch: () => Promise<T>): Promise<WatchOutcome<T>> {
    return new Promise<WatchOutcome<T>>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        this.closeWakers.delete(onClose);
        settle();
      };
      const onClose = (): void => finish(() => resolve({ kind: 'closed' }));
      this.closeWakers.add(onClose);
      const cancelTimer = this.clock.setTimer(this.streamStaleAfterMs, () => finish(() => resolve({ kind: 'deadline' }))); // deadline: a watch that never settles would otherwise hold the loop forever
      let pending: Promise<T>;
      try {
        pending = watch();
      } catch (err) {
        finish(() => reject(err));
        return;
      }
      pending.then(
        (value) => finish(() => resolve({ kind: 'push', value })),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  /**
   * The pause before a stream subscribes again: full jitter, floored at the backoff base because
   * a subscription refused at once would otherwise be retried in a tight loop on a zero draw.
   */
  private streamPauseMs(attempt: number): number {
    return Math.max(this.guard.backoff.baseMs, fullJitterBackoffMs(attempt, this.guard.backoff, this.guard.random));
  }

  /** Waits `delayMs` of clock time; false (at once) if `close()` runs first. */
  private pauseUnlessClosed(delayMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onClose = (): void => {
        cancelTimer();
        resolve(false);
      };
      // Backoff pause between resubscriptions, on the injected clock so tests drive it.
      const cancelTimer = this.clock.setTimer(delayMs, () => {
        this.closeWakers.delete(onClose);
        resolve(!this.closed);
      });
      this.closeWakers.add(onClose);
    });
  }

  async fetchFundingRate(symbol: string, opts?: ReadOptions): Promise<FundingRate> {
    const raw = await guardedRead(this.guard, { operation: MarketOperation.fetchFundingRate, weight: this.limits.weight('fetchFundingRate'), symbol, ...priorityOf(opts) }, () =>
      this.exchange.fetchFundingRate(symbol),
    ).catch((err: unknown) => this.unparseable(err, MarketDataKind.funding, 'fetchFundingRate', symbol));
    return this.checked('funding', 'fetchFundingRate', symbol, (cursorMs) => fundingFromCcxt(symbol, raw, this.clock.nowMs(), cursorMs, this.sanitize));
  }

  async fetchOpenInterest(symbol: string, opts?: ReadOptions): Promise<OpenInterest> {
    const raw = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchOpenInterest, weight: this.limits.weight('fetchOpenInterest'), symbol, ...priorityOf(opts) },
      () => this.exchange.fetchOpenInterest(symbol),
    );
    return this.required(openInterestFromCcxt(symbol, raw, this.contractSize(symbol), this.clock.nowMs()), 'fetchOpenInterest', symbol);
  }

  /** ccxt `has.fetchFundingRateHistory` (BloFin: yes). */
  get hasFundingHistory(): boolean {
    return this.exchange.has['fetchFundingRateHistory'] === true;
  }

  /** ccxt `has.fetchOpenInterestHistory` (BloFin: no, so OI history stays absent there). */
  get hasOpenInterestHistory(): boolean {
    return this.exchange.has['fetchOpenInterestHistory'] === true;
  }

  /**
   * The newest `limit` funding settlements, oldest first (ccxt `fetchFundingRateHistory`; BloFin
   * serves at most 100 per call). Rows without a positive time or with a rate `sanitizeFunding`
   * refuses (non-finite, beyond `maxAbsFundingRate`) are dropped and counted.
   */
  async fetchFundingHistory(symbol: string, limit: number): Promise<FundingRate[]> {
    // The history shares the funding endpoint's budget and weight (1 on BloFin).
    const rows = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchFundingRate, weight: this.limits.weight('fetchFundingRate'), symbol },
      () => this.exchange.fetchFundingRateHistory(symbol, undefined, Math.min(limit, 100)),
    );
    const out: FundingRate[] = [];
    const issues: MarketDataIssue[] = [];
    for (const r of rows) {
      const t = typeof r.timestamp === 'number' && r.timestamp > 0 ? r.timestamp : Number.NaN;
      // No next-funding time on a settled row, so no staleness check: history is old by design.
      const checked = sanitizeFunding({ symbol, timestampMs: t, rate: typeof r.fundingRate === 'number' ? r.fundingRate : Number.NaN }, undefined, this.sanitize);
      if (checked.value) out.push(checked.value);
      issues.push(...checked.issues);
    }
    this.note('fetchFundingRateHistory', symbol, issues);
    return out.sort((a, b) => a.timestampMs - b.timestampMs);
  }

  /** The newest `limit` open-interest points on `timeframe`, oldest first, in base units (ccxt `fetchOpenInterestHistory`). */
  async fetchOpenInterestHistory(symbol: string, timeframe: Timeframe, limit: number): Promise<OpenInterest[]> {
    if (!this.hasOpenInterestHistory) {
      throw new ExchangeRejectedError(ErrorCode.NotSupported, `${this.exchangeId} has no open-interest history`, { details: { exchange: this.exchangeId } });
    }
    const rows = await guardedRead(
      this.guard,
      { operation: MarketOperation.fetchOpenInterest, weight: this.limits.weight('fetchOpenInterest'), symbol },
      () => this.exchange.fetchOpenInterestHistory(symbol, timeframe, undefined, limit),
    );
    const nowMs = this.clock.nowMs();
    const out: OpenInterest[] = [];
    for (const r of rows) {
      const oi = openInterestFromCcxt(symbol, r, this.contractSize(symbol), nowMs);
      if (oi && oi.amountBase > 0 && Number.isFinite(oi.amountBase) && r.timestamp !== undefined) out.push(oi);
    }
    return out.sort((a, b) => a.timestampMs - b.timestampMs);
  }

  async fetchMarkPrice(symbol: string, opts?: ReadOptions): Promise<MarkPrice> {
    const request = { operation: MarketOperation.fetchMarkPrice, weight: this.limits.weight('fetchMarkPrice'), symbol, ...priorityOf(opts) };
    const endpoint = this.limits.capabilities.markPriceEndpoint;
    const implicit = endpoint ? (this.exchange as unknown as Record<string, unknown>)[endpoint] : undefined;
    if (typeof implicit === 'function') {
      const instId = this.exchange.market(symbol).id;
      const raw = (await guardedRead(this.guard, request, () => (implicit as (p: object) => Promise<unknown>).call(this.exchange, { instId }))) as {
        data?: { markPrice?: unknown; indexPrice?: unknown; ts?: unknown }[];
      };
      const row = raw.data?.[0];
      // Absent fields stay absent (the ts falls back to now); present ones are checked as numbers.
      const number = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));
      const ticker = row ? ({ markPrice: number(row.markPrice), indexPrice: number(row.indexPrice), timestamp: number(row.ts) } as CcxtTicker) : undefined;
      if (!ticker) return this.required<MarkPrice>(undefined, 'fetchMarkPrice', symbol);
      return this.checked('markPrice', 'fetchMarkPrice', symbol, (cursorMs) => markPriceFromCcxt(symbol, ticker, this.clock.nowMs(), cursorMs, this.sanitize));
    }
    const useMarkEndpoint = this.exchange.has['fetchMarkPrice'] === true;
    const raw = await guardedRead(this.guard, request, () => (useMarkEndpoint ? this.exchange.fetchMarkPrice(symbol) : this.exchange.fetchTicker(symbol))).catch(
      (err: unknown) => this.unparseable(err, MarketDataKind.markPrice, 'fetchMarkPrice', symbol),
    );
    return this.checked('markPrice', 'fetchMarkPrice', symbol, (cursorMs) => markPriceFromCcxt(symbol, raw, this.clock.nowMs(), cursorMs, this.sanitize));
  }

  /**
   * The next price push: ccxt pro `watchMarkPrice` where the exchange streams marks, else
   * `watchTicker`'s last (BloFin's `tickers` channel has no mark). A push that fails the mark
   * checks (non-positive, out of order) is dropped, counted and logged, and the next one awaited:
   * a watch resolves only with a usable price. Pushes keep their own time cursor, apart from the
   * REST mark's, so a REST read stamped later never makes the next push look out of order.
   */
  async watchPrice(symbol: string): Promise<PriceTick> {
    const { watchMarkPrice, watchTicker } = this.limits.capabilities;
    if (!watchMarkPrice && !watchTicker) {
      throw new ExchangeRejectedError(ErrorCode.NotSupported, `${this.exchangeId} streams no ticker or mark price`, { details: { exchange: this.exchangeId, symbol, scope: 'source' } });
    }
    const operation = watchMarkPrice ? 'watchMarkPrice' : 'watchTicker';
    const key = `pricePush|${symbol}`;
    for (;;) {
      let raw: CcxtTicker;
      try {
        raw = watchMarkPrice ? await this.exchange.watchMarkPrice(symbol) : await this.exchange.watchTicker(symbol);
      } catch (err) {
        this.wsErrors++;
        throw mapCcxtError(err, { exchange: this.exchangeId, operation, symbol });
      }
      const mark = typeof raw.markPrice === 'number' ? raw.markPrice : undefined;
      const price = mark ?? raw.last ?? raw.close ?? Number.NaN;
      const stamped = typeof raw.timestamp === 'number';
      const timestampMs = stamped ? (raw.timestamp as number) : this.clock.nowMs();
      const checked = sanitizeMarkPrice({ symbol, timestampMs, markPrice: price }, stamped ? this.timeCursors.get(key) : undefined, this.sanitize);
      this.note(operation, symbol, checked.issues);
      if (!checked.value) continue;
      if (stamped) this.advance(key, checked.cursorMs);
      return { symbol, timestampMs, price: checked.value.markPrice, basis: mark !== undefined ? 'mark' : 'last', ...(stamped ? {} : { localClock: true as const }) };
    }
  }

  /**
   * Ends the price subscription `watchPrice` opened for `symbol` where ccxt can (`unWatchMarkPrice`
   * / `unWatchTicker` in `has`); elsewhere nothing: the socket keeps it until the next reconnect.
   */
  async unwatchPrice(symbol: string): Promise<void> {
    const { watchMarkPrice, watchTicker } = this.limits.capabilities;
    const method = watchMarkPrice ? 'unWatchMarkPrice' : watchTicker ? 'unWatchTicker' : null;
    if (!method || this.exchange.has[method] !== true) return;
    try {
      await (this.exchange as unknown as Record<string, (symbol: string) => Promise<unknown>>)[method]!(symbol);
    } catch (err) {
      throw mapCcxtError(err, { exchange: this.exchangeId, operation: method, symbol });
    }
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
      badData: structuredClone(this.badData),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stream of this.streams.values()) stream.stopped = true;
    const wakers = [...this.closeWakers];
    this.closeWakers.clear();
    for (const wake of wakers) wake();
    this.limiter.clear(new ExchangeRejectedError(ErrorCode.ExchangeUnavailable, `${this.exchangeId} market data closed`));
    await this.exchange.close();
  }

  private contractSize(symbol: string): number {
    const fromCcxt = (this.exchange.markets as Record<string, { contractSize?: number } | undefined> | undefined)?.[symbol]?.contractSize;
    return this.contractSizes.get(symbol) ?? fromCcxt ?? 1;
  }

  private required<T>(value: T | undefined, operation: string, symbol: string, issues: readonly MarketDataIssue[] = []): T {
    if (value !== undefined) return value;
    const why = issues.length ? ` (dropped: ${issues.map((i) => `${i.kind} ${i.reason}`).join(', ')})` : '';
    throw new ExchangeRejectedError(ErrorCode.ExchangeError, `${this.exchangeId} ${operation}: response for ${symbol} has no usable value${why}`, {
      details: { exchange: this.exchangeId, operation, symbol, ...(issues.length ? { issues } : {}) },
    });
  }

  /** Runs one single-value check against the `kind|symbol` cursor, records it, and returns the value or rejects. */
  private checked<T>(kind: string, operation: string, symbol: string, check: (cursorMs: number | undefined) => { value: T | undefined; cursorMs: number | undefined; issues: MarketDataIssue[] }): T {
    const key = `${kind}|${symbol}`;
    const result = check(this.timeCursors.get(key));
    this.note(operation, symbol, result.issues);
    this.advance(key, result.cursorMs);
    return this.required(result.value, operation, symbol, result.issues);
  }

  private advance(key: string, cursorMs: number | undefined): void {
    if (cursorMs !== undefined && Number.isFinite(cursorMs)) this.timeCursors.set(key, cursorMs);
  }

  private note(operation: string, symbol: string | undefined, issues: readonly MarketDataIssue[]): void {
    if (issues.length === 0) return;
    addBadData(this.badData, issues);
    this.logger.warn({ operation, symbol, issues }, 'bad market data dropped');
  }

  /**
   * A response ccxt itself could not parse (it throws plain JavaScript errors on numbers such as
   * "NaN" in a trade) is counted as `unparseable` for its kind; the read still fails.
   */
  private unparseable(err: unknown, kind: MarketDataKind, operation: string, symbol?: string): never {
    if (err instanceof PerpscopeError && err.code === ErrorCode.Internal && (err.cause instanceof SyntaxError || err.cause instanceof TypeError)) {
      this.note(operation, symbol, [{ kind, reason: MarketDataIssueReason.Unparseable, count: 1 }]);
    }
    throw err;
  }
}
