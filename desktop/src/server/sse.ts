import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ErrorCode, EVENT_NAMES, isEventName, type EventName } from '@perpscope/shared';
import { silentLogger, type Logger } from '@perpscope/sdk/core';
import type { FastifyInstance } from 'fastify';
import type { Host } from '../host/index.js';

/** Path of the event stream. */
export const SSE_PATH = '/api/events';

/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * A client that does not read is dropped once this much is queued for it: a ranking snapshot is a
 * few hundred kB, so this holds several while never letting one slow reader grow memory unbounded.
 */
export const SSE_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface SseOptions {
  heartbeatMs?: number;
  logger?: Logger;
}

export interface SseStreams {
  /** Open streams, for tests and metrics. */
  clients(): number;
  /** Ends every open stream; the server calls it before closing. */
  close(): void;
}

/** Parses `?types=ranking,fill`; null means every event. Unknown names are an error naming them. */
export function parseEventTypes(raw: string | null): { ok: true; types: ReadonlySet<EventName> | null } | { ok: false; message: string } {
  if (raw === null || raw.trim() === '') return { ok: true, types: null };
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = names.filter((n) => !isEventName(n));
  if (unknown.length > 0) {
    return { ok: false, message: `Invalid query parameter types: got ${JSON.stringify(unknown.join(',').slice(0, 80))}, expected a comma-separated list of ${EVENT_NAMES.join(', ')}` };
  }
  return { ok: true, types: new Set(names as EventName[]) };
}

/** One event in the text/event-stream format; JSON has no raw newlines, so `data` is one line. */
export function formatSseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Serves host events as Server-Sent Events at `/api/events`, each as `event: <name>` with its JSON
 * `data`, optionally only the `?types=` named. The reply is hijacked from fastify so the stream is
 * written raw; the headers the auth hook set (security headers) are carried over. A stream ends
 * when its client goes, when it falls too far behind, or at `close()`.
 *
 * @example
 * const sse = registerSse(app, host);
 * // curl -N -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7420/api/events?types=ranking,fill
 */
export function registerSse(app: FastifyInstance, host: Pick<Host, 'onEvent'>, options: SseOptions = {}): SseStreams {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const logger = options.logger ?? silentLogger;
  const streams = new Set<() => void>();

  app.get(SSE_PATH, (req, reply) => {
    const parsed = parseEventTypes(new URL(req.url, 'http://localhost').searchParams.get('types'));
    if (!parsed.ok) {
      return reply.code(400).send({ error: { code: ErrorCode.InvalidInput, message: parsed.message, details: { field: 'types' } } });
    }
    const types = parsed.types;
    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 3000\n: connected\n\n`);

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(end);
      if (!res.writableEnded) res.end();
    };
    const send = (chunk: string) => {
      if (ended) return;
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
        logger.warn({ bufferedBytes: res.writableLength }, 'event stream client too slow; closing its stream');
        end();
        req.raw.socket.destroy();
        return;
      }
      res.write(chunk);
    };
    const unsubscribe = host.onEvent((event) => {
      if (types === null || types.has(event.event)) send(formatSseEvent(event.event, event.data));
    });
    const heartbeat = setInterval(() => send(`: heartbeat\n\n`), heartbeatMs);
    heartbeat.unref();
    streams.add(end);
    // The response's close is the connection's (a request's own close fires once its body is read).
    res.once('close', end);
    return undefined;
  });

  return {
    clients: () => streams.size,
    close() {
      for (const end of [...streams]) end();
    },
  };
}
