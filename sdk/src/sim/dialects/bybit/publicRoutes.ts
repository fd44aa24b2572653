import { barCode } from '../../timeframes.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import type { SimCandle, SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import type { DialectReply } from '../types.js';
import { binanceId as bybitId, bnPrice as byPrice, bnQty as byQty, stepBase, type SymbolIndex } from '../binanceusdm/wire.js';
import { BY, BYBIT_INTERVALS, BYBIT_OI_INTERVALS, byOk } from './wire.js';

type Query = URLSearchParams;

/** Smallest order value in USDT (`lotSizeFilter.minNotionalValue`; reduce-only orders are exempt). */
export const MIN_NOTIONAL_USDT = 5;
const FUNDING_INTERVAL_MS = 8 * 3_600_000;
/** Categories Bybit v5 knows; the sim lists markets under `linear` only, the others answer empty. */
const OTHER_CATEGORIES = new Set(['spot', 'inverse', 'option']);

/**
 * Bybit v5's public market data (`/v5/market/*`, `category=linear`) over the sim's market: linear
 * perpetuals with quantities in base coin, lists newest first where Bybit sorts them so, and
 * every answer in the `{ retCode, retMsg, result }` envelope. Null when the path is not a public
 * route.
 */
export function handleBybitPublic(ctx: SimContext, faults: FaultState, symbols: SymbolIndex, method: string, path: string, query: Query): DialectReply | null {
  if (method !== 'GET') return null;
  const now = ctx.nowMs();
  if (path === '/v5/market/time') {
    // The server's clock, skew fault applied, as the signed-timestamp window sees it (ccxt reads the envelope's `time`).
    const t = faults.serverNowMs();
    const reply = byOk({ timeSecond: String(Math.floor(t / 1000)), timeNano: `${t}000000` });
    (reply.body as { time: number }).time = t;
    return reply;
  }
  const category = query.get('category') ?? '';
  if (category === '') return BY.missing('category');
  if (category !== 'linear') {
    if (path === '/v5/market/instruments-info' && OTHER_CATEGORIES.has(category)) return byOk({ category, list: [], nextPageCursor: '' });
    return BY.category(category);
  }
  switch (path) {
    case '/v5/market/instruments-info': {
      const id = query.get('symbol');
      const status = query.get('status') ?? '';
      let list = ctx.markets();
      if (id) list = list.filter((m) => bybitId(m) === id);
      // Without a status Bybit lists trading instruments only.
      list = list.filter((m) => instrumentStatus(ctx, m, now) === (status === '' ? 'Trading' : status));
      return byOk({ category: 'linear', list: list.map((m) => instrument(ctx, m, now)), nextPageCursor: '' });
    }
    case '/v5/market/tickers': {
      const id = query.get('symbol');
      if (id) {
        const m = symbols.get(id);
        if (!m) return BY.symbol();
        const t = ticker(ctx, faults, m, now);
        return byOk({ category: 'linear', list: t ? [t] : [] });
      }
      return byOk({ category: 'linear', list: ctx.markets().filter((m) => ctx.isLive(m, now)).map((m) => ticker(ctx, faults, m, now)).filter((t) => t !== null) });
    }
    case '/v5/market/orderbook':
      return withSymbol(symbols, query, (m) => {
        const limit = intParam(query, 'limit', 25, 1, 500);
        if (typeof limit !== 'number') return limit;
        const book = ctx.isLive(m, now) ? ctx.source.orderBook(m.symbol, ctx.tradingTime(m, now), limit) : { bids: [], asks: [] };
        const level = ([p, a]: [number, number]): string[] => [byPrice(p, m), byQty(a, m)];
        return byOk({ s: bybitId(m), b: book.bids.map(level), a: book.asks.map(level), ts: now, u: now, seq: now, cts: now });
      });
    case '/v5/market/recent-trade':
      return withSymbol(symbols, query, (m) => {
        const limit = intParam(query, 'limit', 500, 1, 1000);
        if (typeof limit !== 'number') return limit;
        const trades = ctx.recentTrades(m, now, limit).reverse();
        return byOk({
          category: 'linear',
          list: trades.map((t) => ({ execId: String(t.id ?? t.timestampMs), symbol: bybitId(m), price: byPrice(t.price, m), size: byQty(t.amount, m), side: t.side === 'sell' ? 'Sell' : 'Buy', time: String(t.timestampMs), isBlockTrade: false, isRPITrade: false })),
        });
      });
    case '/v5/market/kline':
      return withSymbol(symbols, query, (m) => klines(ctx, m, query, now));
    case '/v5/market/funding/history':
      return withSymbol(symbols, query, (m) => fundingHistory(ctx, faults, m, query, now));
    case '/v5/market/open-interest':
      return withSymbol(symbols, query, (m) => openInterest(ctx, m, query, now));
    default:
      return null;
  }
}

