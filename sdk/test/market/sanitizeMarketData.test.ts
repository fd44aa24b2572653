import { describe, expect, it } from 'vitest';
import type { FundingRate, MarkPrice, Ticker } from '@perpscope/shared';
import {
  addBadData,
  countBadData,
  MarketDataIssueReason as R,
  MarketDataKind as K,
  sanitizeFunding,
  sanitizeMarkPrice,
  sanitizeOrderBook,
  sanitizeTicker,
  sanitizeTrades,
  type MarketDataIssue,
  type RawTrade,
} from '../../src/market/sanitizeMarketData.js';

const SYMBOL = 'BTC/USDT:USDT';
const T0 = 1_750_000_000_000;

const trade = (over: Partial<RawTrade> = {}): RawTrade => ({ id: 't1', timestampMs: T0, price: 100, amount: 2, side: 'buy', ...over });
const issue = (kind: string, reason: string, count = 1): MarketDataIssue => ({ kind, reason, count }) as MarketDataIssue;

describe('sanitizeTrades', () => {
  it('passes clean trades untouched, oldest first, and sets the cursor', () => {
    const out = sanitizeTrades(SYMBOL, [trade({ id: 'b', timestampMs: T0 + 5 }), trade({ id: 'a' })], undefined);
    expect(out.trades.map((t) => t.id)).toEqual(['a', 'b']);
    expect(out.trades[0]).toEqual({ symbol: SYMBOL, id: 'a', timestampMs: T0, price: 100, amount: 2, side: 'buy' });
    expect(out.issues).toEqual([]);
    expect(out.cursor).toEqual({ newestMs: T0 + 5, seenIds: ['a', 'b'] });
  });

  it.each([
    ['zero price', { price: 0 }, R.NonPositive],
    ['negative price', { price: -1 }, R.NonPositive],
    ['negative amount', { amount: -3 }, R.NonPositive],
    ['zero amount', { amount: 0 }, R.NonPositive],
    ['NaN price', { price: NaN }, R.NonFinite],
    ['Infinity price', { price: Infinity }, R.NonFinite],
    ['-Infinity amount', { amount: -Infinity }, R.NonFinite],
    ['missing price', { price: undefined }, R.NonFinite],
    ['price as a string', { price: '100' }, R.NonFinite],
    ['NaN timestamp', { timestampMs: NaN }, R.NonFinite],
    ['zero timestamp', { timestampMs: 0 }, R.NonPositive],
    ['unknown side', { side: 'hold' }, R.BadSide],
  ])('drops a trade with %s and counts it', (_name, over, reason) => {
    const out = sanitizeTrades(SYMBOL, [trade({ id: 'good', timestampMs: T0 - 1 }), trade({ id: 'bad', ...over })], undefined);
    expect(out.trades.map((t) => t.id)).toEqual(['good']);
    expect(out.issues).toEqual([issue(K.trade, reason)]);
  });

  it('with a cursor: re-read prints pass, a new print older than the cursor is out of order, a much older one stale', () => {
    const first = sanitizeTrades(SYMBOL, [trade({ id: 'a', timestampMs: T0 }), trade({ id: 'b', timestampMs: T0 + 1_000 })], undefined);
    const next = sanitizeTrades(
      SYMBOL,
      [
        trade({ id: 'a', timestampMs: T0 }),
        trade({ id: 'b', timestampMs: T0 + 1_000 }),
        trade({ id: 'late', timestampMs: T0 + 500, price: 1 }),
        trade({ id: 'old', timestampMs: T0 - 3_600_000, price: 1 }),
        trade({ id: 'c', timestampMs: T0 + 2_000 }),
      ],
      first.cursor,
    );
    expect(next.trades.map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect(next.issues).toEqual([issue(K.trade, R.Stale), issue(K.trade, R.OutOfOrder)]);
    expect(next.cursor?.newestMs).toBe(T0 + 2_000);
    expect(next.cursor?.seenIds).toEqual(['a', 'b', 'c']);
  });

  it('a print at the cursor time with a new id is news, not out of order', () => {
    const first = sanitizeTrades(SYMBOL, [trade({ id: 'a' })], undefined);
    const next = sanitizeTrades(SYMBOL, [trade({ id: 'a' }), trade({ id: 'a2' })], first.cursor);
    expect(next.trades.map((t) => t.id)).toEqual(['a', 'a2']);
    expect(next.issues).toEqual([]);
  });

  it('trades without ids are judged by age alone', () => {
    const first = sanitizeTrades(SYMBOL, [trade({ id: undefined, timestampMs: T0 })], undefined);
    const next = sanitizeTrades(SYMBOL, [trade({ id: undefined, timestampMs: T0 - 1_000 }), trade({ id: undefined, timestampMs: T0 - 120_000 })], first.cursor, { staleAfterMs: 60_000 });
    expect(next.trades.map((t) => t.timestampMs)).toEqual([T0 - 1_000]);
    expect(next.issues).toEqual([issue(K.trade, R.Stale)]);
  });

  it('an all-garbage batch keeps the previous cursor', () => {
    const first = sanitizeTrades(SYMBOL, [trade()], undefined);
    const next = sanitizeTrades(SYMBOL, [trade({ id: 'x', price: 0 })], first.cursor);
    expect(next.trades).toEqual([]);
    expect(next.cursor).toEqual(first.cursor);
  });
});

describe('sanitizeOrderBook', () => {
  const raw = (over: Partial<{ timestampMs: unknown; bids: unknown[][]; asks: unknown[][] }> = {}) => ({
    timestampMs: T0,
    bids: [
      [100, 1],
      [99, 2],
    ],
    asks: [
      [101, 1],
      [102, 2],
    ],
    ...over,
  });

  it('passes a clean book and advances the cursor', () => {
    const out = sanitizeOrderBook(SYMBOL, raw(), undefined, 0);
    expect(out.book).toEqual({ symbol: SYMBOL, timestampMs: T0, bids: [[100, 1], [99, 2]], asks: [[101, 1], [102, 2]] });
    expect(out.cursorMs).toBe(T0);
    expect(out.issues).toEqual([]);
  });

  it.each([
    ['a zero price', [0, 1], R.NonPositive],
    ['a zero size', [99.5, 0], R.NonPositive],
    ['a negative size', [99.5, -5], R.NonPositive],
    ['a negative price', [-1, 5], R.NonPositive],
    ['a NaN price', [NaN, 1], R.NonFinite],
    ['an Infinity size', [99.5, Infinity], R.NonFinite],
    ['a null price', [null, 1], R.NonFinite],
  ])('drops a level with %s and keeps the rest', (_name, level, reason) => {
    const out = sanitizeOrderBook(SYMBOL, raw({ bids: [[100, 1], level as unknown[], [99, 2]] }), undefined, 0);
    expect(out.book?.bids).toEqual([
      [100, 1],
      [99, 2],
    ]);
    expect(out.issues).toEqual([issue(K.bookLevel, reason)]);
  });

  it('sorts unsorted sides (bids descending, asks ascending) and counts it', () => {
    const out = sanitizeOrderBook(SYMBOL, raw({ bids: [[99, 2], [100, 1]], asks: [[102, 2], [101, 1]] }), undefined, 0);
    expect(out.book?.bids).toEqual([
      [100, 1],
      [99, 2],
    ]);
    expect(out.book?.asks).toEqual([
      [101, 1],
      [102, 2],
    ]);
    expect(out.issues).toEqual([issue(K.book, R.Unsorted, 2)]);
  });

  it('drops a crossed book whole (an ask below the best bid), and a locked one', () => {
    const crossed = sanitizeOrderBook(SYMBOL, raw({ asks: [[50, 1], [101, 1]] }), T0 - 10, 0);
    expect(crossed.book).toBeUndefined();
    expect(crossed.issues).toEqual([issue(K.book, R.Crossed)]);
    expect(crossed.cursorMs, 'a dropped book leaves the cursor').toBe(T0 - 10);
    const locked = sanitizeOrderBook(SYMBOL, raw({ asks: [[100, 1]] }), undefined, 0);
    expect(locked.issues).toEqual([issue(K.book, R.Crossed)]);
  });

  it('drops a book with a side left empty', () => {
    const out = sanitizeOrderBook(SYMBOL, raw({ asks: [[0, 1]] }), undefined, 0);
    expect(out.book).toBeUndefined();
    expect(out.issues).toEqual([issue(K.bookLevel, R.NonPositive), issue(K.book, R.Empty)]);
    expect(sanitizeOrderBook(SYMBOL, raw({ bids: [] }), undefined, 0).issues).toEqual([issue(K.book, R.Empty)]);
  });

  it('drops a book older than the cursor: out of order when close, stale when far', () => {
    expect(sanitizeOrderBook(SYMBOL, raw({ timestampMs: T0 - 30_000 }), T0, 0).issues).toEqual([issue(K.book, R.OutOfOrder)]);
    expect(sanitizeOrderBook(SYMBOL, raw({ timestampMs: T0 - 3_600_000 }), T0, 0).issues).toEqual([issue(K.book, R.Stale)]);
    expect(sanitizeOrderBook(SYMBOL, raw({ timestampMs: T0 }), T0, 0).book, 'the same time again is fine').toBeDefined();
  });

  it('uses the fallback time when the book has none, and drops a garbage one', () => {
    expect(sanitizeOrderBook(SYMBOL, raw({ timestampMs: undefined }), undefined, T0 + 7).book?.timestampMs).toBe(T0 + 7);
    expect(sanitizeOrderBook(SYMBOL, raw({ timestampMs: NaN }), undefined, T0).issues).toEqual([issue(K.book, R.NonFinite)]);
  });
});

describe('sanitizeTicker', () => {
  const ticker = (over: Partial<Ticker> = {}): Ticker => ({ symbol: SYMBOL, timestampMs: T0, last: 100, bid: 99.9, ask: 100.1, baseVolume24h: 10, quoteVolume24h: 1_000, ...over });

  it('passes a clean ticker and advances the cursor', () => {
    const out = sanitizeTicker(ticker(), T0 - 1);
    expect(out.value).toEqual(ticker());
    expect(out.cursorMs).toBe(T0);
  });

  it.each([
    ['zero last', { last: 0 }, R.NonPositive],
    ['negative last', { last: -1 }, R.NonPositive],
    ['NaN last', { last: NaN }, R.NonFinite],
    ['Infinity last', { last: Infinity }, R.NonFinite],
    ['negative bid', { bid: -5 }, R.NonPositive],
    ['NaN ask', { ask: NaN }, R.NonFinite],
    ['crossed bid/ask', { bid: 101, ask: 100 }, R.Crossed],
    ['NaN time', { timestampMs: NaN }, R.NonFinite],
    ['out-of-order time', { timestampMs: T0 - 10_000 }, R.OutOfOrder],
    ['stale time', { timestampMs: T0 - 3_600_000 }, R.Stale],
  ])('drops a ticker with %s', (_name, over, reason) => {
    const out = sanitizeTicker(ticker(over), T0);
    expect(out.value).toBeUndefined();
    expect(out.cursorMs).toBe(T0);
    expect(out.issues).toEqual([issue(K.ticker, reason)]);
  });

  it('reads negative volumes as 0', () => {
    expect(sanitizeTicker(ticker({ baseVolume24h: -5, quoteVolume24h: NaN }), undefined).value).toMatchObject({ baseVolume24h: 0, quoteVolume24h: 0 });
  });
});

describe('sanitizeMarkPrice', () => {
  const mark = (over: Partial<MarkPrice> = {}): MarkPrice => ({ symbol: SYMBOL, timestampMs: T0, markPrice: 100, indexPrice: 100.2, ...over });

  it.each([
    ['zero', { markPrice: 0 }, R.NonPositive],
    ['negative', { markPrice: -100 }, R.NonPositive],
    ['NaN', { markPrice: NaN }, R.NonFinite],
    ['Infinity', { markPrice: Infinity }, R.NonFinite],
    ['out-of-order', { timestampMs: T0 - 5_000 }, R.OutOfOrder],
    ['stale', { timestampMs: T0 - 600_000 }, R.Stale],
  ])('drops a %s mark price', (_name, over, reason) => {
    const out = sanitizeMarkPrice(mark(over), T0);
    expect(out.value).toBeUndefined();
    expect(out.issues).toEqual([issue(K.markPrice, reason)]);
  });

  it('keeps a good mark without its garbage index price', () => {
    const out = sanitizeMarkPrice(mark({ indexPrice: -1 }), undefined);
    expect(out.value).toEqual({ symbol: SYMBOL, timestampMs: T0, markPrice: 100 });
    expect(out.issues).toEqual([issue(K.indexPrice, R.NonPositive)]);
    expect(out.cursorMs).toBe(T0);
  });
});

describe('sanitizeFunding', () => {
  const NEXT = T0 + 3_600_000;
  const funding = (over: Partial<FundingRate> = {}): FundingRate => ({ symbol: SYMBOL, timestampMs: T0, rate: 0.0001, nextFundingTimeMs: NEXT, ...over });

  it('passes a clean rate, negative and zero rates included, with the next funding time as cursor', () => {
    expect(sanitizeFunding(funding(), undefined)).toEqual({ value: funding(), cursorMs: NEXT, issues: [] });
    expect(sanitizeFunding(funding({ rate: -0.003 }), NEXT).value?.rate).toBe(-0.003);
    expect(sanitizeFunding(funding({ rate: 0 }), NEXT).value?.rate).toBe(0);
  });

  it.each([
    ['NaN rate', { rate: NaN }, R.NonFinite],
    ['Infinity rate', { rate: Infinity }, R.NonFinite],
    ['rate beyond the bound', { rate: 5 }, R.OutOfRange],
    ['rate of -100 %', { rate: -1 }, R.OutOfRange],
    ['zero funding time', { nextFundingTimeMs: 0 }, R.NonPositive],
    ['negative funding time', { nextFundingTimeMs: -1 }, R.NonPositive],
    ['NaN funding time', { nextFundingTimeMs: NaN }, R.NonFinite],
    ['funding time 30 s back', { nextFundingTimeMs: NEXT - 30_000 }, R.OutOfOrder],
    ['funding time one interval back', { nextFundingTimeMs: NEXT - 8 * 3_600_000 }, R.Stale],
  ])('drops a funding record with %s', (_name, over, reason) => {
    const out = sanitizeFunding(funding(over), NEXT);
    expect(out.value).toBeUndefined();
    expect(out.cursorMs).toBe(NEXT);
    expect(out.issues).toEqual([issue(K.funding, reason)]);
  });

  it('takes a tighter bound when configured', () => {
    expect(sanitizeFunding(funding({ rate: 0.02 }), undefined, { maxAbsFundingRate: 0.01 }).issues).toEqual([issue(K.funding, R.OutOfRange)]);
  });
});

describe('bad-data counters', () => {
  it('add up per kind and reason', () => {
    const counts = addBadData({}, [issue(K.trade, R.NonPositive, 2), issue(K.book, R.Crossed)]);
    addBadData(counts, [issue(K.trade, R.NonPositive), issue(K.trade, R.Stale)]);
    expect(counts).toEqual({ trade: { non_positive: 3, stale: 1 }, book: { crossed: 1 } });
    expect(countBadData(counts)).toBe(5);
    expect(countBadData(counts, { kind: K.trade })).toBe(4);
    expect(countBadData(counts, { reason: R.Crossed })).toBe(1);
  });
});
