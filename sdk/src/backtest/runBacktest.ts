import { timeframeMs, usdtSwapMarket, type Candle, type Market } from '@perpscope/shared';
import { CancelledError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseConfig, type PerpscopeConfigInput } from '../config/index.js';
import { createEngine } from '../engine/createEngine.js';
import { TradingBridge } from '../engine/tradingBridge.js';
import type { Signal } from '../signals/index.js';
import { IN_MEMORY, Ledger, openStore, type Fill } from '../store/index.js';
import { createTradingStack, type AutoTraderConfigInput, type PaperBroker } from '../trading/index.js';
import { resolveEdgeEvidence } from '../signals/edgeEvidence.js';
import { lowerBound } from '../market/candleSearch.js';
import { BacktestMarketData } from './backtestSource.js';
import { BacktestClock } from './clock.js';
import { parseBacktestConfig, type BacktestConfig, type BacktestConfigInput } from './config.js';
import { loadBacktestData, loadOptionsFor, type BacktestData, type FundingEvent } from './data.js';
import { replayBar } from './barReplay.js';
import { syntheticBook, type DepthModel } from './fillModel.js';
import { computeMetrics, periodReturns, splitBy, type BacktestMetrics, type EquityPoint, type PeriodReturn, type BacktestTradeStats } from './metrics.js';
import { exitReasonOf } from '../trading/exitReason.js';
import { buildTrades, type FundingPayment, type TradeFill, type TradeOrigin, type TradeRecord } from './trades.js';

export interface BacktestProgress {
  done: number;
  total: number;
  atMs: number;
}

export interface BacktestDeps {
  /**
   * Engine, risk and signal settings, as `perpscope run` reads them (config file, env). The
   * universe gates and timeframes are the backtest's own: the replay trades the symbols asked for.
   */
  engineConfig?: PerpscopeConfigInput;
  /** Overrides of the engine config's `autotrade` settings. */
  autoTrader?: AutoTraderConfigInput;
  onProgress?: (p: BacktestProgress) => void;
  /** Every signal the engine selects while trading (before the AutoTrader sees it). */
  onSignal?: (signal: Signal) => void;
  /** Aborting it stops the replay at the next bar with a `CancelledError`; nothing is returned. */
  signal?: AbortSignal;
  /** Already loaded data (tests, sweeps); read from `config.data` otherwise. */
  data?: BacktestData;
  logger?: Logger;
}

export interface BacktestResult {
  config: BacktestConfig;
  fingerprint: string;
  symbols: string[];
  timeframe: string;
  startMs: number;
  endMs: number;
  metrics: BacktestMetrics;
  byStrategy: Record<string, BacktestTradeStats>;
  bySymbol: Record<string, BacktestTradeStats>;
  bySide: Record<string, BacktestTradeStats>;
  byExitReason: Record<string, BacktestTradeStats>;
  byRegime: Record<string, BacktestTradeStats>;
  daily: PeriodReturn[];
  weekly: PeriodReturn[];
  monthly: PeriodReturn[];
  trades: TradeRecord[];
  equity: EquityPoint[];
  /** Selected signals the engine emitted while trading. */
  signals: number;
  /** Signals the AutoTrader placed, and those it skipped by reason. */
  placed: number;
  skipped: Record<string, number>;
  fills: number;
  /** Warnings the engine and trading stack logged, by message. */
  warnings: Record<string, number>;
}

/** The primary strategy of a signal: its strongest agreeing component (score x bandit weight). */
export function primaryStrategy(signal: Pick<Signal, 'components'>): string {
  const best = [...signal.components].sort((a, b) => b.score * b.weight - a.score * a.weight || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
  return best?.id ?? 'unknown';
}

/** Funding settlement times in (fromMs, toMs] for a flat rate every `intervalMs` (UTC-aligned). */
function flatFundingTimes(fromMs: number, toMs: number, intervalMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(fromMs / intervalMs) * intervalMs + intervalMs; t <= toMs; t += intervalMs) out.push(t);
  return out;
}

