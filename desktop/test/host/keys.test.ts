import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { AuthError, type Logger } from '@perpscope/sdk';
import { openStore } from '../../../sdk/src/store/index.js';
import { adaptWatchlists, createHost } from '../../src/host/index.js';
import type { HostSecret, KeyTester } from '../../src/host/ports.js';
import { bareEngine } from '../support/fakes.js';
import { requireKeychain, testSecretStore } from '../../../test/support/keychain.js';

const hasKeychain = await requireKeychain('host keys commands against the session keychain');

const run = `h${process.pid}${Date.now().toString(36)}`;
const SENTINEL = `SENTINEL-${run}-c0ffee`;

describe.skipIf(!hasKeychain)('host keys commands against the session keychain', () => {
  const secrets = testSecretStore('host');
  const seenByTester: HostSecret[] = [];
  const keyTester: KeyTester = {
    test(_exchange, secret) {
      seenByTester.push(secret);
      if (secret.apiKey.endsWith('-bad')) return Promise.reject(new AuthError(ErrorCode.AuthenticationFailed, 'blofin rejected the API key'));
      return Promise.resolve({ latencyMs: 12, message: 'balance read' });
    },
  };
  const home = mkdtempSync(join(tmpdir(), 'perpscope-keys-'));
  const store = openStore({ home });
  const logLines: string[] = [];
  const logger: Logger = {
    debug: (f, m) => logLines.push(JSON.stringify({ f, m })),
    info: (f, m) => logLines.push(JSON.stringify({ f, m })),
    warn: (f, m) => logLines.push(JSON.stringify({ f, m })),
    error: (f, m) => logLines.push(JSON.stringify({ f, m })),
    child: () => logger,
  };
  const host = createHost({ engine: { ...bareEngine(), keyTester }, secrets, logger, store: { watchlists: adaptWatchlists(store.watchlists, () => 1) } });
  const replies: string[] = [];
  const call = async (method: Parameters<typeof host.handle>[0], params: unknown) => {
    const res = await host.handle(method, params);
    replies.push(JSON.stringify(res));
    return res;
  };
  afterAll(async () => {
    for (const ref of await secrets.list()) await secrets.delete(ref);
    rmSync(home, { recursive: true, force: true });
  });

  it('stores keys write-only: set and list reply with labels, never the secret', async () => {
    const set = await call('keys.set', { exchange: 'blofin', label: `${run}-main`, apiKey: `${SENTINEL}-k`, secret: `${SENTINEL}-s`, password: `${SENTINEL}-p` });
    expect(set, 'set reply').toEqual({ ok: true, value: { exchange: 'blofin', label: `${run}-main` } });
    const list = await call('keys.list', {});
    expect(list.ok && (list.value as { keys: unknown[] }).keys, 'labels').toContainEqual({ exchange: 'blofin', label: `${run}-main` });
    expect(await secrets.get({ exchange: 'blofin', label: `${run}-main` }), 'really in the keychain').toEqual({
      apiKey: `${SENTINEL}-k`, secret: `${SENTINEL}-s`, password: `${SENTINEL}-p`,
    });
  });

  it('tests a key inside the host and reports only the outcome', async () => {
    await call('keys.set', { exchange: 'blofin', label: `${run}-bad`, apiKey: `${SENTINEL}-bad`, secret: `${SENTINEL}-s` });
    const good = await call('keys.test', { exchange: 'blofin', label: `${run}-main` });
    expect(good, 'authenticated').toEqual({ ok: true, value: { exchange: 'blofin', label: `${run}-main`, authenticated: true, latencyMs: 12, message: 'balance read' } });
    const bad = await call('keys.test', { exchange: 'blofin', label: `${run}-bad` });
    expect(bad.ok && (bad.value as { authenticated: boolean }).authenticated, 'refused key').toBe(false);
    expect(seenByTester[0]?.apiKey, 'tester got the stored secret').toBe(`${SENTINEL}-k`);
    const none = await call('keys.test', { exchange: 'blofin', label: `${run}-none` });
    expect(!none.ok && none.error.code, 'no such key').toBe(ErrorCode.SecretNotFound);
  });

  it('deletes keys', async () => {
    expect(await call('keys.delete', { exchange: 'blofin', label: `${run}-bad` })).toEqual({ ok: true, value: { deleted: true } });
    const list = await call('keys.list', {});
    expect(list.ok && (list.value as { keys: { label: string }[] }).keys.map((k) => k.label), 'gone').not.toContain(`${run}-bad`);
  });

  it('never put the sentinel in a reply, a log line or the SQLite file', async () => {
    await call('keys.set', { exchange: 'blofin', label: 'bad:label', apiKey: SENTINEL, secret: SENTINEL });
    await call('watchlists.save', { name: 'w', symbols: ['BTC/USDT:USDT'] });
    expect(replies.length, 'replies recorded').toBeGreaterThan(5);
    for (const r of replies) expect(r, 'reply without secret').not.toContain(SENTINEL);
    expect(logLines.length, 'failures were logged').toBeGreaterThan(0);
    for (const l of logLines) expect(l, 'log line without secret').not.toContain(SENTINEL);
    store.close();
    for (const f of [store.file, `${store.file}-wal`]) {
      if (existsSync(f)) expect(readFileSync(f).includes(SENTINEL), `${f} without secret`).toBe(false);
    }
  });
});
