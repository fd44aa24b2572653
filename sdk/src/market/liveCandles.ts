import { ErrorCode, timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { mapCcxtError } from '../core/ccxtErrors.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_BACKOFF, fullJitterBackoffMs, type BackoffOptions } from './backoff.js';
import type { CandleGap } from './candleGaps.js';
import type { CandleStream, IngestResult } from './candleStream.js';
import type { StreamTiming } from './health.js';
import type { MarketDataSource } from './marketDataSource.js';
import { sanitizeCandles } from './sanitizeCandles.js';
import { StalenessWatchdog } from './stalenessWatchdog.js';
import { LimiterPriority } from './weightedLimiter.js';

/** How a confirmed bar reached us. */
export const BarVia = { websocket: 'websocket', polling: 'polling', repair: 'repair' } as const;
export type BarVia = (typeof BarVia)[keyof typeof BarVia];

export interface BarEvent {
  symbol: string;
  timeframe: Timeframe;
  /** A confirmed (closed) bar. */
  candle: Candle;
  via: BarVia;
}

export interface GapEvent {
  symbol: string;
  timeframe: Timeframe;
  gap: CandleGap;
  /** Bars the REST repair delivered (the exchange may have none for a quiet market). */
  repairedBars: number;
}

export interface FeedEvent {
  symbol: string;
  timeframe: Timeframe;
  state: 'stale' | 'recovered';
  atMs: number;
}

export interface LiveCandlesOptions {
  source: MarketDataSource;
  clock: Clock;
  logger: Logger;
  /** Websocket silence that switches a stream to REST polling; default two bar intervals. */
  staleAfterMs?: number;
  /**
   * The least silence that counts as stale, whatever the bar (default 0). An accelerated sim
   * closes a 1m bar every wall second: two bars of silence there is a busy thread, not a dead socket.
   */
  minStaleAfterMs?: number;
  /** REST poll period while stale; default a quarter bar, between 1 s and 15 s. */
  pollIntervalMs?: number;
  /** Watchdog check period (default 1 s). */
  checkIntervalMs?: number;
  /** Least time between forced websocket reconnects while streams are stale (default 30 s). */
  reconnectIntervalMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  onBar: (event: BarEvent) => void;
  onGap?: (event: GapEvent) => void;
  onFeed?: (event: FeedEvent) => void;
}

interface Entry {
  key: string;
  timeframe: Timeframe;
  tfMs: number;
  stream: CandleStream;
  stopped: boolean;
  wsUnsupported: boolean;
  cancelPoll: (() => void) | undefined;
  lastUpdateMs: number;
}

const streamKey = (symbol: string, timeframe: Timeframe) => `${symbol}|${timeframe}`;

/**
 * Keeps candle streams live: one `watchCandles` loop per symbol x timeframe, confirmed-bar
 * events, REST repair of gaps, and REST polling while the watchdog finds the websocket silent or
 * down (with forced reconnects), back to the websocket when data flows again. Every candle
 * passes `sanitizeCandles` before it touches a stream.
 */
export class LiveCandles {
  private readonly entries = new Map<string, Entry>();
  private readonly watchdog: StalenessWatchdog;
  private lastReconnectMs = -Infinity;

  constructor(private readonly options: LiveCandlesOptions) {
    this.watchdog = new StalenessWatchdog({
      clock: options.clock,
      checkIntervalMs: options.checkIntervalMs ?? 1_000,
      onStale: (key, silentMs) => this.onStale(key, silentMs),
      onRecovered: (key) => this.onRecovered(key),
    });
  }

  start(): void {
    this.watchdog.start();
  }

  /** Starts feeding `stream`, already seeded with history read at `seededAtMs`. */
  add(timeframe: Timeframe, stream: CandleStream, seededAtMs = 0): void {
    const key = streamKey(stream.symbol, timeframe);
    if (this.entries.has(key)) return;
    const tfMs = timeframeMs(timeframe);
    const entry: Entry = {
      key,
      timeframe,
      tfMs,
      stream,
      stopped: false,
      wsUnsupported: !this.options.source.limits.capabilities.watchOHLCV,
      cancelPoll: undefined,
      lastUpdateMs: seededAtMs,
    };
    this.entries.set(key, entry);
    this.watchdog.watch(key, Math.max(this.options.staleAfterMs ?? 2 * tfMs, this.options.minStaleAfterMs ?? 0));
    if (entry.wsUnsupported) this.startPolling(entry);
    else this.background(entry, 'websocket candle loop', this.watchLoop(entry));
  }

  remove(symbol: string, timeframe: Timeframe): void {
    const key = streamKey(symbol, timeframe);
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.stopped = true;
    entry.cancelPoll?.();
    this.entries.delete(key);
    this.watchdog.unwatch(key);
  }

  stop(): void {
    this.watchdog.stop();
    for (const entry of [...this.entries.values()]) this.remove(entry.stream.symbol, entry.timeframe);
  }

  timings(): StreamTiming[] {
    return [...this.entries.values()].map((e) => ({
      symbol: e.stream.symbol,
      timeframe: e.timeframe,
      polling: e.cancelPoll !== undefined,
      lastUpdateMs: e.lastUpdateMs,
      lastWsMs: this.watchdog.lastWsMs(e.key) ?? 0,
    }));
  }

  /** Streams currently fed by REST polling. */
  pollingKeys(): string[] {
    return [...this.entries.values()].filter((e) => e.cancelPoll !== undefined).map((e) => e.key);
  }

  private async watchLoop(entry: Entry): Promise<void> {
    const { source, clock, logger } = this.options;
    let attempt = 0;
    while (!entry.stopped) {
      let candles: Candle[];
      try {
        candles = await source.watchCandles(entry.stream.symbol, entry.timeframe);
      } catch (err) {
        if (entry.stopped) return;
        const error = mapCcxtError(err, { exchange: source.exchangeId, operation: 'watchOHLCV', symbol: entry.stream.symbol });
        if (error.code === ErrorCode.NotSupported || error.code === ErrorCode.BadSymbol) {
          logger.warn({ symbol: entry.stream.symbol, timeframe: entry.timeframe, code: error.code }, 'websocket candles unavailable; polling REST');
          entry.wsUnsupported = true;
          this.startPolling(entry);
          return;
        }
        const pauseMs = fullJitterBackoffMs(attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random ?? Math.random);
        logger.debug({ symbol: entry.stream.symbol, timeframe: entry.timeframe, code: error.code, pauseMs }, 'websocket candles failed; resubscribing');
        await clock.sleep(pauseMs);
        continue;
      }
      if (entry.stopped) return;
      attempt = 0;
      if (candles.length === 0) continue;
      this.watchdog.touch(entry.key);
      this.ingest(entry, candles, BarVia.websocket);
    }
  }

  private ingest(entry: Entry, raw: readonly Candle[], via: BarVia): void {
    const { candles, warnings } = sanitizeCandles(raw, { symbol: entry.stream.symbol, timeframe: entry.timeframe });
    if (warnings.length > 0) this.options.logger.warn({ symbol: entry.stream.symbol, timeframe: entry.timeframe, warnings }, 'repaired live candles');
    if (candles.length === 0) return;
    entry.lastUpdateMs = this.options.clock.nowMs();
    this.deliver(entry, entry.stream.ingest(candles), via);
  }

  private deliver(entry: Entry, result: IngestResult, via: BarVia): void {
    for (const candle of result.confirmed) {
      this.options.onBar({ symbol: entry.stream.symbol, timeframe: entry.timeframe, candle, via });
    }
    if (result.repair) this.background(entry, 'gap repair', this.repair(entry, result.repair));
  }

  /** Work started in the background must not reject unobserved: its failure is logged. */
  private background(entry: Entry, what: string, work: Promise<void>): void {
    work.catch((err: unknown) => this.options.logger.warn({ symbol: entry.stream.symbol, timeframe: entry.timeframe, err: String(err) }, `${what} failed`));
  }

  private async repair(entry: Entry, gap: CandleGap): Promise<void> {
    const { source, clock, logger } = this.options;
    let fetched: Candle[] = [];
    for (let attempt = 0; attempt < 3 && !entry.stopped; attempt++) {
      try {
        fetched = await this.fetchRange(entry, gap);
        break;
      } catch (err) {
        const error = mapCcxtError(err, { exchange: source.exchangeId, operation: 'repairCandles', symbol: entry.stream.symbol });
        logger.warn({ symbol: entry.stream.symbol, timeframe: entry.timeframe, code: error.code, gap }, 'gap repair failed');
        if (!error.retryable) break;
        await clock.sleep(fullJitterBackoffMs(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random ?? Math.random));
      }
    }
    if (entry.stopped) return;
    const result = entry.stream.completeRepair(fetched);
    const repairedBars = fetched.filter((c) => c.openTimeMs >= gap.fromOpenTimeMs && c.openTimeMs <= gap.toOpenTimeMs).length;
    this.options.onGap?.({ symbol: entry.stream.symbol, timeframe: entry.timeframe, gap, repairedBars });
    const repaired = new Set(fetched.map((c) => c.openTimeMs));
    for (const candle of result.confirmed) {
      this.options.onBar({ symbol: entry.stream.symbol, timeframe: entry.timeframe, candle, via: repaired.has(candle.openTimeMs) ? BarVia.repair : BarVia.websocket });
    }
    if (result.repair) this.background(entry, 'gap repair', this.repair(entry, result.repair));
  }

  /** The gap's bars over REST, newest page first, paging back as far as the gap reaches. */
  private async fetchRange(entry: Entry, gap: CandleGap): Promise<Candle[]> {
    const { source } = this.options;
    const out: Candle[] = [];
    let untilMs = gap.toOpenTimeMs + entry.tfMs;
    while (untilMs > gap.fromOpenTimeMs && !entry.stopped) {
      const bars = Math.round((untilMs - gap.fromOpenTimeMs) / entry.tfMs);
      const page = await source.fetchCandles(entry.stream.symbol, entry.timeframe, {
        untilMs,
        limit: Math.min(source.limits.maxCandlesPerCall, bars),
        priority: LimiterPriority.high,
      });
      out.push(...page);
      const oldestMs = Math.min(...page.map((c) => c.openTimeMs));
      if (page.length === 0 || oldestMs >= untilMs) break;
      untilMs = oldestMs;
    }
    return sanitizeCandles(out, { symbol: entry.stream.symbol, timeframe: entry.timeframe }).candles;
  }

  private onStale(key: string, silentMs: number): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.options.logger.warn({ symbol: entry.stream.symbol, timeframe: entry.timeframe, silentMs }, 'websocket candles stale; polling REST');
    this.options.onFeed?.({ symbol: entry.stream.symbol, timeframe: entry.timeframe, state: 'stale', atMs: this.options.clock.nowMs() });
    this.startPolling(entry);
    this.maybeReconnect();
  }

  private onRecovered(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || entry.wsUnsupported) return;
    this.options.logger.info({ symbol: entry.stream.symbol, timeframe: entry.timeframe }, 'websocket candles flowing again; polling stopped');
    entry.cancelPoll?.();
    entry.cancelPoll = undefined;
    this.options.onFeed?.({ symbol: entry.stream.symbol, timeframe: entry.timeframe, state: 'recovered', atMs: this.options.clock.nowMs() });
  }

  /** A silent socket never errors by itself: drop it so every watch resubscribes. */
  private maybeReconnect(): void {
    const nowMs = this.options.clock.nowMs();
    if (nowMs - this.lastReconnectMs < (this.options.reconnectIntervalMs ?? 30_000)) return;
    this.lastReconnectMs = nowMs;
    this.options.source.reconnect().catch((err: unknown) => {
      this.options.logger.warn({ err: String(err) }, 'websocket reconnect failed');
    });
  }

  private startPolling(entry: Entry): void {
    if (entry.cancelPoll || entry.stopped) return;
    const periodMs = this.options.pollIntervalMs ?? Math.min(15_000, Math.max(1_000, entry.tfMs / 4));
    const tick = () => {
      this.pollOnce(entry)
        .catch((err: unknown) => this.options.logger.warn({ symbol: entry.stream.symbol, timeframe: entry.timeframe, err: String(err) }, 'candle poll failed'))
        .finally(() => {
          if (entry.cancelPoll && !entry.stopped) entry.cancelPoll = this.options.clock.setTimer(periodMs, tick);
        });
      if (!entry.wsUnsupported) this.maybeReconnect();
    };
    entry.cancelPoll = this.options.clock.setTimer(0, tick);
  }

  private async pollOnce(entry: Entry): Promise<void> {
    const { source } = this.options;
    const lastMs = entry.stream.ring.lastOpenTimeMs();
    const missedBars = lastMs === undefined ? 2 : Math.ceil((this.options.clock.nowMs() - lastMs) / entry.tfMs) + 1;
    try {
      const candles = await source.fetchCandles(entry.stream.symbol, entry.timeframe, {
        limit: Math.min(source.limits.maxCandlesPerCall, Math.max(2, missedBars)),
        priority: LimiterPriority.high,
      });
      if (!entry.stopped) this.ingest(entry, candles, BarVia.polling);
    } catch (err) {
      const error = mapCcxtError(err, { exchange: source.exchangeId, operation: 'pollCandles', symbol: entry.stream.symbol });
      this.options.logger.warn({ symbol: entry.stream.symbol, timeframe: entry.timeframe, code: error.code }, 'candle poll failed');
    }
  }
}
