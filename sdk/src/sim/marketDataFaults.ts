/**
 * Garbage market data, as a broken or compromised feed would send it: applied to the wire
 * records of BloFin's public endpoints (strings, as BloFin sends numbers) just before they are
 * answered. Every "old" or "wrong" record carries half the real price, so a client that let it
 * through would see a crash to half the market: enough to trip any stop or cross any limit.
 */

export const MARKET_DATA_FAULT_KINDS = ['trades', 'book', 'ticker', 'markPrice', 'funding'] as const;
export type MarketDataFaultKind = (typeof MARKET_DATA_FAULT_KINDS)[number];

export const MARKET_DATA_FAULT_MODES = ['zero', 'negative', 'nan', 'infinite', 'crossed', 'stale', 'out_of_order', 'extreme'] as const;
/**
 * - `zero`, `negative`: a price (for a book: also a size; for funding: the funding time) of 0 or below
 * - `nan`: the string "NaN" (ccxt cannot parse it in a trade and fails the whole read)
 * - `infinite`: "1e999", which parses to Infinity
 * - `crossed`: a book ask (a ticker bid) on the wrong side of the touch
 * - `stale`: a record from an hour earlier (funding: one interval earlier)
 * - `out_of_order`: a record 30 s older than the newest (funding: a funding time 30 s earlier)
 * - `extreme`: a funding rate of 500 % per interval
 */
export type MarketDataFaultMode = (typeof MARKET_DATA_FAULT_MODES)[number];

/** Which modes make sense for which kind. */
export const MARKET_DATA_FAULTS: Record<MarketDataFaultKind, readonly MarketDataFaultMode[]> = {
  trades: ['zero', 'negative', 'nan', 'infinite', 'stale', 'out_of_order'],
  book: ['zero', 'negative', 'nan', 'infinite', 'crossed', 'stale', 'out_of_order'],
  ticker: ['zero', 'negative', 'nan', 'infinite', 'crossed', 'stale', 'out_of_order'],
  markPrice: ['zero', 'negative', 'nan', 'infinite', 'stale', 'out_of_order'],
  funding: ['zero', 'negative', 'nan', 'infinite', 'extreme', 'stale', 'out_of_order'],
};

const HOUR_MS = 3_600_000;
const OUT_OF_ORDER_MS = 30_000;
const FUNDING_INTERVAL_MS = 8 * HOUR_MS;
const INFINITE = '1e999';

type Row = Record<string, string>;
type Level = string[];

/** Half of a decimal string, at the same precision. */
function half(value: string | undefined): string {
  const n = Number(value);
  if (!Number.isFinite(n)) return '0';
  const decimals = (value?.split('.')[1] ?? '').length;
  return (n / 2).toFixed(decimals);
}

function negate(value: string | undefined): string {
  const n = Number(value);
  return String(-Math.abs(Number.isFinite(n) && n !== 0 ? n : 1));
}

/**
 * Adds one garbage print to BloFin's newest-first trade list (`seq` makes its id unique). A
 * `negative` fault adds two: a negative price, and a negative size at half the price. The
 * oldest real prints make room, so the answer keeps its length: a client keeps the newest
 * `limit` trades by time, and an old garbage print past the limit would never reach it.
 */
export function corruptTrades(rows: readonly Row[], mode: MarketDataFaultMode, atMs: number, seq: number): Row[] {
  const newest = rows[0];
  if (!newest) return [...rows];
  const ts = Number(newest.ts) || atMs;
  const base = { ...newest, tradeId: `fault-${seq}` };
  const bad: Row[] = [];
  switch (mode) {
    case 'zero':
      bad.push({ ...base, price: '0', ts: String(ts) });
      break;
    case 'negative':
      bad.push({ ...base, price: negate(newest.price), ts: String(ts) }, { ...base, tradeId: `fault-${seq}b`, price: half(newest.price), size: negate(newest.size), ts: String(ts) });
      break;
    case 'nan':
      bad.push({ ...base, price: 'NaN', ts: String(ts) });
      break;
    case 'infinite':
      bad.push({ ...base, price: INFINITE, ts: String(ts) });
      break;
    case 'stale':
      bad.push({ ...base, price: half(newest.price), ts: String(ts - HOUR_MS) });
      break;
    case 'out_of_order':
      bad.push({ ...base, price: half(newest.price), ts: String(ts - OUT_OF_ORDER_MS) });
      break;
    default:
      return [...rows];
  }
  return [...bad, ...rows].slice(0, Math.max(rows.length, bad.length));
}