function instrumentStatus(ctx: SimContext, m: SimMarket, now: number): string {
  return ctx.isLive(m, now) ? 'Trading' : 'Closed';
}

function instrument(ctx: SimContext, m: SimMarket, now: number): Record<string, unknown> {
  const step = stepBase(m);
  const priceScale = byPrice(m.tickSize, m).split('.')[1]?.length ?? 0;
  return {
    symbol: bybitId(m),
    contractType: 'LinearPerpetual',
    status: instrumentStatus(ctx, m, now),
    baseCoin: m.base,
    quoteCoin: m.quote,
    launchTime: String(m.listedAtMs ?? ctx.source.firstDataMs(m.symbol)),
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(priceScale),
    leverageFilter: { minLeverage: '1', maxLeverage: String(m.maxLeverage ?? 50), leverageStep: '0.01' },
    priceFilter: { minPrice: byPrice(m.tickSize, m), maxPrice: byPrice(1_000_000 * Math.max(1, m.tickSize * 1e4), m), tickSize: byPrice(m.tickSize, m) },
    lotSizeFilter: {
      maxOrderQty: '100000000',
      minOrderQty: byQty(Math.max(step, m.minAmount * m.contractSize), m),
      qtyStep: byQty(step, m),
      postOnlyMaxOrderQty: '100000000',
      maxMktOrderQty: '10000000',
      minNotionalValue: String(MIN_NOTIONAL_USDT),
    },
    unifiedMarginTrade: true,
    fundingInterval: FUNDING_INTERVAL_MS / 60_000,
    settleCoin: m.settle,
    copyTrading: 'both',
    upperFundingRate: '0.02',
    lowerFundingRate: '-0.02',
    isPreListing: false,
    preListingInfo: null,
  };
}

