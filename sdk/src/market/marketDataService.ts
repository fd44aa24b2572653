import { timeframeMs, type Candle, type FundingRate, type Market, type MarkPrice, type OpenInterest, type OrderBook, type Ticker, type Timeframe, type Trade } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { BackoffOptions } from './backoff.js';
import { backfillAll, type BackfillJob } from './backfill.js';
import { CandleRing } from './candleRing.js';
import { CandleStream } from './candleStream.js';
import { buildHealthSnapshot, type MarketHealthSnapshot } from './health.js';
import { LiveCandles, type BarEvent, type FeedEvent, type GapEvent } from './liveCandles.js';
import { DerivativesHistoryStore, FUNDING_HISTORY_POINTS, historyFetcherOf, OPEN_INTEREST_HISTORY_POINTS, recordedDerivativesOf, type DerivativesHistory } from './derivativesHistory.js';
import type { MarketDataSource, ReadOptions } from './marketDataSource.js';
import { bookMetrics, type BookMetrics } from './orderBookMetrics.js';
import { TradeWindow, type TradeStats } from './tradeStats.js';
import { quoteVolume24hFromHourly } from './quoteVolume.js';
import { TypedEmitter } from './typedEmitter.js';
import { LimiterPriority } from './weightedLimiter.js';
import { DEFAULT_UNIVERSE_GATES, diffUniverse, rankUniverse, type UniverseChange, type UniverseGates, type UniverseMember } from './universe.js';

export interface BackfillProgress {
  done: number;
  total: number;
  /** The stream whose backfill just ended; its ring is readable from this event on (empty when it failed). */
  symbol?: string;
  timeframe?: Timeframe;
  /** False when that stream's backfill failed. */
  ok?: boolean;
}

/** Events of the market-data service; `on` returns an unsubscribe function. */
export interface MarketDataEvents extends Record<string, unknown> {
  universe: UniverseChange;
  bar: BarEvent;
  health: MarketHealthSnapshot;
  gap: GapEvent;
  feed: FeedEvent;
  backfill: BackfillProgress;
  orderFlow: OrderFlowSnapshot;
}

export interface OrderFlowSnapshot {
  symbol: string;
  updatedAtMs: number;
  book?: BookMetrics;
  /** The raw top-N levels behind `book`, for book walks (slippage) and spoofing checks. */
  bookTop?: OrderBook;
  /** The public trades fetched by the last refresh (they cross resting paper limit orders). */
  recentTrades?: Trade[];
  trades?: TradeStats;
  funding?: FundingRate;
  openInterest?: OpenInterest;
  markPrice?: MarkPrice;
}

export interface MarketDataServiceOptions {
  source: MarketDataSource;
  clock: Clock;
  logger?: Logger;
  /** Timeframes kept per universe symbol; empty for a universe-only service (rankings, no candles). */
  timeframes: readonly Timeframe[];
  gates?: Partial<UniverseGates>;
  /** Closed bars backfilled per stream (default 500). */
  historyBars?: number;
  /** Ring capacity per stream (default max(historyBars, 1,000)). */
  ringCapacity?: number;
  /** Universe refresh period; 0 turns periodic refresh off (default 5 min). */
  universeRefreshMs?: number;
  /** `health` event period; 0 turns it off (default 5 s). */
  healthIntervalMs?: number;
  /** Go live after backfill (default true); false for a one-off scan. */
  live?: boolean;
  staleAfterMs?: number;
  /** See LiveCandlesOptions.minStaleAfterMs. */
  minStaleAfterMs?: number;
  pollIntervalMs?: number;
  watchdogCheckMs?: number;
  reconnectIntervalMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  /** Trade-stats window (default 60 s). */
  tradeWindowMs?: number;
  /** Book levels fetched and used for imbalance (default 20). */
  bookDepth?: number;
  /** Period of the order-flow refresh of the top universe members; 0 turns it off (default). */
  orderFlowIntervalMs?: number;
  /** Universe members (by rank) whose order flow is refreshed periodically (default 20). */
  orderFlowTopN?: number;
  /**
   * Where 24h quote volume comes from: the tickers (default, one request) or, for exchanges whose
   * tickers lack it, the last 24 complete 1h candles of every candidate market (one request each).
   */
  quoteVolumeSource?: 'ticker' | 'candles';
  /**
   * How often an order-flow refresh also refetches a symbol's funding history (default 8 h, one
   * funding interval) and OI history (default 1 h), in market time.
   */
  fundingHistoryEveryMs?: number;
  openInterestHistoryEveryMs?: number;
}

