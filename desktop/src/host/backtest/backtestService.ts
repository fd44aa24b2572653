import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  BUILTIN_STRATEGY_IDS,
  BacktestRunStore,
  CancelledError,
  InvalidInputError,
  PerpscopeError,
  StoreError,
  backtest,
  parseBacktestConfig,
  runIdFor,
  writeReports,
  type BacktestConfig,
  type BacktestConfigInput,
  type Logger,
  type AutoTraderConfigInput,
  type PerpscopeConfigInput,
  type RiskConfig,
  type SignalEngineConfig,
} from '@perpscope/sdk';
import {
  ErrorCode,
  timeframeMs,
  type BacktestDatasetsView,
  type BacktestProgressView,
  type BacktestReportFileView,
  type BacktestReportKind,
  type BacktestRunSummaryView,
  type BacktestRunView,
  type CandlesReplyView,
  type MethodParams,
} from '@perpscope/shared';
import { datasetFiles, datasetView, exchangeSymbol, scanDatasets, type RecordedDataset } from './datasets.js';
import { readRecordedBars } from './recordedBars.js';
import { REPORT_MIME, runSummaryView, runView, type StoredResult } from './runViews.js';

/** The Backtest view's commands and the progress of the one run the host executes at a time. */
export interface BacktestPort {
  datasets(): BacktestDatasetsView;
  /** Validates, then starts the run off the request path; its progress arrives as events. */
  start(params: MethodParams<'backtest.start'>): { runId: string };
  /** False when that run is not the one running (finished, unknown). */
  cancel(runId: string): boolean;
  list(limit: number): { runs: BacktestRunSummaryView[]; active: BacktestProgressView | null };
  get(id: string): BacktestRunView;
  bars(params: MethodParams<'backtest.bars'>): CandlesReplyView;
  report(id: string, kind: BacktestReportKind): BacktestReportFileView;
  subscribe(listener: (progress: BacktestProgressView) => void): () => void;
  /** Aborts a running backtest and waits for it to end; closes the run store. */
  close(): Promise<void>;
}

/** The engine settings a run starts from, as `perpscope backtest` reads them from the config. */
export interface BacktestEngineSettings {
  risk: RiskConfig;
  signals: SignalEngineConfig;
  profile: string;
  universe: PerpscopeConfigInput['universe'];
  /** AutoTrader settings (the edge gate); the form's edge switch overrides `edge.require`. */
  autotrade?: AutoTraderConfigInput;
}

export interface BacktestServiceOptions {
  /** The Perpscope home: runs go to its database, reports to `<home>/backtests/<run id>`. */
  home: string;
  /** Configured data directories (`backtest.dataDirs`). */
  dataDirs: () => readonly string[];
  /** Current settings; read when a run starts, so risk edits in the UI apply to the next run. */
  settings: () => BacktestEngineSettings;
  /** Wall clock for run ids, creation times and the ETA (the replay itself never reads it). */
  nowMs: () => number;
  logger: Logger;
}

/** Progress events at most this often (wall time), besides the first and the final one. */
const PROGRESS_MIN_GAP_MS = 200;
/** `backtest.bars` returns at most this many bars. */
const MAX_BARS = 5_000;
/** Report files larger than this are not sent over RPC. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;
/** The names `writeReports` gives each file; a stored path with another name is refused. */
const REPORT_FILE_NAMES: Record<BacktestReportKind, string> = {
  html: 'report.html',
  xlsx: 'report.xlsx',
  tradesCsv: 'trades.csv',
  equityCsv: 'equity.csv',
  json: 'result.json',
};

interface ActiveRun {
  runId: string;
  controller: AbortController;
  progress: BacktestProgressView;
  finished: Promise<void>;
}

const bad = (subject: string, path: string, received: unknown, expected: string) => new InvalidInputError(subject, [{ path, received: JSON.stringify(received) ?? String(received), expected }]);

/**
 * Backtests for the desktop shells: the SDK's `backtest()` (the engine path of `run --paper`) over
 * a recorded dataset the host lists, one run at a time. A run yields to the event loop between
 * bars, so the host keeps answering while it replays; it ends in exactly one final progress event
 * (`completed` after its reports are written and the run is stored, or `failed`, or `cancelled`).
 */
