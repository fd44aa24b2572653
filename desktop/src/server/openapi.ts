import { ErrorCode, EVENT_NAMES, RPC_METHODS, RpcErrorSchema } from '@perpscope/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { httpStatusOf, REST_ROUTES, type RestRoute } from './restApi.js';
import { SSE_PATH } from './sse.js';

/** Where the document is served. */
export const OPENAPI_PATH = '/api/openapi.json';

/** Version of the REST contract (not of the app); bumped when a route or its schema changes incompatibly. */
export const API_VERSION = '1.0.0';

type JsonSchema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  parameters: Parameter[];
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  servers?: { url: string }[];
  security: Record<string, string[]>[];
  components: { securitySchemes: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> };
  paths: Record<string, { get: Operation }>;
}

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** A zod schema as embedded JSON Schema: the document declares the dialect once, so `$schema` goes. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const errorRef = { $ref: '#/components/schemas/Error' };
type Responses = Operation['responses'];

/** What the request hook answers before any route runs (startServer's Host, token and Origin checks). */
const AUTH_RESPONSES: Readonly<Record<string, string>> = {
  '401': 'Missing or wrong token',
  '403': 'Cross-origin request refused',
  '421': 'The Host header names a host this server does not serve (DNS-rebinding defense)',
};

/** Why a host command's error gets each status; the codes behind it are listed from `httpStatusOf`. */
const STATUS_MEANING: Readonly<Record<string, string>> = {
  '400': 'Invalid query parameters: the error names each field, the value received and what was expected',
  '401': 'Not authorized',
  '404': 'Not found',
  '500': 'The host failed to answer',
  '501': 'This host does not offer the command (no trader in scan mode, say)',
  '503': 'The exchange is unavailable or rate limited: retry later',
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });

/** The request hook's refusals: every route, the UI's included, can answer them. */
const authResponses: Responses = Object.fromEntries(Object.entries(AUTH_RESPONSES).map(([status, d]) => [status, errorResponse(d)]));

/**
 * Every error status a REST read can answer: each RPC error code through `httpStatusOf` (the
 * routes' own mapping, so a new code or status shows up here by itself), then the hook's.
 */
function commandErrorResponses(): Responses {
  const codesByStatus = new Map<string, string[]>();
  for (const code of Object.values(ErrorCode)) {
    const status = String(httpStatusOf({ code, message: '' }));
    codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
  }
  const out: Responses = {};
  for (const [status, codes] of [...codesByStatus].sort(([a], [b]) => a.localeCompare(b))) {
    const meaning = [AUTH_RESPONSES[status], STATUS_MEANING[status] ?? 'Error'].filter(Boolean).join('; ');
    out[status] = errorResponse(`${meaning}. Error codes: ${codes.join(', ')}`);
  }
  return { ...authResponses, ...out };
}

const errorResponses = commandErrorResponses();

/** Query parameters of a route: the top-level fields of its method's input schema. */
function parametersOf(route: RestRoute): Parameter[] {
  const input = jsonSchema(RPC_METHODS[route.method].input, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const required = new Set(input.required ?? []);
  return Object.entries(input.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema as JsonSchema & { description?: string };
    return { name, in: 'query' as const, required: required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

const operationId = (path: string) => `get${path.split('/').pop()!.replace(/^\w/, (c) => c.toUpperCase()).replace(/\.json$/, '')}`;

function restOperation(route: RestRoute): Operation {
  return {
    operationId: operationId(route.path),
    summary: route.summary,
    tags: ['read'],
    parameters: parametersOf(route),
    responses: {
      '200': { description: `The value of the \`${route.method}\` RPC method`, content: { 'application/json': { schema: jsonSchema(route.reply, 'output') } } },
      ...errorResponses,
    },
  };
}

/**
 * The OpenAPI 3.1 description of every HTTP route but the UI: the REST reads (schemas generated
 * from the RPC contract's zod schemas, params as input, replies as output), the event stream, the
 * metrics and this document. Every route requires the bearer token (or the session cookie).
 */
export function buildOpenApiDocument(options: { serverUrl?: string } = {}): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of REST_ROUTES) paths[route.path] = { get: restOperation(route) };
  paths[SSE_PATH] = {
    get: {
      operationId: 'getEvents',
      summary: 'Host events as Server-Sent Events: `event: <name>` and one line of JSON `data` each, a comment heartbeat every 15 s',
      tags: ['stream'],
      parameters: [
        {
          name: 'types',
          in: 'query',
          required: false,
          description: `Comma-separated event names to receive; all when absent. One of: ${EVENT_NAMES.join(', ')}`,
          schema: { type: 'string', examples: ['ranking,fill'] },
        },
      ],
      responses: {
        '200': { description: 'An open event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '400': errorResponse('An unknown event name in `types` (INVALID_INPUT, field `types`)'),
        ...authResponses,
      },
    },
  };
  paths['/metrics'] = {
    get: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (text exposition format 0.0.4), every series prefixed perpscope_',
      tags: ['ops'],
      parameters: [],
      responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...authResponses },
    },
  };
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'getOpenapi',
      summary: 'This document',
      tags: ['ops'],
      parameters: [],
      responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } }, ...authResponses },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Perpscope headless server API',
      version: API_VERSION,
      description:
        'Read-only REST over the same host commands as the RPC WebSocket at /rpc. Authenticate with `Authorization: Bearer <token>` (the token `perpscope serve` prints) or the session cookie the UI sets.',
    },
    jsonSchemaDialect: DIALECT,
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The server token' } },
      schemas: { Error: jsonSchema(z.object({ error: RpcErrorSchema }), 'output') },
    },
    paths,
  };
}

/** Serves the document at `/api/openapi.json`; it is built once, from code only. */
export function registerOpenApi(app: FastifyInstance, options: { serverUrl?: () => string } = {}): void {
  let document: OpenApiDocument | undefined;
  app.get(OPENAPI_PATH, (_req, reply) => {
    document ??= buildOpenApiDocument(options.serverUrl ? { serverUrl: options.serverUrl() } : {});
    return reply.header('cache-control', 'no-store').send(document);
  });
}
