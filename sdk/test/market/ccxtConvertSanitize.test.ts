import { describe, expect, it } from 'vitest';
import type { FundingRate as CcxtFundingRate, OrderBook as CcxtOrderBook, Ticker as CcxtTicker, Trade as CcxtTrade } from 'ccxt';
import { fundingFromCcxt, markPriceFromCcxt, orderBookFromCcxt, tickerFromCcxt, tradesFromCcxt } from '../../src/market/ccxtConvert.js';

const SYMBOL = 'BTC/USDT:USDT';
const T0 = 1_750_000_000_000;

const ccxtTrade = (over: Partial<CcxtTrade>): CcxtTrade => ({ id: 'x', timestamp: T0, price: 100, amount: 1, side: 'buy', ...over }) as CcxtTrade;

describe('ccxt conversion drops garbage where it leaves ccxt', () => {
  it('tradesFromCcxt drops prices of 0 and -1 and negative amounts, and scales the rest to base units', () => {
    const out = tradesFromCcxt(
      SYMBOL,
      [ccxtTrade({ id: 'zero', price: 0 }), ccxtTrade({ id: 'neg', price: -1 }), ccxtTrade({ id: 'negAmt', amount: -2 }), ccxtTrade({ id: 'ok', amount: 3 })],
      0.01,
    );
    expect(out.trades).toEqual([{ symbol: SYMBOL, id: 'ok', timestampMs: T0, price: 100, amount: 0.03, side: 'buy' }]);
    expect(out.issues).toEqual([{ kind: 'trade', reason: 'non_positive', count: 3 }]);
  });

  it('orderBookFromCcxt drops negative sizes, and a crossed book whole', () => {
    const book = (bids: number[][], asks: number[][]) => ({ bids, asks, timestamp: T0, nonce: undefined, symbol: SYMBOL }) as unknown as CcxtOrderBook;
    const cleaned = orderBookFromCcxt(SYMBOL, book([[100, 1], [99, -4]], [[101, 2]]), 0.1, 0);
    expect(cleaned.book?.bids).toEqual([[100, 0.1]]);
    expect(cleaned.book?.asks).toEqual([[101, 0.2]]);
    expect(cleaned.issues).toEqual([{ kind: 'bookLevel', reason: 'non_positive', count: 1 }]);
    const crossed = orderBookFromCcxt(SYMBOL, book([[100, 1]], [[50, 1], [101, 1]]), 1, 0);
    expect(crossed.book).toBeUndefined();
    expect(crossed.issues).toEqual([{ kind: 'book', reason: 'crossed', count: 1 }]);
  });

  it('tickerFromCcxt drops a negative bid instead of omitting it, and a crossed one', () => {
    const t = (over: Partial<CcxtTicker>) => ({ symbol: SYMBOL, timestamp: T0, last: 100, bid: 99, ask: 101, baseVolume: 1, ...over }) as CcxtTicker;
    expect(tickerFromCcxt(t({}), 1, 0).value?.last).toBe(100);
    expect(tickerFromCcxt(t({ bid: -1 }), 1, 0).issues).toEqual([{ kind: 'ticker', reason: 'non_positive', count: 1 }]);
    expect(tickerFromCcxt(t({ bid: 102 }), 1, 0).issues).toEqual([{ kind: 'ticker', reason: 'crossed', count: 1 }]);
    expect(tickerFromCcxt(t({ last: undefined, close: undefined }), 1, 0).issues).toEqual([{ kind: 'ticker', reason: 'non_finite', count: 1 }]);
  });

  it('fundingFromCcxt and markPriceFromCcxt reject garbage and fall back to now only for an absent time', () => {
    const f = (over: Partial<CcxtFundingRate>) => ({ symbol: SYMBOL, fundingRate: 0.0001, fundingTimestamp: T0 + 1_000, ...over }) as CcxtFundingRate;
    expect(fundingFromCcxt(SYMBOL, f({}), T0).value).toEqual({ symbol: SYMBOL, timestampMs: T0, rate: 0.0001, nextFundingTimeMs: T0 + 1_000 });
    expect(fundingFromCcxt(SYMBOL, f({ fundingRate: 3 }), T0).issues).toEqual([{ kind: 'funding', reason: 'out_of_range', count: 1 }]);
    expect(fundingFromCcxt(SYMBOL, f({ fundingRate: undefined }), T0).issues).toEqual([{ kind: 'funding', reason: 'non_finite', count: 1 }]);
    const m = (over: Partial<CcxtTicker>) => ({ symbol: SYMBOL, markPrice: 100, indexPrice: 100, ...over }) as CcxtTicker;
    expect(markPriceFromCcxt(SYMBOL, m({}), T0).value).toEqual({ symbol: SYMBOL, timestampMs: T0, markPrice: 100, indexPrice: 100 });
    expect(markPriceFromCcxt(SYMBOL, m({ markPrice: 0 }), T0).issues).toEqual([{ kind: 'markPrice', reason: 'non_positive', count: 1 }]);
    expect(markPriceFromCcxt(SYMBOL, m({ timestamp: NaN }), T0).issues).toEqual([{ kind: 'markPrice', reason: 'non_finite', count: 1 }]);
  });
});

describe('items without a time of their own', () => {
  it('are not judged against the cursor and do not move it (the local clock is not the exchange\'s)', () => {
    const t = { symbol: SYMBOL, last: 100, baseVolume: 1 } as CcxtTicker;
    const ticker = tickerFromCcxt(t, 1, T0 - 3_600_000, T0);
    expect(ticker.value?.timestampMs).toBe(T0 - 3_600_000);
    expect(ticker.cursorMs).toBe(T0);
    const mark = markPriceFromCcxt(SYMBOL, { symbol: SYMBOL, markPrice: 100 } as CcxtTicker, T0 + 3_600_000, T0);
    expect(mark.cursorMs, 'a local time ahead of the exchange does not push the cursor').toBe(T0);
    const book = orderBookFromCcxt(SYMBOL, { bids: [[99, 1]], asks: [[101, 1]] } as unknown as CcxtOrderBook, 1, T0 + 3_600_000, T0);
    expect(book.book?.timestampMs).toBe(T0 + 3_600_000);
    expect(book.cursorMs).toBe(T0);
  });
});
