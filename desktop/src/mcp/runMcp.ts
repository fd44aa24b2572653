import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger, PerpscopeConfig } from '@perpscope/sdk';
import { createHost } from '../host/host.js';
import type { HostSecretStore } from '../host/ports.js';
import type { EngineFactory } from '../host/runtime.js';
import { createMcpServer } from './createMcpServer.js';

export interface McpRunOptions {
  sim: boolean;
  /** Config and data directory, already resolved by the caller. */
  home: string;
  config: Pick<PerpscopeConfig, 'mcp'>;
}

export interface McpRunDeps {
  createEngine: EngineFactory;
  secrets: HostSecretStore;
  logger: Logger;
  /** Protocol in (the client's requests) and out; nothing else may be written to `output`. */
  input: Readable;
  output: Writable;
}

export interface McpHandle {
  /** Resolves when the client has gone: its end of the pipe closed. */
  closed: Promise<void>;
  /** Closes the server, then stops the engine (and with it the store). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * `perpscope mcp`: builds the engine and the host, answers MCP over `input`/`output`, then starts
 * the engine. The protocol is served while the engine warms up, so a client's handshake and tool
 * list do not wait for the backfill; tools answer from whatever the engine has so far.
 *
 * @example
 * const mcp = await runMcp({ sim: true, home, config }, { createEngine, secrets, logger, input: process.stdin, output: process.stdout });
 * await mcp.closed;
 * await mcp.stop();
 */
export async function runMcp(options: McpRunOptions, deps: McpRunDeps): Promise<McpHandle> {
  const { logger } = deps;
  const runtime = await deps.createEngine({ home: options.home, sim: options.sim, logger });
  const host = createHost({ engine: runtime.engine, secrets: deps.secrets, logger, ...(runtime.store ? { store: runtime.store } : {}) });
  const server = createMcpServer({ host, config: options.config, logger });

  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  deps.input.once('end', () => markClosed());
  deps.input.once('close', () => markClosed());
  // A client that exits mid-reply leaves a broken pipe; that is the client leaving, not a crash.
  deps.output.on('error', (e) => {
    logger.warn({ error: e.message }, 'mcp output closed');
    markClosed();
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      try {
        await server.close();
      } finally {
        host.close();
        await runtime.stop();
      }
    })());

  try {
    const transport = new StdioServerTransport(deps.input, deps.output);
    transport.onerror = (e) => logger.warn({ error: e.message }, 'mcp transport error');
    await server.connect(transport);
    logger.info({ home: options.home, sim: options.sim, allowLiveOrders: options.config.mcp.allowLiveOrders }, 'mcp server listening on stdio');
    await runtime.start();
    logger.info({}, 'mcp engine started');
  } catch (e) {
    await stop();
    throw e;
  }
  return { closed, stop };
}
