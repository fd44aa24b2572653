import { ErrorCode, WireRequestSchema, err, type Result, type WireResponse } from '@perpscope/shared';
import type { WebSocket } from 'ws';
import type { Host } from '../host/index.js';
import type { HostEvent } from '../host/ports.js';

/** Largest accepted request frame; the biggest legitimate one (a watchlist save) is far smaller. */
export const MAX_REQUEST_BYTES = 256 * 1024;
/** Requests a connection may have in flight; beyond it a client is flooding and gets RATE_LIMITED. */
export const MAX_IN_FLIGHT = 64;
/** Above this much unsent data a client is too slow for streaming events; it skips them until it drains. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

function send(socket: WebSocket, message: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/** The request id of a frame, when it has a usable one. */
function idOf(parsed: unknown): number | string | null {
  return typeof parsed === 'object' && parsed !== null && 'id' in parsed && (typeof parsed.id === 'number' || typeof parsed.id === 'string') ? parsed.id : null;
}

/** Answers one request frame. Anything malformed gets an INVALID_INPUT reply; nothing throws. */
async function answer(host: Host, raw: string, overloaded: boolean): Promise<WireResponse> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { id: null, result: err(ErrorCode.InvalidInput, 'Invalid RPC frame: not JSON; expected {"id", "method", "params"}') };
  }
  if (overloaded) {
    return { id: idOf(parsed), result: err(ErrorCode.RateLimited, `Too many requests in flight on this connection (${MAX_IN_FLIGHT}); wait for replies before sending more`) };
  }
  const frame = WireRequestSchema.safeParse(parsed);
  if (!frame.success) {
    const id = idOf(parsed);
    const fields = frame.error.issues.map((i) => i.path.join('.') || '(frame)').join(', ');
    return { id, result: err(ErrorCode.InvalidInput, `Invalid RPC frame (${fields}); expected {"id": number|string, "method": string, "params": object}`) };
  }
  const result: Result<unknown> = await host.handle(frame.data.method, frame.data.params);
  return { id: frame.data.id, result };
}

/** Serves RPC on one authenticated socket. */
export function serveRpcSocket(socket: WebSocket, host: Host): void {
  let inFlight = 0;
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      send(socket, { id: null, result: err(ErrorCode.InvalidInput, 'Invalid RPC frame: binary; expected a JSON text frame') });
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const overloaded = inFlight >= MAX_IN_FLIGHT;
    inFlight++;
    void answer(host, text, overloaded)
      .then((reply) => send(socket, reply))
      .finally(() => inFlight--);
  });
}

/** Sends host events to every open socket; returns a function that stops it. */
export function broadcastEvents(host: Host, sockets: ReadonlySet<WebSocket>): () => void {
  return host.onEvent((event: HostEvent) => {
    if (sockets.size === 0) return;
    const frame = JSON.stringify(event);
    for (const socket of sockets) {
      if (socket.readyState !== socket.OPEN) continue;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES && event.event !== 'order' && event.event !== 'fill' && event.event !== 'position') continue;
      socket.send(frame);
    }
  });
}
