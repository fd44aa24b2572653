/**
 * The link between a UI and the host, as the transport itself observes it:
 * - `connecting`: the first socket is opening; requests wait for it;
 * - `connected`: frames (replies, events or heartbeats) arrive on time;
 * - `stale`: the socket is open but the host has been silent longer than the heartbeat allows;
 * - `disconnected`: the socket closed; requests fail at once while it reconnects with backoff;
 * - `closed`: the client was closed and will not reconnect.
 */
export type ConnectionState = 'connecting' | 'connected' | 'stale' | 'disconnected' | 'closed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** When the link entered `state` (client wall clock, ms). */
  sinceMs: number;
  /** Failed connection attempts since the link was last up. */
  reconnectAttempt: number;
  /** When the next connection attempt starts, while disconnected. */
  nextAttemptMs: number | null;
  /** Why the link is not connected, in words; null while it is. */
  reason: string | null;
}

/** A transport's view of its own link; a UI shows it and gates actions on it. */
export interface ConnectionSource {
  current(): ConnectionStatus;
  /** Called on every change of state, attempt or reason; returns an unsubscribe function. */
  subscribe(listener: (status: ConnectionStatus) => void): () => void;
}

/** True when requests reach the host and replies come back: the only state in which to trade. */
export function isConnectionLive(state: ConnectionState): boolean {
  return state === 'connected';
}

/**
 * The link of a transport without a socket (the Electron bridge, an in-process host): up for as
 * long as the page lives.
 */
export function alwaysConnected(sinceMs: number = Date.now()): ConnectionSource {
  const status: ConnectionStatus = { state: 'connected', sinceMs, reconnectAttempt: 0, nextAttemptMs: null, reason: null };
  return { current: () => status, subscribe: () => () => {} };
}
