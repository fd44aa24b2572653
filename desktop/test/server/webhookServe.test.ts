import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, openStore } from '@perpscope/sdk';
import { runServe } from '../../src/cli/serve.js';
import type { EngineFactory } from '../../src/host/runtime.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { bareEngine } from '../support/fakes.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};
const SECRET = 'serve-webhook-secret-0123456789';

describe('perpscope serve --webhook', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-serve-webhook-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('prints the webhook URL after the open line, serves alerts over the same host, and stops both', async () => {
    const lifecycle: string[] = [];
    const createEngine: EngineFactory = () =>
      Promise.resolve({ engine: bareEngine(), start: () => Promise.resolve(void lifecycle.push('start')), stop: () => Promise.resolve(void lifecycle.push('stop')) });
    const lines: string[] = [];
    const webhook = { config: loadConfig({ options: { webhook: { secret: SECRET } } }), host: '127.0.0.1', port: 0 };
    const handle = await runServe({ port: 0, host: '127.0.0.1', sim: true, home, webhook }, { createEngine, secrets: noSecrets, out: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^open http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(lines[1], 'the second line').toMatch(/^webhook http:\/\/127\.0\.0\.1:(\d+)\/signal$/);
    const url = lines[1]!.slice('webhook '.length);
    const wrong = await fetch(url, { method: 'POST', body: 'buy BTCUSDT secret=not-the-right-secret' });
    expect(wrong.status).toBe(401);
    // This engine has no markets (no ranking port): the alert reaches the host, which knows no BTC.
    const res = await fetch(url, { method: 'POST', body: `buy BTCUSDT secret=${SECRET}` });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_SYMBOL');
    await handle.stop();
    await expect(fetch(url, { method: 'POST', body: 'x' }), 'the gateway is closed with the server').rejects.toThrow();
    expect(lifecycle).toEqual(['start', 'stop']);
    const store = openStore({ home });
    expect(store.webhookReceipts.recent(), 'refused before the receipt: nothing recorded').toEqual([]);
    store.close();
  });

  it('refuses to start without a webhook secret, naming the setting, and stops the engine it built', async () => {
    const lifecycle: string[] = [];
    const createEngine: EngineFactory = () =>
      Promise.resolve({ engine: bareEngine(), start: () => Promise.resolve(void lifecycle.push('start')), stop: () => Promise.resolve(void lifecycle.push('stop')) });
    const lines: string[] = [];
    const webhook = { config: loadConfig({}), host: '127.0.0.1', port: 0 };
    await expect(runServe({ port: 0, host: '127.0.0.1', sim: true, home, webhook }, { createEngine, secrets: noSecrets, out: (l) => lines.push(l) })).rejects.toThrow(
      /webhook\.secret: got nothing, expected a secret of at least 16 characters \(set PERPSCOPE_WEBHOOK__SECRET\)/,
    );
    expect(lines, 'no URL printed').toEqual([]);
    expect(lifecycle).toEqual(['stop']);
  });
});
