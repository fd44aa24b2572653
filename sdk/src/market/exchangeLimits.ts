/**
 * Each exchange's documented request budget and market-data capabilities, kept as data so the
 * limiter, the backfill planner and the benchmarks read one source of truth.
 */

/** One sliding window of the budget: at most `limit` weight units within any `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** REST operations whose weight the limiter needs to know. */
export const MarketOperation = {
  loadMarkets: 'loadMarkets',
  fetchTickers: 'fetchTickers',
  fetchBidsAsks: 'fetchBidsAsks',
  fetchOHLCV: 'fetchOHLCV',
  fetchOrderBook: 'fetchOrderBook',
  fetchTrades: 'fetchTrades',
  fetchFundingRate: 'fetchFundingRate',
  fetchOpenInterest: 'fetchOpenInterest',
  fetchMarkPrice: 'fetchMarkPrice',
} as const;
export type MarketOperation = (typeof MarketOperation)[keyof typeof MarketOperation];

/** What an exchange can do for market data, as ccxt reports it. */
export interface MarketCapabilities {
  watchOHLCV: boolean;
  watchOrderBook: boolean;
  watchTrades: boolean;
  /** ccxt pro `watchTicker`: a price stream where no mark-price stream exists (BloFin `tickers`). */
  watchTicker?: boolean;
  /** ccxt pro `watchTickers` over every market (no symbols): the universe's tickers as a stream. */
  watchTickers?: boolean;
  /** ccxt pro `watchMarkPrice` (Binance USD-M `markPrice@1s`); preferred over tickers when present. */
  watchMarkPrice?: boolean;
  fetchTickers: boolean;
  /** Best bid and ask of every symbol in one call, for exchanges whose 24h tickers carry none (Binance USD-M). */
  fetchBidsAsks?: boolean;
  fetchFundingRate: boolean;
  fetchOpenInterest: boolean;
  fetchMarkPrice: boolean;
  /**
   * Books, trades and tickers are read from websocket streams while those are fresh, REST only as
   * the fallback. On for the exchanges whose streams are exercised end to end against the sim
   * (Binance USD-M, Bybit, HTX); off elsewhere, where reads poll REST as before.
   */
  streamOrderFlow?: boolean;
  /** Book levels a streamed book is subscribed with (a depth the exchange's book topic offers); deeper reads use REST. */
  streamBookLevels?: number;
  /** The exchange flags a candle as confirmed itself; otherwise a newer open time confirms it. */
  candleConfirmFlag: boolean;
  /**
   * ccxt implicit method serving mark prices where ccxt has no unified `fetchMarkPrice` (BloFin:
   * `publicGetMarketMarkPrice`, answering `{ data: [{ markPrice, indexPrice, ts }] }` per `instId`).
   */
  markPriceEndpoint?: string;
}

export interface ExchangeLimits {
  /** ccxt exchange id (`blofin`, `binanceusdm`, `htx`). */
  exchangeId: string;
  /** Every window must hold at the same time. */
  windows: readonly RateWindow[];
  /** Requests allowed in flight at once. */
  maxConcurrent: number;
  /** Largest `limit` one candles request accepts. */
  maxCandlesPerCall: number;
  /** Weight of one request; `count` is the requested item count (candles, book levels). */
  weight(operation: MarketOperation, count?: number): number;
  capabilities: MarketCapabilities;
}

const MINUTE_MS = 60_000;

/** Weight tables in ccxt's `byLimit` shape: the first row whose bound is >= count applies. */
function byLimit(table: readonly (readonly [number, number])[], count: number | undefined): number {
  if (count === undefined) return table[0]?.[1] ?? 1;
  for (const [bound, weight] of table) if (count <= bound) return weight;
  return table[table.length - 1]?.[1] ?? 1;
}

