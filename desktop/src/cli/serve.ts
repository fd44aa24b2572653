import { silentLogger, type Logger } from '@perpscope/sdk';
import { createHost } from '../host/host.js';
import type { HostSecretStore } from '../host/ports.js';
import type { EngineFactory } from '../host/runtime.js';
import { startServer, type RunningServer } from '../server/startServer.js';

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
}

export interface ServeDeps {
  createEngine: EngineFactory;
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
 * `perpscope serve`: builds the engine and the host, starts the server and prints the URL to open
 * as the first line of stdout, then starts the engine (warm-up can take a while; the UI shows it).
 *
 * @example
 * const { stop } = await runServe({ port: 0, host: '127.0.0.1', sim: true, home }, { createEngine, secrets, out: console.log });
 */
export async function runServe(options: ServeOptions, deps: ServeDeps): Promise<ServeHandle> {
  const logger = deps.logger ?? silentLogger;
  const runtime = await deps.createEngine({ home: options.home, sim: options.sim, logger });
  const host = createHost({ engine: runtime.engine, secrets: deps.secrets, logger, ...(runtime.store ? { store: runtime.store } : {}) });
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
    host.close();
    await runtime.stop();
    throw e;
  }
  const stop = async () => {
    await server.close();
    host.close();
    await runtime.stop();
  };
  deps.out(`open ${server.openUrl}`);
  try {
    await runtime.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { server, stop };
}