/** Index of the first settlement after `t` in time-sorted `events`. */
function firstFundingAfter(events: readonly FundingEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.fundingTimeMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countingLogger(warnings: Record<string, number>): Logger {
  const note = (msg: string) => {
    warnings[msg] = (warnings[msg] ?? 0) + 1;
  };
  const logger: Logger = { debug() {}, info() {}, warn: (_f, msg) => note(msg), error: (_f, msg) => note(msg), child: () => logger };
  return logger;
}

/**
 * Replays recorded candles through the engine `perpscope run --paper` runs: the market-data
 * service and Analyzer (features, strategies, the signal engine), the TradingBridge, the
 * AutoTrader with its RiskPolicy and protection, and the PaperBroker, on a simulated clock.
 * Nothing here decides a trade; it only moves time and shows the paper broker the market:
 * - at each bar close, for a symbol with a position or orders, the bar's path (see `barPath`:
 *   the adverse extreme first) as book, trade prints and mark, so stops, take-profits and
 *   liquidation act on the bar's range, the stop first when a bar reaches both;
 * - a market order placed at a bar close walks the depth-model book around the next bar's open;
 * - funding from the recorded files, else the flat rate, at each settlement time.
 * Positions still open at the end are closed at the close of the last bar ending by the period's
 * end. Deterministic: nothing reads the wall clock or a random source, so the same data and
 * options give the same result.
 */
export async function backtest(input: BacktestConfigInput, deps: BacktestDeps = {}): Promise<BacktestResult> {
  const config = parseBacktestConfig(input);
  const tfMs = timeframeMs(config.timeframe);
  const data = deps.data ?? loadBacktestData(loadOptionsFor(config));
  const series = data.candles;
  const startMs = config.from !== undefined ? Math.ceil(config.from / tfMs) * tfMs : Math.min(...[...series.values()].map((c) => c[Math.min(config.warmupBars, c.length - 1)]!.openTimeMs));
  const lastCloseMs = Math.max(...[...series.values()].map((c) => c[c.length - 1]!.openTimeMs + tfMs));
  const endMs = config.to !== undefined ? Math.min(lastCloseMs, Math.floor(config.to / tfMs) * tfMs) : lastCloseMs;
  const warnings: Record<string, number> = {};
  const logger = deps.logger ?? countingLogger(warnings);

  const engineConfig = parseConfig({
    ...deps.engineConfig,
    mode: 'paper',
    timeframes: [config.timeframe],
    backfillBars: config.warmupBars,
    ringCapacity: Math.max(2_000, config.warmupBars),
    universe: {
      ...deps.engineConfig?.universe,
      // The replay trades the symbols it was given: no volume, spread or top-N cut.
      minQuoteVolumeUsd: 0,
      maxSpreadBps: null,
      include: [],
      topN: Math.max(1, data.symbols.length),
      blueChipOnly: false,
      refreshMs: tfMs,
    },
  });
  const markets: Market[] = data.symbols.map((symbol) => ({
    ...usdtSwapMarket(symbol.split('/')[0]!, { tickSize: 1e-8, lotSize: 1e-8, minAmount: 0, makerFee: config.makerFee, takerFee: config.takerFee }),
    symbol,
  }));
  const depth: DepthModel = config.depth;
  const clock = new BacktestClock(startMs);
  const source = new BacktestMarketData({
    clock,
    timeframe: config.timeframe,
    candles: series,
    markets,
    depth,
    exchangeId: config.exchange,
    funding: data.funding,
    ...(data.openInterest ? { openInterest: data.openInterest } : {}),
  });
  // The run's ledger lives and dies with the run: the same schema and repositories as `run`'s,
  // without a file's journal and locks at every write.
  const store = openStore({ file: IN_MEMORY });
  // The depth-model book prices fills only: it is invented, so it never feeds the radar or ranking.
  const engine = createEngine(engineConfig, { clock, source, logger, books: 'synthetic_replay', marketTimers: { healthIntervalMs: 0, watchdogCheckMs: tfMs } });
  const spec = { makerFee: config.makerFee, takerFee: config.takerFee, maintenanceMarginRate: config.maintenanceMarginRate };
  const stack = createTradingStack({
    mode: 'paper',
    store,
    clock,
    risk: engineConfig.risk,
    exchangeId: config.exchange,
    paperMarket: () => spec,
    paperInitialBalanceUsd: config.initialBalanceUsd,
    autoTrader: { ...engineConfig.autotrade, ...deps.autoTrader, edge: { ...engineConfig.autotrade.edge, ...deps.autoTrader?.edge } },
    edgeEvidence: resolveEdgeEvidence(engineConfig.signals),
    logger,
  });
  const paper = stack.broker as PaperBroker;
  const sides = new Map<string, 'long' | 'short'>();
  const fills: Fill[] = [];
  const origins = new Map<string, TradeOrigin>();
  const skipped: Record<string, number> = {};
  let signals = 0;
  let placed = 0;
  let trading = false;

  stack.broker.on((e) => {
    if (e.type === 'position') {
      if (e.position) sides.set(e.symbol, e.position.side);
      else sides.delete(e.symbol);
    } else if (e.type === 'fill') fills.push(e.fill);
  });

  const bridge = new TradingBridge({
    engine,
    stack,
    paper,
    clock,
    logger,
    autotrade: true,
    positionRefreshMs: tfMs,
    onSignalOutcome: (signal, outcome) => {
      if (outcome.status === 'placed') {
        placed++;
        origins.set(outcome.tradeId, { strategy: primaryStrategy(signal), regime: signal.regime ?? 'none', initialStopPrice: null });
      } else skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
    },
  });

  /** The closed bar's path through the paper broker, then the funding settled inside it. */
  const replayClosedBar = (symbol: string, candle: Candle): void => {
    const orders = paper.openOrders(symbol);
    const side = sides.get(symbol) ?? null;
    if (side === null && orders.length === 0) return;
    const bars = series.get(symbol)!;
    const prev = bars[lowerBound(bars, candle.openTimeMs) - 1];
    const refQuoteVolumeUsd = prev ? prev.volume * prev.close : candle.volume * candle.open;
    replayBar(paper, symbol, candle, tfMs, side, refQuoteVolumeUsd, depth);
    if (!sides.has(symbol)) return;
    const closeMs = candle.openTimeMs + tfMs;
    for (const f of fundingIn(symbol, candle.openTimeMs, closeMs)) paper.onFunding(symbol, f.rate, f.fundingTimeMs, candle.close);
  };
  const fundingSorted = new Set([...data.funding].filter(([, events]) => events.every((e, i) => i === 0 || events[i - 1]!.fundingTimeMs <= e.fundingTimeMs)).map(([symbol]) => symbol));
  const fundingIn = (symbol: string, fromMs: number, toMs: number): FundingEvent[] => {
    const recorded = data.funding.get(symbol);
    if (recorded && !fundingSorted.has(symbol)) return recorded.filter((f) => f.fundingTimeMs > fromMs && f.fundingTimeMs <= toMs);
    if (recorded) {
      // A held symbol asks at every bar: a search of its time-sorted settlements, not a scan of them all.
      const out: FundingEvent[] = [];
      for (let i = firstFundingAfter(recorded, fromMs); i < recorded.length && recorded[i]!.fundingTimeMs <= toMs; i++) out.push(recorded[i]!);
      return out;
    }
    if (config.fundingFlatRate === 0) return [];
    return flatFundingTimes(fromMs, toMs, config.fundingIntervalHours * 3_600_000).map((fundingTimeMs) => ({ fundingTimeMs, rate: config.fundingFlatRate }));
  };

  engine.on('signal', (signal) => {
    if (!trading) return;
    signals++;
    deps.onSignal?.(signal);
  });
  // Registered before the bridge: the bar's path reaches the broker before the close is marked.
  engine.on('bar', (bar) => {
    if (!trading) return;
    // A position the bar closes takes its plan and leftover exits with it: the TradingBridge
    // syncs protection on the broker's position-closed event, as in `run`.
    replayClosedBar(bar.symbol, bar.candle);
  });

  const equity: EquityPoint[] = [];
  const total = Math.max(0, Math.round((endMs - startMs) / tfMs));
  try {
    await engine.start();
    await stack.autoTrader.start();
    bridge.start();
    trading = true;
    equity.push({ atMs: startMs, equityUsd: (await stack.broker.fetchAccount()).equityUsd, openPositions: 0 });
    for (let i = 1; i <= total; i++) {
      const atMs = startMs + i * tfMs;
      if (deps.signal?.aborted) throw new CancelledError(`Backtest cancelled after ${i - 1} of ${total} bars`, { details: { done: i - 1, total } });
      await clock.advanceTo(atMs);
      await settle(clock);
      await stack.protection.sync();
      await settle(clock);
      equity.push({ atMs, equityUsd: (await stack.broker.fetchAccount()).equityUsd, openPositions: sides.size });
      deps.onProgress?.({ done: i, total, atMs });
    }
    trading = false;
    bridge.stop();
    // What is still open is closed at the last close, like a manual exit at the end of the data:
    // the last bar that closes by endMs, not a later one the data may hold (a `to` inside a bar).
    for (const symbol of [...sides.keys()].sort()) {
      const bars = series.get(symbol)!;
      const last = bars[lowerBound(bars, endMs - tfMs + 1) - 1]!;
      paper.onOrderBook(symbol, syntheticBook(symbol, last.close, last.volume * last.close, endMs, depth));
      for (const o of paper.openOrders(symbol)) await stack.broker.cancelOrder(o.clientOrderId);
      await stack.broker.closePosition(symbol);
    }
    await stack.protection.sync();
    if (equity.length) equity[equity.length - 1] = { atMs: equity[equity.length - 1]!.atMs, equityUsd: (await stack.broker.fetchAccount()).equityUsd, openPositions: 0 };

    for (const [tradeId, origin] of origins) {
      const stops = store.orders.listByTrade(Ledger.Paper, tradeId).filter((o) => o.purpose === 'stop_loss' && o.triggerPrice !== null);
      stops.sort((a, b) => a.createdAtMs - b.createdAtMs);
      origins.set(tradeId, { ...origin, initialStopPrice: stops[0]?.triggerPrice ?? null });
    }
    const tradeFills: TradeFill[] = fills.map((f) => {
      const order = f.clientOrderId ? store.orders.get(f.clientOrderId) : undefined;
      return { ...f, tradeId: order?.tradeId ?? null, exitReason: exitReasonOf(order) };
    });
    const funding: FundingPayment[] = store.events
      .list({ type: 'funding' })
      .filter((e) => e.symbol !== null)
      .map((e) => ({ symbol: e.symbol!, atMs: e.atMs, paymentUsd: Number((e.payload as { paymentUsd?: unknown }).paymentUsd ?? 0) }));
    const trades = buildTrades(tradeFills, funding, origins, endMs);
    const tradedNotionalUsd = fills.reduce((s, f) => s + f.price * f.amountBase, 0);
    const metrics = computeMetrics({ trades, equity, initialEquityUsd: config.initialBalanceUsd, tradedNotionalUsd });
    // Funding paid outside a closed trade (none once everything is closed) still counts in the account.
    metrics.fundingUsd = funding.reduce((s, p) => s + p.paymentUsd, 0);
    return {
      config,
      fingerprint: data.fingerprint,
      symbols: data.symbols,
      timeframe: config.timeframe,
      startMs,
      endMs,
      metrics,
      byStrategy: splitBy(trades, (t) => t.strategy),
      bySymbol: splitBy(trades, (t) => t.symbol),
      bySide: splitBy(trades, (t) => t.side),
      byExitReason: splitBy(trades, (t) => t.exitReason),
      byRegime: splitBy(trades, (t) => t.regime),
      daily: periodReturns(equity, config.initialBalanceUsd, 'day'),
      weekly: periodReturns(equity, config.initialBalanceUsd, 'week'),
      monthly: periodReturns(equity, config.initialBalanceUsd, 'month'),
      trades,
      equity,
      signals,
      placed,
      skipped,
      fills: fills.length,
      warnings,
    };
  } finally {
    trading = false;
    bridge.stop();
    await engine.stop();
    store.close();
  }
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets everything a step started finish: timers due now fire, promises settle, until quiet. */
async function settle(clock: BacktestClock): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    await immediate();
    if (!clock.hasDue()) return;
    await clock.advanceTo(clock.nowMs());
  }
}
