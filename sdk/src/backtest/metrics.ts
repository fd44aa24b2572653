import type { TradeRecord } from './trades.js';

/** Account equity after one step of the replay. */
export interface EquityPoint {
  atMs: number;
  equityUsd: number;
  /** Positions open after the step (for exposure). */
  openPositions: number;
}

/** Trade statistics of a group of trades (all, or one strategy, symbol or side). */
export interface BacktestTradeStats {
  trades: number;
  wins: number;
  losses: number;
  /** Percent of trades with a positive net PnL. */
  winRatePct: number | null;
  netPnlUsd: number;
  grossProfitUsd: number;
  grossLossUsd: number;
  /** Gross profit over gross loss; null when there is no loss. */
  profitFactor: number | null;
  /** Average win over the average loss (absolute); null without both. */
  payoffRatio: number | null;
  /** Mean net return per trade over its entry notional, in percent. */
  expectancyPct: number | null;
  /** Mean net PnL per trade in R (trades with a stop). */
  expectancyR: number | null;
  maxWinStreak: number;
  maxLossStreak: number;
  avgHoldMs: number | null;
  feesUsd: number;
  fundingUsd: number;
}

export interface PeriodReturn {
  /** `2025-01-31`, `2025-W05` (ISO week) or `2025-01`. */
  period: string;
  returnPct: number;
}

export interface BacktestMetrics extends BacktestTradeStats {
  startMs: number;
  endMs: number;
  initialEquityUsd: number;
  finalEquityUsd: number;
  totalReturnPct: number;
  /** Compound annual growth rate over the period, in percent. */
  annualizedReturnPct: number | null;
  /** Mean over standard deviation of daily returns, x sqrt(365) (crypto trades every day). */
  sharpe: number | null;
  /** Mean daily return over the downside deviation, x sqrt(365). */
  sortino: number | null;
  /** Annualized return over the maximum drawdown. */
  calmar: number | null;
  /** Largest peak-to-trough fall of equity, in percent of the peak. */
  maxDrawdownPct: number;
  /** Longest time spent below a previous equity peak. */
  maxDrawdownDurationMs: number;
  /** Share of the period with at least one open position, in percent. */
  exposurePct: number;
  /** Traded notional (entries and exits) over the average equity. */
  turnover: number;
  tradedNotionalUsd: number;
}

export interface MetricsInput {
  trades: readonly TradeRecord[];
  /** Equity after each step, oldest first; the first point is the starting equity. */
  equity: readonly EquityPoint[];
  initialEquityUsd: number;
  tradedNotionalUsd: number;
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

/** Statistics of a group of trades, in the order given (streaks follow it). */
export function tradeStats(trades: readonly TradeRecord[]): BacktestTradeStats {
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let streak = 0;
  let maxWin = 0;
  let maxLoss = 0;
  for (const t of trades) {
    if (t.netPnlUsd > 0) {
      wins++;
      grossProfit += t.netPnlUsd;
      streak = streak > 0 ? streak + 1 : 1;
      maxWin = Math.max(maxWin, streak);
    } else {
      losses++;
      grossLoss += -t.netPnlUsd;
      streak = streak < 0 ? streak - 1 : -1;
      maxLoss = Math.max(maxLoss, -streak);
    }
  }
  const n = trades.length;
  const withR = trades.filter((t) => t.rMultiple !== null);
  return {
    trades: n,
    wins,
    losses,
    winRatePct: n ? (wins / n) * 100 : null,
    netPnlUsd: grossProfit - grossLoss,
    grossProfitUsd: grossProfit,
    grossLossUsd: grossLoss,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    payoffRatio: wins > 0 && losses > 0 && grossLoss > 0 ? grossProfit / wins / (grossLoss / losses) : null,
    expectancyPct: n ? mean(trades.map((t) => t.returnPct)) : null,
    expectancyR: withR.length ? mean(withR.map((t) => t.rMultiple!)) : null,
    maxWinStreak: maxWin,
    maxLossStreak: maxLoss,
    avgHoldMs: n ? mean(trades.map((t) => t.holdMs)) : null,
    feesUsd: sum(trades.map((t) => t.feesUsd)),
    fundingUsd: sum(trades.map((t) => t.fundingUsd)),
  };
}

/** Every headline metric of a run (pure: no clock, no I/O). */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { equity, initialEquityUsd } = input;
  const trades = [...input.trades].sort((a, b) => a.closedAtMs - b.closedAtMs);
  const startMs = equity[0]?.atMs ?? 0;
  const endMs = equity[equity.length - 1]?.atMs ?? startMs;
  const finalEquityUsd = equity[equity.length - 1]?.equityUsd ?? initialEquityUsd;
  const totalReturn = finalEquityUsd / initialEquityUsd - 1;
  const years = (endMs - startMs) / YEAR_MS;
  const annualized = years > 0 && finalEquityUsd > 0 ? Math.pow(finalEquityUsd / initialEquityUsd, 1 / years) - 1 : null;
  const daily = periodReturns(equity, initialEquityUsd, 'day').map((p) => p.returnPct / 100);
  const m = daily.length ? mean(daily) : 0;
  const sd = stdev(daily);
  const downside = daily.length ? Math.sqrt(mean(daily.map((r) => Math.min(0, r) ** 2))) : 0;
  const dd = drawdown(equity);
  let exposed = 0;
  for (let i = 1; i < equity.length; i++) if (equity[i - 1]!.openPositions > 0) exposed += equity[i]!.atMs - equity[i - 1]!.atMs;
  const avgEquity = equity.length ? mean(equity.map((e) => e.equityUsd)) : initialEquityUsd;
  return {
    ...tradeStats(trades),
    startMs,
    endMs,
    initialEquityUsd,
    finalEquityUsd,
    totalReturnPct: totalReturn * 100,
    annualizedReturnPct: annualized === null ? null : annualized * 100,
    sharpe: daily.length > 1 && sd > 0 ? (m / sd) * Math.sqrt(365) : null,
    sortino: daily.length > 1 && downside > 0 ? (m / downside) * Math.sqrt(365) : null,
    calmar: annualized !== null && dd.maxPct > 0 ? (annualized * 100) / dd.maxPct : null,
    maxDrawdownPct: dd.maxPct,
    maxDrawdownDurationMs: dd.maxDurationMs,
    exposurePct: endMs > startMs ? (exposed / (endMs - startMs)) * 100 : 0,
    turnover: avgEquity > 0 ? input.tradedNotionalUsd / avgEquity : 0,
    tradedNotionalUsd: input.tradedNotionalUsd,
  };
}

