import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, createWebSocketTransport, ErrorCode, type ApiClient, type SignalView, type WebSocketLike } from '@perpscope/shared';
import { createHost } from '../../src/host/index.js';
import type { HostEngine, HostSecretStore } from '../../src/host/ports.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { until } from '../../../test/support/sim.js';
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
  return { api, server, transport };
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

  it('shows the link from the socket: disconnected when the server goes, connected again with listeners intact when it returns', async () => {
    const engine = bareEngine();
    const first = await connect(engine);
    const transport = first.transport;
    await api!.keys.list();
    const states: string[] = [];
    transport.connection!.subscribe((s) => states.push(s.state));
    const port = first.server.port;
    const got: string[] = [];
    api!.on('alert', (a) => got.push(a.id));

    await first.server.close();
    await until('the transport to see the socket close', () => (transport.connection!.current().state === 'disconnected' ? true : null), 10_000);
    const refused = await api!.keys.list();
    expect(!refused.ok && refused.error.code, 'a call while disconnected fails at once').toBe(ErrorCode.NetworkError);

    server = await startServer({ port, token: 'tok', hostService: createHost({ engine, secrets: noSecrets }), rendererDir: '/nonexistent' });
    await until('the transport to reconnect by itself', () => (transport.connection!.current().state === 'connected' ? true : null), 20_000);
    engine.emit({ event: 'alert', data: { id: 'after', level: 'info', kind: 'test', message: 'm', symbol: null, atMs: 1 } });
    await until('the event to reach the listener registered before the drop', () => (got.includes('after') ? true : null), 10_000);
    // A loaded machine may let a heartbeat run late: 'stale' (and the 'connected' that ends it) can
    // come before the drop or after the return; what matters is what lies between them.
    const link = states.filter((s) => s !== 'stale');
    const drop = link.indexOf('disconnected');
    expect(drop, 'the UI was told of the drop').toBeGreaterThanOrEqual(0);
    expect(link.slice(0, drop).every((s) => s === 'connected'), 'and of nothing else before it').toBe(true);
    const back = link.indexOf('connected', drop);
    expect(back, 'and of the return').toBeGreaterThan(drop);
    expect(link.slice(drop, back).every((s) => s === 'disconnected'), 'with only retries between').toBe(true);
    expect(link.lastIndexOf('disconnected'), 'once: no drop after the return').toBeLessThan(back);
    expect(link.slice(back).every((s) => s === 'connected'), 'which lasts to the end').toBe(true);
  });

  it('receives the host heartbeat, so a quiet host is not taken for a dead one', async () => {
    const { transport } = await connect(bareEngine());
    await api!.keys.list();
    const frames: string[] = [];
    const raw = new WebSocket(`${server!.url.replace('http', 'ws')}/rpc?token=tok`);
    raw.on('message', (d: Buffer) => frames.push(d.toString()));
    await until('a heartbeat frame', () => (frames.some((f) => /^\{"heartbeat":\d+\}$/.test(f)) ? true : null), 10_000);
    raw.close();
    expect(transport.connection!.current().state).toBe('connected');
  });

  it('resolves a call without reply to REQUEST_TIMEOUT', async () => {
    const { api } = await connect({ ...bareEngine(), health: { get: never } }, 200);
    const res = await api.health.get();
    expect(!res.ok && res.error.code).toBe(ErrorCode.RequestTimeout);
  });
});
