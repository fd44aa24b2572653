import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, type HealthView } from '@perpscope/shared';
import { createHost } from '../../src/host/index.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { startServer, tokensMatch, type RunningServer } from '../../src/server/index.js';
import { MAX_IN_FLIGHT } from '../../src/server/rpcSocket.js';
import { bareEngine, rankingRow, snapshot } from '../support/fakes.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.reject(new Error('unused')),
  delete: () => Promise.reject(new Error('unused')),
  list: () => Promise.resolve([]),
};

const TOKEN = 'test-token-0123456789';
const engine = bareEngine();
let server: RunningServer;

beforeAll(async () => {
  const rendererDir = mkdtempSync(join(tmpdir(), 'perpscope-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Perpscope</title><script type="module" src="./app.js"></script>');
  writeFileSync(join(rendererDir, 'app.js'), 'export {};');
  const host = createHost({ engine: { ...engine, rankings: { latest: () => snapshot([rankingRow('BTC/USDT:USDT', 1)]) } }, secrets: noSecrets });
  server = await startServer({ port: 0, token: TOKEN, hostService: host, rendererDir });
});
afterAll(async () => {
  await server.close();
});

/** Opens an RPC socket and collects its frames. */
async function openSocket(headers: Record<string, string>, baseUrl?: string): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`${(baseUrl ?? server.url).replace('http', 'ws')}/rpc`, { headers });
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const next = () => {
    const m = queue.shift();
    return m ? Promise.resolve(m) : new Promise<Record<string, unknown>>((resolve) => waiters.push(resolve));
  };
  return { ws, next };
}

