import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { silentLogger, type Logger, type PerpscopeConfig } from '@perpscope/sdk';
import type { Host } from '../host/host.js';
import { backtestTools } from './backtestTools.js';
import type { McpTool } from './defineTool.js';
import { marketTools } from './marketTools.js';
import { tradingTools } from './tradingTools.js';

export interface McpServerOptions {
  /** Every tool runs through it: the same validation, handlers and RiskPolicy as the app. */
  host: Host;
  /** Only the `mcp` section is read. */
  config: Pick<PerpscopeConfig, 'mcp'>;
  /** Each tool call is logged with its name and outcome; arguments are not logged. */
  logger?: Logger;
  /** Reported to clients as the server's version. */
  version?: string;
}

/** Every tool the server offers, in the order clients list them. */
export function mcpTools(host: Host, config: Pick<PerpscopeConfig, 'mcp'>): McpTool[] {
  return [...marketTools(host), ...tradingTools(host, { allowLiveOrders: config.mcp.allowLiveOrders }), ...backtestTools(host)];
}

/**
 * An MCP server exposing Perpscope to AI assistants: rankings, symbol explanations, signals,
 * positions and backtest results, plus paper orders. It holds no engine of its own; the caller
 * connects it to a transport (stdio for `perpscope mcp`, in-memory in tests) and owns the host.
 *
 * @example
 * const server = createMcpServer({ host, config });
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const logger = options.logger ?? silentLogger;
  const server = new McpServer({ name: 'perpscope', version: options.version ?? '0.1.0' });
  for (const tool of mcpTools(options.host, options.config)) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema, annotations: tool.annotations },
      (args) => tool.call(args, logger),
    );
  }
  return server;
}
