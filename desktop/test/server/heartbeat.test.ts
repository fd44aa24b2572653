import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { WireServerMessageSchema } from '@perpscope/shared';
import { startHeartbeat, type HeartbeatOptions } from '../../src/server/heartbeat.js';
import { until } from '../../../test/support/sim.js';

const INTERVAL_MS = 1_000;
const DEAD_PEER_MS = 5_000;
const T0 = Date.UTC(2025, 0, 1);

let wss: WebSocketServer | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await new Promise((r) => wss?.close(r) ?? r(undefined));
  wss = undefined;
});

/**
 * A heartbeat on a hand-driven clock: `tick()` runs one interval at the time `now` holds, so the
 * tests decide when time passes and how much, whatever the machine's load.
 */
interface Driven {
  now: number;
  tick(): void;
  /** False once the heartbeat stopped its interval. */
  running(): boolean;
}

/** A loopback server whose one socket gets a heartbeat; resolves with its URL, once a client connects with the server's socket. */
async function heartbeatServer(options: HeartbeatOptions): Promise<{ url: string; accepted: Promise<WebSocket> }> {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const accepted = new Promise<WebSocket>((resolve) =>
    wss!.once('connection', (socket) => {
      startHeartbeat(socket, options);
      resolve(socket);
    }),
  );
  await new Promise((r) => wss!.once('listening', r));
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return { url: `ws://127.0.0.1:${address.port}`, accepted };
}

/** Connects a client to a heartbeat on a driven clock; counts the beats it reads and the pongs the host gets. */
async function drivenPeer(clientOptions: WebSocket.ClientOptions = {}) {
  let tick: (() => void) | undefined;
  const driven: Driven = {
    now: T0,
    tick: () => tick!(),
    running: () => tick !== undefined,
  };
  const { url, accepted } = await heartbeatServer({
    intervalMs: INTERVAL_MS,
    deadPeerMs: DEAD_PEER_MS,
    nowMs: () => driven.now,
    every: (intervalMs, fn) => {
      expect(intervalMs).toBe(INTERVAL_MS);
      tick = fn;
      return () => (tick = undefined);
    },
  });
  const client = new WebSocket(url, clientOptions);
  clients.push(client);
  const beats: number[] = [];
  client.on('message', (d: Buffer) => {
    const msg = WireServerMessageSchema.parse(JSON.parse(d.toString()));
    if ('heartbeat' in msg) beats.push(msg.heartbeat);
  });
  const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
  const host = await accepted;
  await until('the client to open', () => (client.readyState === WebSocket.OPEN ? true : null), 10_000);
  let pongs = 0;
  host.on('pong', () => pongs++);
  return { driven, client, host, beats, closed, pongs: () => pongs };
}

describe('startHeartbeat', () => {
  it('sends heartbeat frames a client reads as signs of life, and keeps a peer that answers pings', async () => {
    const { driven, client, host, beats, pongs } = await drivenPeer();
    // Twenty intervals span four times deadPeerMs: a ponging peer outlives it.
    for (let i = 1; i <= 20; i++) {
      driven.now += INTERVAL_MS;
      driven.tick();
      await until(`beat and pong ${i}`, () => (beats.length >= i && pongs() >= i ? true : null), 10_000);
    }
    expect(host.readyState, 'still open').toBe(WebSocket.OPEN);
    expect(beats, 'one frame per interval, stamped with the host time').toEqual(Array.from({ length: 20 }, (_, i) => T0 + (i + 1) * INTERVAL_MS));
    client.close();
    await until('the heartbeat to stop with its socket', () => (driven.running() ? null : true), 10_000);
  });

  it('terminates a peer that stops answering pings, once deadPeerMs has passed', async () => {
    const { driven, host, beats, closed } = await drivenPeer({ autoPong: false });
    for (let i = 1; i * INTERVAL_MS <= DEAD_PEER_MS; i++) {
      driven.now += INTERVAL_MS;
      driven.tick();
      expect(host.readyState, `kept at ${i * INTERVAL_MS} ms of silence`).toBe(WebSocket.OPEN);
      await until(`beat ${i}`, () => (beats.length >= i ? true : null), 10_000);
    }
    driven.now += INTERVAL_MS;
    driven.tick();
    expect(await closed, 'terminated: the socket drops without a close frame').toBe(1006);
  });

  it('keeps a peer whose pong was queued while the host stalled', async () => {
    const { driven, host, beats, pongs } = await drivenPeer();
    driven.now += INTERVAL_MS;
    driven.tick();
    // The host stalls for far longer than deadPeerMs; the next interval runs before the event loop
    // gets to the pong the peer sent meanwhile.
    driven.now += 12 * DEAD_PEER_MS;
    driven.tick();
    expect(host.readyState, 'the stall is the host’s: the peer is kept').toBe(WebSocket.OPEN);
    await until('both beats and both pongs', () => (beats.length >= 2 && pongs() >= 2 ? true : null), 10_000);
    expect(beats).toEqual([T0 + INTERVAL_MS, T0 + INTERVAL_MS + 12 * DEAD_PEER_MS]);
    for (let i = 3; i <= 10; i++) {
      driven.now += INTERVAL_MS;
      driven.tick();
      await until(`beat and pong ${i}`, () => (beats.length >= i && pongs() >= i ? true : null), 10_000);
    }
    expect(host.readyState, 'and it goes on after the stall').toBe(WebSocket.OPEN);
  });

  it('after a stall, still terminates a peer that does not answer within deadPeerMs', async () => {
    const { driven, host, beats, closed } = await drivenPeer({ autoPong: false });
    driven.now += 12 * DEAD_PEER_MS;
    driven.tick();
    expect(host.readyState, 'the stall gives the peer a fresh deadPeerMs').toBe(WebSocket.OPEN);
    await until('the beat after the stall', () => (beats.length >= 1 ? true : null), 10_000);
    for (let i = 1; i * INTERVAL_MS <= DEAD_PEER_MS; i++) {
      driven.now += INTERVAL_MS;
      driven.tick();
      expect(host.readyState, `kept at ${i * INTERVAL_MS} ms after the stall`).toBe(WebSocket.OPEN);
    }
    driven.now += INTERVAL_MS;
    driven.tick();
    expect(await closed, 'terminated once the fresh deadPeerMs ran out').toBe(1006);
  });

  it('runs on the wall clock by default', async () => {
    // deadPeerMs far above any test run: this checks the schedule, not how fast the machine is.
    const { url } = await heartbeatServer({ intervalMs: 20, deadPeerMs: 600_000 });
    const client = new WebSocket(url);
    clients.push(client);
    const beats: number[] = [];
    client.on('message', (d: Buffer) => {
      const msg = WireServerMessageSchema.parse(JSON.parse(d.toString()));
      if ('heartbeat' in msg) beats.push(msg.heartbeat);
    });
    await until('three heartbeats', () => (beats.length >= 3 ? true : null), 20_000);
    expect(client.readyState, 'still open').toBe(WebSocket.OPEN);
    expect([...beats].sort((a, b) => a - b), 'host times, in order').toEqual(beats);
  });
});
