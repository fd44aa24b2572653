import {
  createEngine,
  createStoreSignalState,
  DEFAULT_PROFILES,
  resolveSource,
  SystemClock,
  openStore,
  type Engine,
  type EngineDeps,
  type PerpscopeConfig,
  type Store,
  resolveEdgeEvidence,
  withLogLevel,
  startOrderFlowLoop,
  liveExchangeClient,
  venueExchangeId,
} from '@perpscope/sdk';
import type { SimDialectName, SimExchange } from '@perpscope/sdk/sim';
import { createBacktestService } from './backtest/backtestService.js';
import { SIM_API_KEY, hostConfig } from './hostConfig.js';
import { createKeyTester } from './keyTesterAdapter.js';
import { adaptMarketEngine, DEFAULT_STALE_AFTER_MS, toHealthView } from './marketAdapter.js';
import type { HostEngine, HostEvent } from './ports.js';
import { createProfilesAdapter, savedBuiltinProfile } from './profilesAdapter.js';
import { createRankingAdapter } from './rankingPort.js';
import type { EngineFactory, EngineRuntime, EngineRuntimeOptions } from './runtime.js';
import { savedOverrides, createSettingsAdapter } from './settingsAdapter.js';
import { toSignalView, signalPort, storedSignalOutcomes } from './signalAdapter.js';
import { adaptDrawings, adaptWatchlists } from './storeAdapter.js';
import { enrichSymbols } from './symbolEnrichment.js';
import { createPaperTrading, type PaperTrading } from './tradingAdapter.js';

/** The sdk's SQLite store: settings, watchlists and the trading ledger. */
export type HostStoreLike = Store;

export type OpenHostStore = (options: { home: string }) => HostStoreLike;

export interface HostEngineParts {
  openStore: OpenHostStore;
  /** PERPSCOPE_* variables; the composition root passes `process.env`. */
  env: Record<string, string | undefined>;
  /** Wall-clock interval between order-flow refresh passes (default 30 s). */
  orderFlowIntervalMs?: number;
  /** Builds the engine (default: the sdk's `createEngine`). */
  createEngine?: typeof createEngine;
  /**
   * The protocol the in-process SimExchange speaks under `--sim` (default `blofin`): its markets,
   * ledger rows and the keys LIVE on the sim takes are that exchange's.
   */
  simDialect?: SimDialectName;
  /**
   * Handed the in-process SimExchange once it listens (under `--sim`): for a shell or a test that
   * drives the sim's clock (`pause`, `pauseAt`, `resume`).
   */
  simStarted?: (sim: SimExchange) => void;
}

/** `health` events are pushed at most this often (the engine's health timer is 5 s of wall time; this bounds any other pace). */
const HEALTH_EVENT_MIN_GAP_MS = 1_000;

interface SourceWiring {
  sim?: SimExchange;
  deps: EngineDeps;
}

/**
 * The engine's market-data source, as the sdk resolves it, with the sim's fixed test key so keys
 * can be tested against the in-process SimExchange.
 */
async function wireSource(config: PerpscopeConfig, wall: SystemClock, logger: EngineRuntimeOptions['logger'], simDialect: SimDialectName | undefined): Promise<SourceWiring> {
  const resolved = await resolveSource(config, { simApiKey: { ...SIM_API_KEY }, ...(simDialect ? { simDialect } : {}) }, wall, logger);
  // The source is handed over already resolved, so the engine cannot tell a sim from a venue: the sim's invented books are named here.
  const books = resolved.sim ? { books: config.sim.dataDir ? ('synthetic_replay' as const) : ('synthetic_demo' as const) } : {};
  // The market clock runs at the sim's acceleration: the engine's wall-time timers are told so.
  const scale = resolved.sim ? { marketWallScale: config.sim.acceleration } : {};
  return { ...(resolved.sim ? { sim: resolved.sim } : {}), deps: { source: resolved.source, clock: resolved.marketClock ?? wall, logger, ...books, ...scale } };
}

/**
 * Builds the desktop engine runtime: the sdk engine (with an in-process SimExchange for `--sim`),
 * the SQLite store, and adapters for every host port the engine can serve today: health,
 * candles, symbols, rankings, signals, profiles, settings, key tests, watchlists, paper trading
 * and backtests over the configured recorded data (`backtest.dataDirs`).
 */
