import { networkInterfaces } from 'node:os';
import { RPC_METHODS, type HealthView, type Result } from '@perpscope/shared';
import type { PerpscopeConfig } from '@perpscope/sdk/config';
import { silentLogger, type Logger } from '@perpscope/sdk/core';
import type { SimDialectName } from '@perpscope/sdk/sim';
import type { RunningWebhookGateway } from '../gateway/startWebhookGateway.js';
import { logScanCycles } from '../host/cycleLog.js';
import type { EngineHost } from '../host/engineHost.js';
import type { Host } from '../host/host.js';
import type { HostEvent, HostSecretStore } from '../host/ports.js';
import { toRpcError } from '../host/rpcErrors.js';
import type { EngineFactory } from '../host/runtime.js';
import type { WorkerHostOptions } from '../host/workerHost.js';
import type { RunningServer } from '../server/startServer.js';
import { lanNotice } from './lanNotice.js';

export interface ServeOptions {
  port: number;
  /** Interface to bind; the CLI defaults it to 127.0.0.1. */
  host: string;
  sim: boolean;
  /** With `sim`: the protocol the SimExchange speaks (`--exchange`); default `blofin`. */
  simDialect?: SimDialectName;
  /** Config and data directory, already resolved by the caller. */
  home: string;
  /** Token from config or env; a random one is generated when absent. */
  token?: string;
  /** Built renderer directory; defaults to `desktop/out/renderer`. */
  rendererDir?: string;
  /** Starts the webhook gateway (docs/webhook.md) over the same host; its URL is printed after `open`. */
  webhook?: { config: Pick<PerpscopeConfig, 'webhook'>; host: string; port: number };
  /** The config's `alerts` section; read from the home's config and PERPSCOPE_* env when absent. */
  alerts?: PerpscopeConfig['alerts'];
}

/** The engine thread of `perpscope serve`, as `startWorkerHost` takes it. */
export type ServeEngineThread = Pick<WorkerHostOptions, 'command' | 'configFile' | 'env' | 'entry'>;

export interface ServeDeps {
  /**
   * Builds the engine on this thread instead of a worker thread: only for tests that inject an
   * engine, since a scan of a large universe then blocks HTTP and the WebSocket while it runs.
   */
  createEngine?: EngineFactory;
  /** The worker thread's settings when `createEngine` is absent; default command `perpscope serve`. */
  engineThread?: ServeEngineThread;
  secrets: HostSecretStore;
  /** Receives stdout lines; the first one is always `open <url>`. */
  out: (line: string) => void;
  logger?: Logger;
}

export interface ServeHandle {
  server: RunningServer;
  /** Stops the server, then the engine. */
  stop(): Promise<void>;
}

/**
 * A Host that answers for an engine still being built: calls wait for it (and answer with the
 * build's error if it fails), listeners are attached to it once it exists. This lets the server
 * listen, and the browser load the UI, while the engine thread is still loading its modules.
 * `health.get` alone is answered at once during the build, with the engine `starting`: it is what
 * a UI or a probe asks to learn whether the engine is up, and waiting for the build (seconds on a
 * cold start) would tell it nothing. `nowMs` stamps that answer.
 */
export function deferredHost(building: Promise<EngineHost>, nowMs: () => number = Date.now): Host & { detach(): void } {
  /** Each listener with its unsubscribe from the engine's host, once that exists. */
  const listeners = new Map<(event: HostEvent) => void, (() => void) | null>();
  let ready: Host | null = null;
  let settled = false;
  let detached = false;
  const failed = (e: unknown): Result<never> => ({ ok: false, error: toRpcError(e) });
  /** The answer to a well-formed `health.get` while the build runs; null: ask the engine. */
  const startingHealth = (method: unknown, params: unknown): Result<HealthView> | null => {
    if (settled || method !== 'health.get' || !RPC_METHODS['health.get'].input.safeParse(params ?? {}).success) return null;
    return { ok: true, value: { asOfMs: nowMs(), engine: 'starting', exchanges: [], symbolsTracked: 0, symbolsStale: 0 } };
  };
  building.then(
    (engine) => {
      settled = true;
      if (detached) return;
      ready = engine.host;
      // Each listener subscribes on its own, so the engine host's handling of a throwing one applies.
      for (const listener of listeners.keys()) listeners.set(listener, engine.host.onEvent(listener));
    },
    // The caller awaits the same promise and reports the failure; nothing is left to attach.
    () => {
      settled = true;
    },
  );
  const detachAll = () => {
    for (const off of listeners.values()) off?.();
    listeners.clear();
  };
  return {
    handle: (method, params) => {
      const starting = startingHealth(method, params);
      return starting ? Promise.resolve(starting) : building.then((engine) => engine.host.handle(method, params), failed);
    },
    call: ((method: Parameters<Host['call']>[0], ...args: unknown[]) => {
      const starting = startingHealth(method, args[0]);
      return starting ? Promise.resolve(starting) : building.then((engine) => (engine.host.call as (m: unknown, ...a: unknown[]) => Promise<Result<unknown>>)(method, ...args), failed);
    }) as Host['call'],
    onEvent(listener) {
      listeners.set(listener, ready && !detached ? ready.onEvent(listener) : null);
      return () => {
        listeners.get(listener)?.();
        listeners.delete(listener);
      };
    },
    close: detachAll,
    detach() {
      detached = true;
      detachAll();
    },
  };
}

