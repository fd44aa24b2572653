import { z } from 'zod';
import { TimeframeSchema } from '../domain/marketData.js';

/**
 * Views of the Backtest view's commands and events: recorded datasets, runs (stored in the home
 * database with their report files), their metrics, equity, trades, and the progress of the one
 * run the host executes at a time. Non-finite numbers travel as null (JSON has no Infinity).
 */

const num = z.number().nullable();

/** One timeframe of a recorded dataset: its symbols (unified) and the period its files span. */
export const BacktestDatasetTimeframeViewSchema = z.object({
  timeframe: TimeframeSchema,
  symbols: z.array(z.string()),
  /** Open time of the earliest and the latest recorded bar over the timeframe's files. */
  firstBarMs: z.number().nullable(),
  lastBarMs: z.number().nullable(),
});

/** A directory of recorded candles the host may replay; `id` is what `backtest.start` takes. */
export const BacktestDatasetViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  timeframes: z.array(BacktestDatasetTimeframeViewSchema),
});
export type BacktestDatasetView = z.infer<typeof BacktestDatasetViewSchema>;

export const BacktestDatasetsViewSchema = z.object({
  datasets: z.array(BacktestDatasetViewSchema),
  /** Configured data directories that could not be read, with the reason. */
  problems: z.array(z.object({ dir: z.string(), message: z.string() })),
  /** Strategy ids a run may be restricted to. */
  strategies: z.array(z.string()),
  /** The host's risk settings, the form's starting values. */
  defaults: z.object({
    initialBalanceUsd: z.number(),
    riskPerTradePct: z.number(),
    maxPositions: z.number(),
    maxExposureUsd: z.number(),
    sizingMode: z.string(),
    fixedNotionalUsd: z.number(),
  }),
});
export type BacktestDatasetsView = z.infer<typeof BacktestDatasetsViewSchema>;

export const BacktestTradeStatsViewSchema = z.object({
  trades: z.number(),
  wins: z.number(),
  losses: z.number(),
  winRatePct: num,
  netPnlUsd: num,
  grossProfitUsd: num,
  grossLossUsd: num,
  profitFactor: num,
  payoffRatio: num,
  expectancyPct: num,
  expectancyR: num,
  maxWinStreak: z.number(),
  maxLossStreak: z.number(),
  avgHoldMs: num,
  feesUsd: num,
  fundingUsd: num,
});
export type BacktestTradeStatsView = z.infer<typeof BacktestTradeStatsViewSchema>;

export const BacktestMetricsViewSchema = BacktestTradeStatsViewSchema.extend({
  startMs: z.number(),
  endMs: z.number(),
  initialEquityUsd: num,
  finalEquityUsd: num,
  totalReturnPct: num,
  annualizedReturnPct: num,
  sharpe: num,
  sortino: num,
  calmar: num,
  maxDrawdownPct: num,
  maxDrawdownDurationMs: num,
  exposurePct: num,
  turnover: num,
  tradedNotionalUsd: num,
});
export type BacktestMetricsView = z.infer<typeof BacktestMetricsViewSchema>;

/** Report files a run can be exported as. */
export const BacktestReportKindSchema = z.enum(['html', 'xlsx', 'tradesCsv', 'equityCsv', 'json']);
export type BacktestReportKind = z.infer<typeof BacktestReportKindSchema>;

/** A stored run, as the runs list shows it. */
export const BacktestRunSummaryViewSchema = z.object({
  id: z.string(),
  createdAtMs: z.number(),
  dataDir: z.string(),
  timeframe: z.string(),
  startMs: z.number(),
  endMs: z.number(),
  symbols: z.array(z.string()),
  trades: z.number(),
  metrics: BacktestMetricsViewSchema,
  /** Report kinds whose file is present. */
  reports: z.array(BacktestReportKindSchema),
});
export type BacktestRunSummaryView = z.infer<typeof BacktestRunSummaryViewSchema>;

