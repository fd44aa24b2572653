import { describe, expect, it } from 'vitest';
import { analyzeSnapshot, type BookTop, type MarketSnapshot } from '../../src/manipulation/index.js';
import { computeSymbolMetrics, robustZ } from '../../src/ranking/index.js';
import { HOUR_MS, T0 } from '../manipulation/fixtures.js';

/** 80 flat 1h bars at 100 with high/low +/-1 (true range 2, so ATR = 2 and ATR% = 2). */
function flatCandles(volumes: number[], closes?: number[]) {
  const n = volumes.length;
  const close = closes ?? volumes.map(() => 100);
  return {
    openTimeMs: volumes.map((_, i) => T0 + i * HOUR_MS),
    open: close.map((c, i) => (i === 0 ? c : close[i - 1]!)),
    high: close.map((c, i) => Math.max(c, i === 0 ? c : close[i - 1]!) + 1),
    low: close.map((c, i) => Math.min(c, i === 0 ? c : close[i - 1]!) - 1),
    close,
    volume: volumes.slice(0, n),
  };
}

const book: BookTop = {
  bids: [
    [99.9, 10],
    [99.8, 20],
    [99.0, 100],
  ],
  asks: [
    [100.1, 10],
    [100.2, 20],
    [101.0, 100],
  ],
};

function snap(extra: Partial<MarketSnapshot> = {}): MarketSnapshot {
  // 19 bars of 10/20 warm-up, then 60 alternating 10/20 (mean 15), last bar 45.
  const volumes = [...Array.from({ length: 79 }, (_, i) => (i % 2 === 0 ? 10 : 20)), 45];
  return {
    symbol: 'HAND/USDT:USDT',
    nowMs: T0 + 80 * HOUR_MS,
    barMs: HOUR_MS,
    candles: flatCandles(volumes),
    book,
    trades: { windowMs: HOUR_MS, buyVolumeBase: 30, sellVolumeBase: 10, tradeCount: 12 },
    fundingRate: 0.0001,
    fundingIntervalHours: 8,
    markPrice: 100.5,
    indexPrice: 100,
    market: { takerFeeRate: 0.0005, makerFeeRate: 0.0002 },
    ...extra,
  };
}

