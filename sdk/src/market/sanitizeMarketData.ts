import type { FundingRate, MarkPrice, OrderBook, Ticker, Trade } from '@perpscope/shared';

/**
 * The edge guard between exchange market data and everything that acts on it (paper stops and
 * fills, order-flow scores, the universe). Trades, books, tickers, mark prices and funding rates
 * are checked here; what cannot be trusted is dropped and reported as a `MarketDataIssue`, never
 * passed on. Candles have their own guard (`sanitizeCandles`).
 *
 * Time order is judged against a per-symbol cursor (the newest timestamp accepted so far), never
 * against the local clock: sim time, replayed data and accelerated clocks all differ from the
 * wall. Data older than the cursor by up to `staleAfterMs` is `out_of_order`; older by more it
 * is `stale`. Without a cursor (the first read) time order cannot be judged and is not.
 */

/** What kind of item an issue is about. */
export const MarketDataKind = {
  trade: 'trade',
  /** One price level of a book (dropped, the rest of the book kept). */
  bookLevel: 'bookLevel',
  /** A whole book (dropped). */
  book: 'book',
  ticker: 'ticker',
  markPrice: 'markPrice',
  /** The index price next to a mark price (dropped, the mark kept). */
  indexPrice: 'indexPrice',
  funding: 'funding',
} as const;
export type MarketDataKind = (typeof MarketDataKind)[keyof typeof MarketDataKind];

/** Why an item was dropped (or, for `unsorted`, re-sorted). */
export const MarketDataIssueReason = {
  /** A required number missing, NaN or infinite. */
  NonFinite: 'non_finite',
  /** A price, size or timestamp of zero or below. */
  NonPositive: 'non_positive',
  /** A trade side other than buy or sell. */
  BadSide: 'bad_side',
  /** Best bid at or above best ask. */
  Crossed: 'crossed',
  /** A book with a side left empty once bad levels were dropped. */
  Empty: 'empty',
  /** A book side out of price order: sorted (the only repair; nothing is dropped), counted per side. */
  Unsorted: 'unsorted',
  /** Older than the cursor by more than `staleAfterMs`. */
  Stale: 'stale',
  /** Older than the cursor by up to `staleAfterMs` (a trade: one not seen before). */
  OutOfOrder: 'out_of_order',
  /** A funding rate beyond `maxAbsFundingRate` per interval. */
  OutOfRange: 'out_of_range',
  /** The exchange library could not parse the response at all. */
  Unparseable: 'unparseable',
} as const;
export type MarketDataIssueReason = (typeof MarketDataIssueReason)[keyof typeof MarketDataIssueReason];

export interface MarketDataIssue {
  kind: MarketDataKind;
  reason: MarketDataIssueReason;
  count: number;
}

export interface SanitizeOptions {
  /** Above this lag behind the cursor, old data is `stale` rather than `out_of_order` (default 60 s). */
  staleAfterMs?: number;
  /** Largest believable |funding rate| per interval, as a fraction (default 0.1 = 10 %). */
  maxAbsFundingRate?: number;
}

export const DEFAULT_STALE_AFTER_MS = 60_000;
/** Venues cap funding at a few percent per interval; 10 % leaves room and still stops garbage. */
export const DEFAULT_MAX_ABS_FUNDING_RATE = 0.1;
/** Trade ids remembered per symbol, to tell a re-read print from a late new one. */
const SEEN_TRADE_IDS = 2_000;

/** Where trade checking left off for one symbol. */
export interface TradeCursor {
  /** Newest accepted trade time. */
  newestMs: number;
  /** Ids of recently accepted trades, oldest first (bounded). */
  seenIds: readonly string[];
}

/** A trade as converted from the exchange, numbers not yet trusted. */
export interface RawTrade {
  id?: string | undefined;
  timestampMs: unknown;
  price: unknown;
  /** Base units. */
  amount: unknown;
  side: unknown;
}