const ALL_CAPABLE: MarketCapabilities = {
  watchOHLCV: true,
  watchOrderBook: true,
  watchTrades: true,
  watchTicker: true,
  watchMarkPrice: false,
  fetchTickers: true,
  fetchFundingRate: true,
  fetchOpenInterest: true,
  fetchMarkPrice: true,
  candleConfirmFlag: false,
};

/**
 * BloFin public REST: 500 requests/min and 1,500 per 5 min per IP (blofin.com/docs#rate-limits),
 * every market-data endpoint costs 1 (ccxt `blofin.api.public.get`), candles up to 1,440 per call.
 * ccxt's blofin parser drops the candle state column, so confirmation comes from newer open times.
 */
export const BLOFIN_LIMITS: ExchangeLimits = {
  exchangeId: 'blofin',
  windows: [
    { limit: 500, windowMs: MINUTE_MS },
    { limit: 1_500, windowMs: 5 * MINUTE_MS },
  ],
  maxConcurrent: 8,
  maxCandlesPerCall: 1_440,
  weight: () => 1,
  // BloFin's `books` channel pushes 200 levels; its tickers channel needs symbols (ccxt pro's
  // blofin refuses watchTickers without them), so the universe's tickers stay on REST.
  capabilities: { ...ALL_CAPABLE, fetchOpenInterest: false, fetchMarkPrice: true, markPriceEndpoint: 'publicGetMarketMarkPrice', streamOrderFlow: true, streamBookLevels: 200, watchTickers: false },
};

/** ccxt `binance.api.fapiPublic.get`: `klines`, `depth` and `ticker/24hr` weights. */
const BINANCE_KLINES_WEIGHT = [[99, 1], [499, 2], [1_000, 5], [10_000, 10]] as const;
const BINANCE_DEPTH_WEIGHT = [[50, 2], [100, 5], [500, 10], [1_000, 20]] as const;

/** Binance USD-M futures: 2,400 request weight per minute per IP, up to 1,500 candles per call. */
export const BINANCE_USDM_LIMITS: ExchangeLimits = {
  exchangeId: 'binanceusdm',
  windows: [{ limit: 2_400, windowMs: MINUTE_MS }],
  maxConcurrent: 10,
  maxCandlesPerCall: 1_500,
  weight: (operation, count) => {
    switch (operation) {
      case MarketOperation.fetchOHLCV:
        return byLimit(BINANCE_KLINES_WEIGHT, count);
      case MarketOperation.fetchOrderBook:
        return byLimit(BINANCE_DEPTH_WEIGHT, count);
      case MarketOperation.fetchTickers:
        return 40;
      case MarketOperation.fetchBidsAsks:
        // `ticker/bookTicker` without a symbol (developers.binance.com, USD-M "Symbol Order Book Ticker").
        return 5;
      case MarketOperation.fetchMarkPrice:
        return 10;
      default:
        return 1;
    }
  },
  // Streaming capabilities (watchMarkPrice among them) come from ccxt's `has` in limitsForExchange:
  // the pro class streams marks, a REST-only client streams nothing.
  capabilities: { ...ALL_CAPABLE, streamOrderFlow: true, streamBookLevels: 100 },
};

/** HTX linear swaps: 800 market-data requests per second per IP, up to 2,000 candles per call. */
export const HTX_LIMITS: ExchangeLimits = {
  exchangeId: 'htx',
  windows: [{ limit: 800, windowMs: 1_000 }],
  maxConcurrent: 16,
  maxCandlesPerCall: 2_000,
  // ccxt's htx loadMarkets sends two requests (`reference/currencies`, `swap_contract_info`).
  weight: (operation) => (operation === MarketOperation.loadMarkets ? 2 : 1),
  // HTX's incremental book topics come in 20 and 150 levels; ccxt pro's htx has no all-market
  // tickers stream, so the universe's tickers stay on REST.
  capabilities: { ...ALL_CAPABLE, streamOrderFlow: true, streamBookLevels: 150, watchTickers: false },
};