/** Trade statistics per value of `key` (strategy, symbol, side), keys sorted. */
export function splitBy(trades: readonly TradeRecord[], key: (t: TradeRecord) => string): Record<string, BacktestTradeStats> {
  const groups = new Map<string, TradeRecord[]>();
  for (const t of [...trades].sort((a, b) => a.closedAtMs - b.closedAtMs)) {
    const k = key(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  const out: Record<string, BacktestTradeStats> = {};
  for (const k of [...groups.keys()].sort()) out[k] = tradeStats(groups.get(k)!);
  return out;
}

/**
 * Returns per UTC calendar day, ISO week or month: the period's last equity over the previous
 * period's last equity (the starting equity for the first), in percent. `equity[0]` is the
 * starting point; a point at exactly midnight belongs to the day it closes.
 */
export function periodReturns(equity: readonly EquityPoint[], initialEquityUsd: number, period: 'day' | 'week' | 'month'): PeriodReturn[] {
  const out: PeriodReturn[] = [];
  let prevEquity = initialEquityUsd;
  let current: string | null = null;
  let last = initialEquityUsd;
  // The first point is the starting equity: it opens the first period, it does not end one.
  for (const p of equity.slice(1)) {
    // An equity point at exactly midnight closes the day before it.
    const label = periodLabel(p.atMs - 1, period);
    if (current !== null && label !== current) {
      out.push({ period: current, returnPct: (last / prevEquity - 1) * 100 });
      prevEquity = last;
    }
    current = label;
    last = p.equityUsd;
  }
  if (current !== null) out.push({ period: current, returnPct: (last / prevEquity - 1) * 100 });
  return out;
}

export function periodLabel(atMs: number, period: 'day' | 'week' | 'month'): string {
  const d = new Date(atMs);
  if (period === 'day') return d.toISOString().slice(0, 10);
  if (period === 'month') return d.toISOString().slice(0, 7);
  // ISO 8601 week: the week belongs to the year of its Thursday.
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7)));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - yearStart) / (7 * DAY_MS));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Maximum drawdown (percent of the peak) and the longest time below a peak (until it is regained, or the end). */
export function drawdown(equity: readonly EquityPoint[]): { maxPct: number; maxDurationMs: number } {
  let peak = -Infinity;
  let peakAt = equity[0]?.atMs ?? 0;
  let maxPct = 0;
  let maxDurationMs = 0;
  let underwater = false;
  for (const p of equity) {
    if (p.equityUsd >= peak) {
      // Back at (or above) the peak: the time under water ends here.
      if (peak > -Infinity) maxDurationMs = Math.max(maxDurationMs, underwater ? p.atMs - peakAt : 0);
      underwater = false;
      peak = p.equityUsd;
      peakAt = p.atMs;
      continue;
    }
    underwater = true;
    maxPct = Math.max(maxPct, ((peak - p.equityUsd) / peak) * 100);
    maxDurationMs = Math.max(maxDurationMs, p.atMs - peakAt);
  }
  return { maxPct, maxDurationMs };
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function mean(xs: readonly number[]): number {
  return xs.length ? sum(xs) / xs.length : 0;
}

/** Sample standard deviation (n - 1). */
function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(sum(xs.map((x) => (x - m) ** 2)) / (xs.length - 1));
}
