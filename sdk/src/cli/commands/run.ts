import type { Exchange } from 'ccxt';
import { SystemClock } from '../../core/clock.js';
import { ConfigError, describeError } from '../../core/errors.js';
import { acceleratedClock } from '../../market/acceleratedClock.js';
import type { Logger } from '../../core/logger.js';
import { createFileLogger, logFilePath } from '../../core/fileLogger.js';
import { withLogLevel } from '../../core/logLevel.js';
import { createEngine, createStoreSignalState, type Engine } from '../../engine/index.js';
import { createCcxtExchange, simDialectFor, venueCommandFlags, venueExchangeId } from '../../engine/exchangeClient.js';
import { simTradingClient } from '../../facade/liveExchange.js';
import { startOrderFlowLoop } from '../../engine/orderFlowLoop.js';
import { TradingBridge } from '../../engine/tradingBridge.js';
import { createKeytarSecretStore, type ExchangeSecret, type SecretStore } from '../../secrets/index.js';
import { acquireHomeLock, openStore, type Store } from '../../store/index.js';
import { createTradingStack, fillExitReason, watchEmergencyFile, type BrokerEvent, type CcxtBroker, type EmergencyFileWatch, type PaperBroker, type TradingStack } from '../../trading/index.js';
import { paperMarketSpec } from '../../trading/paperMarketSpec.js';
import { resolveEdgeEvidence } from '../../signals/edgeEvidence.js';
import { topOfEachMeasure, venueBoard, type VenueBoard } from '../../engine/venueBoard.js';
import type { RankingRow } from '../../ranking/index.js';
import type { PerpscopeConfig } from '../../config/index.js';
import type { SimDialectName } from '../../sim/dialects/types.js';
import { parseVenues } from './venueList.js';
import { unreachableError } from './scan.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import { createProgressBar, followWarmUps } from '../render/progressBar.js';
import type { GlobalOptions } from '../program.js';

export interface RunOptions extends GlobalOptions {
  live?: boolean;
  paper?: boolean;
  exchange?: string;
  sim?: boolean;
  autotrade?: boolean;
  json?: boolean;
  label: string;
  /** The explicit confirmation that live orders move real money. */
  confirmLive?: boolean;
  /** With `sim`: sim seconds per wall second (default 60, under the config file and env). */
  speed?: number;
  /** With `sim`: generator seed. */
  seed?: number;
  /** With `sim`: sim start time, ms since the epoch; with `seed`, the run is reproducible. */
  startMs?: number;
}

/**
 * `run --sim` defaults, under the config file and env: at one sim minute per wall second a 1m bar
 * closes every second, where real time would show nothing for many minutes.
 */
export const RUN_SIM_PRESET = { sim: { acceleration: 60 } } as const;

export interface RunDeps {
  secrets?: SecretStore;
  /** Resolves to stop the run (defaults to the process interrupt). */
  until?: Promise<void>;
  /** Called once the trading stack runs (tests inspect its risk policy and kill switch). */
  onTrading?: (stack: TradingStack) => void;
  /** Called once the engine has started (an embedder reads its rankings and order flow). */
  onEngine?: (engine: Engine) => void;
}

const STATUS_EVERY_MS = 2_000;
/** Rows of the merged table a `venues` line carries, and cross-venue rows of each measure. */
const VENUE_ROWS = 20;
const VENUE_CROSS_ROWS = 10;

/** An engine that only watches a venue: its rankings and quotes join the board, no orders go there. */
interface WatchedVenue {
  venue: string;
  engine: Engine;
}

/**
 * The engines of the venues after the first of `--exchange a,b`: each with its own client and so
 * its own request budget. With `--sim`, venue i is an in-process sim in that dialect on the same
 * seed, with the sim's venue skew i (a few bps of synthetic basis and funding), as in `scan`.
 */
function watchEngines(venues: readonly string[], config: PerpscopeConfig, sim: boolean, logger: Logger): WatchedVenue[] {
  return venues.slice(1).map((venue, k) => {
    const log = logger.child({ venue });
    if (!sim) return { venue, engine: createEngine({ ...config, exchange: venue }, { logger: log }) };
    return { venue, engine: createEngine({ ...config, sim: { ...config.sim, venue: { index: k + 1 } } }, { logger: log, simDialect: venue as SimDialectName }) };
  });
}

/** A ranked row in the status view. */
const rankedLine = (r: RankingRow): string => `${String(r.rank).padStart(2)} ${r.symbol.padEnd(20)} ${r.score.toFixed(2).padStart(6)} ${r.side.padEnd(5)} manip ${r.manipScore.toFixed(0)}`;

