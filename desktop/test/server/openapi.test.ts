import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, EVENT_NAMES } from '@perpscope/shared';
import { buildOpenApiDocument, OPENAPI_PATH, type OpenApiDocument } from '../../src/server/openapi.js';
import { httpStatusOf, REST_ROUTES } from '../../src/server/restApi.js';
import { SSE_PATH } from '../../src/server/sse.js';
import { liquidRow, startApiFixture, type ApiFixture } from './apiHarness.js';

type Schema = Record<string, unknown>;

const KNOWN_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'propertyNames', 'description', 'examples', '$ref', 'format', 'default']);

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

/**
 * Checks `value` against the JSON Schema subset the document uses and returns the problems found,
 * each with its path. An unknown keyword is itself a problem, so the check cannot pass by ignoring one.
 */
function validate(schema: Schema, value: unknown, root: OpenApiDocument, path = '$'): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(schema)) if (!KNOWN_KEYWORDS.has(k)) problems.push(`${path}: unsupported keyword ${k}`);
  if (typeof schema.$ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name ? root.components.schemas[name] : undefined;
    return target ? validate(target, value, root, path) : [`${path}: dangling $ref ${schema.$ref}`];
  }
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => validate(s, value, root, path).length === 0);
    if (!ok) problems.push(`${path}: matches no anyOf branch (${JSON.stringify(value)?.slice(0, 60)})`);
    return problems;
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [...problems, `${path}: expected ${types.join('|')}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ('const' in schema && schema.const !== value) problems.push(`${path}: expected const ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${path}: below minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${path}: above maximum`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${path}: shorter than minLength`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${path}: longer than maxLength`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => problems.push(...validate(schema.items as Schema, v, root, `${path}[${i}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) problems.push(`${path}.${r}: required but missing`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) problems.push(...validate(props[k], v, root, `${path}.${k}`));
      else if (schema.additionalProperties === false) problems.push(`${path}.${k}: not in the schema`);
      else if (typeof schema.additionalProperties === 'object') problems.push(...validate(schema.additionalProperties as Schema, v, root, `${path}.${k}`));
    }
  }
  return problems;
}

let fx: ApiFixture;
let doc: OpenApiDocument;
beforeAll(async () => {
  fx = await startApiFixture();
  await liquidRow(fx);
  const res = await fx.get(OPENAPI_PATH);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
}, 120_000);
afterAll(() => fx?.stop());

describe('GET /api/openapi.json', () => {
  it('requires the token', async () => {
    expect((await fetch(`${fx.server.url}${OPENAPI_PATH}`)).status).toBe(401);
  });

  it('is a well-formed OpenAPI 3.1 document with the bearer scheme applied everywhere', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title.length).toBeGreaterThan(0);
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc.servers, 'the server it was fetched from').toEqual([{ url: fx.server.url }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const requirement of doc.security) for (const name of Object.keys(requirement)) expect(doc.components.securitySchemes, `scheme ${name} is defined`).toHaveProperty(name);
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path, 'paths start with /').toMatch(/^\//);
      expect(Object.keys(item), `${path}: GET only`).toEqual(['get']);
      const op = item.get;
      expect(operationIds.has(op.operationId), `${op.operationId} unique`).toBe(false);
      operationIds.add(op.operationId);
      expect(op.responses['200'], `${path}: a 200 response`).toBeDefined();
      expect(op.responses['401'], `${path}: a 401 response`).toBeDefined();
      for (const [status, response] of Object.entries(op.responses)) {
        expect(status, `${path}: status codes`).toMatch(/^[1-5]\d\d$/);
        expect(response.description.length, `${path} ${status}: description`).toBeGreaterThan(0);
      }
      for (const p of op.parameters) {
        expect(p.in).toBe('query');
        expect(typeof p.name).toBe('string');
        expect(p.schema, `${path} ${p.name}: a schema`).toBeTypeOf('object');
        expect(p.schema.$schema, 'no per-schema dialect').toBeUndefined();
      }
    }
    expect(JSON.stringify(doc), 'no per-schema $schema anywhere').not.toContain('"$schema"');
  });

  it('covers every REST route, the event stream, the metrics and itself', () => {
    expect(Object.keys(doc.paths).sort()).toEqual([...REST_ROUTES.map((r) => r.path), SSE_PATH, '/metrics', OPENAPI_PATH].sort());
    expect(doc.paths['/api/rankings']!.get.parameters.map((p) => p.name), 'the rankings.query params').toEqual(
      expect.arrayContaining(['profile', 'search', 'watchlist', 'minQuoteVolumeUsd', 'maxManipScore', 'sortBy', 'sortDir', 'offset', 'limit']),
    );
    const limit = doc.paths['/api/rankings']!.get.parameters.find((p) => p.name === 'limit')!;
    expect(limit, 'the input constraints carry over').toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 5000 } });
    expect(doc.paths['/api/positions']!.get.parameters, 'trading.status takes no params').toEqual([]);
    const types = doc.paths[SSE_PATH]!.get.parameters[0]!;
    for (const name of EVENT_NAMES) expect(types.description, `the types param names ${name}`).toContain(name);
  });

  it("every REST route's live 200 body validates against its documented schema", async () => {
    for (const route of REST_ROUTES) {
      const schema = doc.paths[route.path]!.get.responses['200']!.content!['application/json']!.schema;
      const body = (await (await fx.get(route.path)).json()) as unknown;
      expect(validate(schema, body, doc), `${route.path} matches its schema`).toEqual([]);
    }
  });

  it('the documented error schema matches a real 400, and the checker does catch a mismatch', async () => {
    const bad = await fx.get('/api/rankings?limit=abc');
    expect(bad.status).toBe(400);
    const errorSchema = doc.paths['/api/rankings']!.get.responses['400']!.content!['application/json']!.schema;
    expect(validate(errorSchema, await bad.json(), doc)).toEqual([]);
    const health = (await (await fx.get('/api/health')).json()) as Record<string, unknown>;
    const healthSchema = doc.paths['/api/health']!.get.responses['200']!.content!['application/json']!.schema;
    expect(validate(healthSchema, { ...health, engine: 'flying' }, doc).join('\n'), 'a wrong enum value').toContain('$.engine');
    const { symbolsTracked: _dropped, ...missing } = health;
    expect(validate(healthSchema, missing, doc).join('\n'), 'a missing field').toContain('symbolsTracked: required');
  });

  it('documents every status a REST read can answer: each error code through httpStatusOf, and the request hook\'s 401, 403 and 421', () => {
    const commandStatuses = new Set(Object.values(ErrorCode).map((code) => String(httpStatusOf({ code, message: '' }))));
    expect([...commandStatuses], 'the mapping has more than the old 400/401/500').toEqual(expect.arrayContaining(['404', '501', '503']));
    for (const route of REST_ROUTES) {
      const documented = Object.keys(doc.paths[route.path]!.get.responses).sort();
      expect(documented, route.path).toEqual([...new Set(['200', ...commandStatuses, '401', '403', '421'])].sort());
    }
    expect(doc.paths['/api/positions']!.get.responses['501']!.description, 'names the codes behind the status').toContain(ErrorCode.NotSupported);
    for (const path of ['/metrics', OPENAPI_PATH, SSE_PATH]) {
      expect(Object.keys(doc.paths[path]!.get.responses), `${path}: the request hook's refusals`).toEqual(expect.arrayContaining(['401', '403', '421']));
    }
  });

  it('builds the same document without a server', () => {
    const { servers: _servers, ...served } = doc;
    expect(buildOpenApiDocument()).toEqual(served);
  });
});
