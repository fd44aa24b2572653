import { barCode } from '../../timeframes.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import type { SimCandle, SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import type { DialectReply } from '../types.js';
import { streamedBookTimeMs } from './ws.js';
import { BINANCE_INTERVALS, binanceId, bnError, bnOk, bnPrice, bnQty, BN, stepBase, type SymbolIndex } from './wire.js';

type Query = URLSearchParams;

/** Smallest order notional, in USDT (Binance's MIN_NOTIONAL filter; reduce-only orders are exempt). */
export const MIN_NOTIONAL_USDT = 5;
/** Binance's perpetual `deliveryDate`: a far-future sentinel. */
const PERPETUAL_DELIVERY_MS = 4133404800000;
const FUNDING_INTERVAL_MS = 8 * 3_600_000;
/** `futures/data/openInterestHist` periods and their lengths. */
const OI_PERIODS: Readonly<Record<string, number>> = {
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};
/** Binance serves open-interest history for the latest 30 days only. */
const OI_HISTORY_MS = 30 * 86_400_000;

/**
 * Binance USD-M's public market data (`/fapi/v1/*`, `/fapi/v2/ticker/price`,
 * `/futures/data/openInterestHist`) over the sim's market. Quantities are base units; prices are
 * on the tick's decimals; a funding rate a scenario sets (`faults.setFundingRate`) shows as on
 * BloFin. Null when the path is not a public route.
 */
export function handleBinancePublic(ctx: SimContext, faults: FaultState, symbols: SymbolIndex, method: string, path: string, query: Query): DialectReply | null {
  if (method !== 'GET') return null;
  const now = ctx.nowMs();
  switch (path) {
    case '/fapi/v1/ping':
      return bnOk({});
    case '/fapi/v1/time':
      return bnOk({ serverTime: Date.now() });
    case '/fapi/v1/exchangeInfo':
      return bnOk(exchangeInfo(ctx, now));
    case '/fapi/v1/ticker/24hr':
      return perSymbol(ctx, symbols, query, now, (m) => ticker24h(ctx, m, now));
    case '/fapi/v1/ticker/price':
    case '/fapi/v2/ticker/price':
      return perSymbol(ctx, symbols, query, now, (m) => {
        const last = ctx.source.lastPrice(m.symbol, ctx.tradingTime(m, now));
        return last === null ? null : { symbol: binanceId(m), price: bnPrice(last, m), time: now };
      });
    case '/fapi/v1/ticker/bookTicker':
      return perSymbol(ctx, symbols, query, now, (m) => {
        const book = ctx.source.orderBook(m.symbol, ctx.tradingTime(m, now), 1);
        const bid = book.bids[0];
        const ask = book.asks[0];
        if (!bid || !ask) return null;
        return { symbol: binanceId(m), bidPrice: bnPrice(bid[0], m), bidQty: bnQty(bid[1], m), askPrice: bnPrice(ask[0], m), askQty: bnQty(ask[1], m), time: now, lastUpdateId: now };
      });
    case '/fapi/v1/premiumIndex':
      return perSymbol(ctx, symbols, query, now, (m) => premiumIndex(ctx, faults, m, now));
    case '/fapi/v1/depth':
      return withSymbol(symbols, query, (m) => {
        const limit = intParam(query, 'limit', 500, 1, 1000);
        if (typeof limit !== 'number') return limit;
        // While a diff stream covers the market, the snapshot is the book its last event moved to.
        const at = streamedBookTimeMs(ctx, m) ?? now;
        const book = ctx.isLive(m, at) ? ctx.source.orderBook(m.symbol, ctx.tradingTime(m, at), limit) : { bids: [], asks: [] };
        const level = ([p, a]: [number, number]): string[] => [bnPrice(p, m), bnQty(a, m)];
        return bnOk({ lastUpdateId: at, E: now, T: at, bids: book.bids.map(level), asks: book.asks.map(level) });
      });
    case '/fapi/v1/trades':
    case '/fapi/v1/aggTrades':
      return withSymbol(symbols, query, (m) => {
        const limit = intParam(query, 'limit', 500, 1, 1000);
        if (typeof limit !== 'number') return limit;
        const trades = ctx.recentTrades(m, now, limit);
        if (path.endsWith('aggTrades')) {
          return bnOk(trades.map((t) => ({ a: Number(t.id ?? 0), p: bnPrice(t.price, m), q: bnQty(t.amount, m), f: Number(t.id ?? 0), l: Number(t.id ?? 0), T: t.timestampMs, m: t.side === 'sell' })));
        }
        return bnOk(
          trades.map((t) => ({ id: Number(t.id ?? 0), price: bnPrice(t.price, m), qty: bnQty(t.amount, m), quoteQty: decimal(t.price * t.amount, 8), time: t.timestampMs, isBuyerMaker: t.side === 'sell' })),
        );
      });
    case '/fapi/v1/klines':
      return withSymbol(symbols, query, (m) => klines(ctx, m, query, now));
    case '/fapi/v1/fundingRate':
      return fundingHistory(ctx, faults, symbols, query, now);
    case '/fapi/v1/fundingInfo':
      return bnOk(ctx.markets().filter((m) => ctx.isLive(m, now)).map((m) => ({ symbol: binanceId(m), adjustedFundingRateCap: '0.02000000', adjustedFundingRateFloor: '-0.02000000', fundingIntervalHours: 8, disclaimer: false })));
    case '/fapi/v1/openInterest':
      return withSymbol(symbols, query, (m) => {
        const oi = ctx.source.openInterest(m.symbol, ctx.tradingTime(m, now));
        return bnOk({ symbol: binanceId(m), openInterest: bnQty(oi.amountBase, m), time: now });
      });
    case '/futures/data/openInterestHist':
      return openInterestHistory(ctx, symbols, query, now);
    default:
      return null;
  }
}