describe('per-symbol metrics on a hand-computed example', () => {
  const s = snap();
  const m = computeSymbolMetrics(s, analyzeSnapshot(s), 2000)!;

  it('spread and depth', () => {
    expect(m.spreadBps, '(100.1 - 99.9) / 100').toBeCloseTo(20, 9);
    expect(m.depth10Usd, '99.9*10 + 100.1*10').toBeCloseTo(2000, 9);
    expect(m.depth50Usd, '+ 99.8*20 + 100.2*20 within 50 bps').toBeCloseTo(6000, 9);
  });

  it('slippage walks the book beyond the touch', () => {
    // Buy 2000: 1001 at 100.1 (10 base), 999 at 100.2 (9.97006 base); avg 2000/19.97006.
    const buyAvg = 2000 / (10 + 999 / 100.2);
    const sellAvg = 2000 / (10 + 1001 / 99.8);
    const expected = (((buyAvg - 100.1) / 100) * 1e4 + ((99.9 - sellAvg) / 100) * 1e4) / 2;
    expect(m.slippageBps).toBeCloseTo(expected, 9);
    expect(m.slippageBps).toBeCloseTo(5.0, 1);
    expect(m.bookExhausted).toBe(false);
  });

  it('fees and round-trip cost', () => {
    expect(m.takerFeeBps).toBeCloseTo(5, 12);
    expect(m.roundTripCostBps, 'spread 20 + 2 x slippage + 2 x 5 bps').toBeCloseTo(20 + 2 * m.slippageBps + 10, 9);
  });

  it('ATR% and volume z-score', () => {
    expect(m.atrPct, 'true range 2 on a price of 100').toBeCloseTo(2, 9);
    // 60 bars alternating 10/20: mean 15, sample std sqrt(60 * 25 / 59).
    expect(m.volumeZ).toBeCloseTo(30 / Math.sqrt((60 * 25) / 59), 9);
  });

  it('carry', () => {
    expect(m.fundingAnnualizedPct, '1 bp per 8h x 3 x 365').toBeCloseTo(10.95, 9);
    expect(m.basisBps).toBeCloseTo(50, 9);
  });

  it('order-flow imbalance, depth-to-volume, 24h quote volume', () => {
    expect(m.orderFlowImbalance, '(30 - 10) / 40').toBe(0.5);
    // last 24 bars: 23 alternating (12 x 20 + 11 x 10 or the reverse) plus 45, times price 100.
    const last24 = [...Array.from({ length: 79 }, (_, i) => (i % 2 === 0 ? 10 : 20)), 45].slice(-24);
    const qvPerBar = (last24.reduce((a, b) => a + b, 0) * 100) / 24;
    expect(m.depthToVolume).toBeCloseTo(6000 / qvPerBar, 9);
    expect(m.quoteVolume24hUsd).toBeCloseTo(qvPerBar * 24, 9);
  });

  it('momentum, velocity and volatility regime on a trending series', () => {
    const closes = Array.from({ length: 80 }, (_, i) => 100 * 1.001 ** i + (i % 3 === 0 ? 0.05 : 0));
    const t = snap({ candles: flatCandles(closes.map(() => 10), closes) });
    const a = analyzeSnapshot(t);
    const mm = computeSymbolMetrics(t, a, 2000)!;
    const c = (k: number) => closes[79 - k]!;
    const atrFrac = mm.atrPct / 100;
    expect(mm.ret1).toBeCloseTo(c(0) / c(1) - 1, 12);
    expect(mm.ret24).toBeCloseTo(c(0) / c(24) - 1, 12);
    const expectedMom = (mm.ret1 / atrFrac + mm.ret4 / (atrFrac * 2) + mm.ret24 / (atrFrac * Math.sqrt(24))) / 3;
    expect(mm.momentumScore).toBeCloseTo(expectedMom, 12);
    expect(mm.priceVelocity).toBeCloseTo((c(0) - c(3)) / (3 * a.candle!.atrPrev), 12);
    const lr = closes.slice(1).map((v, i) => Math.log(v / closes[i]!));
    const sd = (x: number[]) => {
      const mu = x.reduce((p, q) => p + q, 0) / x.length;
      return Math.sqrt(x.reduce((p, q) => p + (q - mu) ** 2, 0) / (x.length - 1));
    };
    expect(mm.volRegime).toBeCloseTo(sd(lr.slice(-10)) / sd(lr.slice(-60)), 9);
  });

  it('without a book, book figures are NaN and cost is fees only', () => {
    const t = snap({ book: undefined });
    const mm = computeSymbolMetrics(t, analyzeSnapshot(t), 2000)!;
    expect(Number.isNaN(mm.spreadBps)).toBe(true);
    expect(mm.roundTripCostBps).toBeCloseTo(10, 12);
  });

  it('an exhausted book is priced with a penalty, never cheap', () => {
    const t = snap();
    const mm = computeSymbolMetrics(t, analyzeSnapshot(t), 1_000_000)!;
    expect(mm.bookExhausted).toBe(true);
    expect(mm.slippageBps).toBeGreaterThan(50);
  });
});

describe('robust z-scores', () => {
  it('uses median and 1.4826 x MAD, clipped at 3', () => {
    // median 3; |dev| = 2,1,0,1,97 -> MAD 1.
    const z = robustZ([1, 2, 3, 4, 100]);
    expect(z[0]).toBeCloseTo(-2 / 1.4826, 12);
    expect(z[2]).toBe(0);
    expect(z[4], 'outlier clipped').toBe(3);
  });

  it('gives 0 to non-finite values and to a flat cross-section', () => {
    expect([...robustZ([1, Number.NaN, 3])]).toEqual([-robustZ([1, 3])[1]!, 0, robustZ([1, 3])[1]!]);
    expect([...robustZ([5, 5, 5])]).toEqual([0, 0, 0]);
  });
});
