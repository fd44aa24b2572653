import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { ErrorCode, RPC_WS_PATH } from '@perpscope/shared';
import { silentLogger, type Logger } from '@perpscope/sdk/core';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Host } from '../host/index.js';
import { generateToken, presentedToken, tokenCookieName, tokensMatch } from './auth.js';
import { allowedHostNames, hostHeaderName } from './hostAllowList.js';
import { startHeartbeat } from './heartbeat.js';
import { createMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerRestApi } from './restApi.js';
import { broadcastEvents, MAX_PAYLOAD_BYTES, serveRpcSocket } from './rpcSocket.js';
import { SECURITY_HEADERS } from './securityHeaders.js';
import { registerSse } from './sse.js';

export interface ServerOptions {
  /** Interface to bind; 127.0.0.1 unless the user asks otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Bearer token; generated when absent. */
  token?: string;
  hostService: Host;
  /** Built renderer (index.html and assets); defaults to `desktop/out/renderer`. */
  rendererDir?: string;
  /** Extra names the page may be reached by (`Host` header), e.g. a LAN DNS name with `--host 0.0.0.0`. */
  allowedHosts?: readonly string[];
  /** Receives failures caught in request and event handling; never params or tokens. */
  logger?: Logger;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:7420`. */
  url: string;
  /** The URL to open in a browser, token included. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** `desktop/out/renderer`, found from this file in both `src/server` (tsx) and `dist/server` (node). */
export function defaultRendererDir(): string {
  return fileURLToPath(new URL('../../out/renderer', import.meta.url));
}

/**
 * Cache policy for a file of the built renderer, by its path relative to the renderer directory.
 * Everything under `assets/` carries a content hash in its name, so a browser may keep it for a
 * year without asking again; `index.html` names the current hashes and is revalidated every load.
 * `private`: every file is served behind the token, so shared caches must not keep it.
 */
export function rendererCacheControl(relativePath: string): string {
  return /^assets[\\/]/.test(relativePath) ? 'private, max-age=31536000, immutable' : 'private, no-cache';
}

function unauthorized(reply: FastifyReply, message: string) {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="perpscope"')
    .header('cache-control', 'no-store')
    .send({ error: { code: ErrorCode.Unauthorized, message } });
}

/**
 * Headless mode: serves the built renderer and RPC over a WebSocket at `/rpc`, plus read-only REST
 * under `/api` (described at `/api/openapi.json`), Server-Sent Events at `/api/events` and
 * Prometheus metrics at `/metrics`, all behind a bearer token. A browser opens `/?token=...` once;
 * the server answers with an HttpOnly SameSite=Strict cookie and redirects to `/`, so the token
 * leaves the address bar and the page and its socket authenticate by cookie. Scripts send
 * `Authorization: Bearer <token>`.
 *
 * @example
 * const server = await startServer({ port: 0, hostService: host });
 * console.log(`open ${server.openUrl}`);
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const bindHost = options.host ?? '127.0.0.1';
  const token = options.token ?? generateToken();
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const host = options.hostService;
  const sockets = new Set<WebSocket>();
  const logger = options.logger ?? silentLogger;
  const allowedHosts = allowedHostNames(bindHost, options.allowedHosts ?? [], networkInterfaces());

  // Fastify's request log would record `?token=` URLs, so it stays off.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  let cookieName = '';

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    const isSocket = req.headers.upgrade?.toLowerCase() === 'websocket';
    // A refused upgrade keeps its raw socket outside the HTTP server's bookkeeping; end it ourselves.
    const refuse = () => {
      if (isSocket) reply.raw.once('finish', () => req.raw.socket.destroy());
      return reply;
    };
    // DNS-rebinding defense: a page on another name that resolves here still sends its own name.
    const hostName = hostHeaderName(req.headers.host);
    if (hostName === null || !allowedHosts.has(hostName)) {
      return refuse()
        .code(421)
        .header('cache-control', 'no-store')
        .send({ error: { code: ErrorCode.Unauthorized, message: `Host ${JSON.stringify(req.headers.host ?? '')} is not served here; use one of ${[...allowedHosts].join(', ')}` } });
    }
    const url = new URL(req.url, 'http://localhost');
    const presented = presentedToken(req.headers, url.searchParams, cookieName);
    if (presented.source === 'none') {
      return unauthorized(refuse(), 'A token is required: open the URL printed by `perpscope serve`, or send Authorization: Bearer <token>');
    }
    if (!tokensMatch(token, presented.token)) return unauthorized(refuse(), 'Wrong token');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) {
      return refuse().code(403).send({ error: { code: ErrorCode.Unauthorized, message: `Cross-origin request from ${origin} refused` } });
    }
    if (presented.source === 'query' && req.method === 'GET' && !isSocket) {
      url.searchParams.delete('token');
      reply.header('set-cookie', `${cookieName}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
      return reply.header('cache-control', 'no-store').redirect(`${url.pathname}${url.search}`, 303);
    }
    return undefined;
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_PAYLOAD_BYTES } });
  app.get(RPC_WS_PATH, { websocket: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveRpcSocket(socket, host, logger);
    startHeartbeat(socket);
  });

  registerRestApi(app, host);
  const sse = registerSse(app, host, { logger });
  const metrics = createMetrics({ host });
  app.get('/metrics', async (_req, reply) => reply.header('cache-control', 'no-store').type(metrics.contentType).send(await metrics.scrape()));
  registerOpenApi(app, { serverUrl: () => url });

  if (existsSync(rendererDir)) {
    await app.register(fastifyStatic, {
      root: rendererDir,
      index: ['index.html'],
      wildcard: true,
      // The build writes `.br`/`.gz` twins; sending them costs the shared event loop no compression.
      preCompressed: true,
      cacheControl: false,
      setHeaders: (res, filePath) => {
        res.setHeader('cache-control', rendererCacheControl(relative(rendererDir, filePath)));
        res.setHeader('vary', 'accept-encoding');
      },
    });
  } else {
    app.get('/', (_req, reply) =>
      reply.code(503).type('text/plain').send(`The web UI is not built (${rendererDir} is missing). Run \`pnpm build\` first; RPC at ${RPC_WS_PATH} works without it.`),
    );
  }

  const stopEvents = broadcastEvents(host, sockets, logger);
  try {
    await app.listen({ host: bindHost, port: options.port ?? 0 });
  } catch (e) {
    stopEvents();
    sse.close();
    metrics.close();
    await app.close();
    const code = (e as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? `port ${options.port} is already in use (try --port 0)` : e instanceof Error ? e.message : String(e);
    throw new Error(`Cannot listen on ${bindHost}:${options.port ?? 0}: ${reason}`, { cause: e });
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('The server did not bind a TCP port');
  const port = address.port;
  cookieName = tokenCookieName(port);
  const urlHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  const url = `http://${urlHost}:${port}`;

  return {
    url,
    openUrl: `${url}/?token=${encodeURIComponent(token)}`,
    token,
    port,
    async close() {
      stopEvents();
      sse.close();
      metrics.close();
      for (const s of sockets) s.terminate();
      await app.close();
    },
  };
}
