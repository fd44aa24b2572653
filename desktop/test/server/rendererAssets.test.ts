import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost } from '../../src/host/index.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { rendererCacheControl, startServer, type RunningServer } from '../../src/server/startServer.js';
import { bareEngine } from '../support/fakes.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.reject(new Error('unused')),
  delete: () => Promise.reject(new Error('unused')),
  list: () => Promise.resolve([]),
};

const TOKEN = 'test-token-renderer-assets';
const CHUNK = `export const rows = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `S${i}/USDT:USDT`))};`;
let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'perpscope-renderer-assets-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><script type="module" src="./assets/index-AbC123.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'index-AbC123.js'), CHUNK);
  writeFileSync(join(rendererDir, 'assets', 'index-AbC123.js.gz'), gzipSync(CHUNK));
  writeFileSync(join(rendererDir, 'assets', 'index-AbC123.js.br'), brotliCompressSync(CHUNK));
  writeFileSync(join(rendererDir, 'assets', 'index-AbC123.css'), 'body { color: red }');
  server = await startServer({ port: 0, token: TOKEN, hostService: createHost({ engine: bareEngine(), secrets: noSecrets }), rendererDir });
});
afterAll(async () => {
  await server.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

/** A raw GET (no automatic decompression), so the test sees the bytes and headers as sent. */
function get(path: string, acceptEncoding?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('renderer static assets', () => {
  it('sends a hashed chunk as JavaScript, cached for a year, from its brotli twin when the browser takes brotli', async () => {
    const res = await get('/assets/index-AbC123.js', 'gzip, deflate, br');
    expect(res.status, 'status').toBe(200);
    expect(res.headers['content-type'], 'a module script needs a JavaScript type').toMatch(/^(text|application)\/javascript/);
    expect(res.headers['content-encoding'], 'brotli preferred over gzip').toBe('br');
    expect(res.headers['cache-control'], 'hashed name: immutable').toBe('private, max-age=31536000, immutable');
    expect(res.headers['vary'], 'one URL, several encodings').toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(res.body).toString(), 'the twin holds the chunk').toBe(CHUNK);
  });

  it('falls back to gzip, then to the plain file', async () => {
    const gz = await get('/assets/index-AbC123.js', 'gzip');
    expect(gz.headers['content-encoding'], 'gzip twin').toBe('gzip');
    expect(gunzipSync(gz.body).toString(), 'gzip twin content').toBe(CHUNK);
    const plain = await get('/assets/index-AbC123.js');
    expect(plain.headers['content-encoding'], 'no encoding asked, none sent').toBeUndefined();
    expect(plain.body.toString(), 'plain content').toBe(CHUNK);
    expect(plain.headers['cache-control'], 'plain file keeps the long cache').toBe('private, max-age=31536000, immutable');
  });

  it('sends a file without twins uncompressed, with its own type', async () => {
    const css = await get('/assets/index-AbC123.css', 'gzip, br');
    expect(css.status, 'status').toBe(200);
    expect(css.headers['content-type'], 'stylesheet type').toMatch(/^text\/css/);
    expect(css.headers['content-encoding'], 'no twin, no encoding').toBeUndefined();
    expect(css.body.toString(), 'content').toBe('body { color: red }');
  });

  it('revalidates index.html on every load, since it names the current hashes', async () => {
    const res = await get('/', 'gzip, br');
    expect(res.status, 'status').toBe(200);
    expect(res.headers['content-type'], 'html').toMatch(/^text\/html/);
    expect(res.headers['cache-control'], 'index must not be kept stale').toBe('private, no-cache');
    expect(res.body.toString(), 'index content').toContain('index-AbC123.js');
  });

  it('gives long caching only to files under assets/', () => {
    expect(rendererCacheControl('assets/echarts-DukOjm7p.js'), 'hashed chunk').toBe('private, max-age=31536000, immutable');
    expect(rendererCacheControl('assets\\echarts-DukOjm7p.js'), 'Windows separator').toBe('private, max-age=31536000, immutable');
    expect(rendererCacheControl('index.html'), 'entry html').toBe('private, no-cache');
    expect(rendererCacheControl('assetsX/a.js'), 'a look-alike folder').toBe('private, no-cache');
  });
});
