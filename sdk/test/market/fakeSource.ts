import { ErrorCode, timeframeMs, type Candle, type Market, type Ticker, type Timeframe } from '@perpscope/shared';
import type { Clock, SimulatedClock } from '../../src/core/clock.js';
import { ExchangeRejectedError, TemporaryError } from '../../src/core/errors.js';
import { BLOFIN_LIMITS } from '../../src/market/exchangeLimits.js';
import type { FetchCandlesOptions, MarketDataSource, SourceHealth } from '../../src/market/marketDataSource.js';
import { BreakerState } from '../../src/market/circuitBreaker.js';

/** Lets pending promise callbacks and I/O run: one turn of the event loop. */
export const flushTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves a simulated clock `ms` on in steps, with a turn of the event loop after each, so timers' async work settles as it would live. */
export async function advanceInSteps(clock: SimulatedClock, ms: number, stepMs = 500): Promise<void> {
  const end = clock.nowMs() + ms;
  while (clock.nowMs() < end) {
    await clock.advance(Math.min(stepMs, end - clock.nowMs()));
    await flushTurn();
  }
}

/** Deterministic bar `i` of a symbol: open time i x tf, price drifting with i. */
export function truthBar(i: number, tfMs: number, seed = 0): Candle {
  const close = 100 + seed + i * 0.5;
  return { openTimeMs: i * tfMs, open: close - 0.25, high: close + 1, low: close - 1, close, volume: 10 + (i % 7) };
}

interface PendingWatch {
  resolve: (c: Candle[]) => void;
  reject: (e: unknown) => void;
}

/**
 * A scripted MarketDataSource: REST answers from a deterministic series up to the clock's now;
 * websocket updates are pushed by the test.
 */
export class FakeSource implements MarketDataSource {
  readonly exchangeId = 'fake';
  readonly limits = BLOFIN_LIMITS;
  readonly calls: { op: string; symbol?: string; untilMs?: number; limit?: number }[] = [];
  reconnects = 0;
  private readonly pending = new Map<string, PendingWatch[]>();

  constructor(
    private readonly clock: Clock,
    private readonly marketList: Market[],
    private readonly volumes: Map<string, number>,
  ) {}

  loadMarkets(): Promise<Market[]> {
    this.calls.push({ op: 'loadMarkets' });
    return Promise.resolve(this.marketList);
  }

  fetchTickers(): Promise<Map<string, Ticker>> {
    this.calls.push({ op: 'fetchTickers' });
    const out = new Map<string, Ticker>();
    for (const m of this.marketList) {
      const q = this.volumes.get(m.symbol);
      if (q !== undefined) out.set(m.symbol, { symbol: m.symbol, timestampMs: this.clock.nowMs(), last: 100, bid: 99.99, ask: 100.01, baseVolume24h: q / 100, quoteVolume24h: q });
    }
    return Promise.resolve(out);
  }

  async fetchCandles(symbol: string, timeframe: Timeframe, options: FetchCandlesOptions): Promise<Candle[]> {
    this.calls.push({ op: 'fetchCandles', symbol, limit: options.limit, ...(options.untilMs !== undefined ? { untilMs: options.untilMs } : {}) });
    const tfMs = timeframeMs(timeframe);
    const newest = Math.floor(Math.min(this.clock.nowMs(), (options.untilMs ?? Infinity) - 1) / tfMs);
    const out: Candle[] = [];
    for (let i = Math.max(0, newest - options.limit + 1); i <= newest; i++) out.push(truthBar(i, tfMs));
    return out;
  }

  watchCandles(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    return new Promise((resolve, reject) => {
      const key = `${symbol}|${timeframe}`;
      const list = this.pending.get(key) ?? [];
      list.push({ resolve, reject });
      this.pending.set(key, list);
    });
  }

  /** Delivers a websocket update to the stream's waiting watch; false when nobody waits. */
  push(symbol: string, timeframe: Timeframe, candles: Candle[]): boolean {
    const list = this.pending.get(`${symbol}|${timeframe}`);
    const next = list?.shift();
    if (!next) return false;
    next.resolve(candles);
    return true;
  }

  waiting(symbol: string, timeframe: Timeframe): number {
    return this.pending.get(`${symbol}|${timeframe}`)?.length ?? 0;
  }

  fetchOrderBook(): never {
    throw new ExchangeRejectedError(ErrorCode.NotSupported, 'no book');
  }
  fetchTrades(): never {
    throw new ExchangeRejectedError(ErrorCode.NotSupported, 'no trades');
  }
  fetchFundingRate(): never {
    throw new ExchangeRejectedError(ErrorCode.NotSupported, 'no funding');
  }
  fetchOpenInterest(): never {
    throw new ExchangeRejectedError(ErrorCode.NotSupported, 'no oi');
  }
  fetchMarkPrice(): never {
    throw new ExchangeRejectedError(ErrorCode.NotSupported, 'no mark');
  }
  watchPrice(): Promise<never> {
    return Promise.reject(new ExchangeRejectedError(ErrorCode.NotSupported, 'no price stream'));
  }

  reconnect(): Promise<void> {
    this.reconnects++;
    for (const list of this.pending.values()) {
      for (const w of list.splice(0)) w.reject(new TemporaryError(ErrorCode.NetworkError, 'closed by reconnect'));
    }
    return Promise.resolve();
  }

  health(): SourceHealth {
    return {
      exchangeId: this.exchangeId,
      breaker: { state: BreakerState.closed, consecutiveFailures: 0, retryAtMs: 0, openedCount: 0 },
      limiter: { inFlight: 0, queued: 0, windows: [], requestsLastMinute: this.calls.length, rateLimitedCount: 0, pausedUntilMs: 0, scale: 1, lastRequestMs: null },
      backoffs: [],
      wsErrors: 0,
    };
  }

  close(): Promise<void> {
    return this.reconnect();
  }
}
