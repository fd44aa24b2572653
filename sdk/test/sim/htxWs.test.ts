import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { htxSign, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

const KEY = { apiKey: 'htx-ws-key', secret: 'htx-ws-secret', password: '' };

/** A raw socket on the sim that gunzips every frame and hands out the messages in order. */
async function open(sim: SimExchange, path: string): Promise<{ ws: WebSocket; send: (msg: unknown) => void; next: (match: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>; frames: () => number }> {
  const ws = new WebSocket(`${sim.url.replace(/^http/, 'ws')}${path}`);
  const seen: Record<string, unknown>[] = [];
  const waiters: { match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  let frames = 0;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    // Every HTX frame is binary gzip; a text frame would fail to gunzip and fail the test.
    expect(isBinary).toBe(true);
    frames++;
    const msg = JSON.parse(gunzipSync(data).toString()) as Record<string, unknown>;
    const i = waiters.findIndex((w) => w.match(msg));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
    else seen.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    send: (msg) => ws.send(JSON.stringify(msg)),
    next: (match) => {
      const i = seen.findIndex(match);
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    frames: () => frames,
  };
}

/** The `op: auth` message ccxt sends, signed over `path` with `secret`. */
function auth(sim: SimExchange, signedPath: string, secret: string, stampMs = Date.now()): Record<string, string> {
  const params: Record<string, string> = { AccessKeyId: KEY.apiKey, SignatureMethod: 'HmacSHA256', SignatureVersion: '2', Timestamp: new Date(stampMs).toISOString().slice(0, 19) };
  const sorted = Object.keys(params)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(params[k]!)}`)
    .join('&');
  return { op: 'auth', type: 'api', ...params, Signature: htxSign(secret, 'GET', new URL(sim.url).host, signedPath, sorted) };
}

describe('SimExchange htx websockets: the wire protocol', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'htx', symbols: 4, seed: 3, startTimeMs: SIM_START_MS, pushIntervalMs: 100, apiKey: KEY });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('public: gzip frames, a sub acknowledged by id, an unknown topic refused, and the server pings every 5 s; answered pings keep the socket open', async () => {
    const c = await open(sim, '/linear-swap-ws');
    try {
      c.send({ sub: 'market.ETH-USDT.depth.size_20.high_freq', id: '7', data_type: 'incremental' });
      expect(await c.next((m) => m.id === '7')).toMatchObject({ id: '7', status: 'ok', subbed: 'market.ETH-USDT.depth.size_20.high_freq' });
      const snap = await c.next((m) => m.ch === 'market.ETH-USDT.depth.size_20.high_freq');
      const tick = snap.tick as { event: string; version: number; bids: number[][]; asks: number[][] };
      expect(tick.event).toBe('snapshot');
      expect(tick.bids.length).toBe(20);
      expect(tick.bids[0]![0]!).toBeLessThan(tick.asks[0]![0]!);
      const update = await c.next((m) => (m.tick as { event?: string } | undefined)?.event === 'update');
      expect((update.tick as { version: number }).version, 'each update follows the version before it').toBe(tick.version + 1);

      c.send({ sub: 'market.ETH-USDT.depth.size_400.high_freq', id: '8', data_type: 'incremental' });
      expect(await c.next((m) => m.id === '8')).toMatchObject({ status: 'error', 'err-code': 'bad-request' });
      c.send({ sub: 'market.NOPE-USDT.trade.detail', id: '9' });
      expect(await c.next((m) => m.id === '9')).toMatchObject({ status: 'error', 'err-code': 'bad-request' });

      // HTX's heartbeat: the server's `{ ping }` every 5 s (the wait is the venue's period, not a sleep).
      const ping = await c.next((m) => typeof m.ping === 'number');
      c.send({ pong: ping.ping });
      const again = await c.next((m) => typeof m.ping === 'number' && m.ping !== ping.ping);
      c.send({ pong: again.ping });
      expect(c.ws.readyState, 'an answered ping keeps the socket open').toBe(WebSocket.OPEN);
    } finally {
      c.ws.close();
    }
  }, 30_000);

  it('private: a sub before auth is refused (2002), a wrong secret fails auth (2003), a signed auth lets orders be followed', async () => {
    const c = await open(sim, '/ws/v5/notification');
    try {
      c.send({ op: 'sub', topic: 'orders', cid: '1', contract_code: '*' });
      expect(await c.next((m) => m.cid === '1')).toMatchObject({ op: 'sub', topic: 'orders', 'err-code': 2002 });
      c.send({ ...auth(sim, '/ws/v5/notification', 'wrong'), cid: '2' });
      expect(await c.next((m) => m.op === 'auth')).toMatchObject({ 'err-code': 2003 });
      c.send({ op: 'sub', topic: 'orders', cid: '3', contract_code: '*' });
      expect(await c.next((m) => m.cid === '3')).toMatchObject({ 'err-code': 2002 });
      expect(sim.privateSubscriptions('orders')).toBe(0);

      const stale = auth(sim, '/ws/v5/notification', KEY.secret, Date.now() - 10 * 60_000);
      c.send(stale);
      expect(await c.next((m) => m.op === 'auth'), 'a timestamp 10 minutes old').toMatchObject({ 'err-code': 2003 });

      c.send(auth(sim, '/ws/v5/notification', KEY.secret));
      expect(await c.next((m) => m.op === 'auth')).toMatchObject({ op: 'auth', 'err-code': 0 });
      c.send({ op: 'sub', topic: 'positions', cid: '4', contract_code: '*' });
      expect(await c.next((m) => m.cid === '4')).toMatchObject({ 'err-code': 2010 });
      c.send({ op: 'sub', topic: 'orders', cid: '5', contract_code: 'NOPE-USDT' });
      expect(await c.next((m) => m.cid === '5')).toMatchObject({ 'err-code': 2011 });
      c.send({ op: 'sub', topic: 'orders', cid: '6' });
      expect(await c.next((m) => m.cid === '6')).toMatchObject({ 'err-code': 2040 });
      c.send({ op: 'sub', topic: 'orders', cid: '7', contract_code: 'ETH-USDT' });
      expect(await c.next((m) => m.cid === '7')).toMatchObject({ op: 'sub', topic: 'orders', 'err-code': 0 });
      expect(sim.privateSubscriptions('orders')).toBe(1);

      // The private heartbeat is `{ op: "ping", ts }`, answered `{ op: "pong", ts }`.
      const ping = await c.next((m) => m.op === 'ping');
      c.send({ op: 'pong', ts: ping.ts });
      expect(c.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      c.ws.close();
    }
  }, 30_000);

  it('dropWebsockets closes public and private sockets alike', async () => {
    const pub = await open(sim, '/linear-swap-ws');
    const priv = await open(sim, '/ws/v5/notification');
    const closed = (ws: WebSocket): Promise<void> => new Promise((resolve) => ws.once('close', () => resolve()));
    const both = Promise.all([closed(pub.ws), closed(priv.ws)]);
    sim.faults.dropWebsockets();
    await both;
    expect([pub.ws.readyState, priv.ws.readyState]).toEqual([WebSocket.CLOSED, WebSocket.CLOSED]);
  });
});