/** Corrupts one book record `{ asks, bids, ts }` (levels as [price, size] strings, best first). */
export function corruptBook(book: { asks: Level[]; bids: Level[]; ts: string }, mode: MarketDataFaultMode): { asks: Level[]; bids: Level[]; ts: string } {
  const asks = book.asks.map((l) => [...l]);
  const bids = book.bids.map((l) => [...l]);
  const bestAsk = asks[0];
  const bestBid = bids[0];
  if (!bestAsk || !bestBid) return { asks, bids, ts: book.ts };
  const halved = (levels: Level[]) => levels.map(([p, s, ...rest]) => [half(p), s ?? '0', ...rest]);
  switch (mode) {
    case 'zero':
      asks.unshift(['0', bestAsk[1] ?? '1']);
      bestBid[1] = '0';
      return { asks, bids, ts: book.ts };
    case 'negative':
      asks.unshift([negate(bestAsk[0]), bestAsk[1] ?? '1']);
      bestBid[1] = negate(bestBid[1]);
      return { asks, bids, ts: book.ts };
    case 'nan':
      bestBid[0] = 'NaN';
      bestAsk[1] = 'NaN';
      return { asks, bids, ts: book.ts };
    case 'infinite':
      bestBid[0] = INFINITE;
      bestAsk[1] = INFINITE;
      return { asks, bids, ts: book.ts };
    case 'crossed':
      asks.unshift([half(bestBid[0]), bestAsk[1] ?? '1']);
      return { asks, bids, ts: book.ts };
    case 'stale':
      return { asks: halved(asks), bids: halved(bids), ts: String(Number(book.ts) - HOUR_MS) };
    case 'out_of_order':
      return { asks: halved(asks), bids: halved(bids), ts: String(Number(book.ts) - OUT_OF_ORDER_MS) };
    default:
      return { asks, bids, ts: book.ts };
  }
}

/** Corrupts one BloFin ticker record. */
export function corruptTicker(t: Row, mode: MarketDataFaultMode): Row {
  switch (mode) {
    case 'zero':
      return { ...t, last: '0' };
    case 'negative':
      return { ...t, last: negate(t.last) };
    case 'nan':
      return { ...t, last: 'NaN' };
    case 'infinite':
      return { ...t, last: INFINITE };
    case 'crossed':
      return { ...t, bidPrice: String(Number(t.askPrice || t.last) * 2) };
    case 'stale':
      return { ...t, last: half(t.last), ts: String(Number(t.ts) - HOUR_MS) };
    case 'out_of_order':
      return { ...t, last: half(t.last), ts: String(Number(t.ts) - OUT_OF_ORDER_MS) };
    default:
      return t;
  }
}

/** Corrupts one mark-price record `{ instId, indexPrice, markPrice, ts }`. */
export function corruptMarkPrice(m: Row, mode: MarketDataFaultMode): Row {
  switch (mode) {
    case 'zero':
      return { ...m, markPrice: '0' };
    case 'negative':
      return { ...m, markPrice: negate(m.markPrice) };
    case 'nan':
      return { ...m, markPrice: 'NaN' };
    case 'infinite':
      return { ...m, markPrice: INFINITE };
    case 'stale':
      return { ...m, markPrice: half(m.markPrice), ts: String(Number(m.ts) - HOUR_MS) };
    case 'out_of_order':
      return { ...m, markPrice: half(m.markPrice), ts: String(Number(m.ts) - OUT_OF_ORDER_MS) };
    default:
      return m;
  }
}

/** Corrupts one funding record `{ instId, fundingRate, fundingTime }`. */
export function corruptFunding(f: Row, mode: MarketDataFaultMode): Row {
  switch (mode) {
    case 'zero':
      return { ...f, fundingTime: '0' };
    case 'negative':
      return { ...f, fundingTime: '-1' };
    case 'nan':
      return { ...f, fundingRate: 'NaN' };
    case 'infinite':
      return { ...f, fundingRate: INFINITE };
    case 'extreme':
      return { ...f, fundingRate: '5' };
    case 'stale':
      return { ...f, fundingTime: String(Number(f.fundingTime) - FUNDING_INTERVAL_MS) };
    case 'out_of_order':
      return { ...f, fundingTime: String(Number(f.fundingTime) - OUT_OF_ORDER_MS) };
    default:
      return f;
  }
}
