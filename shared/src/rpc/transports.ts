import { ErrorCode } from '../errorCodes.js';
import type { ApiNamespaces, RpcTransport } from './client.js';
import { isEventName, type EventName } from './events.js';
import type { MethodName } from './methods.js';
import { err, type Result } from './result.js';
import { RPC_WS_PATH, WireServerMessageSchema, type WireRequest } from './wire.js';

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
  /** Reconnect backoff ceiling; the delay doubles from 250 ms up to this. */
  maxReconnectDelayMs?: number;
}

const OPEN = 1;

/** The RPC socket URL of the page's own origin (the token travels in the page's cookie). */
export function rpcWebSocketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${RPC_WS_PATH}`;
}

/**
 * RPC over one WebSocket, reconnecting with backoff. Requests made while the socket is down wait
 * for it; requests in flight when it drops resolve to NETWORK_ERROR, because the host may or may
 * not have run them and the caller must decide (orders are never resent blindly).
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): RpcTransport {
  const Ctor = options.WebSocket ?? (globalThis as unknown as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new Error('No WebSocket implementation: pass options.WebSocket (e.g. the ws package)');
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const maxDelayMs = options.maxReconnectDelayMs ?? 5_000;

  const pending = new Map<number, { resolve: (r: Result<unknown>) => void; timer: ReturnType<typeof setTimeout>; sent: boolean; frame: string }>();
  const listeners = new Set<(event: EventName, data: unknown) => void>();
  let nextId = 1;
  let socket: WebSocketLike | null = null;
  let closed = false;
  let delayMs = 250;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

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

  const connect = () => {
    const ws = new Ctor(options.url);
    socket = ws;
    ws.onopen = () => {
      delayMs = 250;
      flush();
    };
    ws.onmessage = (ev) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const msg = WireServerMessageSchema.safeParse(parsed);
      if (!msg.success) return;
      if ('event' in msg.data) {
        const { event, data } = msg.data;
        if (isEventName(event)) for (const fn of [...listeners]) fn(event, data);
      } else if (typeof msg.data.id === 'number') {
        settle(msg.data.id, msg.data.result as Result<unknown>);
      }
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      if (socket === ws) socket = null;
      for (const [id, entry] of [...pending]) {
        if (entry.sent) settle(id, err(ErrorCode.NetworkError, 'Connection to the Perpscope host was lost before it replied'));
      }
      if (closed) return;
      reconnectTimer = setTimeout(connect, delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    };
  };
  connect();

  return {
    request(method: MethodName, params: unknown) {
      if (closed) return Promise.resolve(err(ErrorCode.NetworkError, 'The RPC client is closed'));
      const id = nextId++;
      const request: WireRequest = { id, method, params };
      return new Promise<Result<unknown>>((resolve) => {
        const timer = setTimeout(
          () => settle(id, err(ErrorCode.RequestTimeout, `No reply to ${method} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        pending.set(id, { resolve, timer, sent: false, frame: JSON.stringify(request) });
        flush();
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      for (const id of [...pending.keys()]) settle(id, err(ErrorCode.NetworkError, 'The RPC client is closed'));
      socket?.close();
      socket = null;
    },
  };
}

/** Name of the object the Electron preload exposes on `window`. */
export const BRIDGE_GLOBAL = 'perpscope';

/**
 * What the Electron preload exposes as `window.perpscope`: one named verb per command
 * (`perpscope.orders.place(params)`) plus an event subscription. No generic invoke.
 */
export type PerpscopeBridge = ApiNamespaces & {
  onEvent(listener: (event: EventName, data: unknown) => void): () => void;
};

/** RPC over the Electron preload bridge. */
export function createBridgeTransport(bridge: PerpscopeBridge): RpcTransport {
  const unsubscribers = new Set<() => void>();
  return {
    request(method, params) {
      const [ns, verb] = method.split('.') as [string, string];
      const group = (bridge as unknown as Record<string, Record<string, (p: unknown) => Promise<Result<unknown>>> | undefined>)[ns];
      const fn = group?.[verb];
      if (!fn) return Promise.resolve(err(ErrorCode.NotSupported, `The desktop bridge has no verb for ${method}`));
      return fn(params).catch((e: unknown) => err(ErrorCode.Internal, e instanceof Error ? e.message : String(e)));
    },
    subscribe(listener) {
      const off = bridge.onEvent(listener);
      unsubscribers.add(off);
      return () => {
        unsubscribers.delete(off);
        off();
      };
    },
    close() {
      for (const off of unsubscribers) off();
      unsubscribers.clear();
    },
  };
}
