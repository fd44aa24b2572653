import type { SimContext } from './context.js';
import type { FaultState } from './faults.js';
import { corruptBook, corruptFunding, corruptMarkPrice, corruptTicker, corruptTrades } from './marketDataFaults.js';
import { BLOFIN_BARS } from './timeframes.js';
import type { SimCandle, SimMarket } from './types.js';
import { candleRow, contracts, decimal, fail, instrument, ok, price, reject, type Reply } from './wire.js';

const FUNDING_INTERVAL_MS = 8 * 3_600_000;

type Query = URLSearchParams;

/** Routes BloFin's public market-data endpoints (`/api/v1/market/*`); `faults` may corrupt the answers. */
export function handlePublic(ctx: SimContext, path: string, query: Query, faults?: FaultState): Reply {
  const now = ctx.nowMs();
  const tickerFault = faults?.marketDataFault('ticker');
  const bookFault = faults?.marketDataFault('book');
  const tradesFault = faults?.marketDataFault('trades');
  const markFault = faults?.marketDataFault('markPrice');
  const fundingFault = faults?.marketDataFault('funding');
  switch (path) {
    case '/api/v1/market/instruments': {
      const instId = query.get('instId');
      const list = ctx.markets().filter((m) => !instId || m.id === instId);
      return ok(list.map((m) => instrument(m, ctx.isLive(m, now))));
    }
    case '/api/v1/market/tickers': {
      const instId = query.get('instId');
      if (instId) {
        const m = ctx.byInstId(instId);
        if (!m) return unknownInstrument(instId);
        const t = ctx.isLive(m, now) ? ctx.ticker(m, now) : null;
        return ok(t ? [tickerFault ? corruptTicker(t, tickerFault) : t] : []);
      }
      const rows = ctx.markets().filter((m) => ctx.isLive(m, now)).map((m) => ctx.ticker(m, now));
      return ok(rows.filter((r) => r !== null).map((r) => (tickerFault ? corruptTicker(r, tickerFault) : r)));
    }
    case '/api/v1/market/books':
      return withMarket(ctx, query, (m) => {
        const size = intParam(query, 'size', 1, 1, 100);
        if (typeof size !== 'number') return size;
        const book = ctx.isLive(m, now) ? ctx.source.orderBook(m.symbol, now, size) : { bids: [], asks: [] };
        const level = ([p, a]: [number, number]): string[] => [price(p, m), contracts(a, m)];
        const record = { asks: book.asks.map(level), bids: book.bids.map(level), ts: String(now) };
        return ok([bookFault ? corruptBook(record, bookFault) : record]);
      });
    case '/api/v1/market/trades':
      return withMarket(ctx, query, (m) => {
        const limit = intParam(query, 'limit', 100, 1, 100);
        if (typeof limit !== 'number') return limit;
        const rows = recentTrades(ctx, m, now, limit);
        return ok(tradesFault && faults ? corruptTrades(rows, tradesFault, now, faults.nextFaultSeq()) : rows);
      });
    case '/api/v1/market/mark-price': {
      // ccxt's fetchMarkPrice sends the id as `symbol`; accept both.
      const instId = query.get('instId') ?? query.get('symbol');
      const list = ctx.markets().filter((m) => (!instId || m.id === instId) && ctx.isLive(m, now));
      return ok(
        list.map((m) => {
          const mp = ctx.source.markPrice(m.symbol, now);
          const record = { instId: m.id, indexPrice: price(mp.indexPrice ?? mp.markPrice, m), markPrice: price(mp.markPrice, m), ts: String(now) };
          return markFault ? corruptMarkPrice(record, markFault) : record;
        }),
      );
    }
    case '/api/v1/market/funding-rate': {
      const instId = query.get('instId');
      const list = ctx.markets().filter((m) => (!instId || m.id === instId) && ctx.isLive(m, now));
      return ok(
        list.map((m) => {
          const f = ctx.source.fundingRate(m.symbol, now);
          const rate = faults?.fundingRateOverride(m.symbol, m.id, now) ?? f.rate;
          const record = { instId: m.id, fundingRate: decimal(rate, 8), fundingTime: String(f.nextFundingTimeMs ?? now) };
          return fundingFault ? corruptFunding(record, fundingFault) : record;
        }),
      );
    }
    case '/api/v1/market/funding-rate-history':
      return withMarket(ctx, query, (m) => {
        const limit = intParam(query, 'limit', 100, 1, 100);
        if (typeof limit !== 'number') return limit;
        const after = numParam(query, 'after');
        const before = numParam(query, 'before');
        const toMs = Math.min(ctx.tradingTime(m, now), after !== undefined ? after - 1 : Number.POSITIVE_INFINITY);
        const fromMs = before ?? toMs - (limit + 1) * FUNDING_INTERVAL_MS;
        const rows = ctx.source.fundingHistory(m.symbol, fromMs, toMs).slice(-limit).reverse();
        return ok(
          rows.map((f) => ({ instId: m.id, fundingRate: decimal(faults?.fundingRateOverride(m.symbol, m.id, f.timestampMs) ?? f.rate, 8), fundingTime: String(f.timestampMs) })),
        );
      });
    case '/api/v1/market/candles':
      return withMarket(ctx, query, (m) => candles(ctx, m, query, now));
    default:
      return fail(404, '404', `Not Found: ${path}`);
  }
}