/**
 * `perpscope serve`: builds the engine and the host in a worker thread (so a scan of any size
 * never holds up HTTP, the WebSocket or the webhook gateway), starts the server and prints the URL
 * to open as the first line of stdout, then starts the engine (warm-up can take a while; the UI
 * shows it).
 *
 * The engine thread is spawned first and the server listens while it is still being built (its
 * calls wait for it, see `deferredHost`): loading the engine's modules and the server's, and the
 * browser loading the UI, then overlap instead of following one another. A build that fails (a
 * locked home, a bad config) stops the server and rejects, after the URL was printed.
 *
 * @example
 * const { stop } = await runServe({ port: 0, host: '127.0.0.1', sim: true, home }, { secrets, out: console.log });
 */
export async function runServe(options: ServeOptions, deps: ServeDeps): Promise<ServeHandle> {
  const logger = deps.logger ?? silentLogger;
  const { createEngine } = deps;
  // The engine thread's module is loaded alongside the config rather than after it: the thread
  // starts once both are in, and its own module loading is the longest stretch before the first
  // ranking.
  const engineThread = createEngine ? null : import('../host/workerHost.js');
  // Settled here too, so a failed import is reported once, through `building` below.
  engineThread?.catch(() => undefined);
  const alertsConfig = options.alerts ?? (await import('../host/hostConfig.js')).hostConfig({ home: options.home, sim: options.sim, env: process.env, saved: {} }).alerts;
  const engineOptions = { home: options.home, sim: options.sim, ...(options.sim && options.simDialect ? { simDialect: options.simDialect } : {}), alerts: alertsConfig, secrets: deps.secrets, logger };
  // Stopping while the engine thread is still being built terminates it (a failed listen, Ctrl-C
  // during a slow or hung build) instead of waiting for the build to end.
  const buildAbort = new AbortController();
  const building: Promise<EngineHost> = createEngine
    ? import('../host/engineHost.js').then(({ startEngineHost }) => startEngineHost(createEngine, engineOptions))
    : (engineThread ?? import('../host/workerHost.js')).then(({ startWorkerHost }) =>
        startWorkerHost({ ...engineOptions, ...(deps.engineThread ?? { command: 'perpscope serve' }), signal: buildAbort.signal }),
      );
  // Settled here too, so a build failing while the server starts is never an unhandled rejection.
  const built = building.then(
    (engine) => ({ engine }),
    (error: unknown) => ({ error }),
  );
  const host = deferredHost(building);
  const stopCycleLog = logScanCycles(host, logger);
  const stopEngine = async () => {
    host.detach();
    buildAbort.abort();
    // An engine built on this thread (tests only) cannot be cut short: its build is awaited.
    const b = await built;
    if ('engine' in b) await b.engine.stop();
  };
  let server: RunningServer;
  try {
    const { startServer } = await import('../server/startServer.js');
    server = await startServer({
      host: options.host,
      port: options.port,
      hostService: host,
      logger,
      ...(options.token ? { token: options.token } : {}),
      ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
    });
  } catch (e) {
    stopCycleLog();
    await stopEngine();
    throw e;
  }
  let webhook: RunningWebhookGateway | null = null;
  const stop = async () => {
    await webhook?.close();
    await server.close();
    stopCycleLog();
    await stopEngine();
  };
  if (options.webhook) {
    const webhookOptions = options.webhook;
    try {
      const { startHomeWebhookGateway } = await import('../gateway/gatewayForHome.js');
      webhook = await startHomeWebhookGateway({ host, home: options.home, config: webhookOptions.config, logger, bindHost: webhookOptions.host, port: webhookOptions.port });
    } catch (e) {
      await stop();
      throw e;
    }
  }
  deps.out(`open ${server.openUrl}`);
  for (const line of lanNotice(options.host, server.port, server.token, networkInterfaces())) deps.out(line);
  if (webhook) deps.out(`webhook ${webhook.url}/signal`);
  try {
    const b = await built;
    if ('error' in b) throw b.error;
    await b.engine.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { server, stop };
}
