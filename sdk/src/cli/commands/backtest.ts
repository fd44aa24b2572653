import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { backtest, diffTrades, readBaselineTrades, type BacktestResult } from '../../backtest/index.js';
import { writeReports, type ReportFiles } from '../../backtest/report/writeReports.js';
import { metricRows } from '../../backtest/report/summary.js';
import { BacktestRunStore, runIdFor, toJsonText } from '../../backtest/runStore.js';
import { autotradeFromCli, backtestInputFromCli, type BacktestDataCliOptions } from '../backtestDataOptions.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';
import { fmtNum, renderTable } from '../render/table.js';

export interface BacktestCliOptions extends GlobalOptions, BacktestDataCliOptions {
  json?: boolean;
  out?: string;
  /** A result.json whose trades this run must reproduce exactly. */
  baseline?: string;
}

export interface BacktestCliDeps {
  /** Wall time for the run id and the ETA (the replay itself never reads it). */
  nowMs?: () => number;
}

/** What `--json` (or a pipe) prints: one object. */
export interface BacktestCliSummary {
  runId: string;
  metrics: BacktestResult['metrics'];
  byStrategy: BacktestResult['byStrategy'];
  bySide: BacktestResult['bySide'];
  trades: number;
  signals: number;
  placed: number;
  skipped: BacktestResult['skipped'];
  dataFingerprint: string;
  symbols: number;
  outputs: ReportFiles;
  /** With --baseline: the file and every difference in trades (empty when the run matches). */
  baseline?: { file: string; differences: string[] };
}

/**
 * `perpscope backtest`: replays recorded candles through the paper-trading engine (risk, signal
 * and strategy settings from the config, as `run` reads them), writes the JSON, CSV, XLSX and
 * HTML reports to `--out` (default `<home>/backtests/<run id>`), stores the run in the home
 * database, then prints a metrics table (a terminal) or one JSON object (`--json` or a pipe).
 */
export async function runBacktestCommand(opts: BacktestCliOptions, io: CliIo, deps: BacktestCliDeps = {}): Promise<BacktestCliSummary> {
  const now = deps.nowMs ?? Date.now;
  const { config, home } = loadCliConfig(opts, io.env, {});
  const asJson = opts.json === true || !io.isTTY;
  // Read first: a bad baseline file fails before the replay, not after it.
  const baselineTrades = opts.baseline !== undefined ? readBaselineTrades(opts.baseline) : undefined;
  const bar = asJson ? undefined : new cliProgress.SingleBar({ format: 'backtest [{bar}] {percentage}% | {value}/{total} bars | {at} | eta {eta_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 200 }, cliProgress.Presets.shades_classic);
  let started = false;
  const result = await backtest(
    backtestInputFromCli(opts),
    {
      engineConfig: { risk: config.risk, signals: config.signals, profile: config.profile, universe: config.universe, autotrade: autotradeFromCli(opts, config.autotrade) },
      onProgress: (p) => {
        if (!bar) return;
        const at = new Date(p.atMs).toISOString().slice(0, 16);
        if (!started) {
          bar.start(p.total, p.done, { at });
          started = true;
        } else bar.update(p.done, { at });
      },
    },
  );
  if (started) bar?.stop();
  const createdAtMs = now();
  const runId = runIdFor(result, createdAtMs);
  const outDir = opts.out ?? join(home, 'backtests', runId);
  const outputs = await writeReports(result, outDir);
  const runs = BacktestRunStore.open(home);
  try {
    runs.save({
      id: runId,
      createdAtMs,
      dataDir: opts.data,
      timeframe: result.timeframe,
      startMs: result.startMs,
      endMs: result.endMs,
      symbols: result.symbols,
      config: { backtest: result.config, risk: config.risk, signals: config.signals, profile: config.profile },
      dataFingerprint: result.fingerprint,
      trades: result.metrics.trades,
      metrics: result.metrics,
      outputs: { ...outputs },
    });
  } finally {
    runs.close();
  }
  const summary: BacktestCliSummary = {
    runId,
    metrics: result.metrics,
    byStrategy: result.byStrategy,
    bySide: result.bySide,
    trades: result.metrics.trades,
    signals: result.signals,
    placed: result.placed,
    skipped: result.skipped,
    dataFingerprint: result.fingerprint,
    symbols: result.symbols.length,
    outputs,
    ...(baselineTrades && opts.baseline !== undefined ? { baseline: { file: opts.baseline, differences: diffTrades(baselineTrades, result.trades) } } : {}),
  };
  if (asJson) {
    io.out(toJsonText(summary));
    return summary;
  }
  io.out(renderTable(metricRows(result.metrics), [
    { header: 'metric', align: 'left', cell: (r) => r.label },
    { header: 'value', cell: (r) => r.value },
  ]));
  io.out(
    renderTable(Object.entries(result.byStrategy), [
      { header: 'strategy', align: 'left', cell: ([name]) => name },
      { header: 'trades', cell: ([, s]) => String(s.trades) },
      { header: 'win %', cell: ([, s]) => fmtNum(s.winRatePct ?? undefined) },
      { header: 'net USD', cell: ([, s]) => fmtNum(s.netPnlUsd) },
      { header: 'PF', cell: ([, s]) => fmtNum(s.profitFactor ?? undefined) },
      { header: 'exp. %', cell: ([, s]) => fmtNum(s.expectancyPct ?? undefined, 3) },
      { header: 'exp. R', cell: ([, s]) => fmtNum(s.expectancyR ?? undefined, 3) },
    ]),
  );
  io.out(`${result.symbols.length} symbols, ${result.signals} signals, ${result.placed} placed; run ${runId}`);
  if (summary.baseline) {
    const d = summary.baseline.differences;
    io.out(d.length === 0 ? `baseline ${summary.baseline.file}: trades identical` : `baseline ${summary.baseline.file}: ${d.length} difference(s) in trades\n${d.slice(0, 200).join('\n')}${d.length > 200 ? `\n... and ${d.length - 200} more` : ''}`);
  }
  io.out(`reports: ${outputs.html}\n         ${outputs.xlsx}\n         ${outputs.tradesCsv}\n         ${outputs.equityCsv}\n         ${outputs.json}`);
  return summary;
}
