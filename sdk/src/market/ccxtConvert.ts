import type { Candle, FundingRate, Market, MarkPrice, OpenInterest, OrderBook, Ticker, Trade } from '@perpscope/shared';
import type {
  FundingRate as CcxtFundingRate,
  MarketInterface as CcxtMarket,
  OHLCV,
  OpenInterest as CcxtOpenInterest,
  OrderBook as CcxtOrderBook,
  Ticker as CcxtTicker,
  Trade as CcxtTrade,
} from 'ccxt';

/**
 * ccxt structures -> Perpscope domain types. ccxt leaves many fields `undefined`; these
 * functions fill what can be derived and drop rows that carry no usable number.
 */

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function marketFromCcxt(m: CcxtMarket): Market | undefined {
  if (!m.symbol || !m.id || !m.base || !m.quote) return undefined;
  const type = m.type === 'swap' || m.type === 'future' || m.type === 'spot' || m.type === 'option' ? m.type : undefined;
  if (!type) return undefined;
  const tickSize = num(m.precision?.price);
  const lotSize = num(m.precision?.amount);
  return {
    symbol: m.symbol,
    id: m.id,
    base: m.base,
    quote: m.quote,
    settle: m.settle ?? m.quote,
    type,
    linear: m.linear ?? true,
    // ccxt leaves `active` undefined when the exchange does not say; that means tradable.
    active: m.active !== false,
    contractSize: num(m.contractSize) ?? 1,
    tickSize: tickSize && tickSize > 0 ? tickSize : 1e-8,
    lotSize: lotSize && lotSize > 0 ? lotSize : 1e-8,
    minAmount: num(m.limits?.amount?.min) ?? 0,
    makerFee: num(m.maker) ?? 0,
    takerFee: num(m.taker) ?? 0,
    ...(num(m.limits?.leverage?.max) ? { maxLeverage: num(m.limits?.leverage?.max)! } : {}),
    ...(num((m as { created?: unknown }).created) ? { listedAtMs: num((m as { created?: unknown }).created)! } : {}),
  };
}

/**
 * 24h quote volume. ccxt fills `quoteVolume` for most exchanges. For BloFin swaps it does not:
 * the raw `volCurrencyQuote24h` is used when the venue sends it (SimExchange does), otherwise
 * `baseVolume` (contracts) x contractSize priced at the 24h VWAP when known, else the last price.
 */
export function quoteVolumeOf(t: CcxtTicker, contractSize: number): number | undefined {
  const quote = num(t.quoteVolume);
  if (quote !== undefined) return quote;
  const rawQuote = Number((t.info as { volCurrencyQuote24h?: unknown } | undefined)?.volCurrencyQuote24h);
  if (Number.isFinite(rawQuote) && rawQuote >= 0) return rawQuote;
  const base = num(t.baseVolume);
  const price = num(t.vwap) ?? num(t.last);
  return base === undefined || price === undefined ? undefined : base * contractSize * price;
}

export function tickerFromCcxt(t: CcxtTicker, contractSize: number, nowMs: number): Ticker | undefined {
  const last = num(t.last) ?? num(t.close);
  if (!t.symbol || last === undefined || !(last > 0)) return undefined;
  const positive = (v: unknown) => {
    const n = num(v);
    return n !== undefined && n > 0 ? n : undefined;
  };
  const out: Ticker = {
    symbol: t.symbol,
    timestampMs: num(t.timestamp) ?? nowMs,
    last,
    baseVolume24h: Math.max(0, (num(t.baseVolume) ?? 0) * contractSize),
    quoteVolume24h: Math.max(0, quoteVolumeOf(t, contractSize) ?? 0),
  };
  const bid = positive(t.bid);
  const ask = positive(t.ask);
  if (bid !== undefined) out.bid = bid;
  if (ask !== undefined) out.ask = ask;
  const bidSize = num(t.bidVolume);
  const askSize = num(t.askVolume);
  if (bidSize !== undefined && bidSize >= 0) out.bidSize = bidSize;
  if (askSize !== undefined && askSize >= 0) out.askSize = askSize;
  const open = positive(t.open);
  const high = positive(t.high);
  const low = positive(t.low);
  if (open !== undefined) out.open24h = open;
  if (high !== undefined) out.high24h = high;
  if (low !== undefined) out.low24h = low;
  return out;
}

