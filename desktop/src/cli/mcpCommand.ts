import type { Logger } from '@perpscope/sdk';
import { createFileLogger, loadCliConfig, logFilePath, type CliExtension, type GlobalOptions } from '@perpscope/sdk/cli';
import type { EngineFactory } from '../host/runtime.js';

/**
 * Sends what libraries print with `console` to the log file: on stdio, stdout is the protocol and
 * one stray line corrupts it for the client, and stderr is kept for the errors that stop the
 * server from starting (the CLI writes those to the stream itself, not through `console`).
 */
function keepConsoleOffStdio(logger: Logger): void {
  const toLog =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      logger[level]({ console: args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ') }, 'console output');
  console.log = toLog('info');
  console.info = toLog('info');
  console.debug = toLog('debug');
  console.warn = toLog('warn');
  console.error = toLog('error');
}

/**
 * Adds `perpscope mcp` to the sdk's CLI: an MCP server on stdio over a headless engine, for AI
 * assistants (docs/mcp.md). Stdout carries only protocol messages; logs go to the log file and
 * stderr is used only when the server cannot start.
 */
export const mcpCommand: CliExtension = (program, io) => {
  program
    .command('mcp')
    .description('MCP server on stdio for AI assistants: rankings, symbols, signals, positions, backtests, paper orders')
    .option('--sim', 'run against an in-process SimExchange')
    .action(async (opts: { sim?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const { config, home } = loadCliConfig(global, io.env, opts.sim ? { exchange: 'sim' } : {});
      const logger = createFileLogger(logFilePath(home), config.logLevel).logger.child({ command: 'mcp' });
      keepConsoleOffStdio(logger);
      const sim = config.exchange === 'sim';
      // Loaded here, not at the top: the engine, the MCP SDK and the keychain cost every other command nothing.
      const [{ loadEngineFactory, loadSecretStore }, { runMcp }] = await Promise.all([import('../host/runtime.js'), import('../mcp/runMcp.js')]);
      const [factory, secrets] = await Promise.all([loadEngineFactory(`perpscope mcp${sim ? ' --sim' : ''}`), loadSecretStore()]);
      // The engine reads the same layers (and the same `--config` file) this command just validated.
      const createEngine: EngineFactory = (o) => factory({ ...o, ...(global.config !== undefined ? { configFile: global.config } : {}) });
      const mcp = await runMcp({ sim, home, config }, { createEngine, secrets, logger, input: process.stdin, output: process.stdout });
      const reason = await Promise.race([io.interrupted.then(() => 'signal'), mcp.closed.then(() => 'client closed')]);
      logger.info({ reason }, 'mcp shutting down');
      await mcp.stop();
      logger.info({}, 'mcp stopped');
    });
};
