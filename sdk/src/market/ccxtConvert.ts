import type { Candle, FundingRate, Market, MarkPrice, OpenInterest, Ticker } from '@perpscope/shared';
import type {
  FundingRate as CcxtFundingRate,
  MarketInterface as CcxtMarket,
  OHLCV,
  OpenInterest as CcxtOpenInterest,
  OrderBook as CcxtOrderBook,
  Ticker as CcxtTicker,
  Trade as CcxtTrade,
} from 'ccxt';
import {
  MarketDataIssueReason,
  MarketDataKind,
  sanitizeFunding,
  sanitizeMarkPrice,
  sanitizeOrderBook,
  sanitizeTicker,
  sanitizeTrades,
  type RawTrade,
  type Sanitized,
  type SanitizedBook,
  type SanitizedTrades,
  type SanitizeOptions,
  type TradeCursor,
} from './sanitizeMarketData.js';
import { contractsToBase } from './contractUnits.js';

/**
 * ccxt structures -> Perpscope domain types. ccxt leaves many fields `undefined`; these
 * functions fill what can be derived. Trades, books, tickers, funding and mark prices leave
 * through the checks of `sanitizeMarketData`, with the issues found.
 */

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** A value the exchange sent (ccxt leaves absent fields undefined); it may still be garbage. */
const given = <T>(v: T | undefined | null): v is T => v !== undefined && v !== null;

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
 * The 24h volumes of an HTX contract ticker, read from its raw fields, or undefined for any other
 * ticker. ccxt's `htx` maps the contract count `vol` to `quoteVolume` and the coin `amount` to
 * `baseVolume`, so neither ccxt field means what it does elsewhere: the quote volume is the raw
 * `trade_turnover` (quote turnover, sent for linear contracts) and the base volume `amount`, which
 * is already in coin. Known by its `contract_code` (HTX's contract id field) next to `trade_turnover`.
 */
function htxContractVolumes(t: CcxtTicker): { base: number | undefined; quote: number } | undefined {
  const info = t.info as { contract_code?: unknown; trade_turnover?: unknown; amount?: unknown } | undefined;
  if (typeof info?.contract_code !== 'string' || !given(info.trade_turnover)) return undefined;
  const quote = Number(info.trade_turnover);
  if (!Number.isFinite(quote) || quote < 0) return undefined;
  const base = Number(info.amount);
  return { base: given(info.amount) && Number.isFinite(base) && base >= 0 ? base : undefined, quote };
}

/**
 * 24h quote volume. ccxt fills `quoteVolume` for most exchanges. For BloFin swaps it does not:
 * the raw `volCurrencyQuote24h` is used when a venue sends it (BloFin's documented tickers, and
 * so SimExchange's, carry none), otherwise
 * `baseVolume` (contracts) x contractSize priced at the 24h VWAP when known, else the last price.
 * For HTX contracts ccxt's `quoteVolume` is a contract count: their `trade_turnover` is used.
 */
export function quoteVolumeOf(t: CcxtTicker, contractSize: number): number | undefined {
  const htx = htxContractVolumes(t);
  if (htx) return htx.quote;
  const quote = num(t.quoteVolume);
  if (quote !== undefined) return quote;
  const rawQuote = Number((t.info as { volCurrencyQuote24h?: unknown } | undefined)?.volCurrencyQuote24h);
  if (Number.isFinite(rawQuote) && rawQuote >= 0) return rawQuote;
  const base = num(t.baseVolume);
  const price = num(t.vwap) ?? num(t.last);
  return base === undefined || price === undefined ? undefined : contractsToBase(contractSize, base) * price;
}

/**
 * The ticker, checked by `sanitizeTicker`: a missing, NaN, infinite, zero or negative last (or
 * bid/ask when given), a crossed bid/ask or a time older than `cursorMs` drops it.
 */
export function tickerFromCcxt(t: CcxtTicker, contractSize: number, nowMs: number, cursorMs?: number, options?: SanitizeOptions): Sanitized<Ticker> {
  if (!t.symbol) return { value: undefined, cursorMs, issues: [{ kind: MarketDataKind.ticker, reason: MarketDataIssueReason.Unparseable, count: 1 }] };
  const positive = (v: unknown) => {
    const n = num(v);
    return n !== undefined && n > 0 ? n : undefined;
  };
  // HTX's `amount` (ccxt's baseVolume there) is in coin already: scaling it as contracts would shrink it.
  const htxBase = htxContractVolumes(t)?.base;
  const out: Ticker = {
    symbol: t.symbol,
    timestampMs: given(t.timestamp) ? (t.timestamp as number) : nowMs,
    last: (given(t.last) ? t.last : t.close) as number,
    baseVolume24h: htxBase ?? contractsToBase(contractSize, num(t.baseVolume) ?? 0),
    quoteVolume24h: quoteVolumeOf(t, contractSize) ?? 0,
  };
  // Quotes are checked (a garbage bid or ask drops the ticker); absent ones stay absent.
  if (given(t.bid)) out.bid = t.bid;
  if (given(t.ask)) out.ask = t.ask;
  // The sizes at the touch are contracts on a swap venue, as every exchange size.
  const bidSize = num(t.bidVolume);
  const askSize = num(t.askVolume);
  if (bidSize !== undefined && bidSize >= 0) out.bidSize = contractsToBase(contractSize, bidSize);
  if (askSize !== undefined && askSize >= 0) out.askSize = contractsToBase(contractSize, askSize);
  const open = positive(t.open);
  const high = positive(t.high);
  const low = positive(t.low);
  if (open !== undefined) out.open24h = open;
  if (high !== undefined) out.high24h = high;
  if (low !== undefined) out.low24h = low;
  return unstamped(given(t.timestamp), cursorMs, (c) => sanitizeTicker(out, c, options));
}

/**
 * Runs a check without the cursor when the exchange sent no time (the fallback is the local
 * clock, which need not match the exchange's): such an item is neither ordered nor moves it.
 */
function unstamped<T>(stamped: boolean, cursorMs: number | undefined, check: (cursorMs: number | undefined) => Sanitized<T>): Sanitized<T> {
  if (stamped) return check(cursorMs);
  return { ...check(undefined), cursorMs };
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

/** The book in base units, checked by `sanitizeOrderBook` (bad levels dropped; a crossed, empty or old book dropped whole). */
export function orderBookFromCcxt(symbol: string, b: CcxtOrderBook, contractSize: number, nowMs: number, cursorMs?: number, options?: SanitizeOptions): SanitizedBook {
  const levels = (side: unknown): (readonly unknown[])[] =>
    (Array.isArray(side) ? (side as unknown[]) : []).map((lvl) => {
      const [price, size] = Array.isArray(lvl) ? (lvl as unknown[]) : [];
      return [price, typeof size === 'number' ? contractsToBase(contractSize, size) : size];
    });
  return sanitizeOrderBook(symbol, { timestampMs: b.timestamp, bids: levels(b.bids), asks: levels(b.asks) }, cursorMs, nowMs, options);
}

/** Trades in base units, checked by `sanitizeTrades` against the symbol's cursor. */
export function tradesFromCcxt(symbol: string, trades: readonly CcxtTrade[], contractSize: number, cursor?: TradeCursor, options?: SanitizeOptions): SanitizedTrades {
  const rows: RawTrade[] = trades.map((t) => ({
    id: t.id ? String(t.id) : undefined,
    timestampMs: t.timestamp,
    price: t.price,
    amount: typeof t.amount === 'number' ? contractsToBase(contractSize, t.amount) : t.amount,
    side: t.side,
  }));
  return sanitizeTrades(symbol, rows, cursor, options);
}

/** The funding rate, checked by `sanitizeFunding` (cursor: the newest accepted next funding time). */
export function fundingFromCcxt(symbol: string, f: CcxtFundingRate, nowMs: number, cursorMs?: number, options?: SanitizeOptions): Sanitized<FundingRate> {
  const next = given(f.nextFundingTimestamp) ? f.nextFundingTimestamp : f.fundingTimestamp;
  const intervalHours = typeof f.interval === 'string' && /^\d+h$/.test(f.interval) ? Number(f.interval.slice(0, -1)) : undefined;
  const out: FundingRate = {
    symbol,
    timestampMs: given(f.timestamp) ? (f.timestamp as number) : nowMs,
    rate: (given(f.fundingRate) ? f.fundingRate : NaN) as number,
    ...(given(next) ? { nextFundingTimeMs: next } : {}),
    ...(intervalHours ? { intervalHours } : {}),
  };
  return sanitizeFunding(out, cursorMs, options);
}

export function openInterestFromCcxt(symbol: string, oi: CcxtOpenInterest, contractSize: number, nowMs: number): OpenInterest | undefined {
  const amount = num(oi.openInterestAmount) ?? num(oi.baseVolume);
  const value = num(oi.openInterestValue) ?? num(oi.quoteVolume);
  if (amount === undefined && value === undefined) return undefined;
  return {
    symbol,
    timestampMs: num(oi.timestamp) ?? nowMs,
    amountBase: amount === undefined ? 0 : contractsToBase(contractSize, amount),
    ...(value !== undefined ? { valueUsd: value } : {}),
  };
}

/** The mark price, checked by `sanitizeMarkPrice`. */
export function markPriceFromCcxt(symbol: string, t: CcxtTicker | CcxtFundingRate, nowMs: number, cursorMs?: number, options?: SanitizeOptions): Sanitized<MarkPrice> {
  const out: MarkPrice = {
    symbol,
    timestampMs: given(t.timestamp) ? (t.timestamp as number) : nowMs,
    markPrice: (given(t.markPrice) ? t.markPrice : NaN) as number,
    ...(given(t.indexPrice) ? { indexPrice: t.indexPrice } : {}),
  };
  return unstamped(given(t.timestamp), cursorMs, (c) => sanitizeMarkPrice(out, c, options));
}
