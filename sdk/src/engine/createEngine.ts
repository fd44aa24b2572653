import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { timeframeMs, type Candle, type Market, type Timeframe } from '@perpscope/shared';
import type { Exchange } from 'ccxt';
import { SystemClock, type Clock } from '../core/clock.js';
import { describeError, InvalidInputError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { parseConfig, type PerpscopeConfig, type PerpscopeConfigInput } from '../config/index.js';
import {
  acceleratedClock,
  CcxtMarketData,
  MarketDataService,
  TypedEmitter,
  type MarketDataSource,
  type MarketHealthSnapshot,
  type OrderFlowSnapshot,
  type PriceTick,
  type ReadOptions,
  type UniverseGates,
  type UniverseMember,
} from '../market/index.js';
import type { SimExchange } from '../sim/index.js';
import type { SimDialectName } from '../sim/dialects/types.js';
import type { EngineAlert, EngineEventMap, WarmUpProgress } from './engineEvents.js';
import { ManipulationWatch } from './manipulationWatch.js';
import { Analyzer } from './analyzer.js';
import { simBookProvenance, type BookProvenance } from './marketSnapshots.js';
import type { RankingQueryInput, RankingResult } from '../ranking/index.js';
import type { ReliabilityFinding, ReliabilityKeyTable, Signal } from '../signals/index.js';
import { createCcxtExchange, createSimClient, simExchangeOptions } from './exchangeClient.js';
import type { RestoredSignalState, SignalStatePort } from './signalState.js';

/** Stored rows named in the restore alert at most; the logger names every one. */
const SKIPPED_ROWS_IN_ALERT = 20;

/** The `signal_state_restored` alert: what a start resumed from, and the stored rows it skipped. */
function restoredAlert(atMs: number, r: RestoredSignalState): EngineAlert {
  const snap = r.snapshot;
  const pending = snap?.pending.length ?? 0;
  return {
    atMs,
    level: r.skipped.length ? 'warn' : 'info',
    kind: 'signal_state_restored',
    message: `restored ${snap?.bandit.updates ?? 0} bandit updates, ${pending} pending labels and ${r.recentSignals.length} signals${r.skipped.length ? `; skipped ${r.skipped.length} stored rows that do not validate` : ''}`,
    details: {
      banditUpdates: snap?.bandit.updates ?? 0,
      logWeights: snap?.bandit.logWeights ?? {},
      pendingLabels: pending,
      recentSignals: r.recentSignals.length,
      lastCloseTimeMs: snap?.lastCloseTimeMs ?? null,
      skippedRows: r.skipped.length,
      skipped: r.skipped.slice(0, SKIPPED_ROWS_IN_ALERT),
    },
  };
}

const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;

/**
 * The `calibration_drift` / `calibration_recovered` alert: a calibration's stated probability and
 * the hit rate its signals realized parted beyond the bound, or came back within it.
 */
function reliabilityAlert(atMs: number, f: ReliabilityFinding): EngineAlert {
  const where = f.scope === 'overall' ? 'overall' : `stated ${pct(f.scope.from)}-${pct(f.scope.to)}`;
  const figures = `stated ${pct(f.meanStated)} vs realized ${pct(f.realized)} over n=${Math.round(f.count)} (${where}), bound ${(f.bound * 100).toFixed(1)} pp`;
  const drift = f.kind === 'drift';
  return {
    atMs,
    level: drift ? 'warn' : 'info',
    kind: drift ? 'calibration_drift' : 'calibration_recovered',
    message: drift ? `calibration ${f.key} drifted: ${figures}` : `calibration ${f.key} is back within bound: ${figures}`,
    details: { calibrationId: f.key, scope: f.scope, meanStated: f.meanStated, realized: f.realized, count: f.count, bound: f.bound },
  };
}

export interface EngineDeps {
  clock?: Clock;
  logger?: Logger;
  /** A ready market-data source (e.g. `ReplayMarketData` under a SimulatedClock). */
  source?: MarketDataSource;
  /** A ccxt pro exchange instance to read from (wrapped in CcxtMarketData). */
  exchange?: Exchange;
  /** Keep candles live after warm-up (default true); false for a one-off scan. */
  live?: boolean;
  /** Test key an in-process SimExchange verifies signatures against (default: random per run). */
  simApiKey?: { apiKey: string; secret: string; password: string };
  /** The wire protocol of an in-process SimExchange (default `blofin`), read through ccxt's class for it. */
  simDialect?: SimDialectName;
  /** Market-data timer periods; runs on a simulated clock stretch them to the bar length. */
  marketTimers?: { healthIntervalMs?: number; watchdogCheckMs?: number };
  /**
   * For an injected `source` read on an accelerated market `clock` (an in-process SimExchange its
   * caller started, as the desktop host does): market ms per wall ms. The engine's wall-time
   * timers (health, the stream watchdog, the staleness floor, forced reconnects) are stretched by
   * it exactly as for a sim the engine starts itself. Without it they would run that many times
   * too often: at 60x a stream would count as dead after 2 wall seconds of a busy thread, and the
   * socket would be dropped every half second while any stream is stale, so it never settles.
   */
  marketWallScale?: number;
  /**
   * Where bandit weights, labels and selected signals persist (see `createStoreSignalState`):
   * restored at `start()`, saved after every cycle. Without it every start learns from scratch.
   */
  signalState?: SignalStatePort;
  /**
   * Where the source's order books come from (see `BookProvenance`). Default: `exchange`, or for
   * an in-process SimExchange `synthetic_replay` when it replays `sim.dataDir`, else `synthetic_demo`.
   */
  books?: BookProvenance;
  /**
   * How the warm start seeds the analyzer: `batchSymbols` universe symbols (every timeframe) at a
   * time as their backfill lands, yielding to the event loop between batches so RPCs, timers and
   * sockets of the same thread get turns (default 20). `onBatch` is told after each batch (the
   * `warmup` event carries the same, plus a last one with `done`).
   */
  warmUp?: { batchSymbols?: number; onBatch?: (progress: WarmUpProgress) => void };
}

export type { WarmUpProgress } from './engineEvents.js';

/** On the sim, a stream's websocket counts as silent only after this much wall time (see the market timers below). */
const SIM_MIN_STALE_WALL_MS = 10_000;

/** Symbols seeded per turn of the event loop in a warm start. */
const WARM_UP_BATCH_SYMBOLS = 20;

/**
 * The wall time left at the pace so far: the streams still to fetch at the rate fetched streams
 * arrived (backfill is most of a warm start; seeding runs as streams arrive).
 */
export function warmUpEtaMs(elapsedMs: number, backfilled: number, streams: number): number | null {
  if (streams === 0 || backfilled >= streams) return 0;
  if (backfilled === 0) return null;
  return Math.round((elapsedMs * (streams - backfilled)) / backfilled);
}

/**
 * The market as the analyzer sees it. During the warm start its universe holds only the symbols
 * admitted so far, so the analyzer, which seeds every universe series it does not track in one
 * synchronous pass, seeds one batch per call instead of the whole universe at once (a bar of a
 * symbol not yet admitted waits for its batch: its backfill already holds the bar).
 */
function stagedMarket(market: MarketDataService) {
  let admitted: Set<string> | null = new Set();
  const view = new Proxy(market, {
    get(target, prop) {
      if (prop === 'universe') return () => (admitted === null ? target.universe() : target.universe().filter((m) => admitted!.has(m.symbol)));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    view,
    admit(symbols: readonly string[]) {
      for (const s of symbols) admitted?.add(s);
    },
    admitAll() {
      admitted = null;
    },
  };
}

export interface Engine {
  readonly config: PerpscopeConfig;
  /** Warms up (universe, backfill) and goes live. Resolves once the first universe is ready. */
  start(): Promise<void>;
  /** Stops every loop and closes the exchange connection (and an in-process SimExchange). */
  stop(): Promise<void>;
  on<K extends keyof EngineEventMap>(event: K, fn: (payload: EngineEventMap[K]) => void): () => void;
  universe(): readonly UniverseMember[];
  /** Every market the exchange lists (fees, precision, listing time). */
  markets(): readonly Market[];
  candles(symbol: string, timeframe: Timeframe, count?: number): Candle[];
  /** Refreshes and returns order-flow figures (book, trades, funding, OI, mark) for `symbol`. */
  /** Reads `symbol`'s order flow now; `priority: 'urgent'` when a trader waits on it (an order, a close, a panic). */
  refreshOrderFlow(symbol: string, opts?: ReadOptions): Promise<OrderFlowSnapshot>;
  orderFlow(symbol: string): OrderFlowSnapshot | undefined;
  /** The source's next websocket price push for `symbol` (see `MarketDataSource.watchPrice`). */
  watchPrice(symbol: string): Promise<PriceTick>;
  /** Ends a price subscription no longer needed (see `MarketDataSource.unwatchPrice`); optional, so stand-in engines need not have it. */
  unwatchPrice?(symbol: string): Promise<void>;
  health(): MarketHealthSnapshot;
  /** The in-process SimExchange when `exchange` is `sim`. */
  sim(): SimExchange | undefined;
  /** Refreshes order flow for `symbols` (default: the whole universe), paced by the limiter. */
  refreshOrderFlows(symbols?: readonly string[]): Promise<void>;
  /** Ranks the universe now under `query`. */
  rank(query?: RankingQueryInput): RankingResult;
  /** The ranking of the last analysis cycle. */
  latestRanking(): RankingResult | null;
  /** Recent selected signals, newest first. */
  signals(): readonly Signal[];
  /** Switches the default ranking profile (hot). */
  setProfile(profile: string): void;
  /** The analytics stage (ranker with its profiles, signal state); undefined before start. */
  analyzer(): Analyzer | undefined;
  /** Stated probability against realized hit rate per calibration, over recent matured labels; empty before start. */
  reliability(): ReliabilityKeyTable[];
  /**
   * Adds symbols to watch for manipulation alerts (`alerts.manipScore`): `source` is read each
   * ranking cycle, so it can follow positions and watchlists as they change. Returns the removal.
   */
  watchSymbols(source: () => Iterable<string>): () => void;
}

/** Ranking reads the longest configured timeframe: it carries the most context per bar. */
function rankingTimeframe(config: PerpscopeConfig): Timeframe {
  return [...config.timeframes].sort((a, b) => timeframeMs(b) - timeframeMs(a))[0]!;
}

/** Maps config universe settings to the market layer's gates. */
export function gatesFromConfig(config: PerpscopeConfig): Partial<UniverseGates> {
  const u = config.universe;
  return {
    settle: 'USDT',
    minQuoteVolumeUsd: u.minQuoteVolumeUsd,
    minPrice: u.minPrice,
    maxSpreadBps: u.maxSpreadBps ?? Infinity,
    include: u.include,
    exclude: [...u.exclude, ...u.excludePatterns],
    blueChipBases: u.blueChips,
    blueChipOnly: u.blueChipOnly,
    topN: u.topN,
  };
}

export interface ResolvedSource {
  source: MarketDataSource;
  sim?: SimExchange;
  /** Market time: the sim's accelerated clock for an in-process SimExchange, else the engine clock. */
  marketClock?: Clock;
}

/**
 * The market-data source a config names: an injected source or exchange, an in-process
 * SimExchange, or ccxt's pro class for the exchange id. Used by the engine and by commands that
 * need market data without a full warm-up (`perpscope panic`).
 */
export async function resolveSource(config: PerpscopeConfig, deps: EngineDeps, clock: Clock, logger: Logger): Promise<ResolvedSource> {
  if (deps.source) return { source: deps.source };
  // A one-shot engine (`live: false`) reads each symbol's order flow once: streams would answer none of it.
  const streams = deps.live !== false;
  if (deps.exchange) return { source: new CcxtMarketData({ exchange: deps.exchange, clock, logger, streams }) };
  if (config.exchange === 'sim') {
    const { startSimExchange } = await import('../sim/server.js');
    // A fresh test key per run lets the live broker and `keys test` exercise signed requests
    // against the sim; it moves no real money.
    const testKey = deps.simApiKey ?? { apiKey: `sim-${randomBytes(8).toString('hex')}`, secret: randomBytes(24).toString('hex'), password: randomBytes(8).toString('hex') };
    const sim = await startSimExchange({ ...simExchangeOptions(config.sim), apiKey: testKey, ...(deps.simDialect ? { dialect: deps.simDialect } : {}) });
    // Market data reads only public endpoints: this client carries no credentials.
    const { exchange, limits } = await createSimClient(sim, { timeoutMs: config.requestTimeoutMs, rateLimitScale: config.sim.rateLimitScale });
    // Request pacing runs on wall time (the sim counts its rate windows in wall time); bars,
    // staleness and snapshots run on sim time.
    const marketClock = acceleratedClock(() => sim.nowMs(), config.sim.acceleration);
    return { source: new CcxtMarketData({ exchange, clock, logger, limits, streams }), sim, marketClock };
  }
  const exchange = await createCcxtExchange(config.exchange, { timeoutMs: config.requestTimeoutMs, sandbox: config.sandbox });
  return { source: new CcxtMarketData({ exchange, clock, logger, streams }) };
}

/**
 * The single composition root: builds the market-data service and analytics for one exchange
 * from a validated config. Nothing connects until `start()`.
 *
 * @example
 * const engine = createEngine({ exchange: 'sim', timeframes: ['1m'] });
 * engine.on('bar', (bar) => console.log(bar.symbol, bar.candle.close));
 * await engine.start();
 */
export function createEngine(configInput: PerpscopeConfigInput = {}, deps: EngineDeps = {}): Engine {
  const config = parseConfig(configInput);
  const scale = deps.marketWallScale;
  if (scale !== undefined && !(Number.isFinite(scale) && scale > 0)) {
    // Every wall-time timer is a multiple of it: zero would stop the watchdog, NaN would make them all meaningless.
    throw new InvalidInputError('engine deps', [{ path: 'marketWallScale', received: String(scale), expected: 'a positive finite number (market ms per wall ms, e.g. the sim acceleration 60)' }]);
  }
  if (scale !== undefined && (!deps.clock || !deps.source)) {
    // It describes the injected market clock; on the engine's own wall clock every timer would be that many times too slow.
    throw new InvalidInputError('engine deps', [{ path: 'marketWallScale', received: String(scale), expected: 'only with an injected source and the accelerated market clock it runs on (deps.source and deps.clock)' }]);
  }
  const clock = deps.clock ?? new SystemClock();
  const logger = (deps.logger ?? silentLogger).child({ component: 'engine', exchange: config.exchange });
  const emitter = new TypedEmitter<EngineEventMap & Record<string, unknown>>((event, err) =>
    logger.error({ event, err: describeError(err) }, 'engine listener threw'),
  );
  let market: MarketDataService | undefined;
  let analyzer: Analyzer | undefined;
  /** Where the symbols a trader holds or watches come from (the trading bridge, watchlists). */
  const watchSources = new Set<() => Iterable<string>>();
  const manipulationWatch = new ManipulationWatch(config.alerts.manipScore);
  let resolved: ResolvedSource | undefined;
  let starting: Promise<void> | undefined;
  /** Publishes a ranking (and the manipulation alerts it raises); set once the market is built. */
  let onRanking: (ranking: RankingResult) => void = () => undefined;
  /** The last ranking over part of the universe, published during the warm start. */
  let warmRanking: RankingResult | null = null;

  const requireMarket = (): MarketDataService => {
    if (!market) throw new Error('engine not started: call start() first');
    return market;
  };

  /**
   * Engine-clock ms per wall ms: the warm-up's ETA is wall time whatever clock it is timed on. The
   * scale comes only with an injected clock (refused otherwise), and a sim the engine starts
   * itself leaves the engine clock on wall time.
   */
  const engineClockPerWallMs = scale ?? 1;

  async function doStart(): Promise<void> {
    resolved = await resolveSource(config, deps, clock, logger);
    const marketClock = resolved.marketClock ?? clock;
    /** A sim's acceleration (one this engine started, or one whose source was injected), else none. */
    const simScale = resolved.sim ? config.sim.acceleration : deps.marketWallScale;
    /** Market-clock ms per wall ms: the sim's acceleration, 1 on a venue. */
    const wallScale = simScale ?? 1;
    market = new MarketDataService({
      source: resolved.source,
      clock: marketClock,
      logger,
      timeframes: config.timeframes,
      gates: gatesFromConfig(config),
      historyBars: config.backfillBars,
      ringCapacity: Math.max(config.ringCapacity, config.backfillBars),
      universeRefreshMs: deps.live === false ? 0 : config.universe.refreshMs,
      // Health is for people watching: every 5 s of wall time, however fast an in-process sim runs.
      healthIntervalMs: deps.live === false ? 0 : (deps.marketTimers?.healthIntervalMs ?? 5_000 * wallScale),
      // A socket's silence and the pace of forced reconnects are wall-time matters too. On the
      // market clock of a sim at 60x, the defaults (a check a second, stale after two bars,
      // reconnect at most every 30 s) would check 60 times a wall second, call a 1m stream dead
      // after 2 wall seconds of a busy thread, and drop the socket every half second while any
      // stream is stale, so that it never settles again.
      watchdogCheckMs: deps.marketTimers?.watchdogCheckMs ?? 1_000 * wallScale,
      ...(simScale !== undefined ? { minStaleAfterMs: SIM_MIN_STALE_WALL_MS * wallScale, reconnectIntervalMs: 30_000 * wallScale } : {}),
      live: deps.live !== false,
      ...(config.staleAfterMs ? { staleAfterMs: config.staleAfterMs } : {}),
    });
    const md = market;
    const staged = stagedMarket(md);
    onRanking = (ranking) => {
      emitter.emit('ranking', ranking);
      const watchedNow = new Set<string>();
      for (const source of watchSources) for (const symbol of source()) watchedNow.add(symbol);
      for (const alert of manipulationWatch.evaluate(ranking.rows, watchedNow, marketClock.nowMs(), ranking.marketStress)) emitter.emit('alert', alert);
    };
    analyzer = new Analyzer({
      market: staged.view,
      clock: marketClock,
      logger,
      timeframes: config.timeframes,
      rankingTimeframe: rankingTimeframe(config),
      profile: config.profile,
      bookProvenance: deps.books ?? (resolved.sim ? simBookProvenance(config.sim.dataDir) : 'exchange'),
      ...(config.ranking.side === 'momentum' ? { rankingOrientation: null } : {}),
      signals: config.signals,
      ...(deps.signalState ? { signalState: deps.signalState } : {}),
      onSignals: (cycle) => {
        for (const signal of cycle.signals) emitter.emit('signal', signal);
      },
      onRanking,
      onReliability: (findings) => {
        for (const f of findings) emitter.emit('alert', reliabilityAlert(marketClock.nowMs(), f));
      },
    });
    const analysis = analyzer;
    if (analysis.restored) emitter.emit('alert', restoredAlert(marketClock.nowMs(), analysis.restored));
    market.on('universe', (e) => {
      emitter.emit('universe', e);
      if (e.removed.length) analysis.syncUniverse();
    });
    market.on('bar', (e) => {
      emitter.emit('bar', e);
      analysis.onBar(e);
    });
    market.on('health', (e) => emitter.emit('health', e));
    market.on('backfill', (e) => emitter.emit('progress', e));
    await warmUp(md, analysis, staged);
  }

  /**
   * The warm start: backfills the universe and seeds the analyzer a batch of symbols at a time as
   * their history lands, yielding to the event loop between batches so the thread's RPCs, timers
   * and sockets get turns. The admitted symbols are ranked after the first batch and whenever
   * their number has doubled since the last ranking (a ranking costs in proportion to the symbols
   * ranked, so the warm-up's rankings together cost under two full ones), then once over
   * the whole universe. Bars that close meanwhile are held (no signal cycle over part of the
   * universe) and folded into the first full evaluation.
   */
  async function warmUp(md: MarketDataService, analysis: Analyzer, staged: ReturnType<typeof stagedMarket>): Promise<void> {
    const batch = Math.max(1, deps.warmUp?.batchSymbols ?? WARM_UP_BATCH_SYMBOLS);
    const timeframes = config.timeframes;
    /** When the backfill began (the universe known): the pace of the ETA leaves out loading markets and tickers. */
    let startedMs: number | null = null;
    const offUniverse = md.on('universe', () => (startedMs ??= clock.nowMs()));
    /** Streams whose backfill ended, per symbol; a symbol with all its timeframes is ready to seed. */
    const landed = new Map<string, number>();
    const ready: string[] = [];
    let backfilled = 0;
    let streams = 0;
    let fetched = false;
    let wake: (() => void) | null = null;
    const offBackfill = md.on('backfill', (e) => {
      backfilled = e.done;
      streams = e.total;
      if (e.symbol === undefined) return;
      const n = (landed.get(e.symbol) ?? 0) + 1;
      landed.set(e.symbol, n);
      if (n === timeframes.length) ready.push(e.symbol);
      if (ready.length >= batch) wake?.();
    });
    let seeded = 0;
    let total = 0;
    let rankedAt = 0;
    const progress = (done: boolean, failed = false) => {
      const p: WarmUpProgress = {
        seeded, total, backfilled, streams, timeframes, etaMs: done ? 0 : startedMs === null ? null : warmUpEtaMs((clock.nowMs() - startedMs) / engineClockPerWallMs, backfilled, streams), done,
        ...(failed ? { failed } : {}),
      };
      if (!done) deps.warmUp?.onBatch?.(p);
      emitter.emit('warmup', p);
    };
    let finished = false;
    analysis.beginWarmUp();
    const seedBatch = (symbols: readonly string[]) => {
      staged.admit(symbols);
      analysis.syncUniverse();
      seeded += symbols.length;
      if (seeded > 0 && seeded >= 2 * rankedAt) {
        rankedAt = seeded;
        publishRanking(analysis);
      }
      progress(false);
    };
    try {
      const backfill = md.start().finally(() => {
        fetched = true;
        wake?.();
      });
      // Awaited below; this only keeps a failure from counting as unhandled while a batch is seeded.
      backfill.catch(() => undefined);
      total = md.universe().length;
      while (!fetched) {
        if (ready.length < batch) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        total = md.universe().length;
        seedBatch(ready.splice(0, batch));
        await yieldToEventLoop();
      }
      await backfill;
      // The universe as fetched: symbols whose backfill failed on a timeframe are seeded on the rest.
      const admitted = new Set<string>();
      for (const s of staged.view.universe()) admitted.add(s.symbol);
      const rest = md.universe().map((m) => m.symbol).filter((s) => !admitted.has(s));
      total = md.universe().length;
      for (let i = 0; i < rest.length; i += batch) {
        seedBatch(rest.slice(i, i + batch));
        await yieldToEventLoop();
      }
      staged.admitAll();
      analysis.finishWarmUp();
      seeded = total;
      finished = true;
    } finally {
      offBackfill();
      offUniverse();
      // Always a last event: a page waiting on `done` must not show a warm-up forever when it fails.
      progress(true, !finished);
    }
  }

  /** Publishes a ranking of the symbols seeded so far, during the warm start (the analyzer ranks on its own after it). */
  function publishRanking(analysis: Analyzer): void {
    const startedMs = performance.now();
    try {
      const result: RankingResult = { ...analysis.rank({ top: 1000 }), computeMs: performance.now() - startedMs };
      warmRanking = result;
      // The ranking event only: alerts are judged on the whole market (the market-wide stress check
      // needs just 10 symbols, so a 20-symbol batch could raise it), from the first full ranking on.
      emitter.emit('ranking', result);
    } catch (err) {
      logger.error({ err: describeError(err) }, 'warm-up ranking failed');
    }
  }

  const requireAnalyzer = (): Analyzer => {
    if (!analyzer) throw new Error('engine not started: call start() first');
    return analyzer;
  };

  return {
    config,
    start() {
      starting ??= doStart();
      return starting;
    },
    async stop() {
      await starting?.catch(() => undefined);
      await market?.stop();
      await resolved?.sim?.stop();
    },
    on(event, fn) {
      return emitter.on(event, fn as never);
    },
    universe: () => market?.universe() ?? [],
    markets: () => market?.markets() ?? [],
    candles: (symbol, timeframe, count) => market?.candles(symbol, timeframe, count) ?? [],
    refreshOrderFlow: (symbol, opts) => requireMarket().refreshOrderFlow(symbol, opts),
    orderFlow: (symbol) => market?.orderFlow(symbol),
    watchPrice: (symbol) => (resolved ? resolved.source.watchPrice(symbol) : Promise.reject(new Error('engine not started: call start() first'))),
    unwatchPrice: (symbol) => resolved?.source.unwatchPrice?.(symbol) ?? Promise.resolve(),
    health: () => requireMarket().health(),
    sim: () => resolved?.sim,
    async refreshOrderFlows(symbols) {
      const md = requireMarket();
      const list = symbols ?? md.universe().map((m) => m.symbol);
      await Promise.all(list.map((s) => md.refreshOrderFlow(s)));
    },
    rank: (query) => requireAnalyzer().rank(query),
    latestRanking: () => analyzer?.latestRanking() ?? warmRanking,
    signals: () => analyzer?.recentSignals() ?? [],
    setProfile: (profile) => requireAnalyzer().setProfile(profile),
    analyzer: () => analyzer,
    reliability: () => analyzer?.reliability() ?? [],
    watchSymbols(source) {
      watchSources.add(source);
      return () => void watchSources.delete(source);
    },
  };
}
