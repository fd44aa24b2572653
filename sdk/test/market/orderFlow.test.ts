import { describe, expect, it } from 'vitest';
import type { OrderBook, Trade } from '@perpscope/shared';
import { bookMetrics } from '../../src/market/orderBookMetrics.js';
import { TradeWindow } from '../../src/market/tradeStats.js';

describe('bookMetrics', () => {
  // mid = 100, so +-10 bps = [99.9, 100.1] and +-50 bps = [99.5, 100.5].
  const book: OrderBook = {
    symbol: 'X/USDT:USDT',
    timestampMs: 1,
    bids: [[99.95, 10], [99.92, 5], [99.6, 100], [99.4, 1_000]],
    asks: [[100.05, 8], [100.2, 4], [101, 50]],
  };

  it('matches the hand-computed spread, depths and imbalance', () => {
    const m = bookMetrics(book, 2)!;
    expect(m.mid).toBeCloseTo(100, 12);
    expect(m.spreadBps, '0.10 / 100 = 10 bps').toBeCloseTo(10, 9);
    expect(m.bidDepth10BpsUsd, '99.95x10 + 99.92x5').toBeCloseTo(1_499.1, 9);
    expect(m.askDepth10BpsUsd, '100.05x8').toBeCloseTo(800.4, 9);
    expect(m.bidDepth50BpsUsd, '+ 99.6x100; 99.4 is outside').toBeCloseTo(11_459.1, 9);
    expect(m.askDepth50BpsUsd, '+ 100.2x4; 101 is outside').toBeCloseTo(1_201.2, 9);
    expect(m.imbalance, 'top-2 notional (1499.1 - 1201.2) / (1499.1 + 1201.2)').toBeCloseTo(297.9 / 2_700.3, 12);
  });

  it('has no metrics for a one-sided or crossed book', () => {
    expect(bookMetrics({ ...book, asks: [] })).toBeUndefined();
    expect(bookMetrics({ ...book, asks: [[99, 1]] })).toBeUndefined();
  });
});

describe('TradeWindow', () => {
  const t = (id: string, timestampMs: number, side: 'buy' | 'sell', price: number, amount: number): Trade => ({ symbol: 'X', id, timestampMs, side, price, amount });

  it('computes per-minute rates and imbalance over the rolling window', () => {
    const w = new TradeWindow('X', 120_000);
    w.add([t('1', 0, 'buy', 10, 3), t('2', 30_000, 'sell', 10, 1), t('3', 90_000, 'buy', 20, 1)]);
    const s = w.stats(100_000);
    expect(s.trades).toBe(3);
    expect(s.tradesPerMin, '3 trades over 2 minutes').toBe(1.5);
    expect(s.notionalPerMinUsd, '(30 + 10 + 20) / 2').toBe(30);
    expect(s.imbalance, '(50 - 10) / 60').toBeCloseTo(40 / 60, 12);
    const later = w.stats(125_000);
    expect(later.trades, 'the trade at 0 s has left the 2-minute window').toBe(2);
    expect(later.buyNotionalUsd).toBe(20);
  });

  it('counts a trade seen twice (websocket and REST) once', () => {
    const w = new TradeWindow('X', 60_000);
    w.add([t('a', 1_000, 'buy', 1, 1)]);
    w.add([t('a', 1_000, 'buy', 1, 1), t('b', 2_000, 'sell', 1, 1)]);
    expect(w.stats(3_000).trades).toBe(2);
    expect(w.stats(3_000).imbalance).toBe(0);
  });
});
