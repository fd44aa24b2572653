import type { Timeframe } from '@perpscope/shared';
import type { BreakerSnapshot } from './circuitBreaker.js';
import type { BackoffWindow, SourceHealth } from './marketDataSource.js';
import type { BadDataCounts } from './sanitizeMarketData.js';
import type { LimiterStats } from './weightedLimiter.js';

/** How a candle stream is being fed right now. */
export const StreamFeed = { websocket: 'websocket', polling: 'polling' } as const;
export type StreamFeed = (typeof StreamFeed)[keyof typeof StreamFeed];

export const WsState = { idle: 'idle', live: 'live', degraded: 'degraded', down: 'down' } as const;
export type WsState = (typeof WsState)[keyof typeof WsState];

export interface StreamHealth {
  symbol: string;
  timeframe: Timeframe;
  feed: StreamFeed;
  /** Last candle update from any path; 0 when none yet. */
  lastUpdateMs: number;
  ageMs: number;
  /** Last websocket update; 0 when none yet. */
  lastWsMs: number;
}

export interface SymbolHealth {
  symbol: string;
  lastUpdateMs: number;
  /** Time since the freshest update of any of the symbol's timeframes. */
  ageMs: number;
}

/** Everything an operator needs to judge whether market data can be trusted right now. */
export interface MarketHealthSnapshot {
  atMs: number;
  exchangeId: string;
  /** `live` when every stream gets websocket data, `degraded` when some poll, `down` when all do. */
  wsState: WsState;
  breaker: BreakerSnapshot;
  requestsLastMinute: number;
  rateLimited429: number;
  limiter: LimiterStats;
  backoffs: BackoffWindow[];
  wsErrors: number;
  /**
   * Market data dropped where it left the exchange library, since start: kind (trade, bookLevel,
   * book, ticker, markPrice, indexPrice, funding) -> reason (non_finite, non_positive, bad_side,
   * crossed, empty, unsorted, stale, out_of_order, out_of_range, unparseable) -> count.
   * `book.unsorted` counts book sides re-sorted, the one repair; every other count is an item dropped.
   */
  badData: BadDataCounts;
  symbols: SymbolHealth[];
  streams: StreamHealth[];
}

export interface StreamTiming {
  symbol: string;
  timeframe: Timeframe;
  polling: boolean;
  lastUpdateMs: number;
  lastWsMs: number;
}

/** Builds the snapshot from the source's transport health and the streams' timings. Pure. */
export function buildHealthSnapshot(atMs: number, source: SourceHealth, streams: readonly StreamTiming[]): MarketHealthSnapshot {
  const bySymbol = new Map<string, number>();
  const streamHealth: StreamHealth[] = streams.map((s) => {
    bySymbol.set(s.symbol, Math.max(bySymbol.get(s.symbol) ?? 0, s.lastUpdateMs));
    return {
      symbol: s.symbol,
      timeframe: s.timeframe,
      feed: s.polling ? StreamFeed.polling : StreamFeed.websocket,
      lastUpdateMs: s.lastUpdateMs,
      ageMs: s.lastUpdateMs > 0 ? atMs - s.lastUpdateMs : Infinity,
      lastWsMs: s.lastWsMs,
    };
  });
  const polling = streams.filter((s) => s.polling).length;
  const wsState = streams.length === 0 ? WsState.idle : polling === 0 ? WsState.live : polling === streams.length ? WsState.down : WsState.degraded;
  return {
    atMs,
    exchangeId: source.exchangeId,
    wsState,
    breaker: source.breaker,
    requestsLastMinute: source.limiter.requestsLastMinute,
    rateLimited429: source.limiter.rateLimitedCount,
    limiter: source.limiter,
    backoffs: source.backoffs,
    wsErrors: source.wsErrors,
    badData: source.badData ?? {},
    symbols: [...bySymbol].map(([symbol, lastUpdateMs]) => ({ symbol, lastUpdateMs, ageMs: lastUpdateMs > 0 ? atMs - lastUpdateMs : Infinity })),
    streams: streamHealth,
  };
}
