import { DEAD_AFTER_MS, HEARTBEAT_INTERVAL_MS, type WireHeartbeat } from '@perpscope/shared';
import type { WebSocket } from 'ws';

export interface HeartbeatOptions {
  /** Between heartbeat frames (and pings). */
  intervalMs?: number;
  /** A peer that has not answered a ping for this long is gone: its socket is terminated. */
  deadPeerMs?: number;
  nowMs?: () => number;
  /** Runs `tick` every `intervalMs`; returns a function that stops it (default: `setInterval`). */
  every?: (intervalMs: number, tick: () => void) => () => void;
}

function everyInterval(intervalMs: number, tick: () => void): () => void {
  const timer = setInterval(tick, intervalMs);
  return () => clearInterval(timer);
}

/**
 * Keeps one RPC socket honest in both directions. Every interval the host sends a `{ heartbeat }`
 * frame (a browser cannot see WebSocket pings, so its connection state needs an application
 * frame) and a ping; a peer whose pongs stop (a sleeping laptop, a pulled cable) is terminated so
 * its socket stops buffering events. Returns a function that stops it; it also stops on close.
 *
 * A tick that comes more than two intervals after the previous one means this process stalled
 * (a long synchronous task, a suspended host): the peer's pong may be read but not yet handled,
 * so the silence is the host's, not the peer's, and the peer gets a fresh `deadPeerMs`.
 */
export function startHeartbeat(socket: WebSocket, options: HeartbeatOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  const deadPeerMs = options.deadPeerMs ?? DEAD_AFTER_MS;
  const nowMs = options.nowMs ?? Date.now;
  let lastPongMs = nowMs();
  let lastTickMs = lastPongMs;
  const onPong = () => {
    lastPongMs = nowMs();
  };
  socket.on('pong', onPong);
  const cancel = (options.every ?? everyInterval)(intervalMs, () => {
    const now = nowMs();
    const stalled = now - lastTickMs > 2 * intervalMs;
    lastTickMs = now;
    if (socket.readyState !== socket.OPEN) return;
    if (stalled) lastPongMs = now;
    else if (now - lastPongMs > deadPeerMs) {
      socket.terminate();
      return;
    }
    const frame: WireHeartbeat = { heartbeat: now };
    try {
      socket.send(JSON.stringify(frame));
      socket.ping();
    } catch {
      // A socket failing to send is closing; its 'close' stops this timer.
    }
  });
  const stop = () => {
    cancel();
    socket.off('pong', onPong);
    socket.off('close', stop);
  };
  socket.on('close', stop);
  return stop;
}