export function ticker(ctx: SimContext, faults: FaultState, m: SimMarket, now: number): Record<string, unknown> | null {
  const at = ctx.tradingTime(m, now);
  const s = ctx.source.stats24h(m.symbol, at);
  if (!s) return null;
  const book = ctx.source.orderBook(m.symbol, at, 1);
  const bid = book.bids[0];
  const ask = book.asks[0];
  const mp = ctx.source.markPrice(m.symbol, at);
  const f = ctx.source.fundingRate(m.symbol, at);
  const oi = ctx.source.openInterest(m.symbol, at);
  const hourAgo = ctx.source.lastPrice(m.symbol, at - 3_600_000) ?? s.open24h;
  return {
    symbol: bybitId(m),
    lastPrice: byPrice(s.last, m),
    indexPrice: decimal(mp.indexPrice ?? mp.markPrice, 8),
    markPrice: decimal(mp.markPrice, 8),
    prevPrice24h: byPrice(s.open24h, m),
    price24hPcnt: (s.open24h > 0 ? (s.last - s.open24h) / s.open24h : 0).toFixed(6),
    highPrice24h: byPrice(s.high24h, m),
    lowPrice24h: byPrice(s.low24h, m),
    prevPrice1h: byPrice(hourAgo, m),
    openInterest: byQty(oi.amountBase, m),
    openInterestValue: decimal(oi.valueUsd ?? oi.amountBase * mp.markPrice, 2),
    turnover24h: decimal(s.quoteVolume24h, 4),
    volume24h: byQty(s.baseVolume24h, m),
    fundingRate: decimal(faults.fundingRateOverride(m.symbol, m.id, at) ?? f.rate, 8),
    nextFundingTime: String(f.nextFundingTimeMs ?? Math.ceil((at + 1) / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS),
    predictedDeliveryPrice: '',
    basisRate: '',
    deliveryFeeRate: '',
    deliveryTime: '0',
    ask1Size: ask ? byQty(ask[1], m) : '',
    bid1Price: bid ? byPrice(bid[0], m) : '',
    ask1Price: ask ? byPrice(ask[0], m) : '',
    bid1Size: bid ? byQty(bid[1], m) : '',
    basis: '',
    preOpenPrice: '',
    preQty: '',
    curPreListingPhase: '',
  };
}

/**
 * Klines newest first, at most `limit` (default 200, max 1000): from `start` when given (the
 * first `limit` bars from there), else the latest up to `end` (or now), the forming bar included.
 * Each row is `[startTime, open, high, low, close, volume, turnover]`, all strings.
 */
function klines(ctx: SimContext, m: SimMarket, query: Query, now: number): DialectReply {
  const interval = query.get('interval') ?? '';
  if (interval === '') return BY.missing('interval');
  const tfMs = BYBIT_INTERVALS[interval];
  const code = tfMs === undefined ? null : barCode(tfMs);
  if (tfMs === undefined || code === null || !ctx.source.supportsTimeframe(tfMs)) return BY.badValue('interval', `Got "${interval}", expected one of ${Object.keys(BYBIT_INTERVALS).join(', ')}.`);
  const limit = intParam(query, 'limit', 200, 1, 1000);
  if (typeof limit !== 'number') return limit;
  const start = timeParam(query, 'start');
  if (typeof start === 'object' && start !== null) return start;
  const end = timeParam(query, 'end');
  if (typeof end === 'object' && end !== null) return end;
  const at = ctx.tradingTime(m, now);
  const formingOpen = Math.floor(at / tfMs) * tfMs;
  const first = ctx.historyStartMs(m, tfMs);
  const lastOpen = Math.min(formingOpen, Math.floor((end ?? Number.POSITIVE_INFINITY) / tfMs) * tfMs);
  let fromOpen: number;
  let toOpen: number;
  if (start !== null) {
    fromOpen = Math.max(first, Math.ceil(start / tfMs) * tfMs);
    toOpen = Math.min(lastOpen, fromOpen + (limit - 1) * tfMs);
  } else {
    toOpen = lastOpen;
    fromOpen = Math.max(first, toOpen - (limit - 1) * tfMs);
  }
  const rows: SimCandle[] = toOpen < fromOpen ? [] : ctx.source.candles(m.symbol, code, fromOpen, Math.min(toOpen + 1, formingOpen));
  if (toOpen >= formingOpen && fromOpen <= formingOpen && ctx.isLive(m, now)) {
    const forming = ctx.source.formingCandle(m.symbol, code, at);
    if (forming) rows.push(forming);
  }
  const list = rows
    .slice(0, limit)
    .reverse()
    .map((c) => [String(c.openTimeMs), byPrice(c.open, m), byPrice(c.high, m), byPrice(c.low, m), byPrice(c.close, m), byQty(c.volume, m), decimal(c.quoteVolume, 4)]);
  return byOk({ symbol: bybitId(m), category: 'linear', list });
}

/**
 * Settled funding rates, newest first, at most `limit` (default and max 200). Bybit refuses a
 * `startTime` without an `endTime`; with only `endTime` (or neither) it answers the latest up to it.
 */
function fundingHistory(ctx: SimContext, faults: FaultState, m: SimMarket, query: Query, now: number): DialectReply {
  const limit = intParam(query, 'limit', 200, 1, 200);
  if (typeof limit !== 'number') return limit;
  const startTime = timeParam(query, 'startTime');
  if (typeof startTime === 'object' && startTime !== null) return startTime;
  const endTime = timeParam(query, 'endTime');
  if (typeof endTime === 'object' && endTime !== null) return endTime;
  if (startTime !== null && endTime === null) return BY.param('params error: startTime and endTime must be passed together');
  const toMs = Math.min(ctx.tradingTime(m, now), endTime ?? Number.POSITIVE_INFINITY);
  const fromMs = startTime !== null ? startTime - 1 : toMs - (limit + 1) * FUNDING_INTERVAL_MS;
  const rows = ctx.source.fundingHistory(m.symbol, fromMs, toMs).slice(-limit).reverse();
  return byOk({
    category: 'linear',
    list: rows.map((f) => ({ symbol: bybitId(m), fundingRate: decimal(faults.fundingRateOverride(m.symbol, m.id, f.timestampMs) ?? f.rate, 8), fundingRateTimestamp: String(f.timestampMs) })),
  });
}

/**
 * Open interest per `intervalTime` (5min..1d), newest first, at most `limit` (default 50, max
 * 200), in base coin. `nextPageCursor` pages further back (the older end of this page).
 */
function openInterest(ctx: SimContext, m: SimMarket, query: Query, now: number): DialectReply {
  const interval = query.get('intervalTime') ?? '';
  if (interval === '') return BY.missing('intervalTime');
  const periodMs = BYBIT_OI_INTERVALS[interval];
  if (periodMs === undefined) return BY.badValue('intervalTime', `Got "${interval}", expected one of ${Object.keys(BYBIT_OI_INTERVALS).join(', ')}.`);
  const limit = intParam(query, 'limit', 50, 1, 200);
  if (typeof limit !== 'number') return limit;
  const startTime = timeParam(query, 'startTime');
  if (typeof startTime === 'object' && startTime !== null) return startTime;
  const endTime = timeParam(query, 'endTime');
  if (typeof endTime === 'object' && endTime !== null) return endTime;
  const cursorRaw = query.get('cursor') ?? '';
  const cursor = cursorRaw === '' ? null : Number(cursorRaw);
  if (cursor !== null && !Number.isInteger(cursor)) return BY.badValue('cursor', `Got "${cursorRaw}", expected a cursor from nextPageCursor.`);
  const at = ctx.tradingTime(m, now);
  const earliest = Math.max(startTime ?? 0, ctx.source.firstDataMs(m.symbol));
  const last = Math.floor(Math.min(at, endTime ?? Number.POSITIVE_INFINITY, cursor ?? Number.POSITIVE_INFINITY) / periodMs) * periodMs;
  const list: Record<string, string>[] = [];
  for (let t = last; t >= earliest && list.length < limit; t -= periodMs) {
    list.push({ openInterest: byQty(ctx.source.openInterest(m.symbol, t).amountBase, m), timestamp: String(t) });
  }
  const oldest = list[list.length - 1];
  const more = list.length === limit && oldest !== undefined && Number(oldest.timestamp) - periodMs >= earliest;
  return byOk({ symbol: bybitId(m), category: 'linear', list, nextPageCursor: more && oldest ? String(Number(oldest.timestamp) - periodMs) : '' });
}

function withSymbol(symbols: SymbolIndex, query: Query, fn: (m: SimMarket) => DialectReply): DialectReply {
  const id = query.get('symbol');
  if (!id) return BY.missing('symbol');
  const m = symbols.get(id);
  return m ? fn(m) : BY.symbol();
}

export function intParam(query: Query, name: string, dflt: number, min: number, max: number): number | DialectReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) return BY.badValue(name, `Got "${raw}", expected an integer ${min}..${max}.`);
  return Math.min(n, max);
}

function timeParam(query: Query, name: string): number | null | DialectReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : BY.badValue(name, `Got "${raw}", expected a time in ms.`);
}
