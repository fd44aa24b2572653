import { ErrorCode } from '../errorCodes.js';
import type { ApiNamespaces, RpcTransport } from './client.js';
import { alwaysConnected } from './connection.js';
import type { EventName } from './events.js';
import { err, type Result } from './result.js';

/** Name of the object the Electron preload exposes on `window`. */
export const BRIDGE_GLOBAL = 'perpscope';

/**
 * What the Electron preload exposes as `window.perpscope`: one named verb per command
 * (`perpscope.orders.place(params)`) plus an event subscription. No generic invoke.
 */
export type PerpscopeBridge = ApiNamespaces & {
  onEvent(listener: (event: EventName, data: unknown) => void): () => void;
};

/** RPC over the Electron preload bridge: no socket, so the link is up while the window lives. */
export function createBridgeTransport(bridge: PerpscopeBridge): RpcTransport {
  const unsubscribers = new Set<() => void>();
  return {
    connection: alwaysConnected(),
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