function exchangeInfo(ctx: SimContext, now: number): Record<string, unknown> {
  return {
    timezone: 'UTC',
    serverTime: Date.now(),
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: ctx.markets().map((m) => symbolInfo(ctx, m, now)),
  };
}

function symbolInfo(ctx: SimContext, m: SimMarket, now: number): Record<string, unknown> {
  const step = stepBase(m);
  const minQty = bnQty(Math.max(step, m.minAmount * m.contractSize), m);
  const tick = bnPrice(m.tickSize, m);
  const priceDecimals = bnPrice(m.tickSize, m).split('.')[1]?.length ?? 0;
  const qtyDecimals = bnQty(step, m).split('.')[1]?.length ?? 0;
  return {
    symbol: binanceId(m),
    pair: binanceId(m),
    contractType: 'PERPETUAL',
    deliveryDate: PERPETUAL_DELIVERY_MS,
    onboardDate: m.listedAtMs ?? ctx.source.firstDataMs(m.symbol),
    status: ctx.isLive(m, now) ? 'TRADING' : 'SETTLING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: m.base,
    quoteAsset: m.quote,
    marginAsset: m.settle,
    pricePrecision: priceDecimals,
    quantityPrecision: qtyDecimals,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: bnPrice(1_000_000 * Math.max(1, m.tickSize * 1e4), m), tickSize: tick },
      { filterType: 'LOT_SIZE', minQty, maxQty: '100000000', stepSize: bnQty(step, m) },
      { filterType: 'MARKET_LOT_SIZE', minQty, maxQty: '10000000', stepSize: bnQty(step, m) },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: String(MIN_NOTIONAL_USDT) },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}

function ticker24h(ctx: SimContext, m: SimMarket, now: number): Record<string, unknown> | null {
  const at = ctx.tradingTime(m, now);
  const s = ctx.source.stats24h(m.symbol, at);
  if (!s) return null;
  const recent = ctx.source.trades(m.symbol, at - 60_000, at + 1);
  const lastTrade = recent[recent.length - 1];
  const change = s.last - s.open24h;
  return {
    symbol: binanceId(m),
    priceChange: bnPrice(change, m),
    priceChangePercent: (s.open24h > 0 ? (change / s.open24h) * 100 : 0).toFixed(3),
    weightedAvgPrice: bnPrice(s.baseVolume24h > 0 ? s.quoteVolume24h / s.baseVolume24h : s.last, m),
    lastPrice: bnPrice(s.last, m),
    lastQty: bnQty(lastTrade ? lastTrade.amount : stepBase(m), m),
    openPrice: bnPrice(s.open24h, m),
    highPrice: bnPrice(s.high24h, m),
    lowPrice: bnPrice(s.low24h, m),
    volume: bnQty(s.baseVolume24h, m),
    quoteVolume: decimal(s.quoteVolume24h, 2),
    openTime: at - 86_400_000,
    closeTime: at,
    firstId: 0,
    lastId: Number(lastTrade?.id ?? 0),
    count: 0,
  };
}

