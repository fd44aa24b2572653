import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { checkTimestamp } from './auth.js';
import { SimContext } from './context.js';
import { createDialect, parseDialect, type DialectReply } from './dialects/index.js';
import { FaultState } from './faults.js';
import { IpSuspension } from './penalties.js';
import { createMarketGenerator } from './generator.js';
import { createReplaySource } from './replay.js';
import { PrivateApi } from './restPrivate.js';
import type { MarketSource, RequestLogEntry, SimExchange, SimExchangeOptions } from './types.js';
import { fail, gatewayError } from './wire.js';
import { createDialectWsHub, type DialectWsHub } from './dialects/wsHubs.js';
import { WsHub } from './wsHub.js';

const MAX_BODY_BYTES = 1_000_000;
const REQUEST_LOG_LIMIT = 200_000;

/**
 * Starts SimExchange on 127.0.0.1, backed by the seeded generator or a recorded directory, and
 * speaking one wire dialect over its one market core: BloFin (default; REST under `/api/v1`,
 * websockets under `/ws/public` and `/ws/private`), Binance USD-M (REST under `/fapi` and
 * `/futures/data`, market streams under `/public/ws` and `/market/ws`, the listenKey user-data
 * stream under `/private/ws`), Bybit v5 (REST under `/v5`, streams at `/v5/public/linear` and
 * `/v5/private`) or HTX (linear-swap REST, gzip streams at `/linear-swap-ws` and
 * `/ws/v5/notification`). Sim time runs at `acceleration` times wall time from `startTimeMs`.
 *
 * @example
 * const sim = await startSimExchange({ symbols: 50, seed: 7, acceleration: 60 });
 * const ex = createBlofinClient(sim);
 * await ex.loadMarkets();
 * await sim.stop();
 */
