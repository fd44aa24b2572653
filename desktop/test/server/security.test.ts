import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RPC_FRAME_LIMITS } from '@perpscope/shared';
import { APP_CSP } from '../../src/main/security.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { allowedHostNames, hostHeaderName } from '../../src/server/hostAllowList.js';
import { MAX_PAYLOAD_BYTES } from '../../src/server/rpcSocket.js';
import { recordingHost } from './recordingHost.js';
import { openRpcSocket } from './wsClient.js';

const TOKEN = 'security-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const fixture = recordingHost();
let server: RunningServer;

beforeAll(async () => {
  const rendererDir = mkdtempSync(join(tmpdir(), 'perpscope-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Perpscope</title>');
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'assets', 'index-abc123.js'), 'export const built = 1;');
  writeFileSync(join(tmpdir(), 'perpscope-outside.txt'), 'outside the renderer');
  server = await startServer({ port: 0, token: TOKEN, hostService: fixture.host, rendererDir });
});
afterAll(async () => {
  await server.close();
});

/** A raw GET with a chosen Host header (fetch forbids setting Host). */
function getWithHost(path: string, host: string, headers: Record<string, string> = auth): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, headers: { ...headers, host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const nested = (depth: number, open = '{"a":', close = '}') => `${open.repeat(depth)}1${close.repeat(depth)}`;

describe('RPC frames that used to kill the server', () => {
  it('answers a 10 KB deeply nested frame with INVALID_INPUT naming the depth limit, then keeps serving', async () => {
    const rpc = await openRpcSocket(server.url, auth);
    const arrays = `{"id":1,"method":"settings.set","params":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const objects = `{"id":2,"method":"orders.place","params":${nested(1700)}}`;
    expect(arrays.length, 'about 10 KB').toBeGreaterThan(9_000);
    for (const [id, frame] of [[1, arrays], [2, objects]] as const) {
      const reply = await rpc.call(frame);
      expect(reply.result.ok, `frame ${id}`).toBe(false);
      if (reply.result.ok) continue;
      expect(reply.result.error.code, `frame ${id}`).toBe(ErrorCode.InvalidInput);
      expect(reply.result.error.message, `frame ${id} names the limit`).toContain(`limit of ${RPC_FRAME_LIMITS.maxDepth} levels (maxDepth)`);
    }
    const health = await rpc.call({ id: 3, method: 'health.get', params: {} });
    expect(health, 'still serving').toMatchObject({ id: 3, result: { ok: true, value: { engine: 'running' } } });
    rpc.ws.close();
  });

  it('refuses params nested just past the limit but accepts legitimate depth', async () => {
    const rpc = await openRpcSocket(server.url, auth);
    // The frame object is level 1 and params level 2, so `values` may nest maxDepth - 2 levels.
    const past = await rpc.call(`{"id":1,"method":"settings.set","params":{"values":${nested(RPC_FRAME_LIMITS.maxDepth - 1)}}}`);
    expect(past.result.ok ? 'ok' : past.result.error.message, 'too deep by one').toMatch(/maxDepth/);
    const fine = await rpc.call(`{"id":2,"method":"settings.set","params":{"values":${nested(RPC_FRAME_LIMITS.maxDepth - 2)}}}`);
    expect(fine.result.ok ? 'ok' : fine.result.error.message, 'a legal depth reaches the schema').toMatch(/values\.a: got .*expected/);
    rpc.ws.close();
  });

  it('answers an oversized frame with INVALID_INPUT naming the size limit, and closes only beyond the transport cap', async () => {
    const rpc = await openRpcSocket(server.url, auth);
    const big = JSON.stringify({ id: 1, method: 'watchlists.save', params: { name: 'x', symbols: ['A'.repeat(RPC_FRAME_LIMITS.maxBytes)] } });
    const reply = await rpc.call(big);
    expect(reply).toMatchObject({ id: null, result: { ok: false, error: { code: ErrorCode.InvalidInput, message: expect.stringContaining(`limit of ${RPC_FRAME_LIMITS.maxBytes} bytes (maxBytes)`) } } });
    expect((await rpc.call({ id: 2, method: 'health.get', params: {} })).result.ok, 'still serving').toBe(true);
    rpc.ws.send('x'.repeat(MAX_PAYLOAD_BYTES + 1));
    expect(await rpc.closed, 'message too big').toBe(1009);
    const again = await openRpcSocket(server.url, auth);
    expect((await again.call({ id: 3, method: 'health.get', params: {} })).result.ok, 'server alive after the close').toBe(true);
    again.ws.close();
  });
});

describe('in-process calls (the Electron IPC path)', () => {
  it('answers deep and cyclic params with INVALID_INPUT instead of throwing', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const [what, params] of [['deep', deep], ['cyclic', { values: cyclic }]] as const) {
      const res = await fixture.host.handle('settings.set', params);
      expect(res.ok ? 'ok' : res.error.code, what).toBe(ErrorCode.InvalidInput);
      expect(res.ok ? '' : res.error.message, `${what}: names the limit`).toContain('(limit maxDepth)');
    }
  });
});

describe('prototype keys', () => {
  it('refuses __proto__, constructor and prototype anywhere in params, over the socket and in-process', async () => {
    const rpc = await openRpcSocket(server.url, auth);
    const writesBefore = fixture.settingsWrites.length;
    const cases = [
      `{"id":1,"method":"settings.set","params":{"values":{"__proto__":1}}}`,
      `{"id":2,"method":"settings.set","params":{"values":{"__proto__":{"mode":"live"}}}}`,
      `{"id":3,"method":"profiles.apply","params":{"name":"swing","weights":{"constructor":1}}}`,
      `{"id":4,"method":"orders.place","params":{"symbol":"BTC/USDT:USDT","side":"buy","type":"market","amountBase":1,"prototype":{}}}`,
      `{"id":5,"method":"health.get","params":{},"__proto__":{"x":1}}`,
    ];
    for (const [i, frame] of cases.entries()) {
      const reply = await rpc.call(frame);
      expect(reply.id, `case ${i + 1} keeps its id`).toBe(i + 1);
      expect(reply.result.ok ? 'ok' : reply.result.error.code, `case ${i + 1}`).toBe(ErrorCode.InvalidInput);
      if (!reply.result.ok) expect(reply.result.error.message, `case ${i + 1} names the key`).toMatch(/__proto__|constructor|prototype/);
    }
    rpc.ws.close();
    for (const params of [JSON.parse('{"values":{"__proto__":1}}'), { values: { constructor: 1 } }]) {
      const res = await fixture.host.handle('settings.set', params);
      expect(res.ok ? 'ok' : res.error.code, 'in-process (Electron IPC) path').toBe(ErrorCode.InvalidInput);
    }
    expect(fixture.settingsWrites.length, 'nothing saved').toBe(writesBefore);
    expect(fixture.orders.placed, 'no order placed').toEqual([]);
  });
});

describe('Host allow-list (DNS-rebinding defense)', () => {
  it('serves loopback names and refuses any other Host with 421', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, '127.0.0.1']) {
      expect((await getWithHost('/', host)).status, host).toBe(200);
    }
    for (const host of [`evil.example:${server.port}`, `127.0.0.1.nip.io:${server.port}`, `localhost.evil.example`, '[evil]', 'a b']) {
      const res = await getWithHost('/', host);
      expect(res.status, JSON.stringify(host)).toBe(421);
      expect(res.body, 'names the allowed hosts').toContain('127.0.0.1, localhost, [::1]');
    }
    // Refused before the token check: a rebinding page learns nothing about the token.
    expect((await getWithHost('/', `evil.example:${server.port}`, {})).status, 'no token, foreign host').toBe(421);
  });

  it('refuses a WebSocket upgrade with a foreign Host', async () => {
    await expect(openRpcSocket(server.url, { ...auth, host: `evil.example:${server.port}` })).rejects.toThrow('HTTP 421');
    const rpc = await openRpcSocket(server.url, { ...auth, host: `localhost:${server.port}` });
    expect((await rpc.call({ id: 1, method: 'health.get', params: {} })).result.ok, 'localhost upgrade').toBe(true);
    rpc.ws.close();
  });

  it('adds the configured bind host, extra names, and the interface addresses of a wildcard bind', () => {
    const ifaces = { eth0: [{ address: '192.168.1.20', family: 'IPv4' }, { address: 'fe80::1', family: 'IPv6' }, { address: 'fe80::2%eth0', family: 'IPv6' }] } as never;
    expect([...allowedHostNames('127.0.0.1', [], ifaces)].sort()).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect(allowedHostNames('10.0.0.5', ['Box.LAN'], ifaces)).toEqual(new Set(['127.0.0.1', 'localhost', '[::1]', '10.0.0.5', 'box.lan']));
    expect(allowedHostNames('0.0.0.0', [], ifaces)).toEqual(new Set(['127.0.0.1', 'localhost', '[::1]', '192.168.1.20', '[fe80::1]']));
    expect(hostHeaderName('[::1]:7420')).toBe('[::1]');
    expect(hostHeaderName('LocalHost.:80')).toBe('localhost');
    expect(hostHeaderName('evil.example:80:80')).toBeNull();
    expect(hostHeaderName(undefined)).toBeNull();
  });
});

describe('static files (@fastify/static 9)', () => {
  it('serves the page and hashed assets in a subfolder, and nothing outside the renderer', async () => {
    const page = await getWithHost('/', `127.0.0.1:${server.port}`);
    expect(page.status, 'index').toBe(200);
    expect(page.body).toContain('<title>Perpscope</title>');
    const asset = await fetch(`${server.url}/assets/index-abc123.js`, { headers: auth });
    expect(asset.status, 'asset').toBe(200);
    expect(asset.headers.get('content-type') ?? '', 'asset type').toMatch(/javascript/);
    expect(await asset.text()).toContain('built = 1');
    for (const path of ['/../perpscope-outside.txt', '/%2e%2e/perpscope-outside.txt', '/assets/..%2f..%2fperpscope-outside.txt', '/assets/%2e%2e%2f%2e%2e%2fperpscope-outside.txt']) {
      const res = await getWithHost(path, `127.0.0.1:${server.port}`);
      expect(res.body, path).not.toContain('outside the renderer');
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('CSP', () => {
  it("limits connect-src to 'self' (no ws: or wss: to any host)", async () => {
    const res = await fetch(`${server.url}/`, { headers: auth });
    const csp = res.headers.get('content-security-policy') ?? '';
    const connect = /connect-src ([^;]*)/.exec(csp)?.[1];
    expect(connect, 'connect-src').toBe("'self'");
  });

  it("the renderer's own CSP (meta tag, also used by the Electron window) limits connect-src to 'self'", () => {
    const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1] ?? '';
    expect(/connect-src ([^;]*)/.exec(meta)?.[1], 'renderer meta CSP').toBe("'self'");
    expect(/connect-src ([^;]*)/.exec(APP_CSP)?.[1], 'Electron session CSP').toBe("'self'");
  });
});
