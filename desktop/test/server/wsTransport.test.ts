import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, createWebSocketTransport, ErrorCode, type ApiClient, type SignalView, type WebSocketLike } from '@perpscope/shared';
import { createHost } from '../../src/host/index.js';
import type { HostEngine, HostSecretStore } from '../../src/host/ports.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { bareEngine, rankingRow, snapshot } from '../support/fakes.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};
const never = <T>() => new Promise<T>(() => {});

let server: RunningServer | undefined;
let api: ApiClient | undefined;
afterEach(async () => {
  api?.close();
  await server?.close();
  api = undefined;
  server = undefined;
});

async function connect(engine: HostEngine, requestTimeoutMs = 10_000) {
  server = await startServer({ port: 0, token: 'tok', hostService: createHost({ engine, secrets: noSecrets }), rendererDir: '/nonexistent' });
  const transport = createWebSocketTransport({
    url: `${server.url.replace('http', 'ws')}/rpc?token=tok`,
    WebSocket: WebSocket as unknown as new (url: string) => WebSocketLike,
    requestTimeoutMs,
  });
  api = createApiClient(transport);
  return { api, server };
}

describe('createWebSocketTransport against the real server', () => {
  it('queues calls made while connecting, answers them, and delivers events', async () => {
    const engine = { ...bareEngine(), rankings: { latest: () => snapshot([rankingRow('BTC/USDT:USDT', 1)]) } };
    const { api } = await connect(engine);
    const res = await api.rankings.query({ limit: 5 });
    expect(res.ok && res.value.rows[0]?.symbol, 'answered').toBe('BTC/USDT:USDT');
    const bad = await api.call('symbol.inspect', { symbol: 'nope' });
    expect(!bad.ok && bad.error.code, 'host validation errors come back as Results').toBe(ErrorCode.InvalidInput);
    const got = new Promise((resolve) => api.on('signal', resolve));
    const signal: SignalView = {
      id: 's', symbol: 'BTC/USDT:USDT', timeframe: '1m', side: 'long', score: 1, probability: 0.6, expectedValue: null,
      tags: [], components: {}, entryPrice: null, stopPrice: null, targetPrices: [], createdAtMs: 1,
    };
    engine.emit({ event: 'signal', data: signal });
    expect(await got, 'event').toMatchObject({ id: 's' });
  });

  it('resolves a call in flight to NETWORK_ERROR when the connection drops', async () => {
    const { api, server } = await connect({ ...bareEngine(), health: { get: never } });
    await api.keys.list();
    const pending = api.health.get();
    await server.close();
    const res = await pending;
    expect(!res.ok && res.error.code, 'connection lost').toBe(ErrorCode.NetworkError);
  });

  it('resolves a call without reply to REQUEST_TIMEOUT', async () => {
    const { api } = await connect({ ...bareEngine(), health: { get: never } }, 200);
    const res = await api.health.get();
    expect(!res.ok && res.error.code).toBe(ErrorCode.RequestTimeout);
  });
});