describe('server mode: authentication', () => {
  it('binds 127.0.0.1 by default', () => {
    expect(server.url, 'url').toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.openUrl, 'open url').toBe(`${server.url}/?token=${TOKEN}`);
  });

  it('answers 401 without a token and with a wrong one, with the CSP header', async () => {
    for (const [what, init, path] of [
      ['no token', {}, '/'],
      ['wrong bearer', { headers: { authorization: 'Bearer nope' } }, '/'],
      ['wrong query token', {}, '/?token=nope'],
      ['wrong cookie', { headers: { cookie: `perpscope_token_${server.port}=nope` } }, '/'],
      ['asset without token', {}, '/app.js'],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { ...init, redirect: 'manual' });
      expect(res.status, what).toBe(401);
      expect(res.headers.get('content-security-policy'), `${what}: CSP`).toContain("script-src 'self'");
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code, what).toBe(ErrorCode.Unauthorized);
    }
  });

  it('serves the page with the right bearer token under a strict CSP', async () => {
    const res = await fetch(`${server.url}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp, 'script-src').toMatch(/script-src 'self'(;|$)/);
    expect(csp, 'no inline scripts').not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(res.headers.get('referrer-policy'), 'token never leaks in Referer').toBe('no-referrer');
    expect(await res.text()).toContain('<title>Perpscope</title>');
  });

  it('swaps a ?token= page URL for an HttpOnly cookie and a clean URL', async () => {
    const first = await fetch(server.openUrl, { redirect: 'manual' });
    expect(first.status, 'redirect').toBe(303);
    expect(first.headers.get('location'), 'token removed from the URL').toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie, 'cookie flags').toMatch(/HttpOnly/);
    expect(cookie, 'cookie flags').toMatch(/SameSite=Strict/);
    const page = await fetch(`${server.url}/`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(page.status, 'page by cookie').toBe(200);
    const asset = await fetch(`${server.url}/app.js`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(asset.status, 'asset by cookie').toBe(200);
  });

  it('refuses RPC sockets without a token, with a wrong one, and from another origin', async () => {
    await expect(openSocket({}), 'no token').rejects.toThrow('HTTP 401');
    await expect(openSocket({ authorization: 'Bearer wrong' }), 'wrong token').rejects.toThrow('HTTP 401');
    await expect(openSocket({ authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' }), 'cross-origin').rejects.toThrow('HTTP 403');
  });

  it('compares tokens by digest', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
    expect(tokensMatch('abc', '')).toBe(false);
    expect(tokensMatch('abc', undefined)).toBe(false);
  });
});

describe('server mode: RPC over WebSocket', () => {
  it('answers bad frames with clear errors and keeps serving', async () => {
    const { ws, next } = await openSocket({ authorization: `Bearer ${TOKEN}` });
    ws.send('{not json');
    expect(await next(), 'not JSON').toMatchObject({ id: null, result: { ok: false, error: { code: ErrorCode.InvalidInput, message: expect.stringContaining('not JSON') } } });
    ws.send(JSON.stringify({ method: 'health.get' }));
    expect(await next(), 'no id').toMatchObject({ id: null, result: { ok: false, error: { code: ErrorCode.InvalidInput, message: expect.stringContaining('id') } } });
    ws.send(JSON.stringify({ id: 1, method: 'no.such', params: {} }));
    expect(await next(), 'unknown method').toMatchObject({ id: 1, result: { ok: false, error: { code: ErrorCode.InvalidInput } } });
    ws.send(JSON.stringify({ id: 2, method: 'candles.get', params: { symbol: 'BTC/USDT:USDT', timeframe: '2w', limit: 'all' } }));
    const bad = (await next()) as { id: number; result: { ok: false; error: { message: string } } };
    expect(bad.id).toBe(2);
    expect(bad.result.error.message, 'timeframe named').toMatch(/timeframe: got "2w", expected one of/);
    expect(bad.result.error.message, 'limit named').toMatch(/limit: got "all", expected a number/);
    ws.send(JSON.stringify({ id: 3, method: 'rankings.query', params: { limit: 1 } }));
    expect(await next(), 'still serving').toMatchObject({ id: 3, result: { ok: true, value: { total: 1, rows: [{ symbol: 'BTC/USDT:USDT' }] } } });
    ws.close();
  });

  it('answers a flood beyond the in-flight cap with RATE_LIMITED instead of queueing it', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const health: HealthView = { asOfMs: 1, engine: 'running', exchanges: [], symbolsTracked: 0, symbolsStale: 0 };
    const gated = await startServer({
      port: 0,
      token: TOKEN,
      rendererDir: '/nonexistent',
      hostService: createHost({ engine: { ...bareEngine(), health: { get: () => gate.then(() => health) } }, secrets: noSecrets }),
    });
    try {
      const { ws, next } = await openSocket({ authorization: `Bearer ${TOKEN}` }, gated.url);
      const extra = 5;
      for (let id = 1; id <= MAX_IN_FLIGHT + extra; id++) ws.send(JSON.stringify({ id, method: 'health.get', params: {} }));
      const limited: unknown[] = [];
      for (let i = 0; i < extra; i++) limited.push(await next());
      expect(limited, 'the requests beyond the cap are refused at once').toEqual(
        Array.from({ length: extra }, (_, i) => ({ id: MAX_IN_FLIGHT + 1 + i, result: { ok: false, error: { code: ErrorCode.RateLimited, message: expect.stringContaining('in flight') } } })),
      );
      release();
      const answered: { result: { ok: boolean } }[] = [];
      for (let i = 0; i < MAX_IN_FLIGHT; i++) answered.push((await next()) as (typeof answered)[number]);
      expect(answered.every((r) => r.result.ok), 'the first ones are answered').toBe(true);
      ws.close();
    } finally {
      await gated.close();
    }
  });

  it('pushes engine events to connected sockets', async () => {
    const { ws, next } = await openSocket({ authorization: `Bearer ${TOKEN}` });
    engine.emit({ event: 'alert', data: { id: 'a1', level: 'warn', kind: 'test', message: 'hello', symbol: null, atMs: 1 } });
    expect(await next()).toEqual({ event: 'alert', data: { id: 'a1', level: 'warn', kind: 'test', message: 'hello', symbol: null, atMs: 1 } });
    ws.close();
  });
});

describe('server mode: startup', () => {
  it('reports a busy port clearly', async () => {
    const host = createHost({ engine: bareEngine(), secrets: noSecrets });
    await expect(startServer({ port: server.port, hostService: host, rendererDir: '/nonexistent' })).rejects.toThrow(/port \d+ is already in use \(try --port 0\)/);
  });
});
