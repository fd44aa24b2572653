import { createFileLogger, intOption, loadCliConfig, logFilePath, type CliExtension, type GlobalOptions } from '@perpscope/sdk';
import { loadEngineFactory, loadSecretStore, type EngineFactory } from '../host/runtime.js';
import { runServe } from './serve.js';

/**
 * Adds `perpscope serve` to the sdk's CLI. It lives here because the server and the UI belong to
 * the desktop package, which depends on the sdk, not the other way round.
 */
export const serveCommand: CliExtension = (program, io) => {
  program
    .command('serve')
    .description('headless engine plus the web UI on 127.0.0.1; prints the URL (with its token) to open')
    .option('--port <n>', 'port (0 picks a free one)', intOption('--port', 0, 65_535), 8787)
    .option('--host <addr>', 'interface to bind', '127.0.0.1')
    .option('--sim', 'run against an in-process SimExchange')
    .action(async (opts: { port: number; host: string; sim?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const { config, home } = loadCliConfig(global, io.env, opts.sim ? { exchange: 'sim' } : {});
      const [factory, secrets] = await Promise.all([loadEngineFactory(`perpscope serve${config.exchange === 'sim' ? ' --sim' : ''}`), loadSecretStore()]);
      // The engine reads the same layers (and the same `--config` file) this command just validated.
      const createEngine: EngineFactory = (o) => factory({ ...o, ...(global.config !== undefined ? { configFile: global.config } : {}) });
      const handle = await runServe(
        { port: opts.port, host: opts.host, sim: config.exchange === 'sim', home, ...(config.serve.token ? { token: config.serve.token } : {}) },
        { createEngine, secrets, out: io.out, logger: createFileLogger(logFilePath(home), config.logLevel).logger.child({ command: 'serve' }) },
      );
      await io.interrupted;
      await handle.stop();
    });
};
