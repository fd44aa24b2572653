import { createFileLogger, intOption, loadCliConfig, logFilePath, type CliExtension, type GlobalOptions } from '@perpscope/sdk/cli';
import { ConfigError } from '@perpscope/sdk/core';
import type { SimDialectName } from '@perpscope/sdk/sim';
import type { HostSecretStore } from '../host/ports.js';
import type { EngineFactory } from '../host/runtime.js';

/** Where `perpscope serve` gets its engine and keychain; tests pass their own. */
export interface ServeCommandLoaders {
  /**
   * An engine built on the command's own thread (tests inject one). Absent, the default, the
   * sdk's engine runs in a worker thread so that scans never hold up HTTP and the WebSocket.
   */
  engineFactory?(command: string): Promise<EngineFactory>;
  secretStore(): Promise<HostSecretStore>;
}

/**
 * A keychain that loads the real one at its first use. Serving the UI and warming up the engine
 * need no secret unless an alert sink or an account has one, so the keychain module (and the sdk
 * it loads) stays off the path to the first ranking; a keychain that cannot load fails that call,
 * and the next call loads it again.
 */
export function lazySecretStore(load: () => Promise<HostSecretStore>): HostSecretStore {
  let store: Promise<HostSecretStore> | null = null;
  // A failed load is forgotten, so the next call tries again (a keychain unlocked meanwhile).
  const real = () =>
    (store ??= load().catch((e: unknown) => {
      store = null;
      throw e;
    }));
  return {
    set: async (ref, secret) => (await real()).set(ref, secret),
    get: async (ref) => (await real()).get(ref),
    delete: async (ref) => (await real()).delete(ref),
    list: async (exchange) => (await real()).list(exchange),
  };
}

/** The OS keychain, loaded on first use so that other commands never pay for it; the engine runs in a worker thread. */
const defaultLoaders: ServeCommandLoaders = {
  secretStore: () => Promise.resolve(lazySecretStore(async () => (await import('../host/runtime.js')).loadSecretStore())),
};

/**
 * The sim's dialect for `serve --exchange ID`. The flag means only that: a served venue comes from
 * the config (`exchange`, or `--set exchange=ID`), so without the sim it is refused rather than
 * silently ignored. The sdk's engine module (and ccxt with it) loads only when the flag is given:
 * the engine itself runs in a worker thread.
 */
async function serveSimDialect(exchange: string | undefined, sim: boolean): Promise<SimDialectName | undefined> {
  if (exchange === undefined) return undefined;
  if (!sim) {
    throw new ConfigError([{ path: '--exchange', received: JSON.stringify(exchange), expected: '--sim as well: serve reads --exchange only as the dialect the sim speaks; a real exchange comes from the config (exchange, or --set exchange=ID)' }]);
  }
  const { simDialectFor } = await import('@perpscope/sdk/engine');
  return simDialectFor(exchange);
}

/** `perpscope serve` over the given loaders (default: the sdk's engine and the OS keychain). */
export const createServeCommand = (load: ServeCommandLoaders = defaultLoaders): CliExtension => (program, io) => {
  program
    .command('serve')
    .description('headless engine plus the web UI on 127.0.0.1; prints the URL (with its token) to open')
    .option('--port <n>', 'port (0 picks a free one)', intOption('--port', 0, 65_535), 8787)
    .option('--host <addr>', 'interface to bind', '127.0.0.1')
    .option('--sim', 'run against an in-process SimExchange')
    .option('--exchange <id>', 'with --sim: the exchange the sim speaks for (blofin, binanceusdm, bybit or htx; default blofin)')
    .option('--webhook', 'also start the TradingView webhook gateway (needs webhook.secret; docs/webhook.md)')
    .option('--webhook-port <n>', 'webhook gateway port (0 picks a free one; default webhook.port)', intOption('--webhook-port', 0, 65_535))
    .option('--webhook-host <addr>', 'interface the webhook gateway binds; anything but 127.0.0.1 exposes a trading endpoint (docs/webhook.md)', '127.0.0.1')
    .action(async (opts: { port: number; host: string; sim?: boolean; exchange?: string; webhook?: boolean; webhookPort?: number; webhookHost: string }) => {
      const global = program.opts<GlobalOptions>();
      const { config, home } = loadCliConfig(global, io.env, opts.sim ? { exchange: 'sim' } : {});
      const sim = config.exchange === 'sim';
      const simDialect = await serveSimDialect(opts.exchange, sim);
      const command = `perpscope serve${sim ? ` --sim${simDialect && simDialect !== 'blofin' ? ` --exchange ${simDialect}` : ''}` : ''}`;
      const configFile = global.config !== undefined ? { configFile: global.config } : {};
      const [factory, secrets] = await Promise.all([load.engineFactory?.(command), load.secretStore()]);
      // The engine reads the same layers (and the same `--config` file) this command just validated.
      const engine = factory
        ? { createEngine: ((o) => factory({ ...o, ...configFile })) satisfies EngineFactory }
        : { engineThread: { command, ...configFile } };
      const { runServe } = await import('./serve.js');
      const handle = await runServe(
        {
          port: opts.port,
          host: opts.host,
          sim,
          ...(simDialect ? { simDialect } : {}),
          home,
          ...(config.serve.token ? { token: config.serve.token } : {}),
          // The alerts read the same layers (file, env, --set) as everything this command validated.
          alerts: config.alerts,
          ...(opts.webhook ? { webhook: { config, host: opts.webhookHost, port: opts.webhookPort ?? config.webhook.port } } : {}),
        },
        { ...engine, secrets, out: io.out, logger: createFileLogger(logFilePath(home), config.logLevel).logger.child({ command: 'serve' }) },
      );
      await io.interrupted;
      await handle.stop();
    });
};

/**
 * Adds `perpscope serve` to the sdk's CLI. It lives here because the server and the UI belong to
 * the desktop package, which depends on the sdk, not the other way round.
 */
export const serveCommand: CliExtension = (program, io) => createServeCommand()(program, io);
