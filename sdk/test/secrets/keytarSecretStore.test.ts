import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { createKeytarSecretStore, SECRET_SERVICE, type KeytarLike, type SecretRef } from '../../src/secrets/index.js';
import { SecretStoreError } from '../../src/core/errors.js';
import { requireKeychain, testKeychainService, testSecretStore } from '../../../test/support/keychain.js';

const execFileAsync = promisify(execFile);
const keytar = (await import('keytar')).default as unknown as KeytarLike;

/** The suite needs a real, unlocked Secret Service; it writes only under a test-only service name. */
const hasKeychain = await requireKeychain('keytar SecretStore against the session keychain');
const SERVICE = testKeychainService('secrets');

const runId = `t${process.pid}${Date.now().toString(36)}`;
const SENTINEL = `SENTINEL-${runId}-9f8e7d`;

describe.skipIf(!hasKeychain)('keytar SecretStore against the session keychain', () => {
  const store = testSecretStore('secrets');
  const created: SecretRef[] = [];
  afterAll(async () => {
    for (const ref of created) await store.delete(ref);
  });

  it('stores one JSON blob under its service, account <exchange>:<label>', async () => {
    const ref = { exchange: 'blofin', label: `${runId}-a` };
    created.push(ref);
    await store.set(ref, { apiKey: `${SENTINEL}-k`, secret: `${SENTINEL}-s`, password: `${SENTINEL}-p` });
    const raw = await keytar.getPassword(SERVICE, `blofin:${runId}-a`);
    expect(raw, 'raw keychain entry').not.toBeNull();
    expect(JSON.parse(raw ?? ''), 'blob layout').toEqual({ apiKey: `${SENTINEL}-k`, secret: `${SENTINEL}-s`, password: `${SENTINEL}-p` });
    expect(await store.get(ref), 'round trip').toEqual({ apiKey: `${SENTINEL}-k`, secret: `${SENTINEL}-s`, password: `${SENTINEL}-p` });
  });

  it('lists labels only, filtered by exchange, and deletes', async () => {
    const a = { exchange: 'binanceusdm', label: `${runId}-b` };
    const b = { exchange: 'htx', label: `${runId}-c` };
    created.push(a, b);
    await store.set(a, { apiKey: SENTINEL, secret: SENTINEL });
    await store.set(b, { apiKey: SENTINEL, secret: SENTINEL });
    const all = await store.list();
    expect(all, 'both refs listed').toEqual(expect.arrayContaining([a, b]));
    expect(JSON.stringify(all), 'no secret in list').not.toContain(SENTINEL);
    for (const ref of all) expect(Object.keys(ref).sort(), 'ref fields').toEqual(['exchange', 'label']);
    expect(await store.list('htx'), 'filter').toContainEqual(b);
    expect((await store.list('htx')).some((r) => r.exchange !== 'htx'), 'only htx').toBe(false);
    expect(await store.delete(a), 'deleted').toBe(true);
    expect(await store.delete(a), 'second delete finds nothing').toBe(false);
    expect(await store.get(a), 'gone').toBeNull();
  });

  it('rejects bad refs and secrets without echoing secret values', async () => {
    const bad = await store.set({ exchange: 'blofin', label: 'a:b' }, { apiKey: SENTINEL, secret: '' }).catch((e: unknown) => e);
    expect(bad, 'invalid input error').toMatchObject({ code: ErrorCode.InvalidInput });
    expect((bad as Error).message, 'names the label').toContain('label');
    const badSecret = await store.set({ exchange: 'blofin', label: 'ok' }, { apiKey: SENTINEL, secret: '' }).catch((e: unknown) => e);
    expect((badSecret as Error).message, 'names the field').toContain('secret');
    expect(JSON.stringify({ m: (badSecret as Error).message, d: (badSecret as SecretStoreError).details }), 'no sentinel').not.toContain(SENTINEL);
  });
});

describe('keytar SecretStore without a keychain', () => {
  it('fails to save with KEYCHAIN_UNAVAILABLE and never falls back to plaintext', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/saveWithoutKeychain.ts', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/perpscope-test-bus' };
    delete env.DISPLAY;
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', fixture, SENTINEL], { env, timeout: 30_000 });
    const out = JSON.parse(stdout) as { saved: boolean; name?: string; code?: string; message?: string };
    expect(out.saved, 'save must fail').toBe(false);
    expect(out.name, 'error class').toBe('SecretStoreError');
    expect(out.code, 'error code').toBe(ErrorCode.KeychainUnavailable);
    expect(out.message, 'clear message').toMatch(/OS keychain is not available/);
    expect(out.message, 'says there is no file fallback').toMatch(/never in a file/);
    expect(stdout + stderr, 'sentinel nowhere in output').not.toContain(SENTINEL);
  });

  it('maps a failing keytar load to KEYCHAIN_UNAVAILABLE', async () => {
    const store = createKeytarSecretStore({ loadKeytar: () => Promise.reject(new Error('keytar.node: cannot open shared object file')) });
    const e = await store.list().catch((x: unknown) => x);
    expect(e, 'error class').toBeInstanceOf(SecretStoreError);
    expect(e, 'code').toMatchObject({ code: ErrorCode.KeychainUnavailable });
  });

  it('uses service perpscope by default (checked on a fake keytar, never the real keychain)', async () => {
    const services: string[] = [];
    const fake: KeytarLike = {
      getPassword: (service) => (services.push(service), Promise.resolve(null)),
      setPassword: (service) => (services.push(service), Promise.resolve()),
      deletePassword: (service) => (services.push(service), Promise.resolve(false)),
      findCredentials: (service) => (services.push(service), Promise.resolve([])),
    };
    const store = createKeytarSecretStore({ loadKeytar: () => Promise.resolve(fake) });
    await store.set({ exchange: 'blofin', label: 'x' }, { apiKey: 'k', secret: 's' });
    await store.get({ exchange: 'blofin', label: 'x' });
    await store.list();
    await store.delete({ exchange: 'blofin', label: 'x' });
    expect(SECRET_SERVICE).toBe('perpscope');
    expect(services, 'every call under the production service').toEqual([SECRET_SERVICE, SECRET_SERVICE, SECRET_SERVICE, SECRET_SERVICE]);
  });

  it('scrubs secret values out of keychain error text', async () => {
    const leaky: KeytarLike = {
      getPassword: () => Promise.resolve(null),
      deletePassword: () => Promise.resolve(false),
      findCredentials: () => Promise.resolve([]),
      setPassword: (_s, _a, blob) => Promise.reject(new Error(`refused to store ${blob}`)),
    };
    const store = createKeytarSecretStore({ loadKeytar: () => Promise.resolve(leaky) });
    const e = (await store.set({ exchange: 'blofin', label: 'x' }, { apiKey: SENTINEL, secret: `${SENTINEL}2` }).catch((x: unknown) => x)) as Error;
    expect(e.message, 'code in message').toContain('refused to store');
    expect(e.message, 'no sentinel').not.toContain(SENTINEL);
  });
});
