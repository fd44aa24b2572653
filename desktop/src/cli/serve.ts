import { networkInterfaces } from 'node:os';
import { silentLogger, type Logger, type PerpscopeConfig } from '@perpscope/sdk';
import { startHomeWebhookGateway } from '../gateway/gatewayForHome.js';
import type { RunningWebhookGateway } from '../gateway/startWebhookGateway.js';
import { logScanCycles } from '../host/cycleLog.js';
import { startEngineHost, type EngineHost } from '../host/engineHost.js';
import { hostConfig } from '../host/hostConfig.js';
import type { HostSecretStore } from '../host/ports.js';
import type { EngineFactory } from '../host/runtime.js';
import { startWorkerHost, type WorkerHostOptions } from '../host/workerHost.js';
import { startServer, type RunningServer } from '../server/startServer.js';
import { lanNotice } from './lanNotice.js';

export interface ServeOptions {
  port: number;
  /** Interface to bind; the CLI defaults it to 127.0.0.1. */
  host: string;
  sim: boolean;
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
 * `perpscope serve`: builds the engine and the host in a worker thread (so a scan of any size
 * never holds up HTTP, the WebSocket or the webhook gateway), starts the server and prints the URL
 * to open as the first line of stdout, then starts the engine (warm-up can take a while; the UI
 * shows it).
 *
 * @example
 * const { stop } = await runServe({ port: 0, host: '127.0.0.1', sim: true, home }, { secrets, out: console.log });
 */
export async function runServe(options: ServeOptions, deps: ServeDeps): Promise<ServeHandle> {
  const logger = deps.logger ?? silentLogger;
  const alertsConfig = options.alerts ?? hostConfig({ home: options.home, sim: options.sim, env: process.env, saved: {} }).alerts;
  const engineOptions = { home: options.home, sim: options.sim, alerts: alertsConfig, secrets: deps.secrets, logger };
  const engine: EngineHost = deps.createEngine
    ? await startEngineHost(deps.createEngine, engineOptions)
    : await startWorkerHost({ ...engineOptions, ...(deps.engineThread ?? { command: 'perpscope serve' }) });
  const host = engine.host;
  const stopCycleLog = logScanCycles(host, logger);
  let server: RunningServer;
  try {
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
    await engine.stop();
    throw e;
  }
  let webhook: RunningWebhookGateway | null = null;
  const stop = async () => {
    await webhook?.close();
    await server.close();
    stopCycleLog();
    await engine.stop();
  };
  if (options.webhook) {
    try {
      webhook = await startHomeWebhookGateway({ host, home: options.home, config: options.webhook.config, logger, bindHost: options.webhook.host, port: options.webhook.port });
    } catch (e) {
      await stop();
      throw e;
    }
  }
  deps.out(`open ${server.openUrl}`);
  for (const line of lanNotice(options.host, server.port, server.token, networkInterfaces())) deps.out(line);
  if (webhook) deps.out(`webhook ${webhook.url}/signal`);
  try {
    await engine.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { server, stop };
}