/** One `venues` JSON line: the board's best rows with their venue, and the cross-venue rows after fees. */
function venuesLine(board: VenueBoard, venues: readonly string[], atMs: number): Record<string, unknown> {
  return {
    type: 'venues',
    atMs,
    venues,
    pending: board.pending,
    rows: board.rows.slice(0, VENUE_ROWS).map((r) => ({ venue: r.venue, rank: r.rank, symbol: r.symbol, score: r.score, side: r.side, manipScore: r.manipScore })),
    crossVenue: topOfEachMeasure(board.cross.rows, VENUE_CROSS_ROWS),
    skippedQuotes: board.cross.skipped.length,
  };
}

/** The stored key for live trading on a real exchange; checked before anything connects. */
async function requireKey(secrets: SecretStore, exchangeId: string, label: string): Promise<ExchangeSecret> {
  const secret = await secrets.get({ exchange: exchangeId, label });
  if (!secret) {
    throw new ConfigError([{ path: 'keys', received: `no key ${exchangeId}:${label}`, expected: `a stored key: perpscope keys set --exchange ${exchangeId} --label ${label}` }]);
  }
  return secret;
}

async function liveExchange(engine: Engine, exchangeId: string, secret: ExchangeSecret | undefined, sandbox: boolean): Promise<Exchange> {
  const sim = engine.sim();
  // SimExchange verifies signatures against its own per-run test key, in the dialect it speaks.
  if (sim) return simTradingClient(sim, 10_000);
  if (!secret) throw new ConfigError([{ path: 'keys', received: 'none', expected: `a stored key for ${exchangeId}` }]);
  const ex = await createCcxtExchange(exchangeId, { timeoutMs: 10_000, sandbox });
  ex.apiKey = secret.apiKey;
  ex.secret = secret.secret;
  if (secret.password) ex.password = secret.password;
  ex.enableRateLimit = true;
  return ex;
}

function brokerEventLine(e: BrokerEvent, atMs: number, store: Store): Record<string, unknown> {
  switch (e.type) {
    case 'order':
      return { type: 'order', atMs, order: e.order };
    case 'fill':
      // Why it closed (tp1, sl, trail, manual, panic, ...), from the order that made it; null for an entry.
      return { type: 'fill', atMs, fill: e.fill, exitReason: fillExitReason(e.fill, (id) => store.orders.get(id)) };
    case 'position':
      return { type: 'position', atMs, symbol: e.symbol, position: e.position };
    case 'alert':
      return { type: 'alert', atMs, level: e.level, reason: e.reason, message: e.message, ...(e.details ? { details: e.details } : {}) };
  }
}

/**
 * `perpscope run`: the scanner and trader in one loop. Paper by default; `--live` needs a stored
 * key and `--confirm-live`. Prints JSON event lines when piped (or with `--json`), else a live
 * status view.
 */
