import type { BacktestMetrics } from '../metrics.js';

export interface MetricRow {
  label: string;
  value: string;
}

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : `${x.toFixed(2)} %`);
const num = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));
const usd = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} USD` : '-');

/** A duration as `3d 4h` / `5h 10m`. */
export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const m = Math.round(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  return d > 0 ? `${d}d ${h}h` : `${h}h ${m % 60}m`;
}

/** The headline metrics as label/value rows, for the terminal table, the workbook and the HTML report. */
export function metricRows(m: BacktestMetrics): MetricRow[] {
  return [
    { label: 'Period', value: `${new Date(m.startMs).toISOString().slice(0, 16)} .. ${new Date(m.endMs).toISOString().slice(0, 16)}` },
    { label: 'Initial equity', value: usd(m.initialEquityUsd) },
    { label: 'Final equity', value: usd(m.finalEquityUsd) },
    { label: 'Total return', value: pct(m.totalReturnPct) },
    { label: 'Annualized return', value: pct(m.annualizedReturnPct) },
    { label: 'Sharpe (daily, x sqrt 365)', value: num(m.sharpe) },
    { label: 'Sortino', value: num(m.sortino) },
    { label: 'Calmar', value: num(m.calmar) },
    { label: 'Max drawdown', value: pct(m.maxDrawdownPct) },
    { label: 'Max drawdown duration', value: fmtDuration(m.maxDrawdownDurationMs) },
    { label: 'Trades', value: String(m.trades) },
    { label: 'Win rate', value: pct(m.winRatePct) },
    { label: 'Profit factor', value: num(m.profitFactor) },
    { label: 'Payoff ratio', value: num(m.payoffRatio) },
    { label: 'Expectancy', value: pct(m.expectancyPct) },
    { label: 'Expectancy (R)', value: num(m.expectancyR, 3) },
    { label: 'Longest win / loss streak', value: `${m.maxWinStreak} / ${m.maxLossStreak}` },
    { label: 'Average hold', value: fmtDuration(m.avgHoldMs) },
    { label: 'Exposure', value: pct(m.exposurePct) },
    { label: 'Turnover (x mean equity)', value: num(m.turnover) },
    { label: 'Fees paid', value: usd(m.feesUsd) },
    { label: 'Funding (+ received, - paid)', value: usd(m.fundingUsd) },
  ];
}