/** Bybit v5: 600 requests per 5-second window per IP (bybit-exchange.github.io/docs/v5/rate-limit), up to 1,000 candles per call. */
export const BYBIT_LIMITS: ExchangeLimits = {
  exchangeId: 'bybit',
  windows: [{ limit: 600, windowMs: 5_000 }],
  maxConcurrent: 10,
  maxCandlesPerCall: 1_000,
  // ccxt's bybit loadMarkets sends two `instruments-info` requests against the sim: a
  // window packed to its limit with this counted as one overflows by one, and Bybit answers 403.
  weight: (operation) => (operation === MarketOperation.loadMarkets ? 2 : 1),
  // Bybit's book topics come in depths 1, 50, 200 and 1000; its tickers topic needs symbols, so the
  // universe's tickers stay on REST.
  capabilities: { ...ALL_CAPABLE, streamOrderFlow: true, streamBookLevels: 50, watchTickers: false },
};

const KNOWN: Readonly<Record<string, ExchangeLimits>> = {
  blofin: BLOFIN_LIMITS,
  binanceusdm: BINANCE_USDM_LIMITS,
  htx: HTX_LIMITS,
  bybit: BYBIT_LIMITS,
  huobi: { ...HTX_LIMITS, exchangeId: 'huobi' },
};

/** The subset of a ccxt exchange instance this module reads. */
export interface CcxtExchangeMeta {
  id: string;
  rateLimit?: number | undefined;
  has: Record<string, unknown>;
  features?: Record<string, unknown>;
}

function ccxtOhlcvLimit(exchange: CcxtExchangeMeta): number | undefined {
  const features = exchange.features as
    | { swap?: { linear?: { fetchOHLCV?: { limit?: unknown } } } }
    | undefined;
  const limit = features?.swap?.linear?.fetchOHLCV?.limit;
  return typeof limit === 'number' && limit > 0 ? limit : undefined;
}

function capabilitiesFrom(has: Record<string, unknown>): MarketCapabilities {
  const yes = (key: string) => has[key] === true || has[key] === 'emulated';
  return {
    watchOHLCV: yes('watchOHLCV'),
    watchOrderBook: yes('watchOrderBook'),
    watchTrades: yes('watchTrades'),
    watchTicker: yes('watchTicker'),
    watchTickers: yes('watchTickers'),
    watchMarkPrice: yes('watchMarkPrice'),
    fetchTickers: yes('fetchTickers'),
    fetchBidsAsks: yes('fetchBidsAsks'),
    fetchFundingRate: yes('fetchFundingRate'),
    fetchOpenInterest: yes('fetchOpenInterest'),
    fetchMarkPrice: yes('fetchMarkPrice') || yes('fetchTicker'),
    candleConfirmFlag: false,
  };
}

/**
 * Limits for `exchange`: the documented table for first-class exchanges, with capabilities taken
 * from ccxt's `has`; for any other exchange a single window derived from ccxt's `rateLimit` (ms
 * between requests) and the candles-per-call limit from ccxt's `features`.
 */
export function limitsForExchange(exchange: CcxtExchangeMeta): ExchangeLimits {
  const known = KNOWN[exchange.id];
  const capabilities = capabilitiesFrom(exchange.has);
  if (known) {
    const { candleConfirmFlag, markPriceEndpoint, streamOrderFlow, streamBookLevels } = known.capabilities;
    return {
      ...known,
      capabilities: {
        ...capabilities,
        candleConfirmFlag,
        ...(streamOrderFlow ? { streamOrderFlow: capabilities.watchOrderBook || capabilities.watchTrades } : {}),
        ...(streamBookLevels !== undefined ? { streamBookLevels } : {}),
        ...(known.capabilities.watchTickers === false ? { watchTickers: false } : {}),
        ...(markPriceEndpoint ? { markPriceEndpoint, fetchMarkPrice: true } : {}),
      },
    };
  }
  const perMinute = Math.max(1, Math.floor(MINUTE_MS / Math.max(1, exchange.rateLimit ?? 1_000)));
  return {
    exchangeId: exchange.id,
    windows: [{ limit: perMinute, windowMs: MINUTE_MS }],
    maxConcurrent: 4,
    maxCandlesPerCall: ccxtOhlcvLimit(exchange) ?? 500,
    weight: () => 1,
    capabilities,
  };
}