function premiumIndex(ctx: SimContext, faults: FaultState, m: SimMarket, now: number): Record<string, unknown> {
  const at = ctx.tradingTime(m, now);
  const mp = ctx.source.markPrice(m.symbol, at);
  const f = ctx.source.fundingRate(m.symbol, at);
  return {
    symbol: binanceId(m),
    markPrice: decimal(mp.markPrice, 8),
    indexPrice: decimal(mp.indexPrice ?? mp.markPrice, 8),
    estimatedSettlePrice: decimal(mp.indexPrice ?? mp.markPrice, 8),
    lastFundingRate: decimal(faults.fundingRateOverride(m.symbol, m.id, at) ?? f.rate, 8),
    interestRate: '0.00010000',
    nextFundingTime: f.nextFundingTimeMs ?? Math.ceil((at + 1) / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS,
    time: now,
  };
}

/**
 * Binance klines: oldest first, the forming bar last. With `startTime` the page starts there;
 * otherwise it ends at `endTime` (or now). At most `limit` rows (default 500, max 1500).
 */
function klines(ctx: SimContext, m: SimMarket, query: Query, now: number): DialectReply {
  const interval = query.get('interval') ?? '';
  if (interval === '') return BN.mandatory('interval');
  const tfMs = BINANCE_INTERVALS[interval];
  const code = tfMs === undefined ? null : barCode(tfMs);
  if (tfMs === undefined || code === null || !ctx.source.supportsTimeframe(tfMs)) return BN.badInterval();
  const limit = intParam(query, 'limit', 500, 1, 1500);
  if (typeof limit !== 'number') return limit;
  const window = timeWindow(query);
  if (!('startTime' in window)) return window;
  const { startTime, endTime } = window;
  const at = ctx.tradingTime(m, now);
  const formingOpen = Math.floor(at / tfMs) * tfMs;
  const first = ctx.historyStartMs(m, tfMs);
  const lastOpen = Math.min(formingOpen, endTime ?? Number.POSITIVE_INFINITY);
  let fromOpen: number;
  let toOpen: number;
  if (startTime !== null) {
    fromOpen = Math.max(first, Math.ceil(startTime / tfMs) * tfMs);
    toOpen = Math.min(lastOpen, fromOpen + (limit - 1) * tfMs);
  } else {
    toOpen = Math.floor(lastOpen / tfMs) * tfMs;
    fromOpen = Math.max(first, toOpen - (limit - 1) * tfMs);
  }
  if (toOpen < fromOpen) return bnOk([]);
  const rows: SimCandle[] = ctx.source.candles(m.symbol, code, fromOpen, Math.min(toOpen + 1, formingOpen));
  if (toOpen >= formingOpen && ctx.isLive(m, now)) {
    const forming = ctx.source.formingCandle(m.symbol, code, at);
    if (forming) rows.push(forming);
  }
  return bnOk(
    rows.slice(0, limit).map((c) => [
      c.openTimeMs,
      bnPrice(c.open, m),
      bnPrice(c.high, m),
      bnPrice(c.low, m),
      bnPrice(c.close, m),
      bnQty(c.volume, m),
      c.openTimeMs + tfMs - 1,
      decimal(c.quoteVolume, 4),
      0,
      bnQty(c.volume / 2, m),
      decimal(c.quoteVolume / 2, 4),
      '0',
    ]),
  );
}

/**
 * Settled funding rates, oldest first: from `startTime` when given, else the latest `limit`
 * (default 100, max 1000) up to `endTime` or now. Without a symbol, every market's.
 */
function fundingHistory(ctx: SimContext, faults: FaultState, symbols: SymbolIndex, query: Query, now: number): DialectReply {
  const limit = intParam(query, 'limit', 100, 1, 1000);
  if (typeof limit !== 'number') return limit;
  const window = timeWindow(query);
  if (!('startTime' in window)) return window;
  const { startTime, endTime } = window;
  const id = query.get('symbol');
  const list = id ? [symbols.get(id)] : ctx.markets();
  if (list[0] === undefined) return BN.invalidSymbol();
  const out: Record<string, unknown>[] = [];
  for (const m of list as SimMarket[]) {
    const toMs = Math.min(ctx.tradingTime(m, now), endTime ?? Number.POSITIVE_INFINITY);
    const fromMs = startTime !== null ? startTime - 1 : toMs - (limit + 1) * FUNDING_INTERVAL_MS;
    const rows = ctx.source.fundingHistory(m.symbol, fromMs, toMs);
    const page = startTime !== null ? rows.slice(0, limit) : rows.slice(-limit);
    for (const f of page) {
      const mark = ctx.source.markPrice(m.symbol, f.timestampMs).markPrice;
      const rate = faults.fundingRateOverride(m.symbol, m.id, f.timestampMs) ?? f.rate;
      out.push({ symbol: binanceId(m), fundingTime: f.timestampMs, fundingRate: decimal(rate, 8), markPrice: decimal(mark, 8) });
    }
  }
  return bnOk(out.slice(0, limit));
}

/**
 * Open interest per `period` (5m..1d), oldest first, at most `limit` (default 30, max 500), within
 * the latest 30 days as Binance keeps. `sumOpenInterest` is base, `sumOpenInterestValue` USDT.
 */
function openInterestHistory(ctx: SimContext, symbols: SymbolIndex, query: Query, now: number): DialectReply {
  return withSymbol(symbols, query, (m) => {
    const period = query.get('period') ?? '';
    if (period === '') return BN.mandatory('period');
    const periodMs = OI_PERIODS[period];
    if (periodMs === undefined) return BN.badParam('period', `Got "${period}", expected one of ${Object.keys(OI_PERIODS).join(', ')}.`);
    const limit = intParam(query, 'limit', 30, 1, 500);
    if (typeof limit !== 'number') return limit;
    const window = timeWindow(query);
    if (!('startTime' in window)) return window;
    const { startTime, endTime } = window;
    const at = ctx.tradingTime(m, now);
    const earliest = Math.max(at - OI_HISTORY_MS, ctx.source.firstDataMs(m.symbol));
    const last = Math.floor(Math.min(at, endTime ?? Number.POSITIVE_INFINITY) / periodMs) * periodMs;
    const firstSlot = startTime !== null ? Math.ceil(Math.max(startTime, earliest) / periodMs) * periodMs : Math.max(Math.ceil(earliest / periodMs) * periodMs, last - (limit - 1) * periodMs);
    const rows: Record<string, unknown>[] = [];
    for (let t = firstSlot; t <= last && rows.length < limit; t += periodMs) {
      const oi = ctx.source.openInterest(m.symbol, t);
      const mark = ctx.source.markPrice(m.symbol, t).markPrice;
      rows.push({ symbol: binanceId(m), sumOpenInterest: decimal(oi.amountBase, 8), sumOpenInterestValue: decimal(oi.valueUsd ?? oi.amountBase * mark, 8), timestamp: t });
    }
    return bnOk(rows);
  });
}

/** One record for `symbol`, or every live market's when it is absent (an object vs an array, as Binance answers). */
function perSymbol(ctx: SimContext, symbols: SymbolIndex, query: Query, now: number, record: (m: SimMarket) => Record<string, unknown> | null): DialectReply {
  const id = query.get('symbol');
  if (id) {
    const m = symbols.get(id);
    if (!m) return BN.invalidSymbol();
    const r = record(m);
    return r ? bnOk(r) : bnError(-1121, `Invalid symbol: ${id} has no data yet.`);
  }
  return bnOk(ctx.markets().filter((m) => ctx.isLive(m, now)).map(record).filter((r) => r !== null));
}

function withSymbol(symbols: SymbolIndex, query: Query, fn: (m: SimMarket) => DialectReply): DialectReply {
  const id = query.get('symbol');
  if (!id) return BN.mandatory('symbol');
  const m = symbols.get(id);
  return m ? fn(m) : BN.invalidSymbol();
}

function intParam(query: Query, name: string, dflt: number, min: number, max: number): number | DialectReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) return BN.badParam(name, `Got "${raw}", expected an integer ${min}..${max}.`);
  return Math.min(n, max);
}

/** `startTime` and `endTime` (each optional), or the reply refusing the first bad one. */
function timeWindow(query: Query): { startTime: number | null; endTime: number | null } | DialectReply {
  const startTime = timeParam(query, 'startTime');
  if (typeof startTime === 'object' && startTime !== null) return startTime;
  const endTime = timeParam(query, 'endTime');
  if (typeof endTime === 'object' && endTime !== null) return endTime;
  return { startTime, endTime };
}

function timeParam(query: Query, name: string): number | null | DialectReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : BN.badParam(name, `Got "${raw}", expected a time in ms.`);
}
