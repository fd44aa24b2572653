import { existsSync } from 'node:fs';
import type { BacktestResult, BacktestTradeStats, StoredBacktestRun } from '@perpscope/sdk';
import type {
  BacktestMetricsView,
  BacktestReportKind,
  BacktestRunSummaryView,
  BacktestRunView,
  BacktestTradeStatsView,
  BacktestTradeView,
} from '@perpscope/shared';

/** Report kinds in the order the export buttons show them. */
export const REPORT_KINDS: readonly BacktestReportKind[] = ['html', 'xlsx', 'tradesCsv', 'equityCsv', 'json'];

export const REPORT_MIME: Record<BacktestReportKind, string> = {
  html: 'text/html',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  tradesCsv: 'text/csv',
  equityCsv: 'text/csv',
  json: 'application/json',
};

/** A stored number: JSON turned the non-finite ones into null, and older rows may lack a field. */
const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: unknown): number => n(v) ?? 0;

export function tradeStatsView(s: Partial<Record<keyof BacktestTradeStats, unknown>>): BacktestTradeStatsView {
  return {
    trades: int(s.trades),
    wins: int(s.wins),
    losses: int(s.losses),
    winRatePct: n(s.winRatePct),
    netPnlUsd: n(s.netPnlUsd),
    grossProfitUsd: n(s.grossProfitUsd),
    grossLossUsd: n(s.grossLossUsd),
    profitFactor: n(s.profitFactor),
    payoffRatio: n(s.payoffRatio),
    expectancyPct: n(s.expectancyPct),
    expectancyR: n(s.expectancyR),
    maxWinStreak: int(s.maxWinStreak),
    maxLossStreak: int(s.maxLossStreak),
    avgHoldMs: n(s.avgHoldMs),
    feesUsd: n(s.feesUsd),
    fundingUsd: n(s.fundingUsd),
  };
}

export function metricsView(m: Record<string, unknown>): BacktestMetricsView {
  return {
    ...tradeStatsView(m),
    startMs: int(m['startMs']),
    endMs: int(m['endMs']),
    initialEquityUsd: n(m['initialEquityUsd']),
    finalEquityUsd: n(m['finalEquityUsd']),
    totalReturnPct: n(m['totalReturnPct']),
    annualizedReturnPct: n(m['annualizedReturnPct']),
    sharpe: n(m['sharpe']),
    sortino: n(m['sortino']),
    calmar: n(m['calmar']),
    maxDrawdownPct: n(m['maxDrawdownPct']),
    maxDrawdownDurationMs: n(m['maxDrawdownDurationMs']),
    exposurePct: n(m['exposurePct']),
    turnover: n(m['turnover']),
    tradedNotionalUsd: n(m['tradedNotionalUsd']),
  };
}

/** Report kinds of a run whose file is still there. */
export function presentReports(outputs: Record<string, string>): BacktestReportKind[] {
  return REPORT_KINDS.filter((k) => typeof outputs[k] === 'string' && existsSync(outputs[k]));
}

export function runSummaryView(run: StoredBacktestRun): BacktestRunSummaryView {
  return {
    id: run.id,
    createdAtMs: run.createdAtMs,
    dataDir: run.dataDir,
    timeframe: run.timeframe,
    startMs: run.startMs,
    endMs: run.endMs,
    symbols: run.symbols,
    trades: run.trades,
    metrics: metricsView(run.metrics as unknown as Record<string, unknown>),
    reports: presentReports(run.outputs),
  };
}

/** The result file's content as it was written: numbers that were not finite are null. */
export type StoredResult = Partial<Pick<BacktestResult, 'byStrategy' | 'bySide' | 'equity' | 'monthly' | 'trades'>>;

function statsRecord(r: Record<string, BacktestTradeStats> | undefined): Record<string, BacktestTradeStatsView> {
  return Object.fromEntries(Object.entries(r ?? {}).map(([k, s]) => [k, tradeStatsView(s)]));
}

export function runView(run: StoredBacktestRun, result: StoredResult): BacktestRunView {
  const equity = (result.equity ?? []).map((p) => ({ atMs: p.atMs, equityUsd: p.equityUsd }));
  let peak = -Infinity;
  const drawdown = equity.map((p) => {
    peak = Math.max(peak, p.equityUsd);
    return { atMs: p.atMs, drawdownPct: peak > 0 ? (p.equityUsd / peak - 1) * 100 : 0 };
  });
  const trades: BacktestTradeView[] = (result.trades ?? []).map((t) => ({
    tradeId: t.tradeId,
    symbol: t.symbol,
    side: t.side,
    strategy: t.strategy,
    openedAtMs: t.openedAtMs,
    closedAtMs: t.closedAtMs,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    sizeBase: t.sizeBase,
    netPnlUsd: n(t.netPnlUsd),
    returnPct: n(t.returnPct),
    rMultiple: n(t.rMultiple),
    exitReason: t.exitReason,
  }));
  return {
    ...runSummaryView(run),
    byStrategy: statsRecord(result.byStrategy),
    bySide: statsRecord(result.bySide),
    equity,
    drawdown,
    monthly: (result.monthly ?? []).map((m) => ({ period: m.period, returnPct: n(m.returnPct) })),
    trades,
  };
}
