import { ErrorCode, RPC_FRAME_LIMITS, err, parseRequestFrame, type WireResponse } from '@perpscope/shared';
import { silentLogger, type Logger } from '@perpscope/sdk/core';
import type { WebSocket } from 'ws';
import type { Host } from '../host/index.js';
import type { HostEvent } from '../host/ports.js';

/** Largest accepted request frame; the biggest legitimate one (a watchlist save) is far smaller. */
export const MAX_REQUEST_BYTES = RPC_FRAME_LIMITS.maxBytes;
/**
 * Transport cap: a frame above it closes the socket (1009) before it is buffered; frames between
 * `MAX_REQUEST_BYTES` and this get an INVALID_INPUT reply that names the limit.
 */
export const MAX_PAYLOAD_BYTES = 4 * MAX_REQUEST_BYTES;
/** Requests a connection may have in flight; beyond it a client is flooding and gets RATE_LIMITED. */
export const MAX_IN_FLIGHT = 64;
/** Above this much unsent data a client is too slow for streaming events; it skips them until it drains. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Sends one frame; a reply that cannot be serialized or sent is logged, never thrown. */
function send(socket: WebSocket, frame: unknown, logger: Logger): void {
  if (socket.readyState !== socket.OPEN) return;
  try {
    socket.send(JSON.stringify(frame));
  } catch (e) {
    logger.error({ error: message(e) }, 'rpc reply could not be sent');
  }
}

/** Answers one request frame. Anything malformed gets an INVALID_INPUT reply. */
async function answer(host: Host, raw: string, overloaded: boolean): Promise<WireResponse> {
  const frame = parseRequestFrame(raw);
  if (!frame.ok) return { id: frame.id, result: { ok: false, error: frame.error } };
  const { id, method, params } = frame.request;
  if (overloaded) {
    return { id, result: err(ErrorCode.RateLimited, `Too many requests in flight on this connection (${MAX_IN_FLIGHT}); wait for replies before sending more`) };
  }
  return { id, result: await host.handle(method, params) };
}

/**
 * Serves RPC on one authenticated socket. Every path is caught: a failing request gets an error
 * reply, and nothing a peer sends can reject or throw out of the socket's callbacks.
 */
export function serveRpcSocket(socket: WebSocket, host: Host, logger: Logger = silentLogger): void {
  let inFlight = 0;
  // ws emits 'error' for protocol violations (oversized or invalid UTF-8 frames) and then closes;
  // without a listener the emit would throw out of the event loop.
  socket.on('error', (e) => logger.warn({ error: message(e) }, 'rpc socket error'));
  socket.on('message', (data, isBinary) => {
    try {
      if (isBinary) {
        send(socket, { id: null, result: err(ErrorCode.InvalidInput, 'Invalid RPC frame: binary; expected a JSON text frame') }, logger);
        return;
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      const overloaded = inFlight >= MAX_IN_FLIGHT;
      inFlight++;
      answer(host, text, overloaded)
        .catch((e: unknown): WireResponse => {
          logger.error({ error: message(e) }, 'rpc request failed');
          return { id: null, result: err(ErrorCode.Internal, 'The request failed inside the server; it was not applied') };
        })
        .then((reply) => send(socket, reply, logger))
        .finally(() => inFlight--)
        .catch(() => {});
    } catch (e) {
      logger.error({ error: message(e) }, 'rpc frame handling failed');
    }
  });
}

/** Sends host events to every open socket; returns a function that stops it. */
export function broadcastEvents(host: Host, sockets: ReadonlySet<WebSocket>, logger: Logger = silentLogger): () => void {
  return host.onEvent((event: HostEvent) => {
    if (sockets.size === 0) return;
    let frame: string;
    try {
      frame = JSON.stringify(event);
    } catch (e) {
      logger.error({ event: event.event, error: message(e) }, 'event could not be serialized');
      return;
    }
    for (const socket of sockets) {
      if (socket.readyState !== socket.OPEN) continue;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES && event.event !== 'order' && event.event !== 'fill' && event.event !== 'position') continue;
      try {
        socket.send(frame);
      } catch (e) {
        logger.warn({ event: event.event, error: message(e) }, 'event could not be sent');
      }
    }
  });
}
