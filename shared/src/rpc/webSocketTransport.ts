import { ErrorCode } from '../errorCodes.js';
import type { RpcTransport } from './client.js';
import type { ConnectionSource, ConnectionStatus } from './connection.js';
import { isEventName, type EventName } from './events.js';
import type { MethodName } from './methods.js';
import { err, type Result } from './result.js';
import { DEAD_AFTER_MS, RPC_WS_PATH, STALE_AFTER_MS, WireServerMessageSchema, type WireRequest } from './wire.js';

/** The subset of the WebSocket API the transport uses; browsers' and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface WebSocketTransportOptions {
  /** `ws://127.0.0.1:PORT/rpc`; in a page served by `perpscope serve`, `rpcWebSocketUrl(location)`. */
  url: string;
  /** Defaults to the global WebSocket. Node scripts pass the `ws` package's class. */
  WebSocket?: new (url: string) => WebSocketLike;
  /** A request without a reply after this long resolves to REQUEST_TIMEOUT. */
  requestTimeoutMs?: number;
  /** Reconnect backoff ceiling; the delay doubles from 250 ms up to this, less a random jitter of up to half. */
  maxReconnectDelayMs?: number;
  /** Host silence (no reply, event or heartbeat) after which the link shows as stale. */
  staleAfterMs?: number;
  /**
   * Host silence after which the socket is given up and a new one opened; also how long a socket
   * may stay connecting (a black-holed host never refuses, so only a timer ends the attempt).
   */
  deadAfterMs?: number;
  /** Uniform in [0, 1); spreads the reconnects of many clients after a host restart. Defaults to Math.random. */
  random?: () => number;
}

const OPEN = 1;
const FIRST_RECONNECT_DELAY_MS = 250;

