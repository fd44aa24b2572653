import type { BacktestMetricsView } from '@perpscope/shared';
import { fmtNum, fmtPctUnits, fmtUsd } from './format.js';

/** `5 d 3 h`, `4 h 12 min`, `35 min`; a dash when unknown. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const min = Math.round(ms / 60_000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min`;
}

/** One row of the metrics table; `better` says which way is good, for the compare highlight. */
export interface MetricRow {
  key: keyof BacktestMetricsView;
  label: string;
  format: (v: number | null) => string;
  better: 'higher' | 'lower' | null;
}

const pct = (v: number | null) => fmtPctUnits(v);
const ratio = (v: number | null) => fmtNum(v);

/** The headline metrics in the order the report and the CLI table show them. */
export const METRIC_ROWS: readonly MetricRow[] = [
  { key: 'totalReturnPct', label: 'Total return', format: pct, better: 'higher' },
  { key: 'annualizedReturnPct', label: 'Annualized return', format: pct, better: 'higher' },
  { key: 'finalEquityUsd', label: 'Final equity', format: fmtUsd, better: 'higher' },
  { key: 'sharpe', label: 'Sharpe', format: ratio, better: 'higher' },
  { key: 'sortino', label: 'Sortino', format: ratio, better: 'higher' },
  { key: 'calmar', label: 'Calmar', format: ratio, better: 'higher' },
  { key: 'maxDrawdownPct', label: 'Max drawdown', format: pct, better: 'lower' },
  { key: 'maxDrawdownDurationMs', label: 'Drawdown duration', format: fmtDuration, better: 'lower' },
  { key: 'trades', label: 'Trades', format: (v) => fmtNum(v, 0), better: null },
  { key: 'winRatePct', label: 'Win rate', format: pct, better: 'higher' },
  { key: 'profitFactor', label: 'Profit factor', format: ratio, better: 'higher' },
  { key: 'payoffRatio', label: 'Payoff ratio', format: ratio, better: 'higher' },
  { key: 'expectancyPct', label: 'Expectancy %', format: (v) => fmtPctUnits(v, 3), better: 'higher' },
  { key: 'expectancyR', label: 'Expectancy R', format: (v) => fmtNum(v, 3), better: 'higher' },
  { key: 'netPnlUsd', label: 'Net PnL', format: fmtUsd, better: 'higher' },
  { key: 'avgHoldMs', label: 'Average hold', format: fmtDuration, better: null },
  { key: 'exposurePct', label: 'Exposure', format: pct, better: null },
  { key: 'turnover', label: 'Turnover', format: (v) => (v == null ? '—' : `${fmtNum(v)} x`), better: null },
  { key: 'feesUsd', label: 'Fees paid', format: fmtUsd, better: 'lower' },
  { key: 'fundingUsd', label: 'Funding', format: fmtUsd, better: 'higher' },
  { key: 'maxWinStreak', label: 'Longest win streak', format: (v) => fmtNum(v, 0), better: null },
  { key: 'maxLossStreak', label: 'Longest loss streak', format: (v) => fmtNum(v, 0), better: null },
];

export function metricValue(m: BacktestMetricsView, key: keyof BacktestMetricsView): number | null {
  const v = m[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Which side of a compare is better on a row: `a`, `b`, or null (equal, unknown, or no direction). */
export function betterSide(row: MetricRow, a: BacktestMetricsView, b: BacktestMetricsView): 'a' | 'b' | null {
  const x = metricValue(a, row.key);
  const y = metricValue(b, row.key);
  if (row.better === null || x === null || y === null || x === y) return null;
  return (row.better === 'higher') === x > y ? 'a' : 'b';
}
