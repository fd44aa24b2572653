import { ErrorCode } from '@perpscope/shared';
import { InvalidInputError, silentLogger, type Clock, type FieldIssue, type Logger, type PerpscopeConfig, type Store } from '@perpscope/sdk';
import Fastify, { type FastifyReply } from 'fastify';
import type { Host } from '../host/index.js';
import { idempotencyKey, outsideWindowMs } from './idempotencyKey.js';
import { cachedSymbolResolver } from './marketSymbols.js';
import { readRawFields, validateFields, type WebhookSignal } from './parseWebhookBody.js';
import { createRateLimiter } from './rateLimiter.js';
import { secretsMatch } from './secretCheck.js';
import { placeAlertOrder, statusOf, type OrderOutcome } from './webhookOrder.js';

/** Header that may carry the secret instead of the body. */
export const SECRET_HEADER = 'x-perpscope-secret';

export interface WebhookGatewayOptions {
  /** The host every order goes through (`orders.place`, `positions.close`). */
  host: Pick<Host, 'call'>;
  config: Pick<PerpscopeConfig, 'webhook'>;
  /** Where receipts are written before each order is sent. */
  store: Pick<Store, 'webhookReceipts'>;
  /** Wall time: alert timestamps, the rate limiter and the reply deadline. */
  clock: Clock;
  logger?: Logger;
  /** Interface to bind; 127.0.0.1 unless the user asks otherwise. */
  bindHost?: string;
  /** 0 picks a free port; defaults to `webhook.port`. */
  port?: number;
}

export interface RunningWebhookGateway {
  /** Base URL, e.g. `http://127.0.0.1:8788`; alerts go to `<url>/signal`. */
  url: string;
  port: number;
  /** Stops accepting requests, then waits for orders still in flight to be recorded. */
  close(): Promise<void>;
}

function refuse(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return reply.code(status).header('cache-control', 'no-store').send({ status: 'refused', error: { code, message, ...extra } });
}

const invalid = (reply: FastifyReply, issues: FieldIssue[]) => {
  const err = new InvalidInputError('webhook body', issues);
  return refuse(reply, 400, err.code, err.message, { issues });
};

/**
 * Starts the TradingView webhook gateway: `POST /signal` (alias `/webhook`) takes an alert (JSON or
 * the text grammar), checks the shared secret in constant time, refuses stale and replayed alerts,
 * records a receipt in SQLite and only then sends the order through the host, replying with the
 * order within `webhook.replyWithinMs` or 202 `pending`. Refuses to start without `webhook.secret`.
 *
 * @example
 * const gateway = await startWebhookGateway({ host, config, store, clock: new SystemClock(), port: 0 });
 * console.log(`webhook ${gateway.url}/signal`);
 */