export const BacktestTradeViewSchema = z.object({
  tradeId: z.string(),
  symbol: z.string(),
  side: z.enum(['long', 'short']),
  strategy: z.string(),
  openedAtMs: z.number(),
  closedAtMs: z.number(),
  entryPrice: z.number(),
  exitPrice: z.number(),
  sizeBase: z.number(),
  netPnlUsd: num,
  returnPct: num,
  rMultiple: num,
  exitReason: z.string(),
});
export type BacktestTradeView = z.infer<typeof BacktestTradeViewSchema>;

/** One run in full: what the results panel draws. */
export const BacktestRunViewSchema = BacktestRunSummaryViewSchema.extend({
  byStrategy: z.record(z.string(), BacktestTradeStatsViewSchema),
  bySide: z.record(z.string(), BacktestTradeStatsViewSchema),
  /** Equity after each bar, oldest first. */
  equity: z.array(z.object({ atMs: z.number(), equityUsd: z.number() })),
  /** Fall from the running equity peak after each bar, in percent (0 or negative). */
  drawdown: z.array(z.object({ atMs: z.number(), drawdownPct: z.number() })),
  monthly: z.array(z.object({ period: z.string(), returnPct: num })),
  trades: z.array(BacktestTradeViewSchema),
});
export type BacktestRunView = z.infer<typeof BacktestRunViewSchema>;

export const BacktestStatusSchema = z.enum(['running', 'completed', 'failed', 'cancelled']);

/**
 * Progress of the host's run: `running` while bars replay (`done` of `total`, `etaMs` once it can
 * be estimated), then exactly one final status. `completed` runs are in `backtest.list`.
 */
export const BacktestProgressViewSchema = z.object({
  runId: z.string(),
  status: BacktestStatusSchema,
  done: z.number(),
  total: z.number(),
  /** Simulated time of the last replayed bar close. */
  atMs: z.number().nullable(),
  etaMs: z.number().nullable(),
  startedAtMs: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type BacktestProgressView = z.infer<typeof BacktestProgressViewSchema>;

export const BacktestReportFileViewSchema = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  /** The file's bytes, base64. */
  base64: z.string(),
});
export type BacktestReportFileView = z.infer<typeof BacktestReportFileViewSchema>;

/** A time in ms since epoch, before 2100 (so it always has a date to show). */
const timeMs = z.number().int().nonnegative().max(4_102_444_800_000, 'a time before 2100-01-01');

/** A run id as the host makes them (`bt-20250101T000000.000Z-1a2b3c4d-abcdef`). */
export const BacktestRunIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'a backtest run id (letters, digits, "_", ".", ":", "-")');

/**
 * `backtest.start`: a dataset the host lists, a timeframe it holds, some of its symbols, a period
 * and a subset of the risk settings and strategies (the host's own settings fill the rest).
 */
export const BacktestStartInputSchema = z
  .strictObject({
    dataset: z.string().min(1).max(4096),
    timeframe: TimeframeSchema,
    symbols: z.array(z.string().regex(/^[A-Za-z0-9._-]+\/[A-Z0-9]+:[A-Z0-9]+$/, 'a unified symbol such as BTC/USDT:USDT')).min(1).max(500),
    /** First traded bar (ms); the warm-up bars come before it. */
    fromMs: timeMs,
    /** Period end (ms, exclusive). */
    toMs: timeMs,
    warmupBars: z.number().int().min(50).max(5_000).optional(),
    initialBalanceUsd: z.number().finite().positive().max(1e12).optional(),
    /** Equity risked per trade in percent; switches sizing to `risk_pct`. */
    riskPerTradePct: z.number().finite().positive().max(100).optional(),
    maxPositions: z.number().int().min(1).max(1_000).optional(),
    maxExposureUsd: z.number().finite().positive().optional(),
    /** Only these strategies run; all when absent. */
    strategies: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
    /**
     * Trade only signals backed by out-of-sample evidence (the AutoTrader's edge gate), as `run`
     * does by default; false trades every signal RiskPolicy passes. Absent: the host's setting.
     */
    edgeGate: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.toMs <= o.fromMs) ctx.addIssue({ code: 'custom', path: ['toMs'], message: `a time after fromMs (${new Date(o.fromMs).toISOString()})`, input: o.toMs });
  });
export type BacktestStartInput = z.infer<typeof BacktestStartInputSchema>;