const key = (symbol: string, tf: Timeframe) => `${symbol}|${tf}`;

/**
 * The market-data half of the engine: ranks the universe, backfills candles paced to the
 * exchange's limits, keeps them live over websockets (REST fallback, gap repair), and serves
 * candles, order-flow figures and health. The engine owns one per exchange; live ccxt,
 * SimExchange and replay differ only in the `source` and the `clock`.
 *
 * @example
 * const md = new MarketDataService({ source, clock, timeframes: ['1m', '15m'], gates: { topN: 50 } });
 * md.on('bar', ({ symbol, timeframe, candle }) => onBar(symbol, timeframe, candle));
 * await md.start(); // resolves once the first universe is backfilled
 */
export class MarketDataService {
  private readonly emitter: TypedEmitter<MarketDataEvents>;
  private readonly logger: Logger;
  private readonly gates: UniverseGates;
  private readonly historyBars: number;
  private readonly ringCapacity: number;
  private readonly live: LiveCandles;
  private readonly streams = new Map<string, CandleStream>();
  private readonly orderFlows = new Map<string, OrderFlowSnapshot>();
  private readonly tradeWindows = new Map<string, TradeWindow>();
  /** Symbols whose funding/OI history is being read now. */
  private readonly historyInFlight = new Map<string, Promise<undefined>>();
  private readonly derivativesStore: DerivativesHistoryStore;
  private members: UniverseMember[] = [];
  private marketList: Market[] = [];
  private tickerMap = new Map<string, Ticker>();
  private timers: (() => void)[] = [];
  private running = false;
  private ranked = false;
  private refreshing: Promise<UniverseChange> | undefined;

  constructor(private readonly options: MarketDataServiceOptions) {
    this.logger = (options.logger ?? silentLogger).child({ module: 'market', exchange: options.source.exchangeId });
    this.emitter = new TypedEmitter((event, err) => this.logger.error({ event, err: describeError(err) }, 'market-data listener threw'));
    this.gates = { ...DEFAULT_UNIVERSE_GATES, ...options.gates };
    this.historyBars = options.historyBars ?? 500;
    this.ringCapacity = options.ringCapacity ?? Math.max(this.historyBars, 1_000);
    this.derivativesStore = new DerivativesHistoryStore(options.fundingHistoryEveryMs, options.openInterestHistoryEveryMs);
    this.live = new LiveCandles({
      source: options.source,
      clock: options.clock,
      logger: this.logger,
      ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
      ...(options.minStaleAfterMs !== undefined ? { minStaleAfterMs: options.minStaleAfterMs } : {}),
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ...(options.watchdogCheckMs !== undefined ? { checkIntervalMs: options.watchdogCheckMs } : {}),
      ...(options.reconnectIntervalMs !== undefined ? { reconnectIntervalMs: options.reconnectIntervalMs } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.random ? { random: options.random } : {}),
      onBar: (event) => this.emitter.emit('bar', event),
      onGap: (event) => this.emitter.emit('gap', event),
      onFeed: (event) => this.emitter.emit('feed', event),
    });
  }