export function hostEngineFactory(parts: HostEngineParts): EngineFactory {
  return async (options: EngineRuntimeOptions): Promise<EngineRuntime> => {
    const wall = new SystemClock();
    const store = parts.openStore({ home: options.home });
    let wiring: SourceWiring | undefined;
    try {
      const saved = savedOverrides(store.settings);
      const profile = savedBuiltinProfile(store.settings);
      const config = hostConfig({
        home: options.home,
        sim: options.sim,
        env: parts.env,
        ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
        saved: { ...(saved.universe ? { universe: saved.universe } : {}), ...(profile ? { profile } : {}) },
      });
      // The config's logLevel filters whatever sink the shell gave (the desktop's log file takes every level).
      const levelled = withLogLevel(options.logger, config.logLevel);
      const logger = levelled.child({ component: 'desktop-runtime' });
      logger.info({ exchange: config.exchange, home: options.home, sim: options.sim === true }, 'engine runtime starting');
      wiring = await wireSource(config, wall, levelled, options.simDialect ?? parts.simDialect);
      if (wiring.sim) parts.simStarted?.(wiring.sim);
      const signalState = createStoreSignalState({ store, exchange: config.exchange, retentionDays: config.store.signalRetentionDays, logger });
      const engine = (parts.createEngine ?? createEngine)(config, { ...wiring.deps, signalState });
      return compose({ engine, config, store, wiring, wall, parts, logger, home: options.home, ...(options.desktopAlerts ? { desktopAlerts: options.desktopAlerts } : {}) });
    } catch (e) {
      await wiring?.sim?.stop().catch(() => undefined);
      store.close();
      throw e;
    }
  };
}

interface Composition {
  engine: Engine;
  config: PerpscopeConfig;
  store: HostStoreLike;
  wiring: SourceWiring;
  wall: SystemClock;
  parts: HostEngineParts;
  logger: EngineRuntimeOptions['logger'];
  home: string;
  desktopAlerts?: EngineRuntimeOptions['desktopAlerts'];
}