/** The RPC socket URL of the page's own origin (the token travels in the page's cookie). */
export function rpcWebSocketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${RPC_WS_PATH}`;
}

interface Pending {
  resolve: (r: Result<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
  sent: boolean;
  frame: string;
  method: MethodName;
}

/**
 * RPC over one WebSocket whose connection state comes from the socket itself: the host sends a
 * heartbeat every second, silence turns the link `stale`, long silence or a closed socket turns
 * it `disconnected` and a new socket is opened with backoff. Listeners survive reconnects (the
 * host pushes events to every open socket, so a new socket is subscribed as soon as it opens).
 *
 * Requests made before the first socket opens wait for it. When a socket is lost, every request
 * still waiting resolves at once to NETWORK_ERROR (one already sent may or may not have run on
 * the host, so the caller decides; orders are never resent), and requests made while
 * disconnected fail at once instead of waiting out the request timeout.
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): RpcTransport {
  const Found = options.WebSocket ?? (globalThis as unknown as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!Found) throw new Error('No WebSocket implementation: pass options.WebSocket (e.g. the ws package)');
  const Ctor = Found;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const maxDelayMs = options.maxReconnectDelayMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  const deadAfterMs = Math.max(options.deadAfterMs ?? DEAD_AFTER_MS, staleAfterMs);
  // Checks often enough that the stale state shows well within a heartbeat of the limit.
  const watchEveryMs = Math.max(50, Math.min(500, Math.floor(staleAfterMs / 4)));
  const random = options.random ?? Math.random;

  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: EventName, data: unknown) => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  let status: ConnectionStatus = { state: 'connecting', sinceMs: Date.now(), reconnectAttempt: 0, nextAttemptMs: null, reason: null };
  let nextId = 1;
  let socket: WebSocketLike | null = null;
  let lastFrameMs = 0;
  let delayMs = FIRST_RECONNECT_DELAY_MS;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let watchdog: ReturnType<typeof setInterval> | null = null;
  let connectTimer: ReturnType<typeof setTimeout> | null = null;

  const setStatus = (next: Omit<ConnectionStatus, 'sinceMs'>) => {
    const same = next.state === status.state && next.reconnectAttempt === status.reconnectAttempt && next.reason === status.reason && next.nextAttemptMs === status.nextAttemptMs;
    if (same) return;
    status = { ...next, sinceMs: next.state === status.state ? status.sinceMs : Date.now() };
    for (const fn of [...statusListeners]) fn(status);
  };

  const settle = (id: number, result: Result<unknown>) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(result);
  };

  const flush = () => {
    if (!socket || socket.readyState !== OPEN) return;
    for (const entry of pending.values()) {
      if (entry.sent) continue;
      entry.sent = true;
      socket.send(entry.frame);
    }
  };

  const stopWatchdog = () => {
    if (watchdog) clearInterval(watchdog);
    watchdog = null;
  };

  const stopConnectTimer = () => {
    if (connectTimer) clearTimeout(connectTimer);
    connectTimer = null;
  };

  /**
   * Closes a socket this transport no longer listens to. The error handler stays: the `ws`
   * package reports closing a still-connecting socket as an 'error' event, which crashes the
   * process when nobody listens.
   */
  const discard = (ws: WebSocketLike) => {
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => {};
    ws.close();
  };

  /** No socket: fail everything waiting and, unless closed, schedule the next try. */
  const down = (reason: string) => {
    socket = null;
    stopWatchdog();
    stopConnectTimer();
    for (const [id, entry] of [...pending]) {
      settle(
        id,
        err(
          ErrorCode.NetworkError,
          entry.sent
            ? `Connection to the Perpscope host was lost before it replied to ${entry.method} (${reason}); it may or may not have been applied`
            : `${entry.method} was not sent: the connection to the Perpscope host is down (${reason})`,
        ),
      );
    }
    if (status.state === 'closed') return;
    const attempt = status.state === 'connected' || status.state === 'stale' ? 1 : status.reconnectAttempt + 1;
    const waitMs = Math.round(delayMs * (1 - random() / 2));
    reconnectTimer = setTimeout(connect, waitMs);
    setStatus({ state: 'disconnected', reconnectAttempt: attempt, nextAttemptMs: Date.now() + waitMs, reason });
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  };

  const lost = (ws: WebSocketLike, reason: string) => {
    if (socket !== ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    down(reason);
  };

  const watch = (ws: WebSocketLike) => {
    stopWatchdog();
    watchdog = setInterval(() => {
      const silentMs = Date.now() - lastFrameMs;
      if (silentMs > deadAfterMs) {
        // A hung host may never finish the close handshake: drop the socket without waiting.
        lost(ws, `no heartbeat from the host for ${Math.round(silentMs / 1000)} s`);
        discard(ws);
      } else if (silentMs > staleAfterMs && status.state === 'connected') {
        setStatus({ state: 'stale', reconnectAttempt: 0, nextAttemptMs: null, reason: `no heartbeat from the host for ${(silentMs / 1000).toFixed(1)} s` });
      }
    }, watchEveryMs);
  };

  const onFrame = (raw: unknown) => {
    lastFrameMs = Date.now();
    if (status.state === 'stale') setStatus({ state: 'connected', reconnectAttempt: 0, nextAttemptMs: null, reason: null });
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(raw));
    } catch {
      return;
    }
    const msg = WireServerMessageSchema.safeParse(parsed);
    if (!msg.success || 'heartbeat' in msg.data) return;
    if ('event' in msg.data) {
      const { event, data } = msg.data;
      if (isEventName(event)) for (const fn of [...listeners]) fn(event, data);
    } else if (typeof msg.data.id === 'number') {
      settle(msg.data.id, msg.data.result as Result<unknown>);
    }
  };

  function connect(): void {
    reconnectTimer = null;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(options.url);
    } catch (e) {
      down(e instanceof Error ? e.message : String(e));
      return;
    }
    socket = ws;
    connectTimer = setTimeout(() => {
      lost(ws, `the host did not answer within ${Math.round(deadAfterMs / 1000)} s`);
      discard(ws);
    }, deadAfterMs);
    ws.onopen = () => {
      stopConnectTimer();
      delayMs = FIRST_RECONNECT_DELAY_MS;
      lastFrameMs = Date.now();
      setStatus({ state: 'connected', reconnectAttempt: 0, nextAttemptMs: null, reason: null });
      watch(ws);
      flush();
    };
    ws.onmessage = (ev) => onFrame(ev.data);
    ws.onerror = () => {};
    ws.onclose = () => lost(ws, status.state === 'connecting' || status.state === 'disconnected' ? 'the host did not accept the connection' : 'the host closed the connection');
  }
  connect();

  const connection: ConnectionSource = {
    current: () => status,
    subscribe(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };

  return {
    connection,
    request(method: MethodName, params: unknown) {
      if (status.state === 'closed') return Promise.resolve(err(ErrorCode.NetworkError, 'The RPC client is closed'));
      if (status.state === 'disconnected') {
        return Promise.resolve(err(ErrorCode.NetworkError, `${method} was not sent: not connected to the Perpscope host (${status.reason ?? 'reconnecting'}); reconnecting`));
      }
      const id = nextId++;
      const request: WireRequest = { id, method, params };
      return new Promise<Result<unknown>>((resolve) => {
        const timer = setTimeout(
          () => settle(id, err(ErrorCode.RequestTimeout, `No reply to ${method} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        pending.set(id, { resolve, timer, sent: false, frame: JSON.stringify(request), method });
        flush();
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (status.state === 'closed') return;
      setStatus({ state: 'closed', reconnectAttempt: 0, nextAttemptMs: null, reason: 'the client was closed' });
      if (reconnectTimer) clearTimeout(reconnectTimer);
      stopWatchdog();
      stopConnectTimer();
      for (const id of [...pending.keys()]) settle(id, err(ErrorCode.NetworkError, 'The RPC client is closed'));
      const ws = socket;
      socket = null;
      if (ws) discard(ws);
    },
  };
}
