import { join } from 'node:path';
import { ErrorCode, type Market } from '@perpscope/shared';
import { SystemClock, type Clock } from '../core/clock.js';
import { HomeLockedError, InvalidInputError, PerpscopeError, SecretStoreError, StoreError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { loadConfig, type PerpscopeConfig, type PerpscopeConfigInput } from '../config/index.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import type { SignalStatePort } from '../engine/signalState.js';
import { createStoreSignalState } from '../engine/storeSignalState.js';
import { acceleratedClock } from '../market/index.js';
import type { RankingRow } from '../ranking/index.js';
import { createKeytarSecretStore, type ExchangeSecret, type SecretStore } from '../secrets/index.js';
import type { Signal } from '../signals/index.js';
import { acquireHomeLock, openStore, resolveHome, type HomeLock, type Store } from '../store/index.js';
import { backtest, type BacktestConfigInput, type BacktestDeps, type BacktestResult } from '../backtest/index.js';
import { parseLiveOptions, parsePaperOptions, parseScanOptions, type LiveOptions, type PaperOptions, type ScanOptions } from './facadeInput.js';
import { liveExchangeClient, SIM_TEST_API_KEY } from './liveExchange.js';
import { openTradingSession, type TradingSession, type TradingSessionParts } from './tradingSession.js';

/** Order-flow reads and re-ranks one `scan` makes at most (each reads only rows not read yet). */
const SCAN_ORDER_FLOW_PASSES = 4;

/** What a paper or live session adds to the parts every session shares. */
type SessionChoice = Pick<TradingSessionParts, 'mode' | 'autotrade' | 'exchange' | 'paperInitialBalanceUsd'>;

export interface OpenPerpscopeOptions {
  /** The Perpscope home (config, database, kill switch file). Default: `PERPSCOPE_HOME`, else the OS user data dir. */
  home?: string;
  /** Where `PERPSCOPE_*` variables and `PERPSCOPE_HOME` are read from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * Keep candles streaming after warm-up (default false: a script's scan reads the market once and
   * trading sessions read each symbol's book before acting). Long-running scripts pass true.
   */
  stream?: boolean;
  logger?: Logger;
  /**
   * Where `trade.live` reads API keys (default: the OS keychain). On an in-process SimExchange the
   * keychain is never read: the sim's own key is used unless this is given.
   */
  secrets?: SecretStore;
  /** The key an in-process SimExchange accepts (default {@link SIM_TEST_API_KEY}). */
  simApiKey?: { apiKey: string; secret: string; password: string };
  /**
   * The engine's learning (labeled signals, labels, bandit weights) is the home's, with one writer.
   * `'write'` (default): the engine takes the home's lock as it starts and stores what it learns,
   * so `run`, `serve`, the desktop app and the MCP server cannot start on the home until `stop()`;
   * if one of them already holds it, this falls back to `'read'` with a warning. `'read'`: resume
   * from the stored learning, keep what is learned in memory only, take no lock as the engine
   * starts (a scan-only script beside a running trader). A trading session takes the lock in
   * either case (one trader per home); with `'read'` its learning is still not stored.
   */
  learning?: 'write' | 'read';
}

/**
 * Perpscope for scripts: one engine, one store and at most one trading session at a time, over
 * the same pieces `perpscope run` and the desktop app compose. Starts lazily: any call starts it.
 */
export interface Perpscope {
  readonly config: PerpscopeConfig;
  readonly home: string;
  /** The engine underneath (market data, ranking, signals), for what the facade does not cover. */
  readonly engine: Engine;
  /** The home's database, opened once; closed by `stop()`. */
  readonly store: Store;
  /**
   * Warms up (universe, backfill). Idempotent. With `learning: 'write'` (the default) the engine
   * takes the home's lock here, or falls back to keeping its learning in memory with a warning
   * when another process holds the home (see {@link OpenPerpscopeOptions.learning}).
   */
  start(): Promise<void>;
  /** Disposes the trading session, stops the engine, releases the home and closes the store. */
  stop(): Promise<void>;
  /** Ranked rows, best first, with fresh order flow for the rows returned (unless `orderFlow: false`). */
  scan(options?: ScanOptions): Promise<RankingRow[]>;
  /** Recent selected signals, newest first. */
  signals(): Promise<readonly Signal[]>;
  /** Every market the exchange lists. */
  markets(): Promise<readonly Market[]>;
  trade: {
    /** A paper account filled against the exchange's real book; nothing reaches a private endpoint. */
    paper(options?: PaperOptions): Promise<TradingSession>;
    /**
     * Real orders with the key `<exchange>:<label>` from the keychain. On the sim, signed orders
     * against the in-process SimExchange with its test key ({@link SIM_TEST_API_KEY}), the keychain
     * untouched (with `options.secrets`, the key `blofin:<label>` from it). Refused without `confirm`.
     */
    live(options: LiveOptions): Promise<TradingSession>;
  };
  /** Replays recorded candles through the paper stack (see `backtest`), with this config's risk, signals and autotrade. */
  backtest(input: BacktestConfigInput, deps?: BacktestDeps): Promise<BacktestResult>;
}

/** Why the home's lock was not this script's, in a few words: who holds it, or what failed. */
function learningRefusal(err: StoreError): string {
  const d = err.details as { pid?: unknown; command?: unknown };
  if (err instanceof HomeLockedError) {
    if (typeof d.pid !== 'number') return 'another process is taking the home\'s lock';
    return d.pid === process.pid ? `this process already holds the home's lock for ${String(d.command)}` : `the home is held by pid ${d.pid} (${String(d.command)})`;
  }
  return err.shortMessage;
}

/**
 * Opens Perpscope over `config`, layered as the CLI layers it: defaults < `<home>/config.json` <
 * `PERPSCOPE_*` environment < `config`. Opens the home's database now; connects nothing until a
 * call needs it. Invalid config throws one `ConfigError` naming every bad field.
 *
 * @example
 * const ps = openPerpscope({ exchange: 'sim' }, { home: '/tmp/ps' });
 * const [top] = await ps.scan({ top: 1 });
 * const paper = await ps.trade.paper();
 * await paper.placeOrder({ symbol: top!.symbol, side: 'long', notionalUsd: 50 });
 * await ps.stop();
 */
export function openPerpscope(config: PerpscopeConfigInput = {}, options: OpenPerpscopeOptions = {}): Perpscope {
  const env = options.env ?? process.env;
  const home = resolveHome({ home: options.home, env });
  const parsed = loadConfig({ file: join(home, 'config.json'), env, options: config as Record<string, unknown> });
  const logger = options.logger ?? silentLogger;
  const simKey = options.simApiKey ?? SIM_TEST_API_KEY;
  const learning = options.learning ?? 'write';
  if (learning !== 'write' && learning !== 'read') {
    throw new InvalidInputError('openPerpscope options', [{ path: 'learning', received: JSON.stringify(learning) ?? String(learning), expected: "'write' or 'read'" }]);
  }
  const store = openStore({ home });
  let lock: HomeLock | undefined;
  /** Whether this process stores what the engine learns: decided as the engine starts. */
  let writesLearning = false;
  let engine: Engine;
  try {
    const stateOptions = { store, exchange: parsed.exchange, retentionDays: parsed.store.signalRetentionDays, logger };
    const writer = createStoreSignalState(stateOptions);
    const reader = createStoreSignalState({ ...stateOptions, readOnly: true });
    // One process writes a home's learning: the one holding its lock, as `run`, `serve` and the
    // desktop app do. Two writers would each index and mature the other's rows. The lock is taken
    // as the engine starts (the restore runs then) and kept for a trading session.
    const signalState: SignalStatePort = {
      restore(config, recentLimit, at) {
        if (learning === 'write') {
          try {
            lock ??= acquireHomeLock(home, { command: `openPerpscope (${parsed.exchange})` });
            writesLearning = true;
          } catch (err) {
            // Held by another process, or a lock the home cannot take (a full disk): the script
            // still runs, as it would beside a trader, and says why it stores nothing.
            if (!(err instanceof StoreError)) throw err;
            const held = err instanceof HomeLockedError ? ', and its trading sessions are refused while the home is held' : '';
            logger.warn({ home, code: err.code, holder: err.details }, `signal state: not stored by this process (${learningRefusal(err)}); it resumes from the stored learning and keeps what it learns in memory only${held}`);
          }
        }
        return (writesLearning ? writer : reader).restore(config, recentLimit, at);
      },
      saveCycle(cycle, learned) {
        // Never without the lock: a start that failed after the restore has given it up.
        (writesLearning && lock ? writer : reader).saveCycle(cycle, learned);
      },
    };
    engine = createEngine(parsed, { logger, live: options.stream === true, signalState, simApiKey: { ...simKey } });
  } catch (err) {
    store.close();
    throw err;
  }
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let session: TradingSession | null = null;
  /** The session being opened, so `stop()` can wait for it and dispose it. */
  let opening: Promise<TradingSession> | undefined;
  let secrets = options.secrets;

  const start = (): Promise<void> => {
    if (stopping) return Promise.reject(new PerpscopeError(ErrorCode.InvalidInput, 'This Perpscope was stopped: open a new one', { details: { home } }));
    starting ??= engine.start().catch(async (err: unknown) => {
      // A start that failed after the restore took the lock would hold the home until `stop()`;
      // the engine stops first, so no cycle of it runs once the home is given up.
      await engine.stop().catch(() => undefined);
      lock?.release();
      lock = undefined;
      throw err;
    });
    return starting;
  };

  /** Market time for the trading side: the sim's accelerated clock on an in-process sim, as `run` does. */
  const tradingClock = (): { clock: Clock; refreshMs?: number } => {
    const sim = engine.sim();
    return sim ? { clock: acceleratedClock(() => sim.nowMs(), parsed.sim.acceleration), refreshMs: 1_000 * parsed.sim.acceleration } : { clock: new SystemClock() };
  };
  const venue = () => (engine.sim() ? 'blofin' : parsed.exchange);

  async function openSession(mode: 'paper' | 'live', build: () => Promise<SessionChoice>): Promise<TradingSession> {
    await start();
    if (session || opening) {
      throw new PerpscopeError(ErrorCode.InvalidInput, `A ${session?.mode ?? 'trading'} session is already open: dispose() it before opening a ${mode} one`, { details: { open: session?.mode ?? null } });
    }
    const attempt = (async () => {
      // One trader per home: `run`, `serve` or the desktop on the same home refuse, and so does this.
      lock ??= acquireHomeLock(home, { command: `openPerpscope trade.${mode}` });
      // The engine chose its signal state as it started, when the home was held or `learning` was
      // 'read': the session trades on it, and what it learns is still not stored.
      if (!writesLearning) logger.warn({ home, mode }, `${mode} session: this engine started without storing its learning (learning: '${learning}', or the home was held); what it learns stays in memory until a restart`);
      const opened = await openTradingSession({ ...common(), ...(await build()) });
      session = opened;
      return opened;
    })();
    opening = attempt;
    try {
      return await attempt;
    } finally {
      opening = undefined;
    }
  }
  function common(): Omit<TradingSessionParts, keyof SessionChoice> {
    const { clock, refreshMs } = tradingClock();
    return {
      engine,
      store,
      config: parsed,
      home,
      clock,
      logger,
      exchangeId: venue(),
      ...(refreshMs !== undefined ? { positionRefreshMs: refreshMs } : {}),
      onDisposed: () => {
        session = null;
      },
    };
  }

  return {
    config: parsed,
    home,
    engine,
    store,
    start,
    stop() {
      stopping ??= (async () => {
        try {
          await starting?.catch(() => undefined);
          await opening?.catch(() => undefined);
          try {
            await session?.dispose();
          } finally {
            await engine.stop();
          }
        } finally {
          lock?.release();
          store.close();
        }
      })();
      return stopping;
    },
    async scan(input) {
      const { query, orderFlow } = parseScanOptions(input);
      await start();
      let rows = engine.rank(query).rows;
      if (!orderFlow) return rows;
      // Spread, depth and slippage come from the book: read it for the rows shown, then rank
      // again. A row that rose into the top on its fresh book brings in one not read yet, so a
      // few passes (bounded) settle on rows whose books were all read.
      const read = new Set<string>();
      for (let pass = 0; pass < SCAN_ORDER_FLOW_PASSES; pass++) {
        const unread = rows.map((r) => r.symbol).filter((s) => !read.has(s));
        if (unread.length === 0) break;
        await engine.refreshOrderFlows(unread);
        for (const s of unread) read.add(s);
        rows = engine.rank(query).rows;
      }
      return rows;
    },
    async signals() {
      await start();
      return engine.signals();
    },
    async markets() {
      await start();
      return engine.markets();
    },
    trade: {
      async paper(input) {
        const o = parsePaperOptions(input);
        return openSession('paper', () =>
          Promise.resolve({ mode: 'paper' as const, autotrade: o.autotrade, ...(o.initialBalanceUsd !== undefined ? { paperInitialBalanceUsd: o.initialBalanceUsd } : {}) }),
        );
      },
      async live(input) {
        const o = parseLiveOptions(input);
        return openSession('live', async () => {
          const exchange = venue();
          const sim = engine.sim();
          // The sim's key moves no money: it is never stored, so no keychain entry of a real
          // exchange can be overwritten for it.
          if (sim && !secrets) return { mode: 'live' as const, autotrade: o.autotrade, exchange: await liveExchangeClient(exchange, { ...simKey }, sim, parsed.requestTimeoutMs) };
          if (o.label === undefined) {
            throw new InvalidInputError('live trading options', [{ path: 'label', received: 'nothing', expected: `the keychain label of the ${exchange} API key (perpscope keys set --exchange ${exchange} --label <label>)` }]);
          }
          secrets ??= createKeytarSecretStore();
          const secret: ExchangeSecret | null = await secrets.get({ exchange, label: o.label });
          if (!secret) {
            throw new SecretStoreError(ErrorCode.SecretNotFound, `No API key ${exchange}:${o.label} in the keychain; store one with: perpscope keys set --exchange ${exchange} --label ${o.label}`, {
              details: { exchange, label: o.label },
            });
          }
          return { mode: 'live' as const, autotrade: o.autotrade, exchange: await liveExchangeClient(exchange, secret, engine.sim(), parsed.requestTimeoutMs, parsed.sandbox) };
        });
      },
    },
    backtest(input, deps = {}) {
      const { risk, signals, profile, universe, autotrade } = parsed;
      return backtest(input, { ...deps, engineConfig: { risk, signals, profile, universe, autotrade, ...deps.engineConfig } });
    },
  };
}