function compose({ engine, config, store, wiring, wall, parts, logger, home, desktopAlerts }: Composition): EngineRuntime {
  const sim = wiring.sim;
  let running = false;
  const pushed = new Set<(event: HostEvent) => void>();
  const push = (event: HostEvent) => {
    for (const fn of [...pushed]) fn(event);
  };

  const profiles = createProfilesAdapter({
    engine,
    settings: store.settings,
    nowMs: () => wall.nowMs(),
    defaultProfile: Object.prototype.hasOwnProperty.call(DEFAULT_PROFILES, config.profile) ? config.profile : 'swing',
    logger,
    onApplied: () => {
      const snapshot = rankings.refresh();
      if (snapshot) push({ event: 'ranking', data: snapshot });
    },
  });
  // The sim serves the markets of the exchange its dialect speaks for: its rows are that venue's, as the live venue's would be.
  const venue = venueExchangeId(config.exchange, sim?.dialect);
  const rankings = createRankingAdapter(engine, { activeProfile: () => profiles.active(), venue });
  const settings = createSettingsAdapter({
    settings: store.settings,
    nowMs: () => wall.nowMs(),
    universe: config.universe,
    risk: config.risk,
    profiles: {
      active: profiles.active,
      names: profiles.names,
      // A synchronous failure (unknown profile) reaches the caller; an asynchronous one is logged.
      apply: (name) => {
        Promise.resolve(profiles.port.apply(name, null)).catch((e: unknown) => logger.warn({ profile: name, err: e instanceof Error ? e.message : String(e) }, 'profile switch failed'));
      },
    },
    onRiskChange: (risk) => trading?.setRisk(risk),
    edge: config.autotrade.edge,
    onEdgeChange: (edge) => trading?.setEdge(edge),
    tpsl: config.autotrade.tpsl,
    onTpslChange: (tpsl) => trading?.setTpsl(tpsl),
    pyramidLevels: config.autotrade.pyramidLevels,
    onPyramidChange: (levels) => trading?.setPyramid(levels),
    ...(desktopAlerts ? { desktopAlerts: desktopAlerts.configured, onDesktopAlertsChange: (enabled: boolean) => desktopAlerts.onChange(enabled) } : {}),
  });
  // Paper always; live only once armed from the app (never from the config, never after a restart).
  const trading: PaperTrading | undefined =
    config.mode === 'paper' || config.mode === 'live'
      ? createPaperTrading({
          engine,
          store,
          exchange: config.exchange,
          home,
          clock: wiring.deps.clock ?? wall,
          logger,
          risk: settings.risk(),
          autotrade: { ...config.autotrade, edge: settings.edge(), tpsl: settings.tpsl(), pyramidLevels: settings.pyramidLevels() },
          edgeEvidence: resolveEdgeEvidence(config.signals),
          ranking: rankings.row,
          // Open positions get fresh order flow about once a wall second, however fast the sim runs.
          positionRefreshMs: 1_000 * (sim ? config.sim.acceleration : 1),
          liveExchange: (exchange, secret) => liveExchangeClient(exchange, secret, sim, config.requestTimeoutMs, config.sandbox),
          venue,
        })
      : undefined;
  const market = adaptMarketEngine(engine, { isRunning: () => running });
  const backtest = createBacktestService({
    home,
    dataDirs: () => config.backtest.dataDirs,
    settings: () => ({ risk: settings.risk(), signals: config.signals, profile: profiles.active(), universe: config.universe, autotrade: { ...config.autotrade, edge: settings.edge(), tpsl: settings.tpsl(), pyramidLevels: settings.pyramidLevels() } }),
    nowMs: () => wall.nowMs(),
    logger,
  });
  const signals = signalPort(() => engine.signals(), storedSignalOutcomes(store, config.exchange));

  const hostEngine: HostEngine = {
    ...market,
    ...(market.symbols ? { symbols: enrichSymbols(market.symbols, { ranking: rankings.row, signals: (symbol) => signals.list({ symbol, limit: 20 }) }) } : {}),
    rankings: rankings.port,
    signals,
    profiles: profiles.port,
    settings: settings.port,
    keyTester: createKeyTester({ clock: wall, sim: () => sim, timeoutMs: config.requestTimeoutMs, sandbox: config.sandbox }),
    ...(trading ? { trading: trading.port } : {}),
    backtest,
    events: {
      subscribe(listener) {
        let lastHealthMs = -Infinity;
        const offMarket = market.events.subscribe((event) => {
          if (event.event === 'health') {
            const nowMs = wall.nowMs();
            if (nowMs - lastHealthMs < HEALTH_EVENT_MIN_GAP_MS) return;
            lastHealthMs = nowMs;
          }
          listener(event);
        });
        const offRanking = engine.on('ranking', (result) => listener({ event: 'ranking', data: rankings.fromResult(result) }));
        const offSignal = engine.on('signal', (s) => listener({ event: 'signal', data: toSignalView(s) }));
        const offTrading = trading?.subscribe(listener);
        const offBacktest = backtest.subscribe((data) => listener({ event: 'backtest.progress', data }));
        const offWarmUp = engine.on('warmup', (p) => listener({ event: 'warmup.progress', data: { ...p, timeframes: [...p.timeframes] } }));
        pushed.add(listener);
        return () => {
          offMarket();
          offRanking();
          offSignal();
          offTrading?.();
          offBacktest();
          offWarmUp();
          pushed.delete(listener);
        };
      },
    },
  };

  // Saved profile edits must reach the ranker before the first ranking, which runs inside start().
  const offUniverse = engine.on('universe', () => profiles.restore());
  let stopOrderFlow: (() => void) | undefined;
  // Watched symbols raise manipulation alerts like held ones (the trading bridge adds those).
  const offWatch = engine.watchSymbols(() => store.watchlists.list().flatMap((w) => w.symbols));

  return {
    engine: hostEngine,
    store: { watchlists: adaptWatchlists(store.watchlists, () => wall.nowMs()), drawings: adaptDrawings(store.drawings, () => wall.nowMs()) },
    desktopAlerts: () => settings.desktopAlerts(),
    async start() {
      await engine.start();
      profiles.restore();
      offUniverse();
      running = true;
      await trading?.start();
      // The market pushed its first health as it went live, before the warm-up, so it said
      // `starting`; the next comes a period (5 s) later. Event subscribers (the status view, the
      // cycle log) get the running state now. This one is not held to the 1 s gap of `subscribe`:
      // it is one event per start.
      push({ event: 'health', data: toHealthView(engine.health(), running, DEFAULT_STALE_AFTER_MS) });
      stopOrderFlow = startOrderFlowLoop({ engine, clock: wall, logger, intervalMs: parts.orderFlowIntervalMs ?? config.orderFlow.refreshMs, maxSymbols: config.orderFlow.maxSymbols });
    },
    async stop() {
      running = false;
      offUniverse();
      offWatch();
      try {
        stopOrderFlow?.();
        await backtest.close();
        await trading?.stop();
        await engine.stop();
      } finally {
        await sim?.stop().catch(() => undefined);
        store.close();
      }
    },
  };
}

/** The engine factory of the desktop shells over the real sdk engine and store. */
export const createHostEngine: EngineFactory = (options) => hostEngineFactory({ openStore, env: process.env })(options);