/**
 * BloFin candle paging: `after` returns bars opened before it, `before` bars opened after it;
 * newest first; at most `limit` (default 500, max 1440). The forming bar is included with
 * confirm "0".
 */
function candles(ctx: SimContext, m: SimMarket, query: Query, now: number): Reply {
  const bar = query.get('bar') ?? '1m';
  const tfMs = BLOFIN_BARS[bar];
  if (tfMs === undefined || !ctx.source.supportsTimeframe(tfMs)) return reject('152002', `Parameter bar error. Got "${bar}"`);
  const limit = intParam(query, 'limit', 500, 1, 1440);
  if (typeof limit !== 'number') return limit;
  const after = numParam(query, 'after');
  const before = numParam(query, 'before');
  const at = ctx.tradingTime(m, now);
  const formingOpen = Math.floor(at / tfMs) * tfMs;
  const upper = Math.min(after ?? Number.POSITIVE_INFINITY, formingOpen + 1);
  const lower = Math.max(ctx.historyStartMs(m, tfMs), before !== undefined ? before + 1 : Number.NEGATIVE_INFINITY);
  const rows: SimCandle[] = [];
  if (formingOpen < upper && formingOpen >= lower && ctx.isLive(m, now)) {
    const forming = ctx.source.formingCandle(m.symbol, bar, at);
    if (forming) rows.push(forming);
  }
  const completeEnd = Math.min(upper, formingOpen);
  if (completeEnd > lower) {
    const from = Math.max(lower, completeEnd - limit * tfMs);
    const complete = ctx.source.candles(m.symbol, bar, from, completeEnd);
    for (let i = complete.length - 1; i >= 0 && rows.length < limit; i--) rows.push(complete[i]!);
  }
  return ok(rows.slice(0, limit).map((c) => candleRow(c, m)));
}

function recentTrades(ctx: SimContext, m: SimMarket, now: number, limit: number): Record<string, string>[] {
  return ctx
    .recentTrades(m, now, limit)
    .reverse()
    .map((t) => ({ tradeId: t.id ?? '', instId: m.id, price: price(t.price, m), size: contracts(t.amount, m), side: t.side, ts: String(t.timestampMs) }));
}

function withMarket(ctx: SimContext, query: Query, fn: (m: SimMarket) => Reply): Reply {
  const instId = query.get('instId');
  if (!instId) return reject('152001', 'Parameter instId cannot be empty');
  const m = ctx.byInstId(instId);
  if (!m) return unknownInstrument(instId);
  return fn(m);
}

function unknownInstrument(instId: string): Reply {
  return reject('152014', `Instrument ID does not exist: ${instId}`);
}

function numParam(query: Query, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function intParam(query: Query, name: string, dflt: number, min: number, max: number): number | Reply {
  const raw = query.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) return reject('152002', `Parameter ${name} error. Got "${raw}", expected an integer ${min}..${max}`);
  return Math.min(n, max);
}
