import { describe, expect, it } from 'vitest';
import { ErrorCode, err, ok, type MethodName, type Result } from '@perpscope/shared';
import { createMcpServer } from '../../src/mcp/index.js';
import type { Host } from '../../src/host/index.js';
import { callTool, connectClient } from './mcpClient.js';

/** A host whose commands are scripted per method; it records what reached it. */
function scriptedHost(script: Partial<Record<MethodName, (params: unknown) => Promise<Result<unknown>>>>, calls: string[] = []): Host {
  const handle = (method: unknown, params: unknown) => {
    calls.push(String(method));
    const fn = script[method as MethodName];
    return fn ? fn(params) : Promise.resolve(err(ErrorCode.NotSupported, `${String(method)} not scripted`));
  };
  return { handle, call: handle as Host['call'], onEvent: () => () => undefined, close: () => undefined };
}

describe('MCP tool failures become isError results; the server keeps answering', () => {
  it('a host that throws gives INTERNAL with its message, not a broken call', async () => {
    const client = await connectClient(createMcpServer({ host: scriptedHost({ 'signals.list': () => Promise.reject(new Error('store went away')) }), config: { mcp: { allowLiveOrders: false } } }));
    const r = await callTool(client, 'signals');
    expect(r).toMatchObject({ isError: true, text: 'INTERNAL: store went away' });
    const again = await callTool(client, 'positions');
    expect(again.isError, 'the next call is answered').toBe(true);
    expect(again.text).toMatch(/^NOT_SUPPORTED: trading.status not scripted/);
    await client.close();
  });

  it('an order is refused when the session mode cannot be read, and never reaches orders.place', async () => {
    const calls: string[] = [];
    const host = scriptedHost({ 'trading.status': () => Promise.resolve(err(ErrorCode.ExchangeUnavailable, 'exchange down')), 'orders.place': () => Promise.resolve(ok({})) }, calls);
    const client = await connectClient(createMcpServer({ host, config: { mcp: { allowLiveOrders: true } } }));
    const r = await callTool(client, 'place_paper_order', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 50 });
    expect(r).toMatchObject({ isError: true, text: 'EXCHANGE_UNAVAILABLE: exchange down' });
    expect(calls, 'the gate read the mode and stopped there').toEqual(['trading.status']);
    await client.close();
  });

  it('bad arguments are refused before the host is asked anything', async () => {
    const calls: string[] = [];
    const client = await connectClient(createMcpServer({ host: scriptedHost({}, calls), config: { mcp: { allowLiveOrders: false } } }));
    const r = await callTool(client, 'close_position', { symbol: 42 });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('symbol: got 42, expected a string');
    expect(calls).toEqual([]);
    await client.close();
  });
});
