import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, HealthViewSchema, RPC_METHODS, TradingStatusViewSchema } from '@perpscope/shared';
import { REST_ROUTES, httpStatusOf, queryToParams } from '../../src/server/restApi.js';
import { until } from '../../../test/support/sim.js';
import { liquidRow, placePaperBuy, startApiFixture, TOKEN, type ApiFixture } from './apiHarness.js';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await startApiFixture();
  await liquidRow(fx);
}, 120_000);
afterAll(() => fx?.stop());

interface ErrorBody {
  error: { code: string; message: string; details?: { method?: string; issues?: { path: string; received: string; expected: string }[] } };
}

describe('REST API: authentication', () => {
  it('every route answers 401 without a token and with a wrong one, 200 with the bearer token', async () => {
    for (const { path } of REST_ROUTES) {
      const bare = await fetch(`${fx.server.url}${path}`);
      expect(bare.status, `${path} without a token`).toBe(401);
      expect(((await bare.json()) as ErrorBody).error.code, path).toBe(ErrorCode.Unauthorized);
      const wrong = await fetch(`${fx.server.url}${path}`, { headers: { authorization: 'Bearer not-the-token' } });
      expect(wrong.status, `${path} with a wrong token`).toBe(401);
      const good = await fx.get(path);
      expect(good.status, `${path} with the token: ${await good.clone().text()}`).toBe(200);
      expect(good.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });

  it('accepts the session cookie the UI holds, and swaps a ?token= for that cookie', async () => {
    const cookie = `perpscope_token_${fx.server.port}=${TOKEN}`;
    const byCookie = await fetch(`${fx.server.url}/api/health`, { headers: { cookie } });
    expect(byCookie.status, 'cookie auth').toBe(200);
    const byQuery = await fetch(`${fx.server.url}/api/orders?token=${TOKEN}&limit=3`, { redirect: 'manual' });
    expect(byQuery.status, 'query token is swapped for a cookie').toBe(303);
    expect(byQuery.headers.get('location'), 'the token leaves the URL, the params stay').toBe('/api/orders?limit=3');
    expect(byQuery.headers.get('set-cookie')).toContain(cookie);
  });
});

describe('REST API: the same handlers as the RPC', () => {
  it('GET /api/health is health.get', async () => {
    const body = HealthViewSchema.parse(await (await fx.get('/api/health')).json());
    expect(body.engine, 'the sim engine runs').toBe('running');
    expect(body.symbolsTracked, 'the sim universe is tracked').toBeGreaterThan(0);
  });

  it('GET /api/rankings maps the query onto rankings.query, numbers coerced', async () => {
    const res = await fx.get('/api/rankings?limit=3&profile=swing&sortBy=quoteVolume24hUsd&sortDir=desc&minQuoteVolumeUsd=0');
    expect(res.status, await res.clone().text()).toBe(200);
    const body = RPC_METHODS['rankings.query'].output.parse(await res.json());
    expect(body.profile, 'the profile param reached the host').toBe('swing');
    expect(body.rows.length, 'limit=3 was applied as a number').toBe(3);
    const volumes = body.rows.map((r) => r.quoteVolume24hUsd ?? 0);
    expect(volumes, 'sorted by volume, descending').toEqual([...volumes].sort((a, b) => b - a));
    const direct = await fx.host.call('rankings.query', { limit: 3, profile: 'swing', sortBy: 'quoteVolume24hUsd', sortDir: 'desc' });
    expect(direct.ok && direct.value.total, 'same total as the RPC').toBe(body.total);
  });

  it('GET /api/signals and /api/orders take their limits', async () => {
    const signals = await fx.get('/api/signals?limit=5');
    expect(signals.status).toBe(200);
    const s = RPC_METHODS['signals.list'].output.parse(await signals.json());
    expect(s.signals.length).toBeLessThanOrEqual(5);
    const orders = await fx.get('/api/orders?limit=1');
    expect(orders.status).toBe(200);
    expect(RPC_METHODS['orders.history'].output.parse(await orders.json()).orders.length).toBeLessThanOrEqual(1);
  });

  it('a paper order shows in /api/orders and its position in /api/positions', async () => {
    const row = await liquidRow(fx);
    const order = await placePaperBuy(fx, row.symbol);
    const history = RPC_METHODS['orders.history'].output.parse(await (await fx.get('/api/orders?limit=20')).json());
    expect(history.orders.map((o) => o.id), 'the order placed through the host').toContain(order.id);
    expect(history.fills.some((f) => f.orderId === order.id), 'and its fill').toBe(true);
    const positions = await until('the position in /api/positions', async () => {
      const body = TradingStatusViewSchema.pick({ mode: true, exchange: true, account: true, positions: true }).strict().parse(await (await fx.get('/api/positions')).json());
      return body.positions.some((p) => p.symbol === row.symbol) ? body : null;
    });
    expect(positions.mode).toBe('paper');
    expect(positions.account?.equityUsd, 'the paper account').toBeGreaterThan(0);
  });
});

describe('REST API: bad params are 400 with the RPC error', () => {
  it.each([
    ['/api/rankings?limit=abc', 'limit', '"abc"', 'a number'],
    ['/api/rankings?limit=0', 'limit', '0', '>=1'],
    ['/api/rankings?limit=1.5', 'limit', '1.5', 'int'],
    ['/api/rankings?sortBy=nope', 'sortBy', '"nope"', '"rank"'],
    ['/api/rankings?limit=1&limit=2', 'limit', '[1,2]', 'a number'],
    ['/api/signals?bogus=1', 'bogus', 'an unknown field', 'no field named "bogus"'],
    ['/api/positions?x=1', 'x', 'an unknown field', 'no field named "x"'],
    ['/api/orders?limit=5000', 'limit', '5000', '<=1000'],
  ])('%s names %s', async (path, field, received, expected) => {
    const res = await fx.get(path);
    expect(res.status, path).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe(ErrorCode.InvalidInput);
    const issue = body.error.details?.issues?.find((i) => i.path === field);
    expect(issue, `an issue for ${field} in ${JSON.stringify(body)}`).toBeDefined();
    expect(issue!.received, 'the value received').toBe(received);
    expect(issue!.expected, 'what was expected').toContain(expected);
    expect(body.error.message, 'the message names the field').toContain(field);
  });
});

describe('REST API: query mapping', () => {
  it('converts only what the schema declares numeric, keeps strings, drops the auth token', () => {
    const q = new URLSearchParams('limit=20&profile=123&search=BTC&token=abc&minQuoteVolumeUsd=1e6');
    expect(queryToParams('rankings.query', q)).toEqual({ limit: 20, profile: '123', search: 'BTC', minQuoteVolumeUsd: 1_000_000 });
    expect(queryToParams('rankings.query', new URLSearchParams('limit=')), 'an empty number stays a string for zod to name').toEqual({ limit: '' });
  });

  it('maps error codes to statuses by whose fault it is', () => {
    expect(httpStatusOf({ code: ErrorCode.InvalidInput, message: '' })).toBe(400);
    expect(httpStatusOf({ code: ErrorCode.NotSupported, message: '' })).toBe(501);
    expect(httpStatusOf({ code: ErrorCode.Internal, message: '' })).toBe(500);
  });
});
