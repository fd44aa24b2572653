import { ErrorCode, RPC_METHODS, TradingStatusViewSchema, type MethodName, type RpcError } from '@perpscope/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Host } from '../host/index.js';

/** One read-only REST route: a GET over one RPC method, with its query mapped onto the method's params. */
export interface RestRoute {
  path: string;
  method: MethodName;
  summary: string;
  /** Schema of the 200 body; the method's output unless `project` narrows it. */
  reply: z.ZodType;
  /** Narrows the method's value to what the route is about. */
  project?: (value: unknown) => unknown;
}

const PositionsReplySchema = TradingStatusViewSchema.pick({ mode: true, exchange: true, account: true, positions: true });

/** The REST read endpoints; `openapi.ts` documents exactly these. */
export const REST_ROUTES: readonly RestRoute[] = [
  { path: '/api/health', method: 'health.get', summary: 'Engine and exchange health: websocket state, latency, breaker, 429s, stale symbols', reply: RPC_METHODS['health.get'].output },
  { path: '/api/rankings', method: 'rankings.query', summary: 'The latest ranking cycle, filtered, sorted and paged', reply: RPC_METHODS['rankings.query'].output },
  { path: '/api/signals', method: 'signals.list', summary: 'Recent selected signals, newest first', reply: RPC_METHODS['signals.list'].output },
  {
    path: '/api/positions',
    method: 'trading.status',
    summary: 'Open positions with the account they belong to',
    reply: PositionsReplySchema,
    project: (value) => PositionsReplySchema.parse(value),
  },
  { path: '/api/orders', method: 'orders.history', summary: 'Recent orders (every state) and fills, newest first', reply: RPC_METHODS['orders.history'].output },
];

type QueryFieldType = 'number' | 'integer' | 'boolean' | 'string' | 'array' | 'other';

const fieldTypeCache = new Map<MethodName, Map<string, QueryFieldType>>();

/** Declared JSON type of each top-level param, read once from the method's input schema. */
function queryFieldTypes(method: MethodName): Map<string, QueryFieldType> {
  const cached = fieldTypeCache.get(method);
  if (cached) return cached;
  const json = z.toJSONSchema(RPC_METHODS[method].input, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { type?: unknown }> };
  const out = new Map<string, QueryFieldType>();
  for (const [name, prop] of Object.entries(json.properties ?? {})) {
    const t = prop.type;
    out.set(name, t === 'number' || t === 'integer' || t === 'boolean' || t === 'string' || t === 'array' ? t : 'other');
  }
  fieldTypeCache.set(method, out);
  return out;
}

const NUMERIC = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** A query value as the param's type wants it; anything that does not convert stays a string so the schema names it. */
function coerce(value: string, type: QueryFieldType | undefined): unknown {
  if (type === 'number' || type === 'integer') return NUMERIC.test(value) ? Number(value) : value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/**
 * Maps a query string onto a method's params: numbers and booleans are converted where the schema
 * declares them, a repeated key becomes an array. `token` is the auth hook's, never a param.
 */
export function queryToParams(method: MethodName, query: URLSearchParams): Record<string, unknown> {
  const types = queryFieldTypes(method);
  const params: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    if (key === 'token') continue;
    const type = types.get(key);
    const values = query.getAll(key).map((v) => coerce(v, type));
    params[key] = values.length === 1 && type !== 'array' ? values[0] : values;
  }
  return params;
}

/** HTTP status for an RPC error code: the caller's fault is 4xx, an engine without the capability 501, the rest 5xx. */
export function httpStatusOf(error: RpcError): number {
  switch (error.code) {
    case ErrorCode.InvalidInput:
    case ErrorCode.BadRequest:
    case ErrorCode.BadSymbol:
    case ErrorCode.UnknownSymbol:
      return 400;
    case ErrorCode.Unauthorized:
      return 401;
    case ErrorCode.OrderNotFound:
    case ErrorCode.SecretNotFound:
      return 404;
    case ErrorCode.NotSupported:
      return 501;
    case ErrorCode.RateLimited:
    case ErrorCode.ExchangeUnavailable:
    case ErrorCode.CircuitOpen:
      return 503;
    default:
      return 500;
  }
}

/**
 * Registers the REST read endpoints. Each runs through `host.handle`, so it gets the same zod
 * validation and handler as the RPC; the token check is the server's global hook. A success is
 * the method's value as JSON; a failure is `{ error: RpcError }` with its HTTP status.
 */
export function registerRestApi(app: FastifyInstance, host: Pick<Host, 'handle'>): void {
  for (const route of REST_ROUTES) {
    app.get(route.path, async (req, reply) => {
      const params = queryToParams(route.method, new URL(req.url, 'http://localhost').searchParams);
      const res = await host.handle(route.method, params);
      reply.header('cache-control', 'no-store');
      if (!res.ok) return reply.code(httpStatusOf(res.error)).send({ error: res.error });
      return reply.send(route.project ? route.project(res.value) : res.value);
    });
  }
}