export async function startWebhookGateway(options: WebhookGatewayOptions): Promise<RunningWebhookGateway> {
  const cfg = options.config.webhook;
  const secret = cfg.secret;
  if (secret === undefined || secret.length < 16) {
    throw new InvalidInputError('webhook configuration', [
      { path: 'webhook.secret', received: secret === undefined ? 'nothing' : 'a secret shorter than 16 characters', expected: 'a secret of at least 16 characters (set PERPSCOPE_WEBHOOK__SECRET)' },
    ]);
  }
  const { host, clock } = options;
  const receipts = options.store.webhookReceipts;
  const logger = (options.logger ?? silentLogger).child({ component: 'webhook' });
  const limiter = createRateLimiter(cfg.ratePerMinute, clock);
  const resolveAlertSymbol = cachedSymbolResolver(host, clock);
  const inFlight = new Set<Promise<void>>();

  // The request log would hold bodies with secrets, so it stays off.
  const app = Fastify({ logger: false, bodyLimit: cfg.maxBodyBytes, forceCloseConnections: true });
  // TradingView posts text/plain or application/json; every body is read as text and parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: cfg.maxBodyBytes }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 413) return refuse(reply, 413, ErrorCode.InvalidInput, `Body larger than ${cfg.maxBodyBytes} bytes (webhook.maxBodyBytes)`);
    if (status === 500) logger.error({ error: err.message }, 'webhook request failed');
    return refuse(reply, status, status === 500 ? ErrorCode.Internal : ErrorCode.InvalidInput, status === 500 ? 'Internal error' : err.message);
  });

  /** Records the outcome on the receipt; a receipt that is not `received` any more is left alone. */
  const record = (key: string, outcome: OrderOutcome) => {
    const now = clock.nowMs();
    if (outcome.kind === 'placed') receipts.markPlaced(key, outcome.order.id, now);
    else if (outcome.kind === 'refused') receipts.markRefused(key, outcome.error.code, outcome.error.message, now);
    else receipts.markFailed(key, outcome.error.code, outcome.error.message, now);
    logger.info({ key, outcome: outcome.kind, ...(outcome.kind === 'placed' ? { orderId: outcome.order.id } : { code: outcome.error.code }) }, 'webhook order finished');
  };

  // Counted before the body is read, so a flood of large bodies is limited too.
  app.addHook('onRequest', async (req, reply) => {
    if (limiter.take(req.ip)) return;
    const retryS = Math.max(1, Math.ceil(limiter.retryAfterMs(req.ip) / 1_000));
    reply.header('retry-after', String(retryS));
    return refuse(reply, 429, ErrorCode.RateLimited, `More than ${cfg.ratePerMinute} requests per minute from ${req.ip} (webhook.ratePerMinute)`);
  });

  const handle = async (body: unknown, headerSecret: unknown, source: string, reply: FastifyReply) => {
    const raw = readRawFields(typeof body === 'string' ? body : '');
    if (!raw.ok) return invalid(reply, raw.issues);
    const presented = typeof headerSecret === 'string' ? headerSecret : raw.fields.secret;
    if (!secretsMatch(secret, presented)) return refuse(reply, 401, ErrorCode.Unauthorized, `Missing or wrong secret (body "secret" or header ${SECRET_HEADER})`);
    const parsed = validateFields(raw);
    if (!parsed.ok) return invalid(reply, parsed.issues);
    const signal: WebhookSignal = parsed.signal;

    const offMs = outsideWindowMs(signal.timeMs, clock.nowMs(), cfg.maxAgeMs);
    if (offMs !== null) {
      const what = offMs > 0 ? `${Math.round(offMs / 1_000)} s old` : `${Math.round(-offMs / 1_000)} s in the future`;
      return refuse(reply, 422, ErrorCode.InvalidInput, `Alert time ${new Date(signal.timeMs ?? 0).toISOString()} is ${what}; accepted within ${cfg.maxAgeMs / 1_000} s of now (webhook.maxAgeMs)`);
    }
    const resolved = await resolveAlertSymbol(signal.symbolInput);
    if (!resolved.ok) {
      const also = resolved.candidates.length > 0 ? ` (candidates: ${resolved.candidates.join(', ')})` : '';
      return refuse(reply, 422, ErrorCode.UnknownSymbol, `Symbol ${JSON.stringify(signal.symbolInput)}: ${resolved.reason}${also}`);
    }
    const symbol = resolved.symbol;
    const key = idempotencyKey(signal, symbol);
    const request: Record<string, unknown> = { symbol, action: signal.action };
    for (const k of ['price', 'notionalUsd', 'amountBase', 'timeMs'] as const) if (signal[k] !== undefined) request[k] = signal[k];
    // Intent first: the row exists before the order is sent, so a replay (even after a crash) finds it.
    const claim = receipts.claim({ key, receivedAtMs: clock.nowMs(), source, symbol, action: signal.action, request });
    if (!claim.claimed) {
      const r = claim.receipt;
      logger.info({ key, status: r.status }, 'webhook replay ignored');
      return reply.code(200).send({ status: r.status, duplicate: true, key, orderId: r.orderId, ...(r.errorCode ? { error: { code: r.errorCode, message: r.errorMessage } } : {}) });
    }

    const work = placeAlertOrder(host, signal, symbol, cfg.notionalUsd).then((outcome) => {
      record(key, outcome);
      return outcome;
    });
    const tracked: Promise<void> = work
      .then(
        () => undefined,
        (err: unknown) => logger.error({ key, error: err instanceof Error ? err.message : String(err) }, 'webhook receipt not updated'),
      )
      .finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);

    let cancelTimer = () => {};
    const deadline = new Promise<null>((resolve) => {
      cancelTimer = clock.setTimer(cfg.replyWithinMs, () => resolve(null));
    });
    const outcome = await Promise.race([work, deadline]).finally(() => cancelTimer());
    if (outcome === null) return reply.code(202).send({ status: 'pending', key });
    const status = statusOf(outcome);
    if (outcome.kind === 'placed') return reply.code(status).send({ status: 'placed', key, order: outcome.order });
    return refuse(reply, status, outcome.error.code, outcome.error.message, { key });
  };

  for (const path of ['/signal', '/webhook']) {
    app.post(path, (req, reply) => handle(req.body, req.headers[SECRET_HEADER], req.ip, reply));
  }

  await app.listen({ host: options.bindHost ?? '127.0.0.1', port: options.port ?? cfg.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? cfg.port);
  const shownHost = (options.bindHost ?? '127.0.0.1').includes(':') ? `[${options.bindHost}]` : (options.bindHost ?? '127.0.0.1');
  return {
    url: `http://${shownHost}:${port}`,
    port,
    async close() {
      await app.close();
      await Promise.all([...inFlight]);
    },
  };
}
