import {
  BRIDGE_GLOBAL,
  createApiClient,
  createBridgeTransport,
  createWebSocketTransport,
  rpcWebSocketUrl,
  type ApiClient,
  type PerpscopeBridge,
  type RpcTransport,
} from '@perpscope/shared';

/** Which way the renderer reaches the host. */
export type TransportKind = 'electron' | 'websocket';

/**
 * Picks the transport for this page: the preload bridge inside Electron, otherwise the server-mode
 * WebSocket on the page's own origin. The server-mode token comes from the page URL (`?token=`) and
 * is passed on to the socket; the server's cookie covers reloads without it.
 */
export function selectTransport(win: Window = window): { kind: TransportKind; transport: RpcTransport } {
  const bridge = (win as unknown as Record<string, PerpscopeBridge | undefined>)[BRIDGE_GLOBAL];
  if (bridge) return { kind: 'electron', transport: createBridgeTransport(bridge) };
  const token = new URLSearchParams(win.location.search).get('token');
  const base = rpcWebSocketUrl(win.location);
  const url = token ? `${base}?token=${encodeURIComponent(token)}` : base;
  return { kind: 'websocket', transport: createWebSocketTransport({ url, requestTimeoutMs: 20_000 }) };
}

/** Creates the renderer's one API client. Called once from `main.ts`, never at import time. */
export function createRendererApi(win: Window = window): { kind: TransportKind; api: ApiClient } {
  const { kind, transport } = selectTransport(win);
  return { kind, api: createApiClient(transport) };
}
