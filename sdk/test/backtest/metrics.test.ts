import { describe, expect, it } from 'vitest';
import { computeMetrics, drawdown, periodLabel, periodReturns, splitBy, tradeStats, type EquityPoint } from '../../src/backtest/metrics.js';
import type { TradeRecord } from '../../src/backtest/trades.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2025, 0, 1);

function trade(over: Partial<TradeRecord> & Pick<TradeRecord, 'netPnlUsd' | 'closedAtMs'>): TradeRecord {
  return {
    tradeId: `t${over.closedAtMs}`,
    symbol: 'BTC/USDT:USDT',
    side: 'long',
    strategy: 'breakout',
    regime: 'trend',
    openedAtMs: over.closedAtMs - (over.holdMs ?? H),
    holdMs: H,
    entryPrice: 100,
    exitPrice: 100,
    sizeBase: 10,
    notionalUsd: 1000,
    grossPnlUsd: over.netPnlUsd,
    feesUsd: 1,
    fundingUsd: 0,
    returnPct: 0,
    rMultiple: null,
    exitReason: 'tp1',
    ...over,
  };
}

// Closed in this order: win, win, loss, loss.
const trades: TradeRecord[] = [
  trade({ closedAtMs: T0 + 2 * H, netPnlUsd: 20, returnPct: 2, rMultiple: 1, holdMs: 2 * H, fundingUsd: -0.5, symbol: 'ETH/USDT:USDT' }),
  trade({ closedAtMs: T0 + 30 * H, netPnlUsd: 30, returnPct: 3, rMultiple: 1.5, holdMs: 3 * H, fundingUsd: 0.5, strategy: 'ema-cross', side: 'short' }),
  trade({ closedAtMs: T0 + 50 * H, netPnlUsd: -10, returnPct: -1, rMultiple: -0.5, holdMs: 1 * H, exitReason: 'sl' }),
  trade({ closedAtMs: T0 + 70 * H, netPnlUsd: -10, returnPct: -1, rMultiple: null, holdMs: 2 * H, exitReason: 'sl', side: 'short' }),
];

// Equity at each UTC midnight, starting at 1,000.
const equity: EquityPoint[] = [
  { atMs: T0, equityUsd: 1000, openPositions: 1 },
  { atMs: T0 + D, equityUsd: 1010, openPositions: 0 },
  { atMs: T0 + 2 * D, equityUsd: 990, openPositions: 1 },
  { atMs: T0 + 3 * D, equityUsd: 1020, openPositions: 0 },
  { atMs: T0 + 4 * D, equityUsd: 1030, openPositions: 0 },
];

