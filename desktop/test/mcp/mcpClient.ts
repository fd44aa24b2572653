import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** One tool call's answer, as a test reads it. */
export interface ToolReply<T = Record<string, unknown>> {
  isError: boolean;
  text: string;
  structured: T;
}

/** A real MCP client connected in-process to `server`. */
export async function connectClient(server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'perpscope-test', version: '0.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return client;
}

/** Calls a tool; the client checks `structuredContent` against the tool's listed output schema. */
export async function callTool<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolReply<T>> {
  const res = await client.callTool({ name, arguments: args });
  const content = Array.isArray(res.content) ? (res.content as { type: string; text?: string }[]) : [];
  return {
    isError: res.isError === true,
    text: content.map((c) => (c.type === 'text' ? (c.text ?? '') : '')).join('\n'),
    structured: (res.structuredContent ?? {}) as T,
  };
}
