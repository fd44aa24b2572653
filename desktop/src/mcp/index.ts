export { createMcpServer, mcpTools, type McpServerOptions } from './createMcpServer.js';
export type { McpTool } from './defineTool.js';