  on<K extends keyof MarketDataEvents>(event: K, fn: (payload: MarketDataEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /**
   * Ranks the universe, backfills every stream and (unless `live: false`) goes live. Resolves
   * once the first universe is backfilled; later refreshes run on the clock.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.options.live !== false) this.live.start();
    await this.refreshUniverse();
    const refreshMs = this.options.universeRefreshMs ?? 300_000;
    if (refreshMs > 0) this.every(refreshMs, () => this.refreshUniverse().then(() => undefined));
    const orderFlowMs = this.options.orderFlowIntervalMs ?? 0;
    if (orderFlowMs > 0) {
      this.every(orderFlowMs, async () => {
        const top = this.members.slice(0, this.options.orderFlowTopN ?? 20);
        const snapshots = await Promise.all(top.map((m) => this.refreshOrderFlow(m.symbol)));
        for (const snapshot of snapshots) this.emitter.emit('orderFlow', snapshot);
      });
    }
    const healthMs = this.options.healthIntervalMs ?? 5_000;
    if (healthMs > 0) {
      // One as the service goes live: a status view shows the feeds at once, not a period later.
      this.emitter.emit('health', this.health());
      this.every(healthMs, () => {
        this.emitter.emit('health', this.health());
        return Promise.resolve();
      });
    }
  }

  /** Stops timers, websocket loops and polling, and closes the source; a stopped service stays stopped. */
  async stop(): Promise<void> {
    this.running = false;
    for (const cancel of this.timers.splice(0)) cancel();
    this.live.stop();
    await this.options.source.close();
  }

  /**
   * Reloads markets and tickers, re-ranks, and applies the change: new members are backfilled
   * and go live, leavers (delisted, halted, gated out) are dropped. Emits `universe` on the first
   * ranking and whenever membership changes.
   */
  refreshUniverse(): Promise<UniverseChange> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  universe(): readonly UniverseMember[] {
    return this.members;
  }

  markets(): readonly Market[] {
    return this.marketList;
  }

  ticker(symbol: string): Ticker | undefined {
    return this.tickerMap.get(symbol);
  }

  /** Confirmed bars, oldest first; the newest `count` when given. */
  candles(symbol: string, timeframe: Timeframe, count?: number): Candle[] {
    return this.streams.get(key(symbol, timeframe))?.ring.toArray(count) ?? [];
  }

  /** The ring of confirmed bars itself, for zero-copy reads by streaming indicators. */
  ring(symbol: string, timeframe: Timeframe): CandleRing | undefined {
    return this.streams.get(key(symbol, timeframe))?.ring;
  }

  /** The bar still forming, as last seen. */
  formingCandle(symbol: string, timeframe: Timeframe): Candle | undefined {
    return this.streams.get(key(symbol, timeframe))?.formingCandle();
  }

  /**
   * Fetches book, trades, funding, open interest and mark price for `symbol` (each only where
   * the exchange supports it; a failed part is logged and left out) and stores the snapshot.
   */
  async refreshOrderFlow(symbol: string, opts: ReadOptions = {}): Promise<OrderFlowSnapshot> {
    const { source, clock } = this.options;
    const caps = source.limits.capabilities;
    const depth = this.options.bookDepth ?? 20;
    const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (err) {
        this.logger.warn({ symbol, what, err: describeError(err) }, 'order-flow read failed');
        return undefined;
      }
    };
    const [book, trades, funding, openInterest, markPrice] = await Promise.all([
      attempt('book', () => source.fetchOrderBook(symbol, depth, opts)),
      attempt('trades', () => source.fetchTrades(symbol, 100, opts)),
      caps.fetchFundingRate ? attempt('funding', () => source.fetchFundingRate(symbol, opts)) : undefined,
      caps.fetchOpenInterest ? attempt('openInterest', () => source.fetchOpenInterest(symbol, opts)) : undefined,
      caps.fetchMarkPrice ? attempt('markPrice', () => source.fetchMarkPrice(symbol, opts)) : undefined,
      // A read a trader waits on does not wait for history too: that goes on in the background.
      opts.priority === LimiterPriority.urgent ? undefined : this.derivativesHistoryOnce(symbol, attempt),
    ]);
    // Never rejects: derivativesHistoryOnce logs its own failures.
    if (opts.priority === LimiterPriority.urgent) this.derivativesHistoryOnce(symbol, attempt).catch(() => undefined);
    const nowMs = clock.nowMs();
    let window = this.tradeWindows.get(symbol);
    if (!window) {
      window = new TradeWindow(symbol, this.options.tradeWindowMs ?? 60_000);
      this.tradeWindows.set(symbol, window);
    }
    if (trades) window.add(trades);
    const previous = this.orderFlows.get(symbol);
    const metrics = book ? bookMetrics(book, depth) : undefined;
    const snapshot: OrderFlowSnapshot = { symbol, updatedAtMs: nowMs, trades: window.stats(nowMs) };
    const bookOut = metrics ?? previous?.book;
    if (trades) snapshot.recentTrades = trades;
    const bookTopOut = book ?? previous?.bookTop;
    if (bookTopOut) snapshot.bookTop = bookTopOut;
    const fundingOut = funding ?? previous?.funding;
    const oiOut = openInterest ?? previous?.openInterest;
    const markOut = markPrice ?? previous?.markPrice;
    if (bookOut) snapshot.book = bookOut;
    if (fundingOut) snapshot.funding = fundingOut;
    if (oiOut) snapshot.openInterest = oiOut;
    if (markOut) snapshot.markPrice = markOut;
    this.orderFlows.set(symbol, snapshot);
    return snapshot;
  }

  orderFlow(symbol: string): OrderFlowSnapshot | undefined {
    return this.orderFlows.get(symbol);
  }

  /**
   * Funding and OI history of `symbol` as known now: read from a recorded source at the clock's
   * time, else what the order-flow refreshes last polled; undefined when nothing supplies it.
   */
  derivativesHistory(symbol: string): DerivativesHistory | undefined {
    const recorded = recordedDerivativesOf(this.options.source);
    if (recorded) return recorded.derivativesAt(symbol, this.options.clock.nowMs());
    return this.derivativesStore.get(symbol);
  }

  /** One history refresh per symbol at a time: a refresh that finds one under way shares it. */
  private derivativesHistoryOnce(symbol: string, attempt: <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>): Promise<undefined> {
    let running = this.historyInFlight.get(symbol);
    if (!running) {
      running = this.refreshDerivativesHistory(symbol, attempt)
        .catch((err: unknown) => {
          this.logger.warn({ symbol, err: describeError(err) }, 'derivatives history refresh failed');
          return undefined;
        })
        .finally(() => this.historyInFlight.delete(symbol));
      this.historyInFlight.set(symbol, running);
    }
    return running;
  }

  /**
   * Refetches funding history once per funding interval and OI history once per OI period,
   * where the source has them (ccxt `has`); a failure is logged and retried on a later refresh.
   */
  private async refreshDerivativesHistory(symbol: string, attempt: <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>): Promise<undefined> {
    const fetcher = historyFetcherOf(this.options.source);
    if (!fetcher) return undefined;
    const nowMs = this.options.clock.nowMs();
    const store = this.derivativesStore;
    const jobs: Promise<void>[] = [];
    if (fetcher.hasFundingHistory && store.fundingDue(symbol, nowMs)) {
      jobs.push(
        attempt('fundingHistory', () => fetcher.fetchFundingHistory(symbol, FUNDING_HISTORY_POINTS)).then((rows) => {
          if (rows) store.setFunding(symbol, rows, this.options.clock.nowMs());
        }),
      );
    }
    if (fetcher.hasOpenInterestHistory && store.oiDue(symbol, nowMs)) {
      const timeframe = this.oiTimeframe();
      jobs.push(
        attempt('openInterestHistory', () => fetcher.fetchOpenInterestHistory(symbol, timeframe, OPEN_INTEREST_HISTORY_POINTS)).then((rows) => {
          if (rows) store.setOpenInterest(symbol, rows, this.options.clock.nowMs());
        }),
      );
    }
    await Promise.all(jobs);
    return undefined;
  }

  /** OI history on the longest kept timeframe (what the ranking reads), 1h for a universe-only service. */
  private oiTimeframe(): Timeframe {
    const tfs = [...this.options.timeframes].sort((a, b) => timeframeMs(b) - timeframeMs(a));
    return tfs[0] ?? '1h';
  }

  health(): MarketHealthSnapshot {
    return buildHealthSnapshot(this.options.clock.nowMs(), this.options.source.health(), this.live.timings());
  }

  private async doRefresh(): Promise<UniverseChange> {
    const { source, clock } = this.options;
    const [markets, fetched] = await Promise.all([source.loadMarkets(), source.fetchTickers()]);
    const tickers = this.options.quoteVolumeSource === 'candles' ? await this.withCandleQuoteVolumes(markets, fetched) : fetched;
    this.marketList = markets;
    this.tickerMap = tickers;
    const ranking = rankUniverse(markets, tickers, this.gates);
    const first = !this.ranked;
    this.ranked = true;
    const change = diffUniverse(this.members, ranking, clock.nowMs());
    this.members = ranking.members;
    for (const { symbol } of change.removed) this.dropSymbol(symbol);
    if (first || change.added.length > 0 || change.removed.length > 0) this.emitter.emit('universe', change);
    if (change.added.length > 0) await this.addSymbols(change.added.map((a) => a.symbol));
    return change;
  }

  /** Replaces each candidate's ticker quote volume by the one computed from its 1h candles. */
  private async withCandleQuoteVolumes(markets: readonly Market[], tickers: ReadonlyMap<string, Ticker>): Promise<Map<string, Ticker>> {
    const candidates = rankUniverse(markets, tickers, { ...this.gates, minQuoteVolumeUsd: 0, topN: Infinity }).members;
    const out = new Map(tickers);
    const nowMs = this.options.clock.nowMs();
    await Promise.all(
      candidates.map(async ({ symbol }) => {
        const ticker = tickers.get(symbol);
        if (!ticker) return;
        try {
          const hourly = await this.options.source.fetchCandles(symbol, '1h', { limit: 26 });
          out.set(symbol, { ...ticker, quoteVolume24h: quoteVolume24hFromHourly(hourly, nowMs) });
        } catch (err) {
          this.logger.warn({ symbol, err: describeError(err) }, 'hourly candles for quote volume failed; keeping ticker figure');
        }
      }),
    );
    return out;
  }

  private async addSymbols(symbols: readonly string[]): Promise<void> {
    if (this.options.timeframes.length === 0) return;
    const jobs: BackfillJob[] = symbols.flatMap((symbol) => this.options.timeframes.map((timeframe) => ({ symbol, timeframe, bars: this.historyBars })));
    let members: readonly UniverseMember[] | null = null;
    let current = new Set<string>();
    const added: { stream: CandleStream; timeframe: Timeframe; fetchedAtMs: number }[] = [];
    // Each stream is readable as soon as its own backfill lands, not once the whole universe's has:
    // a warm start can analyze the first symbols while the rest are still being fetched, and the
    // rings are built one response at a time instead of in one long synchronous pass at the end.
    await backfillAll(this.options.source, jobs, {
      logger: this.logger,
      nowMs: () => this.options.clock.nowMs(),
      onProgress: ({ done, total, job: result }) => {
        if (members !== this.members) {
          members = this.members;
          current = new Set(members.map((m) => m.symbol));
        }
        // A symbol can leave while its backfill runs.
        if (current.has(result.symbol) && this.running) {
          const stream = new CandleStream(result.symbol, timeframeMs(result.timeframe), new CandleRing(this.ringCapacity, Math.min(this.ringCapacity, this.historyBars + 64)));
          stream.seed(result.candles, result.fetchedAtMs);
          this.streams.set(key(result.symbol, result.timeframe), stream);
          added.push({ stream, timeframe: result.timeframe, fetchedAtMs: result.fetchedAtMs });
        }
        this.emitter.emit('backfill', { done, total, symbol: result.symbol, timeframe: result.timeframe, ok: !result.error });
      },
    });
    if (this.options.live === false || !this.running) return;
    // Live updates start together once every stream has its history, as they always have.
    for (const { stream, timeframe, fetchedAtMs } of added) {
      if (this.streams.get(key(stream.symbol, timeframe)) === stream) this.live.add(timeframe, stream, fetchedAtMs);
    }
  }

  private dropSymbol(symbol: string): void {
    for (const tf of this.options.timeframes) {
      this.live.remove(symbol, tf);
      this.streams.delete(key(symbol, tf));
    }
    this.orderFlows.delete(symbol);
    this.tradeWindows.delete(symbol);
    this.derivativesStore.delete(symbol);
  }

  private every(periodMs: number, fn: () => Promise<void>): void {
    let cancel: () => void = () => {};
    const tick = () => {
      fn()
        .catch((err: unknown) => this.logger.warn({ err: describeError(err) }, 'periodic market-data task failed'))
        .finally(() => {
          if (this.running) cancel = this.options.clock.setTimer(periodMs, tick);
        });
    };
    cancel = this.options.clock.setTimer(periodMs, tick);
    this.timers.push(() => cancel());
  }
}