describe('backtest metrics against hand-computed values', () => {
  it('trade statistics: win rate, profit factor, payoff, expectancy in % and R, streaks, hold, fees', () => {
    const s = tradeStats(trades);
    expect(s.trades).toBe(4);
    expect(s.wins).toBe(2);
    expect(s.losses).toBe(2);
    expect(s.winRatePct).toBe(50);
    expect(s.grossProfitUsd).toBe(50);
    expect(s.grossLossUsd).toBe(20);
    expect(s.netPnlUsd).toBe(30);
    expect(s.profitFactor).toBe(2.5); // 50 / 20
    expect(s.payoffRatio).toBe(2.5); // (50 / 2) / (20 / 2)
    expect(s.expectancyPct).toBe(0.75); // (2 + 3 - 1 - 1) / 4
    expect(s.expectancyR).toBeCloseTo(2 / 3, 12); // (1 + 1.5 - 0.5) / 3: the trade without a stop has no R
    expect(s.maxWinStreak).toBe(2);
    expect(s.maxLossStreak).toBe(2);
    expect(s.avgHoldMs).toBe(2 * H); // (2 + 3 + 1 + 2) / 4 hours
    expect(s.feesUsd).toBe(4);
    expect(s.fundingUsd).toBe(0);
  });

  it('no losses: profit factor and payoff are null (not Infinity), no trades: rates are null', () => {
    const s = tradeStats(trades.slice(0, 2));
    expect(s.profitFactor).toBeNull();
    expect(s.payoffRatio).toBeNull();
    const empty = tradeStats([]);
    expect(empty.winRatePct).toBeNull();
    expect(empty.expectancyPct).toBeNull();
    expect(empty.avgHoldMs).toBeNull();
  });

  it('equity metrics: returns, Sharpe, Sortino, Calmar, drawdown and its duration, exposure, turnover', () => {
    const m = computeMetrics({ trades, equity, initialEquityUsd: 1000, tradedNotionalUsd: 2000 });
    // Daily returns: 1010/1000-1, 990/1010-1, 1020/990-1, 1030/1020-1.
    expect(m.totalReturnPct).toBeCloseTo(3, 10);
    expect(m.annualizedReturnPct).toBeCloseTo(1383.8730741619788, 6); // 1.03^(365/4) - 1
    expect(m.sharpe).toBeCloseTo(7.015855195096922, 9); // mean / sample sd x sqrt(365)
    expect(m.sortino).toBeCloseTo(14.619135689723297, 9); // mean / sqrt(mean(min(r,0)^2)) x sqrt(365)
    expect(m.maxDrawdownPct).toBeCloseTo(1.9801980198019802, 12); // 1010 -> 990
    expect(m.maxDrawdownDurationMs).toBe(2 * D); // below 1010 from day 1 until 1020 on day 3
    expect(m.calmar).toBeCloseTo(698.8559024517994, 6);
    expect(m.exposurePct).toBe(50); // a position open over days 0 and 2 of 4
    expect(m.turnover).toBeCloseTo(2000 / 1010, 12); // traded notional / mean equity
    expect(m.finalEquityUsd).toBe(1030);
    expect(m.trades).toBe(4);
  });

  it('daily, ISO-weekly and monthly returns; a point at midnight closes the day before', () => {
    const daily = periodReturns(equity, 1000, 'day');
    expect(daily.map((d) => d.period)).toEqual(['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04']);
    expect(daily[0]!.returnPct).toBeCloseTo(1, 12);
    expect(daily[1]!.returnPct).toBeCloseTo((990 / 1010 - 1) * 100, 12);
    expect(periodReturns(equity, 1000, 'week')).toEqual([{ period: '2025-W01', returnPct: expect.closeTo(3, 10) as unknown as number }]);
    expect(periodReturns(equity, 1000, 'month').map((p) => p.period)).toEqual(['2025-01']);
    // ISO weeks: 2024-12-30 is in 2025-W01; 2021-01-03 is in 2020-W53.
    expect(periodLabel(Date.UTC(2024, 11, 30, 12), 'week')).toBe('2025-W01');
    expect(periodLabel(Date.UTC(2021, 0, 3, 12), 'week')).toBe('2020-W53');
  });

  it('a drawdown never regained lasts until the end', () => {
    const dd = drawdown([
      { atMs: 0, equityUsd: 100, openPositions: 0 },
      { atMs: 10, equityUsd: 80, openPositions: 0 },
      { atMs: 25, equityUsd: 90, openPositions: 0 },
    ]);
    expect(dd.maxPct).toBe(20);
    expect(dd.maxDurationMs).toBe(25);
  });

  it('splits by strategy, symbol and side', () => {
    const byStrategy = splitBy(trades, (t) => t.strategy);
    expect(Object.keys(byStrategy)).toEqual(['breakout', 'ema-cross']);
    expect(byStrategy['breakout']!.trades).toBe(3);
    expect(byStrategy['breakout']!.netPnlUsd).toBe(0); // 20 - 10 - 10
    expect(byStrategy['ema-cross']!.winRatePct).toBe(100);
    const bySide = splitBy(trades, (t) => t.side);
    expect(bySide['short']!.netPnlUsd).toBe(20);
    expect(bySide['long']!.fundingUsd).toBe(-0.5);
    expect(Object.keys(splitBy(trades, (t) => t.symbol))).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
  });
});