export async function startSimExchange(opts: SimExchangeOptions = {}): Promise<SimExchange> {
  const acceleration = positive('acceleration', opts.acceleration ?? 1);
  const rateLimitScale = positive('rateLimitScale', opts.rateLimitScale ?? 1);
  const historyBars = positiveInt('historyBars', opts.historyBars ?? 1500);
  const pushIntervalMs = positive('pushIntervalMs', opts.pushIntervalMs ?? 200);
  const port = opts.port ?? 0;
  const dialectName = parseDialect(opts.dialect ?? 'blofin');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port: got ${port}, expected an integer 0..65535`);

  let source: MarketSource;
  let startTimeMs: number;
  if (opts.dataDir !== undefined) {
    const replay = createReplaySource(opts.dataDir);
    source = replay;
    startTimeMs = opts.startTimeMs ?? replay.defaultStartMs;
  } else {
    startTimeMs = opts.startTimeMs ?? Math.floor(Date.now() / 1000) * 1000;
    source = createMarketGenerator({ seed: opts.seed ?? 1, symbols: positiveInt('symbols', opts.symbols ?? 50), startTimeMs, ...(opts.venue ? { venue: opts.venue } : {}) });
  }
  const wallStart = Date.now();
  // Wall time spent paused does not advance sim time (see SimExchange.pause).
  let pausedWallMs = 0;
  let pause: { simMs: number; wallMs: number } | null = opts.pausedAtStart === true ? { simMs: startTimeMs, wallMs: wallStart } : null;
  // A pause armed for a sim time (see SimExchange.pauseAt): taken the moment time would pass it.
  let holdAtMs: number | null = null;
  const nowMs = (): number => {
    if (pause) return pause.simMs;
    const simMs = Math.floor(startTimeMs + (Date.now() - wallStart - pausedWallMs) * acceleration);
    if (holdAtMs === null || simMs < holdAtMs) return simMs;
    // Held from the wall instant the sim reached holdAtMs, so resuming continues from exactly there.
    pause = { simMs: holdAtMs, wallMs: wallStart + pausedWallMs + (holdAtMs - startTimeMs) / acceleration };
    holdAtMs = null;
    return pause.simMs;
  };

  const ctx = new SimContext(source, startTimeMs, historyBars, nowMs);
  const hub: { current: WsHub | null } = { current: null };
  const limiterNowMs = opts.rateLimitClockMs ?? (() => Date.now());
  const suspension = new IpSuspension(limiterNowMs);
  // The market streams of a dialect other than BloFin, where the sim serves them.
  const dialectWs: { current: DialectWsHub | null } = { current: null };
  const faults = new FaultState(
    () => {
      hub.current?.dropAll();
      dialectWs.current?.dropAll();
    },
    (symbol) => ctx.delist(symbol),
    suspension,
    opts.rateLimitPenalties ?? true,
  );
  const privateApi = new PrivateApi(ctx, faults, opts.apiKey ?? null, opts.initialBalanceUsdt ?? 10_000, (channel, data, action) =>
    hub.current?.pushPrivate(channel, data, action),
  );
  const ws = new WsHub(
    ctx,
    faults,
    (arg) => checkTimestamp(typeof arg.timestamp === 'string' ? arg.timestamp : '', faults.serverNowMs()) ?? privateApi.verifyLogin(arg),
    pushIntervalMs,
  );
  hub.current = ws;
  const core = { ctx, faults, privateApi };
  dialectWs.current = createDialectWsHub(dialectName, core, { apiKey: opts.apiKey ?? null, pushIntervalMs });
  const onPrivateEvent = dialectWs.current?.onPrivateEvent?.bind(dialectWs.current);
  if (onPrivateEvent) privateApi.onPrivateEvent(onPrivateEvent);
  const dialect = createDialect(dialectName, core, { apiKey: opts.apiKey ?? null, rateLimitScale, limiterNowMs, suspension });
  const log: RequestLogEntry[] = [];
  const stats = { requests: 0, rejected429: 0 };
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const respond = (res: ServerResponse, entry: RequestLogEntry, reply: DialectReply, extraHeaders?: Record<string, string>): void => {
    entry.status = reply.status;
    // BloFin and Binance answer `code`, Bybit `retCode`.
    const json = !reply.contentType && reply.body && typeof reply.body === 'object' ? (reply.body as { code?: unknown; retCode?: unknown }) : undefined;
    const code = json?.code ?? json?.retCode;
    if (code !== undefined) entry.code = String(code);
    if (reply.status === 429) stats.rejected429++;
    if (res.destroyed) return;
    const body = reply.contentType ? String(reply.body) : JSON.stringify(reply.body);
    // The Date header carries the server clock (skew fault applied): clients measure skew from it.
    res.writeHead(reply.status, { ...extraHeaders, ...reply.headers, 'content-type': reply.contentType ?? 'application/json', date: new Date(faults.serverNowMs()).toUTCString() });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const isPrivate = dialect.isPrivate(path);
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path, private: isPrivate, status: 0, atMs: nowMs() };
    stats.requests++;
    if (log.length >= REQUEST_LOG_LIMIT) log.splice(0, log.length / 2);
    log.push(entry);
    const body = await readBody(req);
    const fault = faults.takeHttpFault();
    if (fault?.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (fault?.kind === 'rate_limit') return respond(res, entry, dialect.rateLimitReply());
    const request = { method: entry.method, rawUrl: req.url ?? path, path, query: url.searchParams, body, headers: req.headers };
    const admission = dialect.admit(request);
    if (admission.refusal) return respond(res, entry, admission.refusal, admission.headers);
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (fault?.kind === 'status') return respond(res, entry, gatewayError(fault.status));
    let reply: DialectReply | 'hang';
    try {
      reply = dialect.handle(request);
    } catch (err) {
      reply = fail(500, '500', `server error ${err instanceof Error ? err.message : String(err)}`);
    }
    if (reply === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    respond(res, entry, reply, admission.headers);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Every dialect's websockets are served on the REST port; a dialect without a hub refuses the upgrade.
  server.on('upgrade', (req, socket, head) => {
    if (faults.wsRefused) socket.destroy();
    else if (dialect.name === 'blofin') ws.handleUpgrade(req, socket, head);
    else if (dialectWs.current) dialectWs.current.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  ws.start();
  dialectWs.current?.start();
  privateApi.start();

  return {
    url: `http://127.0.0.1:${boundPort}`,
    port: boundPort,
    dialect: dialectName,
    wsUrl: `ws://127.0.0.1:${boundPort}/ws`,
    nowMs,
    faults,
    source,
    apiKey: opts.apiKey,
    delist: (symbol) => ctx.delist(symbol),
    requestLog: () => log.map((e) => ({ ...e })),
    groundTruth: () => source.groundTruth(),
    stats: () => ({ ...stats }),
    accountSnapshot: () => privateApi.snapshot(),
    pause: () => {
      if (!pause) pause = { simMs: nowMs(), wallMs: Date.now() };
    },
    pauseAt: (simMs) => {
      if (!Number.isFinite(simMs)) throw new Error(`pauseAt: got ${simMs}, expected a finite sim time in ms`);
      const current = nowMs();
      if (simMs > current) holdAtMs = simMs;
      else if (!pause) pause = { simMs: current, wallMs: Date.now() };
    },
    isPaused: () => {
      // Reading the clock takes a hold the sim has reached.
      nowMs();
      return pause !== null;
    },
    resume: () => {
      if (!pause) return;
      pausedWallMs += Date.now() - pause.wallMs;
      pause = null;
    },
    privateSubscriptions: (channel) => (dialectWs.current ?? ws).privateSubscriptions(channel),
    wsCounters: () => (dialectWs.current ?? ws).counters(),
    async stop(): Promise<void> {
      privateApi.stop();
      await ws.stop();
      await dialectWs.current?.stop();
      for (const res of hanging) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

function positive(field: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${field}: got ${value}, expected a positive finite number`);
  return value;
}

function positiveInt(field: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${field}: got ${value}, expected a positive integer`);
  return value;
}