/**
 * Scales every window's limit by `factor`, as SimExchange does with `rateLimitScale`, so that
 * benchmarks run in seconds while the limiter still paces exactly to the server's budget.
 */
export function scaleLimits(limits: ExchangeLimits, factor: number): ExchangeLimits {
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new RangeError(`scaleLimits: factor must be a positive finite number, got ${String(factor)}`);
  }
  return {
    ...limits,
    windows: limits.windows.map((w) => ({ limit: Math.max(1, Math.floor(w.limit * factor)), windowMs: w.windowMs })),
  };
}

/**
 * Smallest time in which `count` requests of weight 1 can be sent under `windows`: the greedy
 * schedule (send each as early as allowed) is optimal, so this simulates it.
 */
export function rateLimitFloorMs(windows: readonly RateWindow[], count: number): number {
  if (count <= 0) return 0;
  const sendMs = new Array<number>(count);
  for (let k = 0; k < count; k++) {
    let t = 0;
    for (const w of windows) {
      const earlier = k - w.limit;
      if (earlier >= 0) t = Math.max(t, (sendMs[earlier] ?? 0) + w.windowMs);
    }
    sendMs[k] = t;
  }
  return sendMs[count - 1] ?? 0;
}

/**
 * Smallest time in which requests of the given `weights`, sent in this order, fit `windows`
 * (each window holds at most `limit` weight sent within any `windowMs`, as Binance counts request
 * weight): the greedy schedule, each request as early as every window has room for its weight.
 * With every weight 1 this is {@link rateLimitFloorMs}. A weight above a window's limit can never
 * be sent, so it is refused rather than given an infinite floor.
 */
export function rateLimitFloorWeightedMs(windows: readonly RateWindow[], weights: readonly number[]): number {
  for (const w of windows) {
    if (!(w.limit > 0) || !(w.windowMs >= 0)) {
      throw new RangeError(`rateLimitFloorWeightedMs: window ${JSON.stringify(w)} must have limit > 0 and windowMs >= 0`);
    }
  }
  const sendMs = new Array<number>(weights.length);
  // Per window: the oldest request still counted and the weight counted from it on.
  const oldest = windows.map(() => 0);
  const used = windows.map(() => 0);
  let t = 0;
  for (let k = 0; k < weights.length; k++) {
    const weight = weights[k]!;
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new RangeError(`rateLimitFloorWeightedMs: weights[${k}] must be a finite number >= 0, got ${String(weight)}`);
    }
    windows.forEach((w, i) => {
      if (weight > w.limit) {
        throw new RangeError(`rateLimitFloorWeightedMs: weights[${k}] = ${weight} exceeds the window of ${w.limit} per ${w.windowMs} ms`);
      }
      // Not earlier than the request before it (FIFO), and late enough that the oldest requests
      // have left the window to make room for this one.
      while (used[i]! + weight > w.limit) {
        t = Math.max(t, sendMs[oldest[i]!]! + w.windowMs);
        used[i] = used[i]! - weights[oldest[i]!]!;
        oldest[i] = oldest[i]! + 1;
      }
    });
    // A later send time may have aged out more of the other windows' requests than they needed.
    windows.forEach((w, i) => {
      while (oldest[i]! < k && sendMs[oldest[i]!]! <= t - w.windowMs) {
        used[i] = used[i]! - weights[oldest[i]!]!;
        oldest[i] = oldest[i]! + 1;
      }
      used[i] = used[i]! + weight;
    });
    sendMs[k] = t;
  }
  return weights.length ? t : 0;
}
