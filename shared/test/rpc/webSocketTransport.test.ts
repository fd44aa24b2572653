import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createApiClient,
  createBridgeTransport,
  createWebSocketTransport,
  ErrorCode,
  type ConnectionState,
  type PerpscopeBridge,
  type RpcTransport,
  type WebSocketLike,
} from '@perpscope/shared';

/**
 * The connection state machine alone, driven by a scripted socket and vitest's fake clock: the
 * socket opens, closes or falls silent exactly when the test says. Traffic with a real host
 * over a real socket is covered in desktop/test/server/wsTransport.test.ts.
 */
class ScriptedSocket implements WebSocketLike {
  static all: ScriptedSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedByClient = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {
    ScriptedSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  /** Like the `ws` package: closing a socket that is still connecting is reported as an error. */
  close(): void {
    const wasConnecting = this.readyState === 0;
    this.closedByClient = true;
    this.readyState = 3;
    if (wasConnecting) {
      if (!this.onerror) throw new Error('unhandled error event: WebSocket was closed before the connection was established');
      this.onerror({});
    }
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  reply(index: number, value: unknown): void {
    const { id } = JSON.parse(this.sent[index]!) as { id: number };
    this.receive({ id, result: { ok: true, value } });
  }
}

const latest = () => ScriptedSocket.all[ScriptedSocket.all.length - 1]!;

function transport(extra: Partial<Parameters<typeof createWebSocketTransport>[0]> = {}): { t: RpcTransport; states: ConnectionState[] } {
  const t = createWebSocketTransport({ url: 'ws://host/rpc', WebSocket: ScriptedSocket, requestTimeoutMs: 20_000, staleAfterMs: 2_500, deadAfterMs: 10_000, random: () => 0, ...extra });
  const states: ConnectionState[] = [t.connection!.current().state];
  t.connection!.subscribe((s) => {
    if (states[states.length - 1] !== s.state) states.push(s.state);
  });
  return { t, states };
}

let open: RpcTransport[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  ScriptedSocket.all = [];
});
afterEach(() => {
  for (const t of open) t.close();
  open = [];
  vi.useRealTimers();
});

describe('createWebSocketTransport connection state', () => {
  it('queues requests while connecting and sends them once the socket opens', async () => {
    const { t, states } = transport();
    open.push(t);
    const reply = t.request('health.get', {});
    expect(latest().sent, 'nothing goes out before the socket opens').toEqual([]);
    latest().open();
    expect(states).toEqual(['connecting', 'connected']);
    expect(JSON.parse(latest().sent[0]!)).toMatchObject({ method: 'health.get' });
    latest().reply(0, { up: true });
    expect(await reply).toEqual({ ok: true, value: { up: true } });
  });

  it('turns stale after the heartbeat stops, and connected again on the next frame', () => {
    const { t, states } = transport();
    open.push(t);
    latest().open();
    vi.advanceTimersByTime(2_000);
    latest().receive({ heartbeat: 1 });
    vi.advanceTimersByTime(2_000);
    expect(t.connection!.current().state, 'heartbeats on time keep it connected').toBe('connected');
    vi.advanceTimersByTime(1_000);
    expect(t.connection!.current().state, 'over 2.5 s of silence').toBe('stale');
    expect(t.connection!.current().reason).toMatch(/no heartbeat from the host for \d/);
    latest().receive({ heartbeat: 2 });
    expect(states).toEqual(['connecting', 'connected', 'stale', 'connected']);
  });

  it('resolves every waiting request at once when the socket closes, not after the request timeout', async () => {
    const { t, states } = transport();
    open.push(t);
    latest().open();
    const sent = t.request('orders.place', { symbol: 'BTC/USDT:USDT' });
    latest().drop();
    const res = await sent;
    expect(!res.ok && res.error.code).toBe(ErrorCode.NetworkError);
    expect(!res.ok && res.error.message, 'the caller learns the order may have gone through').toMatch(/orders\.place.*may or may not have been applied/);
    expect(states).toEqual(['connecting', 'connected', 'disconnected']);
    const later = await t.request('health.get', {});
    expect(!later.ok && later.error.message, 'a request while disconnected fails at once').toMatch(/health\.get was not sent: not connected/);
  });

  it('reconnects with doubling backoff and keeps event listeners across sockets', () => {
    const { t, states } = transport({ maxReconnectDelayMs: 1_000 });
    open.push(t);
    const events: unknown[] = [];
    t.subscribe((event, data) => events.push([event, data]));
    latest().open();
    latest().drop();
    expect(t.connection!.current()).toMatchObject({ state: 'disconnected', reconnectAttempt: 1 });
    vi.advanceTimersByTime(249);
    expect(ScriptedSocket.all.length, 'waits out the first 250 ms').toBe(1);
    vi.advanceTimersByTime(1);
    expect(ScriptedSocket.all.length).toBe(2);
    latest().drop();
    expect(t.connection!.current().reconnectAttempt, 'a refused attempt counts').toBe(2);
    vi.advanceTimersByTime(499);
    expect(ScriptedSocket.all.length, 'then 500 ms').toBe(2);
    vi.advanceTimersByTime(1);
    latest().drop();
    vi.advanceTimersByTime(1_000);
    latest().drop();
    vi.advanceTimersByTime(999);
    expect(ScriptedSocket.all.length, 'capped at maxReconnectDelayMs').toBe(4);
    vi.advanceTimersByTime(1);
    latest().open();
    expect(t.connection!.current()).toMatchObject({ state: 'connected', reconnectAttempt: 0, reason: null });
    latest().receive({ event: 'alert', data: { id: 'a' } });
    expect(events, 'the listener registered on the first socket hears the fifth').toEqual([['alert', { id: 'a' }]]);
    expect(states).toEqual(['connecting', 'connected', 'disconnected', 'connected']);
  });

  it('gives a silent socket up after deadAfterMs, fails what waits on it, and opens a new one', async () => {
    const { t } = transport();
    open.push(t);
    latest().open();
    const first = latest();
    const pending = t.request('trading.status', {});
    vi.advanceTimersByTime(10_500);
    expect(first.closedByClient, 'the hung socket is closed by the client').toBe(true);
    const res = await pending;
    expect(!res.ok && res.error.message).toMatch(/no heartbeat from the host for 1\d s/);
    expect(t.connection!.current().state).toBe('disconnected');
    vi.advanceTimersByTime(250);
    expect(latest(), 'a new socket').not.toBe(first);
  });

  it('gives up a socket stuck connecting after deadAfterMs, fails what waits on it, and tries again', async () => {
    const { t, states } = transport();
    open.push(t);
    const first = latest();
    const waiting = t.request('health.get', {});
    vi.advanceTimersByTime(9_999);
    expect(t.connection!.current().state, 'still within the connect limit').toBe('connecting');
    vi.advanceTimersByTime(1);
    expect(first.closedByClient, 'the black-holed socket is closed by the client').toBe(true);
    const res = await waiting;
    expect(!res.ok && res.error.message, 'the queued request fails at the connect limit, not at the 20 s request timeout').toMatch(
      /health\.get was not sent: .*the host did not answer within 10 s/,
    );
    expect(t.connection!.current()).toMatchObject({ state: 'disconnected', reconnectAttempt: 1, reason: 'the host did not answer within 10 s' });
    vi.advanceTimersByTime(250);
    expect(ScriptedSocket.all.length, 'a new attempt after the backoff').toBe(2);
    latest().open();
    expect(states).toEqual(['connecting', 'disconnected', 'connected']);
  });

  it('stops the connect timer once the socket opens', () => {
    const { t } = transport();
    open.push(t);
    vi.advanceTimersByTime(9_000);
    latest().open();
    vi.advanceTimersByTime(2_000);
    latest().receive({ heartbeat: 1 });
    expect(latest().closedByClient, 'an open socket outlives the connect limit').toBe(false);
    expect(t.connection!.current().state).toBe('connected');
    expect(ScriptedSocket.all.length).toBe(1);
  });

  it('closing while connecting closes the socket without an unhandled error', () => {
    const { t, states } = transport();
    t.close();
    expect(latest().closedByClient).toBe(true);
    expect(states).toEqual(['connecting', 'closed']);
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.all.length, 'neither the connect timer nor a reconnect opens another').toBe(1);
  });

  it('shortens each reconnect delay by a random jitter of up to half, keeping the doubling', () => {
    const draws = [0.4, 1, 0.4];
    const { t } = transport({ random: () => draws.shift() ?? 0 });
    open.push(t);
    latest().open();
    const droppedAtMs = Date.now();
    latest().drop();
    expect(t.connection!.current().nextAttemptMs, '250 ms less 20 %').toBe(droppedAtMs + 200);
    vi.advanceTimersByTime(199);
    expect(ScriptedSocket.all.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(ScriptedSocket.all.length).toBe(2);
    latest().drop();
    vi.advanceTimersByTime(249);
    expect(ScriptedSocket.all.length, '500 ms less 50 %').toBe(2);
    vi.advanceTimersByTime(1);
    expect(ScriptedSocket.all.length).toBe(3);
    latest().drop();
    vi.advanceTimersByTime(799);
    expect(ScriptedSocket.all.length, '1000 ms less 20 %: the base kept doubling under the jitter').toBe(3);
    vi.advanceTimersByTime(1);
    expect(ScriptedSocket.all.length).toBe(4);
  });

  it('fails a first connection that is refused, and stops for good once closed', async () => {
    const { t, states } = transport();
    const waiting = t.request('health.get', {});
    latest().drop();
    const res = await waiting;
    expect(!res.ok && res.error.message).toMatch(/health\.get was not sent: .*did not accept the connection/);
    t.close();
    expect(states).toEqual(['connecting', 'disconnected', 'closed']);
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.all.length, 'no reconnect after close').toBe(1);
    const after = await t.request('health.get', {});
    expect(!after.ok && after.error.message).toBe('The RPC client is closed');
  });

  it('ignores frames it cannot read but counts them as signs of life', () => {
    const { t } = transport();
    open.push(t);
    latest().open();
    vi.advanceTimersByTime(2_000);
    latest().onmessage?.({ data: 'not json' });
    vi.advanceTimersByTime(2_000);
    expect(t.connection!.current().state).toBe('connected');
  });
});

describe('transports without a socket', () => {
  it('the Electron bridge and a plain transport are always connected', () => {
    const bridge = { onEvent: () => () => {} } as unknown as PerpscopeBridge;
    expect(createBridgeTransport(bridge).connection?.current().state).toBe('connected');
    const plain: RpcTransport = { request: () => Promise.resolve({ ok: true, value: null }), subscribe: () => () => {}, close: () => {} };
    const api = createApiClient(plain);
    expect(api.connection.current().state).toBe('connected');
    expect(typeof api.connection.subscribe(() => {})).toBe('function');
  });
});
