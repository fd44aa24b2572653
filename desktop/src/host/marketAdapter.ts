import { contractsToBase, InvalidInputError, UnknownSymbolError } from '@perpscope/sdk';
import { ErrorCode, TIMEFRAMES, timeframeMs, type AlertView, type Candle, type HealthView, type SymbolDetailView, type Timeframe } from '@perpscope/shared';
import { aggregateCandles, sourceTimeframe } from './candleAggregation.js';
import { computeOverlays } from './overlays.js';
import type { CandlePort, HealthPort, HostEngine, HostEvent, SymbolPort } from './ports.js';

/** The market-data engine's health snapshot, as far as the host reads it. */
export interface MarketHealthLike {
  atMs: number;
  exchangeId: string;
  wsState: 'idle' | 'live' | 'degraded' | 'down';
  breaker: { state: 'closed' | 'open' | 'half-open' };
  rateLimited429: number;
  /** The request limiter's windows and queue; absent for a source without one (replay). */
  limiter?: { queued: number; requestsLastMinute: number; windows: readonly { limit: number; used: number }[]; lastRequestMs?: number | null };
  backoffs: readonly { untilMs: number }[];
  symbols: readonly { symbol: string; lastUpdateMs: number; ageMs: number | null }[];
}

export interface EngineAlertLike {
  atMs: number;
  level: 'info' | 'warn' | 'error';
  kind: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface OrderFlowLike {
  updatedAtMs: number;
  book?: { spreadBps: number; bidDepth10BpsUsd: number; askDepth10BpsUsd: number; bidDepth50BpsUsd: number; askDepth50BpsUsd: number; imbalance: number };
  trades?: { tradesPerMin: number; notionalPerMinUsd: number; imbalance: number };
  funding?: { rate: number };
  openInterest?: { amountBase: number; valueUsd?: number };
  markPrice?: { markPrice: number };
  /** Raw top-N levels behind `book`. */
  bookTop?: { bids: readonly (readonly [number, number])[]; asks: readonly (readonly [number, number])[]; timestampMs: number };
}

/** The part of the sdk's `Engine` (market data) this adapter uses. */
export interface MarketEngineLike {
  readonly config: { timeframes: readonly Timeframe[] };
  on(event: 'health', fn: (health: MarketHealthLike) => void): () => void;
  on(event: 'alert', fn: (alert: EngineAlertLike) => void): () => void;
  universe(): readonly { symbol: string; base: string; last: number }[];
  candles(symbol: string, timeframe: Timeframe, count?: number): Candle[];
  refreshOrderFlow(symbol: string, opts?: { priority?: 'urgent' | 'high' | 'normal' }): Promise<OrderFlowLike>;
  health(): MarketHealthLike;
  /** The venue's market specs (tick, lot, leverage), when the engine has them. */
  markets?(): readonly { symbol: string; tickSize: number; lotSize: number; contractSize?: number; maxLeverage?: number | undefined }[];
}

/** A symbol is stale in `health` when its last update is older than this, unless the options say otherwise. */
export const DEFAULT_STALE_AFTER_MS = 180_000;

export interface MarketAdapterOptions {
  /** A symbol whose last update is older than this counts as stale in `health`. */
  staleAfterMs?: number;
  /** Whether the engine has finished starting; `health` reports `starting` until then. */
  isRunning: () => boolean;
}

const WS_STATE = { idle: 'connecting', live: 'connected', degraded: 'polling', down: 'disconnected' } as const;
const BREAKER = { closed: 'closed', open: 'open', 'half-open': 'half_open' } as const;

/** The request budget as the health view reports it: the fullest window decides how close a 429 is. */
function rateLimitView(limiter: NonNullable<MarketHealthLike['limiter']>): NonNullable<HealthView['exchanges'][number]['rateLimit']> {
  const usedRatio = limiter.windows.reduce((max, w) => (w.limit > 0 ? Math.max(max, w.used / w.limit) : max), 0);
  return { usedRatio, requestsLastMinute: limiter.requestsLastMinute, queued: limiter.queued };
}

/** Maps the market-data health snapshot onto the contract's health view. Pure. */
export function toHealthView(h: MarketHealthLike, running: boolean, staleAfterMs: number): HealthView {
  const lastUpdateMs = h.symbols.reduce((m, s) => Math.max(m, s.lastUpdateMs), 0);
  const backoffUntilMs = h.backoffs.reduce((m, b) => Math.max(m, b.untilMs), 0);
  return {
    asOfMs: h.atMs,
    engine: running ? 'running' : 'starting',
    exchanges: [
      {
        exchange: h.exchangeId,
        wsState: WS_STATE[h.wsState],
        // The round trip of the latest REST request: the exchange's answer time as this process sees it.
        latencyMs: h.limiter?.lastRequestMs ?? null,
        breaker: BREAKER[h.breaker.state],
        rateLimited429: h.rateLimited429,
        lastUpdateMs: lastUpdateMs > 0 ? lastUpdateMs : null,
        backoffUntilMs: backoffUntilMs > h.atMs ? backoffUntilMs : null,
        // Aged on the snapshot's own clock: the renderer's wall clock is another day under a sim.
        lastUpdateAgeMs: lastUpdateMs > 0 ? Math.max(0, h.atMs - lastUpdateMs) : null,
        ...(h.limiter ? { rateLimit: rateLimitView(h.limiter) } : {}),
      },
    ],
    symbolsTracked: h.symbols.length,
    symbolsStale: h.symbols.filter((s) => s.ageMs !== null && s.ageMs > staleAfterMs).length,
  };
}

function unknownSymbol(symbol: string): Error {
  return new UnknownSymbolError(ErrorCode.UnknownSymbol, `${symbol} is not in the scanned universe`, { details: { symbol } });
}

/**
 * Adapts the market-data engine to the host's ports: health, candles with overlays, symbol
 * inspection (order flow), and the `health` and `alert` events. Ranking, signals and trading are
 * separate capabilities the composition root adds to the returned object when it has them.
 */
export function adaptMarketEngine(engine: MarketEngineLike, options: MarketAdapterOptions): HostEngine {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  let alertSeq = 0;
  const requireMember = (symbol: string) => {
    const member = engine.universe().find((m) => m.symbol === symbol);
    if (!member) throw unknownSymbol(symbol);
    return member;
  };

  /** The market's grid as the venue lists it: the ticket and its tests read tick and lot from it. */
  const marketView = (symbol: string, base: string, quote: string) => {
    const spec = engine.markets?.().find((m) => m.symbol === symbol);
    return {
      symbol,
      base,
      quote,
      priceTick: spec && spec.tickSize > 0 ? spec.tickSize : null,
      // The venue's lot is in contracts; the ticket sizes in base units.
      amountStep: spec && spec.lotSize > 0 ? contractsToBase(spec, spec.lotSize) : null,
      minNotionalUsd: null,
      maxLeverage: spec?.maxLeverage ?? null,
    };
  };
  /** Confirmed bars of a tracked timeframe, or of one built from the coarsest tracked divisor. */
  const barsOf = (symbol: string, timeframe: Timeframe): Candle[] => {
    const tracked = engine.config.timeframes;
    if (tracked.includes(timeframe)) return engine.candles(symbol, timeframe);
    const source = sourceTimeframe(timeframe, tracked);
    if (!source) {
      throw new InvalidInputError('candles.get params', [
        {
          path: 'timeframe',
          received: JSON.stringify(timeframe),
          expected: `a tracked timeframe (${tracked.join(', ')}) or a multiple of one (${TIMEFRAMES.filter((tf) => tracked.includes(tf) || sourceTimeframe(tf, tracked)).join(', ')})`,
        },
      ]);
    }
    return aggregateCandles(engine.candles(symbol, source), timeframeMs(source), timeframeMs(timeframe));
  };
  const health: HealthPort = { get: () => toHealthView(engine.health(), options.isRunning(), staleAfterMs) };

  const candles: CandlePort = {
    get(p) {
      requireMember(p.symbol);
      const limit = p.limit ?? 500;
      let rows = barsOf(p.symbol, p.timeframe);
      if (p.toMs !== undefined) rows = rows.filter((c) => c.openTimeMs <= (p.toMs ?? Infinity));
      rows = rows.slice(-limit);
      return { symbol: p.symbol, timeframe: p.timeframe, candles: rows, overlays: computeOverlays(rows, p.indicators ?? []) };
    },
  };

  const symbols: SymbolPort = {
    async inspect(p): Promise<SymbolDetailView> {
      const member = requireMember(p.symbol);
      // A trader is waiting on this read: it goes ahead of the background backfill and order-flow polling.
      const flow = await engine.refreshOrderFlow(p.symbol, { priority: 'high' });
      const microstructure: Record<string, number> = {};
      if (flow.book) {
        Object.assign(microstructure, {
          spreadBps: flow.book.spreadBps,
          bidDepth10BpsUsd: flow.book.bidDepth10BpsUsd,
          askDepth10BpsUsd: flow.book.askDepth10BpsUsd,
          bidDepth50BpsUsd: flow.book.bidDepth50BpsUsd,
          askDepth50BpsUsd: flow.book.askDepth50BpsUsd,
          bookImbalance: flow.book.imbalance,
        });
      }
      if (flow.trades) {
        Object.assign(microstructure, { tradesPerMin: flow.trades.tradesPerMin, notionalPerMinUsd: flow.trades.notionalPerMinUsd, tradeImbalance: flow.trades.imbalance });
      }
      for (const [k, v] of Object.entries(microstructure)) if (!Number.isFinite(v)) delete microstructure[k];
      const quote = /\/([A-Z0-9]+):/.exec(p.symbol)?.[1] ?? '';
      const oiUsd = flow.openInterest?.valueUsd ?? (flow.openInterest && flow.markPrice ? flow.openInterest.amountBase * flow.markPrice.markPrice : null);
      return {
        market: marketView(p.symbol, member.base, quote),
        lastPrice: member.last,
        markPrice: flow.markPrice?.markPrice ?? null,
        fundingRate: flow.funding?.rate ?? null,
        openInterestUsd: oiUsd,
        orderBook: flow.bookTop
          ? { bids: flow.bookTop.bids.map(([p, a]) => [p, a] as [number, number]), asks: flow.bookTop.asks.map(([p, a]) => [p, a] as [number, number]), timestampMs: flow.bookTop.timestampMs }
          : null,
        microstructure,
        manipulation: null,
        ranking: null,
        signals: [],
        position: null,
      };
    },
  };

  return {
    health,
    candles,
    symbols,
    events: {
      subscribe(listener: (event: HostEvent) => void) {
        const offHealth = engine.on('health', (h) => listener({ event: 'health', data: toHealthView(h, options.isRunning(), staleAfterMs) }));
        const offAlert = engine.on('alert', (a) => {
          const symbol = typeof a.details?.symbol === 'string' ? a.details.symbol : null;
          const data: AlertView = { id: `${a.kind}-${a.atMs}-${++alertSeq}`, level: a.level, kind: a.kind, message: a.message, symbol, atMs: a.atMs };
          listener({ event: 'alert', data });
        });
        return () => {
          offHealth();
          offAlert();
        };
      },
    },
  };
}