export async function runRun(opts: RunOptions, io: CliIo, deps: RunDeps = {}): Promise<void> {
  const mode = opts.live ? 'live' : 'paper';
  if (opts.live && opts.paper) throw new ConfigError([{ path: 'mode', received: '--live and --paper', expected: 'one of them' }]);
  if (mode === 'live' && !opts.confirmLive) {
    throw new ConfigError([{ path: 'confirmLive', received: 'missing', expected: '--confirm-live: live mode places real orders with real money' }]);
  }
  const simFlags = { ...(opts.speed !== undefined ? { acceleration: opts.speed } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.startMs !== undefined ? { startTimeMs: opts.startMs } : {}) };
  const simOnly = [opts.speed !== undefined && '--speed', opts.seed !== undefined && '--seed', opts.startMs !== undefined && '--start'].filter((f): f is string => Boolean(f));
  if (!opts.sim && simOnly.length > 0) {
    throw new ConfigError([{ path: 'sim', received: simOnly.join(', '), expected: '--sim as well: these apply to the in-process SimExchange only' }]);
  }
  // `--exchange a,b`: orders go to the first venue; the others are watched for the ranking and the cross-venue rows.
  const venues = opts.exchange?.includes(',') ? parseVenues(opts.exchange, opts.sim === true) : null;
  const primary = venues ? venues[0] : opts.exchange;
  const { config, home } = loadCliConfig(
    opts,
    io.env,
    {
      mode,
      ...(opts.sim ? { exchange: 'sim' } : primary ? { exchange: primary } : {}),
      ...(Object.keys(simFlags).length > 0 ? { sim: simFlags } : {}),
    },
    opts.sim ? structuredClone(RUN_SIM_PRESET) : undefined,
  );
  // With --sim, --exchange picks the protocol the in-process sim speaks (and ccxt's class and order gateway for it).
  const simDialect = opts.sim ? simDialectFor(primary) : undefined;
  const secret = mode === 'live' && config.exchange !== 'sim' ? await requireKey(deps.secrets ?? createKeytarSecretStore(), config.exchange, opts.label) : undefined;
  const clock = new SystemClock();
  const asJson = opts.json === true || !io.isTTY;
  const emit = (line: Record<string, unknown>) => io.out(JSON.stringify(line, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  // One trading process per home: a second `run` (or `serve`, or the desktop app) is refused here,
  // before it starts anything, with a message naming the process that holds the home.
  const lock = acquireHomeLock(home, { command: `perpscope run --${mode} ${venues ? `${opts.sim ? '--sim ' : ''}--exchange ${venues.join(',')}` : venueCommandFlags(config.exchange, simDialect)}` });
  // The first line: from here on this process is the home's one trader (a readiness signal for scripts).
  if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), level: 'info', kind: 'home_locked', message: `trading from ${home} (pid ${process.pid})`, details: { home, pid: process.pid } });
  // Every record at `logLevel` goes to the home's log file; warnings and errors of the trading
  // bridge and the stored signal state also become alert lines.
  const fileLog = createFileLogger(logFilePath(home), config.logLevel).logger.child({ command: 'run' });
  const lineLogger: Logger = withLogLevel(
    {
      debug: (f, m) => fileLog.debug(f, m),
      info: (f, m) => fileLog.info(f, m),
      warn: (f, m) => {
        fileLog.warn(f, m);
        if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), level: 'warn', message: m, details: f });
      },
      error: (f, m) => {
        fileLog.error(f, m);
        if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), level: 'error', message: m, details: f });
      },
      child() {
        return this;
      },
    },
    config.logLevel,
  );
  fileLog.info({ mode, exchange: config.exchange, home, autotrade: opts.autotrade === true }, 'run started');
  let engine: Engine;
  let watched: WatchedVenue[] = [];
  let store: Store;
  try {
    store = openStore({ home });
  } catch (err) {
    lock.release();
    throw err;
  }
  try {
    const signalState = createStoreSignalState({ store, exchange: config.exchange, retentionDays: config.store.signalRetentionDays, logger: lineLogger });
    engine = createEngine(config, { signalState, logger: fileLog, ...(simDialect ? { simDialect } : {}) });
    if (venues) watched = watchEngines(venues, config, opts.sim === true, fileLog);
  } catch (err) {
    store.close();
    lock.release();
    throw err;
  }
  // Subscribed before start: the restore alert and the start cycle's signals go out while the
  // engine starts. A bar that closes on some series during a slow warm-up puts later close times
  // into that first cycle, so every signal line (every stored selection) is printed, the start
  // cycle's included; the auto-trader acts on the cycles after it. Those printed before the
  // trading side listens say so, so a consumer need not infer it from their position.
  let beforeTrading = true;
  if (asJson) {
    engine.on('alert', (a) => emit({ type: 'alert', ...a }));
    engine.on('signal', (s) => emit({ type: 'signal', atMs: clock.nowMs(), ...(beforeTrading ? { beforeTrading: true } : {}), signal: s }));
  }
  let bridge: TradingBridge | undefined;
  let statusTimer: ReturnType<typeof setInterval> | undefined;
  let stopOrderFlow: (() => void) | undefined;
  let live: CcxtBroker | undefined;
  let emergency: EmergencyFileWatch | undefined;
  const statusNotes: (() => string)[] = [];
  // The status view starts after warm-up; until then a bar says how far the backfill is.
  const progress = asJson ? undefined : createProgressBar(`warming up ${venues ? venues.join(', ') : config.exchange}`);
  if (progress) followWarmUps(progress, [engine, ...watched.map((w) => w.engine)]);
  const stopWatchers: (() => void)[] = [];
  try {
    try {
      const started = await Promise.allSettled([engine.start(), ...watched.map((w) => w.engine.start())]);
      const failed = started.findIndex((r) => r.status === 'rejected');
      if (failed >= 0) throw unreachableError((started[failed] as PromiseRejectedResult).reason, failed === 0 ? (primary ?? config.exchange) : watched[failed - 1]!.venue);
    } finally {
      progress?.stop();
    }
    deps.onEngine?.(engine);
    // On the sim, rows are kept under the exchange its dialect stands in for.
    const exchangeId = venueExchangeId(config.exchange, engine.sim()?.dialect);
    const fees = new Map(engine.markets().map((m) => [m.symbol, paperMarketSpec(m)]));
    // The trading side lives on the market's time, as the desktop host's does: on an accelerated
    // sim, paper orders, fills and protection moves are dated in sim time like the bars they act
    // on, and the position refresh keeps pace with the bars instead of lagging hours of sim time.
    const sim = engine.sim();
    if (sim) {
      // What reproduces this run: the same seed and start replay the same market.
      const details = { seed: config.sim.seed, startTimeMs: config.sim.startTimeMs ?? null, acceleration: config.sim.acceleration, simNowMs: sim.nowMs() };
      const message = `SimExchange: seed ${details.seed}, ${details.acceleration}x, sim time ${new Date(details.simNowMs).toISOString()}${details.startTimeMs === null ? ' (start: wall clock; pass --start to reproduce)' : ''}`;
      if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), level: 'info', kind: 'sim', message, details });
      else io.out(message);
    }
    const tradingClock = sim ? acceleratedClock(() => sim.nowMs(), config.sim.acceleration) : clock;
    const stack = createTradingStack({
      mode,
      store,
      clock: tradingClock,
      risk: config.risk,
      autoTrader: config.autotrade,
      edgeEvidence: resolveEdgeEvidence(config.signals),
      exchangeId,
      home,
      ...(mode === 'live'
        ? { exchange: await liveExchange(engine, config.exchange, secret, config.sandbox) }
        : { paperMarket: (symbol: string) => fees.get(symbol) }),
    });
    bridge = new TradingBridge({
      engine,
      stack,
      ...(mode === 'paper' ? { paper: stack.broker as PaperBroker } : {}),
      clock: tradingClock,
      // About one refresh per wall second, however fast the sim runs.
      ...(sim ? { positionRefreshMs: 1_000 * config.sim.acceleration } : {}),
      logger: lineLogger,
      autotrade: opts.autotrade === true,
      onBrokerEvent: (e) => asJson && emit(brokerEventLine(e, tradingClock.nowMs(), store)),
      onSignalOutcome: (signal, outcome) => {
        fileLog.info({ symbol: signal.symbol, signalId: signal.id, outcome }, 'signal outcome');
        if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), level: 'info', kind: 'signal_outcome', symbol: signal.symbol, signalId: signal.id, outcome });
      },
    });
    if (asJson) engine.on('health', (h) => emit({ type: 'health', atMs: clock.nowMs(), health: h }));
    await stack.autoTrader.start();
    deps.onTrading?.(stack);
    // What the auto-trader will trade, before it trades: a default run that trades nothing says so.
    const edge = stack.autoTrader.edgeStatus();
    if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), level: edge.tradesNothing && opts.autotrade ? 'warn' : 'info', kind: 'edge_gate', message: edge.message, details: { ...edge, autotrade: opts.autotrade === true } });
    if (mode === 'live') {
      live = stack.broker as CcxtBroker;
      live.follow();
    }
    beforeTrading = false;
    bridge.start();
    // The same order-flow loop as the desktop host: the ranking and the radar see the book, the
    // tape, funding and OI of the universe, not only of the symbols a signal or a position touched.
    stopOrderFlow = startOrderFlowLoop({ engine, clock, logger: lineLogger, intervalMs: config.orderFlow.refreshMs, maxSymbols: config.orderFlow.maxSymbols });
    // The watched venues' quotes (mark, funding) come from their own order-flow passes.
    for (const w of watched) stopWatchers.push(startOrderFlowLoop({ engine: w.engine, clock, logger: lineLogger, intervalMs: config.orderFlow.refreshMs, maxSymbols: config.orderFlow.maxSymbols }));
    const boardVenues = venues ? [exchangeId, ...watched.map((w) => w.venue)] : [];
    const board = (): VenueBoard =>
      venueBoard([{ venue: exchangeId, engine, ranking: engine.latestRanking() }, ...watched.map((w) => ({ venue: w.venue, engine: w.engine, ranking: w.engine.latestRanking() }))]);
    if (venues) {
      const message = `trading on ${exchangeId}; watching ${watched.map((w) => w.venue).join(', ')} for the ranking and the cross-venue rows (no orders go there)`;
      if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), level: 'info', kind: 'venues', message, details: { trading: exchangeId, watching: watched.map((w) => w.venue) } });
      else statusNotes.push(() => message);
    }
    if (venues && asJson) {
      // A line whenever a venue's ranking has moved, at most one per status period.
      let shown: unknown[] = [];
      const timer = setInterval(() => {
        const now = [engine.latestRanking(), ...watched.map((w) => w.engine.latestRanking())];
        if (now.every((r, i) => r === shown[i])) return;
        shown = now;
        emit(venuesLine(board(), boardVenues, clock.nowMs()));
      }, STATUS_EVERY_MS);
      stopWatchers.push(() => clearInterval(timer));
    }
    if (config.autotrade.emergencyFile !== null) {
      let lastEmergency: string | null = null;
      emergency = watchEmergencyFile({
        file: config.autotrade.emergencyFile,
        home,
        broker: stack.broker,
        store,
        clock: tradingClock,
        killSwitch: stack.killSwitch,
        onAlert: (a) => {
          lastEmergency = a.message;
          if (asJson) emit({ type: 'alert', atMs: clock.nowMs(), ...a });
        },
      });
      // A file already there at start flattens before anything else happens.
      await emergency.check();
      if (!asJson) statusNotes.push(() => (lastEmergency ? `EMERGENCY: ${lastEmergency}` : `emergency file: ${emergency!.path}`));
    }
    if (!asJson) {
      const draw = async () => {
        const status = await stack.status();
        const ranking = engine.latestRanking();
        const b = venues ? board() : null;
        const lines = [
          `\x1b[2J\x1b[H${mode === 'live' ? '\x1b[41;97m LIVE \x1b[0m' : '\x1b[44;97m PAPER \x1b[0m'} ${config.exchange}  autotrade ${bridge?.isAutotrade() ? 'ON' : 'off'}  kill switch ${status.killSwitch.on ? `ON (${status.killSwitch.reason ?? ''})` : 'off'}`,
          `edge gate: ${status.edge.message}`,
          ...statusNotes.map((note) => note()),
          `equity ${status.account.equityUsd.toFixed(2)} USD  uPnL ${status.account.unrealizedPnlUsd.toFixed(2)}  rPnL ${status.account.realizedPnlUsd.toFixed(2)}  open orders ${status.openOrders.length}`,
          '',
          'positions:',
          ...(status.positions.length ? status.positions.map((p) => `  ${p.symbol} ${p.side} ${p.sizeBase} @ ${p.entryPrice} uPnL ${p.unrealizedPnlUsd.toFixed(2)}`) : ['  none']),
          '',
          ...(b
            ? [
                `top ranked (${boardVenues.join(', ')}${b.pending.length ? `; warming up ${b.pending.join(', ')}` : ''}):`,
                ...(b.rows.length ? b.rows.slice(0, 10).map((r) => `  ${r.venue.padEnd(12)} ${rankedLine(r)}`) : ['  warming up']),
                '',
                'cross-venue (net after 4 taker fills):',
                ...(b.cross.rows.length
                  ? topOfEachMeasure(b.cross.rows, 3).map(
                      (r) =>
                        `  ${r.asset.padEnd(8)} ${r.measure === 'fundingSpread' ? 'funding' : 'basis  '} long ${r.long.venue} short ${r.short.venue}  spread ${(r.measure === 'fundingSpread' ? r.spreadPer8hBps : r.spreadBps).toFixed(2)} bps  fees ${r.feesBps.toFixed(1)} bps  net ${r.netAfterFeesBps.toFixed(1)} bps`,
                    )
                  : ['  no asset quoted on two venues yet']),
              ]
            : ['top ranked:', ...(ranking?.rows.slice(0, 10).map((r) => `  ${rankedLine(r)}`) ?? ['  warming up'])]),
          '',
          'latest signals:',
          ...engine.signals().slice(0, 5).map((s) => `  ${s.symbol} ${s.timeframe} ${s.side} score ${s.score.toFixed(2)} ${s.calibrated ? `p ${s.probability.toFixed(2)}` : 'uncalibrated'}${s.evidence.some((e) => e.tradable) ? ' edge' : ''}`),
          '',
          'Ctrl+C to stop',
        ];
        io.out(lines.join('\n'));
      };
      statusTimer = setInterval(() => void draw().catch((err: unknown) => io.err(describeError(err))), STATUS_EVERY_MS);
      await draw();
    }
    await (deps.until ?? io.interrupted);
  } finally {
    if (statusTimer) clearInterval(statusTimer);
    stopOrderFlow?.();
    for (const stop of stopWatchers) stop();
    // A flatten under way finishes before the broker and the store go away.
    await emergency?.stop().catch(() => undefined);
    bridge?.stop();
    try {
      await live?.stop().catch(() => undefined);
      await Promise.all(watched.map((w) => w.engine.stop().catch(() => undefined)));
      await engine.stop();
      store.close();
    } finally {
      lock.release();
      fileLog.info({ mode, exchange: config.exchange }, 'run stopped');
    }
  }
}