export interface RawOrderBook {
  timestampMs: unknown;
  /** [price, size in base units] */
  bids: readonly (readonly unknown[])[];
  asks: readonly (readonly unknown[])[];
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Tally {
  private readonly counts = new Map<string, MarketDataIssue>();
  bump(kind: MarketDataKind, reason: MarketDataIssueReason, n = 1): void {
    const key = `${kind}|${reason}`;
    const known = this.counts.get(key);
    if (known) known.count += n;
    else this.counts.set(key, { kind, reason, count: n });
  }
  issues(): MarketDataIssue[] {
    return [...this.counts.values()];
  }
}

/** null when every value is a finite number above zero, else why not. */
function positiveIssue(...values: unknown[]): MarketDataIssueReason | null {
  if (!values.every(finite)) return MarketDataIssueReason.NonFinite;
  if (!values.every((v) => finite(v) && v > 0)) return MarketDataIssueReason.NonPositive;
  return null;
}

/** How data stamped `timestampMs` stands against the cursor: null when it may pass. */
function ageIssue(timestampMs: number, cursorMs: number | undefined, staleAfterMs: number): MarketDataIssueReason | null {
  if (cursorMs === undefined || timestampMs >= cursorMs) return null;
  return cursorMs - timestampMs > staleAfterMs ? MarketDataIssueReason.Stale : MarketDataIssueReason.OutOfOrder;
}

export interface SanitizedTrades {
  /** Valid trades, oldest first: positive finite price and amount, finite time, buy or sell. */
  trades: Trade[];
  /** The cursor to pass with the next batch of the symbol. */
  cursor: TradeCursor | undefined;
  issues: MarketDataIssue[];
}

/**
 * Drops trades with a missing, NaN, infinite, zero or negative price, amount or time, or an
 * unknown side. With a cursor, a trade older than the newest accepted one is passed only when
 * its id was seen before (a re-read of the same tape); a new id that old arrived out of order
 * (or is a stale print) and is dropped. Trades without ids cannot be told apart from re-reads
 * and are judged by age alone (`stale`).
 */
export function sanitizeTrades(symbol: string, rows: readonly RawTrade[], cursor: TradeCursor | undefined, options: SanitizeOptions = {}): SanitizedTrades {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const tally = new Tally();
  const valid: Trade[] = [];
  for (const r of rows) {
    const bad = positiveIssue(r.price, r.amount, r.timestampMs);
    if (bad) {
      tally.bump(MarketDataKind.trade, bad);
      continue;
    }
    if (r.side !== 'buy' && r.side !== 'sell') {
      tally.bump(MarketDataKind.trade, MarketDataIssueReason.BadSide);
      continue;
    }
    const id = r.id === undefined || r.id === '' ? undefined : String(r.id);
    valid.push({ symbol, timestampMs: r.timestampMs as number, price: r.price as number, amount: r.amount as number, side: r.side, ...(id ? { id } : {}) });
  }
  // Stable: among equal times the exchange's order survives.
  valid.sort((a, b) => a.timestampMs - b.timestampMs);
  const seen = new Set(cursor?.seenIds ?? []);
  const trades: Trade[] = [];
  for (const t of valid) {
    if (cursor && t.timestampMs < cursor.newestMs) {
      if (t.id !== undefined && seen.has(t.id)) {
        trades.push(t);
        continue;
      }
      const age = ageIssue(t.timestampMs, cursor.newestMs, staleAfterMs);
      if (t.id !== undefined || age === MarketDataIssueReason.Stale) {
        tally.bump(MarketDataKind.trade, age ?? MarketDataIssueReason.OutOfOrder);
        continue;
      }
    }
    trades.push(t);
  }
  const newest = trades.reduce((m, t) => Math.max(m, t.timestampMs), cursor?.newestMs ?? -Infinity);
  const ids = [...(cursor?.seenIds ?? [])];
  for (const t of trades) if (t.id !== undefined && !seen.has(t.id)) ids.push(t.id);
  const next = Number.isFinite(newest) ? { newestMs: newest, seenIds: ids.slice(-SEEN_TRADE_IDS) } : cursor;
  return { trades, cursor: next, issues: tally.issues() };
}

export interface SanitizedBook {
  /** Absent when the book was dropped. */
  book: OrderBook | undefined;
  /** Newest accepted book time for the symbol. */
  cursorMs: number | undefined;
  issues: MarketDataIssue[];
}

/**
 * Drops levels whose price or size is missing, NaN, infinite, zero or negative; sorts bids
 * descending and asks ascending. Then drops the whole book when a side is empty, when it is
 * crossed or locked (best bid >= best ask), or when it is older than the cursor. A crossed book
 * is dropped rather than trimmed: nothing in it tells which side is wrong, and trimming against
 * a garbage best level would keep the garbage and discard the good side.
 */
export function sanitizeOrderBook(symbol: string, raw: RawOrderBook, cursorMs: number | undefined, fallbackMs: number, options: SanitizeOptions = {}): SanitizedBook {
  const tally = new Tally();
  const dropped = (reason: MarketDataIssueReason): SanitizedBook => {
    tally.bump(MarketDataKind.book, reason);
    return { book: undefined, cursorMs, issues: tally.issues() };
  };
  const side = (levels: readonly (readonly unknown[])[], descending: boolean): [number, number][] => {
    const out: [number, number][] = [];
    for (const lvl of Array.isArray(levels) ? levels : []) {
      const [price, size] = Array.isArray(lvl) ? (lvl as readonly unknown[]) : [];
      const bad = positiveIssue(price, size);
      if (bad) tally.bump(MarketDataKind.bookLevel, bad);
      else out.push([price as number, size as number]);
    }
    const inOrder = out.every((l, i) => i === 0 || (descending ? l[0] < out[i - 1]![0] : l[0] > out[i - 1]![0]));
    if (!inOrder) {
      tally.bump(MarketDataKind.book, MarketDataIssueReason.Unsorted);
      out.sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
    }
    return out;
  };
  // Without a time of its own the book cannot be ordered against the cursor (the fallback is
  // the local clock, which need not match the exchange's), so it neither is judged nor moves it.
  const stamped = raw.timestampMs !== undefined && raw.timestampMs !== null;
  const timestampMs = stamped ? raw.timestampMs : fallbackMs;
  const badTime = positiveIssue(timestampMs);
  if (badTime) return dropped(badTime);
  const ts = timestampMs as number;
  const bids = side(raw.bids, true);
  const asks = side(raw.asks, false);
  if (bids.length === 0 || asks.length === 0) return dropped(MarketDataIssueReason.Empty);
  if (bids[0]![0] >= asks[0]![0]) return dropped(MarketDataIssueReason.Crossed);
  const age = stamped ? ageIssue(ts, cursorMs, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS) : null;
  if (age) return dropped(age);
  return { book: { symbol, timestampMs: ts, bids, asks }, cursorMs: stamped ? Math.max(ts, cursorMs ?? -Infinity) : cursorMs, issues: tally.issues() };
}

export interface Sanitized<T> {
  /** Absent when the item was dropped. */
  value: T | undefined;
  cursorMs: number | undefined;
  issues: MarketDataIssue[];
}

function single<T>(kind: MarketDataKind, reason: MarketDataIssueReason | null, value: T, cursorMs: number | undefined, nextCursorMs: number | undefined, extra: MarketDataIssue[] = []): Sanitized<T> {
  if (reason) return { value: undefined, cursorMs, issues: [...extra, { kind, reason, count: 1 }] };
  return { value, cursorMs: nextCursorMs, issues: extra };
}

/**
 * A ticker passes with a finite positive last price and time, bid and ask (when given) finite,
 * positive and uncrossed, and a time not older than the cursor. Volumes below zero read as 0.
 */
export function sanitizeTicker(t: Ticker, cursorMs: number | undefined, options: SanitizeOptions = {}): Sanitized<Ticker> {
  const quotes = [t.bid, t.ask].filter((v) => v !== undefined);
  const reason =
    positiveIssue(t.last, t.timestampMs, ...quotes) ??
    (t.bid !== undefined && t.ask !== undefined && t.bid >= t.ask ? MarketDataIssueReason.Crossed : null) ??
    ageIssue(t.timestampMs, cursorMs, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
  const clean: Ticker = { ...t, baseVolume24h: finite(t.baseVolume24h) ? Math.max(0, t.baseVolume24h) : 0, quoteVolume24h: finite(t.quoteVolume24h) ? Math.max(0, t.quoteVolume24h) : 0 };
  return single(MarketDataKind.ticker, reason, clean, cursorMs, reason ? cursorMs : Math.max(t.timestampMs, cursorMs ?? -Infinity));
}

/** A mark price passes finite, positive and not older than the cursor; a bad index price is dropped on its own. */
export function sanitizeMarkPrice(m: MarkPrice, cursorMs: number | undefined, options: SanitizeOptions = {}): Sanitized<MarkPrice> {
  const reason = positiveIssue(m.markPrice, m.timestampMs) ?? ageIssue(m.timestampMs, cursorMs, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
  const extra: MarketDataIssue[] = [];
  let clean: MarkPrice = m;
  if (m.indexPrice !== undefined) {
    const indexIssue = positiveIssue(m.indexPrice);
    if (indexIssue) {
      extra.push({ kind: MarketDataKind.indexPrice, reason: indexIssue, count: 1 });
      clean = { symbol: m.symbol, timestampMs: m.timestampMs, markPrice: m.markPrice };
    }
  }
  return single(MarketDataKind.markPrice, reason, clean, cursorMs, reason ? cursorMs : Math.max(m.timestampMs, cursorMs ?? -Infinity), extra);
}

/**
 * A funding rate passes finite and within `maxAbsFundingRate`, with a finite time and a finite
 * positive next funding time. Its cursor is the next funding time, which only moves forward: an
 * earlier one is a replayed old record.
 */
export function sanitizeFunding(f: FundingRate, cursorMs: number | undefined, options: SanitizeOptions = {}): Sanitized<FundingRate> {
  const maxAbs = options.maxAbsFundingRate ?? DEFAULT_MAX_ABS_FUNDING_RATE;
  const next = f.nextFundingTimeMs;
  const reason =
    (finite(f.rate) && finite(f.timestampMs) ? null : MarketDataIssueReason.NonFinite) ??
    (Math.abs(f.rate) < maxAbs ? null : MarketDataIssueReason.OutOfRange) ??
    (next === undefined ? null : positiveIssue(next)) ??
    (next === undefined ? null : ageIssue(next, cursorMs, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS));
  return single(MarketDataKind.funding, reason, f, cursorMs, reason || next === undefined ? cursorMs : Math.max(next, cursorMs ?? -Infinity));
}

/** Running totals of dropped items: kind -> reason -> count. */
export type BadDataCounts = Partial<Record<MarketDataKind, Partial<Record<MarketDataIssueReason, number>>>>;

/** Adds `issues` into `counts` (mutates and returns it). */
export function addBadData(counts: BadDataCounts, issues: readonly MarketDataIssue[]): BadDataCounts {
  for (const i of issues) {
    const byReason = (counts[i.kind] ??= {});
    byReason[i.reason] = (byReason[i.reason] ?? 0) + i.count;
  }
  return counts;
}

/** Sum of the counts, optionally of one kind and/or reason. */
export function countBadData(counts: BadDataCounts, filter: { kind?: MarketDataKind; reason?: MarketDataIssueReason } = {}): number {
  let total = 0;
  for (const [kind, byReason] of Object.entries(counts)) {
    if (filter.kind && kind !== filter.kind) continue;
    for (const [reason, n] of Object.entries(byReason ?? {})) if (!filter.reason || reason === filter.reason) total += n ?? 0;
  }
  return total;
}