export function candlesFromCcxt(rows: readonly OHLCV[]): Candle[] {
  const out: Candle[] = [];
  for (const r of rows) {
    const [t, o, h, l, c, v] = r;
    if (num(t) === undefined || num(o) === undefined || num(h) === undefined || num(l) === undefined || num(c) === undefined) continue;
    out.push({ openTimeMs: t!, open: o!, high: h!, low: l!, close: c!, volume: num(v) ?? 0 });
  }
  return out;
}

export function orderBookFromCcxt(symbol: string, b: CcxtOrderBook, contractSize: number, nowMs: number): OrderBook {
  const levels = (side: readonly unknown[][]) =>
    side
      .map((lvl) => [num(lvl[0]), num(lvl[1])] as const)
      .filter((lvl): lvl is readonly [number, number] => lvl[0] !== undefined && lvl[1] !== undefined && lvl[0] > 0)
      .map(([p, a]): [number, number] => [p, a * contractSize]);
  return { symbol, timestampMs: num(b.timestamp) ?? nowMs, bids: levels(b.bids), asks: levels(b.asks) };
}

export function tradesFromCcxt(symbol: string, trades: readonly CcxtTrade[], contractSize: number): Trade[] {
  const out: Trade[] = [];
  for (const t of trades) {
    const price = num(t.price);
    const amount = num(t.amount);
    const ts = num(t.timestamp);
    if (price === undefined || amount === undefined || ts === undefined || (t.side !== 'buy' && t.side !== 'sell')) continue;
    out.push({ symbol, timestampMs: ts, price, amount: amount * contractSize, side: t.side, ...(t.id ? { id: String(t.id) } : {}) });
  }
  return out;
}

export function fundingFromCcxt(symbol: string, f: CcxtFundingRate, nowMs: number): FundingRate | undefined {
  const rate = num(f.fundingRate);
  if (rate === undefined) return undefined;
  const next = num(f.nextFundingTimestamp) ?? num(f.fundingTimestamp);
  const intervalHours = typeof f.interval === 'string' && /^\d+h$/.test(f.interval) ? Number(f.interval.slice(0, -1)) : undefined;
  return {
    symbol,
    timestampMs: num(f.timestamp) ?? nowMs,
    rate,
    ...(next !== undefined ? { nextFundingTimeMs: next } : {}),
    ...(intervalHours ? { intervalHours } : {}),
  };
}

export function openInterestFromCcxt(symbol: string, oi: CcxtOpenInterest, contractSize: number, nowMs: number): OpenInterest | undefined {
  const amount = num(oi.openInterestAmount) ?? num(oi.baseVolume);
  const value = num(oi.openInterestValue) ?? num(oi.quoteVolume);
  if (amount === undefined && value === undefined) return undefined;
  return {
    symbol,
    timestampMs: num(oi.timestamp) ?? nowMs,
    amountBase: amount === undefined ? 0 : amount * contractSize,
    ...(value !== undefined ? { valueUsd: value } : {}),
  };
}

export function markPriceFromCcxt(symbol: string, t: CcxtTicker | CcxtFundingRate, nowMs: number): MarkPrice | undefined {
  const mark = num(t.markPrice);
  if (mark === undefined || !(mark > 0)) return undefined;
  const index = num(t.indexPrice);
  return { symbol, timestampMs: num(t.timestamp) ?? nowMs, markPrice: mark, ...(index && index > 0 ? { indexPrice: index } : {}) };
}