export function createBacktestService(o: BacktestServiceOptions): BacktestPort {
  const listeners = new Set<(p: BacktestProgressView) => void>();
  let active: ActiveRun | null = null;
  let runs: BacktestRunStore | null = null;
  const store = () => (runs ??= BacktestRunStore.open(o.home));

  const emit = (p: BacktestProgressView) => {
    for (const fn of [...listeners]) {
      try {
        fn(p);
      } catch (e) {
        o.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'backtest progress listener failed');
      }
    }
  };

  const findDataset = (id: string): RecordedDataset => {
    const scan = scanDatasets(o.dataDirs());
    const wanted = resolve(id);
    const found = scan.datasets.find((d) => d.dir === wanted);
    if (!found) throw bad('backtest.start params', 'dataset', id, `a dataset backtest.datasets lists (${scan.datasets.map((d) => d.dir).join(', ') || 'none: set backtest.dataDirs'})`);
    return found;
  };

  const storedRun = (id: string) => {
    const run = store().get(id);
    if (!run) throw bad('backtest run', 'id', id, 'the id of a stored run (see backtest.list)');
    return run;
  };

  /** The engine config of one run: the host's settings with the form's subset on top. */
  const engineConfigFor = (p: MethodParams<'backtest.start'>): PerpscopeConfigInput => {
    const s = o.settings();
    const risk: RiskConfig = structuredClone(s.risk);
    if (p.maxPositions !== undefined) risk.gates.maxPositions = p.maxPositions;
    if (p.maxExposureUsd !== undefined) risk.gates.maxExposureUsd = p.maxExposureUsd;
    if (p.riskPerTradePct !== undefined) {
      risk.sizing.mode = 'risk_pct';
      risk.sizing.riskPct = p.riskPerTradePct;
    }
    const signals: SignalEngineConfig = structuredClone(s.signals);
    if (p.strategies) {
      const on = new Set(p.strategies);
      for (const id of BUILTIN_STRATEGY_IDS) signals.strategies[id] = { enabled: on.has(id), params: signals.strategies[id]?.params ?? {} };
    }
    const autotrade = p.edgeGate === undefined ? s.autotrade : { ...s.autotrade, edge: { ...s.autotrade?.edge, require: p.edgeGate } };
    return { risk, signals, profile: s.profile, ...(s.universe ? { universe: s.universe } : {}), ...(autotrade ? { autotrade } : {}) };
  };

  async function execute(run: ActiveRun, config: BacktestConfig, engineConfig: PerpscopeConfigInput, datasetDir: string): Promise<void> {
    const startedAtMs = run.progress.startedAtMs;
    let lastEmitMs = -Infinity;
    const finish = (status: BacktestProgressView['status'], error: BacktestProgressView['error']) => {
      active = null;
      emit({ ...run.progress, status, etaMs: null, error });
    };
    try {
      const result = await backtest(config, {
        engineConfig,
        signal: run.controller.signal,
        onProgress: (p) => {
          const nowMs = o.nowMs();
          const elapsedMs = nowMs - startedAtMs;
          run.progress = { ...run.progress, done: p.done, total: p.total, atMs: p.atMs, etaMs: p.done > 0 ? Math.round((elapsedMs / p.done) * (p.total - p.done)) : null };
          if (nowMs - lastEmitMs < PROGRESS_MIN_GAP_MS && p.done < p.total) return;
          lastEmitMs = nowMs;
          emit(run.progress);
        },
      });
      const createdAtMs = o.nowMs();
      const outputs = await writeReports(result, join(o.home, 'backtests', run.runId));
      store().save({
        id: run.runId,
        createdAtMs,
        dataDir: datasetDir,
        timeframe: result.timeframe,
        startMs: result.startMs,
        endMs: result.endMs,
        symbols: result.symbols,
        config: { backtest: result.config, ...engineConfig },
        dataFingerprint: result.fingerprint,
        trades: result.metrics.trades,
        metrics: result.metrics,
        outputs: { ...outputs },
      });
      finish('completed', null);
    } catch (e) {
      if (e instanceof CancelledError) finish('cancelled', null);
      else {
        o.logger.warn({ runId: run.runId, err: e instanceof Error ? e.message : String(e) }, 'backtest failed');
        finish('failed', { code: e instanceof PerpscopeError ? e.code : ErrorCode.Internal, message: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  return {
    datasets() {
      const scan = scanDatasets(o.dataDirs());
      const s = o.settings();
      return {
        datasets: scan.datasets.map(datasetView),
        problems: scan.problems,
        strategies: [...BUILTIN_STRATEGY_IDS],
        defaults: {
          initialBalanceUsd: parseBacktestConfig({ data: '.' }).initialBalanceUsd,
          riskPerTradePct: s.risk.sizing.riskPct,
          maxPositions: s.risk.gates.maxPositions,
          maxExposureUsd: s.risk.gates.maxExposureUsd,
          sizingMode: s.risk.sizing.mode,
          fixedNotionalUsd: s.risk.sizing.fixedNotionalUsd,
        },
      };
    },

    start(p) {
      if (active) {
        const { runId, done, total } = active.progress;
        throw new PerpscopeError(ErrorCode.InvalidInput, `A backtest is already running (${runId}, ${done}/${total} bars): cancel it or wait for it to finish`, { details: { runId } });
      }
      const dataset = findDataset(p.dataset);
      const files = dataset.files.get(p.timeframe);
      if (!files) throw bad('backtest.start params', 'timeframe', p.timeframe, `a timeframe ${dataset.name} holds (${[...dataset.files.keys()].join(', ')})`);
      const missing = p.symbols.filter((s) => !files.has(exchangeSymbol(s)));
      if (missing.length) throw bad('backtest.start params', 'symbols', missing.join(','), `symbols with ${p.timeframe} files in ${dataset.name}`);
      const unknown = (p.strategies ?? []).filter((s) => !(BUILTIN_STRATEGY_IDS as readonly string[]).includes(s));
      if (unknown.length) throw bad('backtest.start params', 'strategies', unknown.join(','), `strategy ids among ${BUILTIN_STRATEGY_IDS.join(', ')}`);
      const input: BacktestConfigInput = {
        data: dataset.dir,
        timeframe: p.timeframe,
        symbols: [...new Set(p.symbols)],
        from: p.fromMs,
        to: p.toMs,
        ...(p.warmupBars !== undefined ? { warmupBars: p.warmupBars } : {}),
        ...(p.initialBalanceUsd !== undefined ? { initialBalanceUsd: p.initialBalanceUsd } : {}),
      };
      const config = parseBacktestConfig(input);
      const engineConfig = engineConfigFor(p);
      const startedAtMs = o.nowMs();
      const runId = runIdFor({ config, fingerprint: dataset.dir }, startedAtMs);
      const tfMs = timeframeMs(p.timeframe);
      const total = Math.max(0, Math.round((Math.floor(p.toMs / tfMs) - Math.ceil(p.fromMs / tfMs))));
      const run: ActiveRun = {
        runId,
        controller: new AbortController(),
        progress: { runId, status: 'running', done: 0, total, atMs: null, etaMs: null, startedAtMs, error: null },
        finished: Promise.resolve(),
      };
      active = run;
      // Off the request path: the reply (the run id) goes out before the replay's first bar.
      run.finished = new Promise<void>((resolveRun) => setImmediate(resolveRun)).then(() => execute(run, config, engineConfig, dataset.dir));
      emit(run.progress);
      return { runId };
    },

    cancel(runId) {
      if (!active || active.runId !== runId) return false;
      active.controller.abort();
      return true;
    },

    list(limit) {
      return { runs: store().list(limit).map(runSummaryView), active: active ? { ...active.progress } : null };
    },

    get(id) {
      const run = storedRun(id);
      const file = run.outputs['json'];
      let result: StoredResult;
      try {
        result = JSON.parse(readFileSync(file ?? '', 'utf8')) as StoredResult;
      } catch (e) {
        throw new StoreError(ErrorCode.StoreError, `The result file of run ${id} cannot be read (${file ?? 'none recorded'}): ${e instanceof Error ? e.message : String(e)}`, { details: { id, file } });
      }
      return runView(run, result);
    },

    bars(p) {
      const run = storedRun(p.id);
      if (p.toMs < p.fromMs) throw bad('backtest.bars params', 'toMs', p.toMs, `a time at or after fromMs (${p.fromMs})`);
      const timeframe = run.timeframe as Parameters<typeof timeframeMs>[0];
      const path = datasetFiles(run.dataDir).get(timeframe)?.get(exchangeSymbol(p.symbol));
      if (!path) throw bad('backtest.bars params', 'symbol', p.symbol, `a symbol with ${run.timeframe} files in ${run.dataDir}`);
      return { symbol: p.symbol, timeframe: run.timeframe, candles: readRecordedBars(path, timeframe, p.fromMs, p.toMs, MAX_BARS), overlays: [] };
    },

    report(id, kind) {
      const run = storedRun(id);
      const stored = run.outputs[kind];
      const resultFile = run.outputs['json'];
      if (!stored || !resultFile) throw bad('backtest.report params', 'kind', kind, `a report kind run ${id} has (${Object.keys(run.outputs).join(', ') || 'none'})`);
      // Only the run's own report files, whatever the database row says: same folder as its result, fixed names, no links out.
      let real: string;
      let reportDir: string;
      try {
        real = realpathSync(stored);
        reportDir = realpathSync(dirname(resultFile));
      } catch {
        throw new StoreError(ErrorCode.StoreError, `The ${kind} report of run ${id} is missing (${stored})`, { details: { id, kind } });
      }
      if (dirname(real) !== reportDir || basename(real) !== REPORT_FILE_NAMES[kind]) {
        throw new StoreError(ErrorCode.StoreError, `The ${kind} report of run ${id} is not a file of its report folder; refused`, { details: { id, kind } });
      }
      const size = statSync(real).size;
      if (size > MAX_REPORT_BYTES) throw new StoreError(ErrorCode.StoreError, `The ${kind} report of run ${id} is ${size} bytes, over the ${MAX_REPORT_BYTES}-byte limit: open it from ${real}`, { details: { id, kind } });
      return { fileName: `${id}-${REPORT_FILE_NAMES[kind]}`, mimeType: REPORT_MIME[kind], base64: readFileSync(real).toString('base64') };
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      const running = active;
      running?.controller.abort();
      await running?.finished;
      runs?.close();
      runs = null;
    },
  };
}
