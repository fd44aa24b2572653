import { alwaysConnected, type ConnectionSource } from './connection.js';
import type { EventData, EventName } from './events.js';
import { METHOD_NAMES, type MethodArgs, type MethodName, type MethodOutput } from './methods.js';
import type { Result } from './result.js';

/** Moves requests and events between a client and the host (WebSocket, Electron bridge, in-process). */
export interface RpcTransport {
  /** Resolves with the host's reply; transport failures resolve to an error Result, never reject. */
  request(method: MethodName, params: unknown): Promise<Result<unknown>>;
  /** Receives every host event; returns an unsubscribe function. */
  subscribe(listener: (event: EventName, data: unknown) => void): () => void;
  close(): void;
  /** The link as the transport observes it; a transport without one is always connected. */
  readonly connection?: ConnectionSource;
}

type Namespace<M extends string> = M extends `${infer NS}.${string}` ? NS : never;
type Verb<M extends string, NS extends string> = M extends `${NS}.${infer V}` ? V : never;

/** `api.rankings.query(params)` style access, one property per command namespace. */
export type ApiNamespaces = {
  [NS in Namespace<MethodName>]: {
    [V in Verb<MethodName, NS>]: `${NS}.${V}` extends infer M extends MethodName
      ? (...args: MethodArgs<M>) => Promise<Result<MethodOutput<M>>>
      : never;
  };
};

export type ApiClient = ApiNamespaces & {
  call<M extends MethodName>(method: M, ...args: MethodArgs<M>): Promise<Result<MethodOutput<M>>>;
  /** Listens to one event; returns an unsubscribe function. */
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void;
  /** The transport's link state: connecting, connected, stale, disconnected or closed. */
  connection: ConnectionSource;
  close(): void;
};

/**
 * The renderer's only way to talk to the host. Transport-agnostic: the same client runs over the
 * Electron preload bridge or the server-mode WebSocket.
 *
 * @example
 * const api = createApiClient(createWebSocketTransport({ url: rpcWebSocketUrl(location) }));
 * const res = await api.rankings.query({ limit: 50 });
 * if (res.ok) show(res.value.rows); else toast(res.error.message);
 */
export function createApiClient(transport: RpcTransport): ApiClient {
  const listeners = new Map<EventName, Set<(data: unknown) => void>>();
  const unsubscribe = transport.subscribe((event, data) => {
    const set = listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) fn(data);
  });

  const call = (method: MethodName, params?: unknown) => transport.request(method, params ?? {});

  const client: Record<string, unknown> = {
    call,
    connection: transport.connection ?? alwaysConnected(),
    on(event: EventName, listener: (data: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    close() {
      unsubscribe();
      listeners.clear();
      transport.close();
    },
  };
  for (const name of METHOD_NAMES) {
    const [ns, verb] = name.split('.') as [string, string];
    const group = (client[ns] ??= {}) as Record<string, unknown>;
    group[verb] = (params?: unknown) => call(name, params);
  }
  return client as unknown as ApiClient;
}
