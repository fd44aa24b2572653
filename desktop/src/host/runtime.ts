import { acquireHomeLock, type KeytarLike, type Logger } from '@perpscope/sdk';
import type { SimDialectName } from '@perpscope/sdk/sim';
import { createHostEngine } from './engineRuntime.js';
import { adaptMarketEngine, type MarketEngineLike } from './marketAdapter.js';
import type { HostEngine, HostSecretStore, HostStore } from './ports.js';
import { adaptWatchlists, type WatchlistRepositoryLike } from './storeAdapter.js';

export interface EngineRuntimeOptions {
  /** Config and data directory (SQLite file, config.json). */
  home: string;
  /** Run against an in-process SimExchange instead of a real exchange. */
  sim: boolean;
  logger: Logger;
  /** The `--config FILE` option; defaults to `<home>/config.json`. */
  configFile?: string;
  /** With `sim`: the protocol the SimExchange speaks (`serve --sim --exchange ID`); default `blofin`. */
  simDialect?: SimDialectName;
  /**
   * Given by a shell that shows OS notifications: the desktop alert sink as configured, and where a
   * change made in the settings form goes. Without it the settings form does not offer the switch.
   */
  desktopAlerts?: { configured: boolean; onChange(enabled: boolean): void };
}

/** An engine adapted to the host's ports, plus its lifecycle. */
export interface EngineRuntime {
  engine: HostEngine;
  store?: HostStore;
  /** Starts market data and trading; may take a while (backfill). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether alerts show as OS notifications, the saved choice over the configured one (given `desktopAlerts`). */
  desktopAlerts?(): boolean | undefined;
}

/** Builds the engine for a shell; the composition root (`createEngine` in the sdk) provides it. */
export type EngineFactory = (options: EngineRuntimeOptions) => Promise<EngineRuntime>;

/** A market-data engine with a lifecycle, as `createEngine` from the sdk returns it. */
export type StartableMarketEngine = MarketEngineLike & { start(): Promise<void>; stop(): Promise<void> };

/** The sdk's `createEngine`, as far as this package calls it. */
export type CreateMarketEngine = (config: { exchange?: string; home?: string }, deps: { logger?: Logger }) => StartableMarketEngine;

/** The sdk's `openStore`, as far as this package calls it. */
export type OpenStore = (options: { home: string }) => { watchlists: WatchlistRepositoryLike; close(): void };

/**
 * An EngineFactory over the market-data engine and the SQLite store: health, candles, symbol
 * inspection, alerts and watchlists. Ranking, signals, trading, settings and profiles reply
 * NOT_SUPPORTED; the shells use the richer `createHostEngine`.
 */
export function marketEngineFactory(createEngine: CreateMarketEngine, openStore?: OpenStore): EngineFactory {
  return (options) => {
    const store = openStore?.({ home: options.home });
    const engine = createEngine({ home: options.home, ...(options.sim ? { exchange: 'sim' } : {}) }, { logger: options.logger });
    let running = false;
    return Promise.resolve({
      engine: adaptMarketEngine(engine, { isRunning: () => running }),
      ...(store ? { store: { watchlists: adaptWatchlists(store.watchlists, Date.now) } } : {}),
      async start() {
        await engine.start();
        running = true;
      },
      async stop() {
        running = false;
        try {
          await engine.stop();
        } finally {
          store?.close();
        }
      },
    });
  };
}

/** The exports this package looks up in `@perpscope/sdk` at run time. */
interface SdkRuntimeExports {
  createKeytarSecretStore?: (options: { loadKeytar?: () => Promise<KeytarLike> }) => HostSecretStore;
}

async function sdkExports(): Promise<SdkRuntimeExports> {
  return (await import('@perpscope/sdk')) as SdkRuntimeExports;
}

/**
 * The OS-keychain SecretStore from the sdk. Fails loudly rather than ever storing keys elsewhere.
 * `loadKeytar` replaces the keytar in node_modules (the Electron app passes a copy built for its ABI).
 */
export async function loadSecretStore(options: { loadKeytar?: () => Promise<KeytarLike> } = {}): Promise<HostSecretStore> {
  const create = (await sdkExports()).createKeytarSecretStore;
  if (typeof create !== 'function') throw new Error('@perpscope/sdk does not export createKeytarSecretStore; API keys cannot be stored');
  return create(options);
}

/** Takes a home's one-writer lock; the sdk's `acquireHomeLock`. */
export type AcquireHomeLock = (home: string, options: { command: string }) => { release(): void };

/**
 * Wraps a factory so its engine holds the home's one-writer lock from creation until `stop`. A
 * second trading process on the same home (`run`, `serve`, the desktop app) is refused before it
 * builds anything, with HOME_LOCKED naming the holder.
 */
export function withHomeLock(factory: EngineFactory, command: string, acquire: AcquireHomeLock = acquireHomeLock): EngineFactory {
  return async (options) => {
    const lock = acquire(options.home, { command });
    let runtime: EngineRuntime;
    try {
      runtime = await factory(options);
    } catch (e) {
      lock.release();
      throw e;
    }
    return {
      ...runtime,
      async stop() {
        try {
          await runtime.stop();
        } finally {
          lock.release();
        }
      },
    };
  };
}

/**
 * The engine factory for the desktop shells: `createHostEngine`, the sdk engine composed with the
 * store and adapted to every host port it can serve, holding the home's one-writer lock.
 * `command` names this process to a second one that is refused. The Electron app's own-ABI
 * better-sqlite3 reaches the store through `useNativeSqliteBinding`, set once for the process.
 */
export function loadEngineFactory(command = 'perpscope desktop'): Promise<EngineFactory> {
  return Promise.resolve(withHomeLock(createHostEngine, command));
}
