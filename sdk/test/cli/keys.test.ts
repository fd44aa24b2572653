import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/cli/commands/keys.js';
import { runSim } from '../../src/cli/commands/sim.js';
import { requireKeychain, testSecretStore } from '../../../test/support/keychain.js';
import { captureIo } from './testIo.js';

const hasKeyring = await requireKeychain('perpscope keys (real OS keychain)');

describe.skipIf(!hasKeyring)('perpscope keys (real OS keychain)', () => {
  const store = testSecretStore(`cli-${process.pid}`);
  const SENTINEL = `SENTINEL-${process.pid}-SECRET`;
  const stdin = (text: string) => Object.assign(Readable.from([text]), { isTTY: false });

  afterAll(async () => {
    for (const ref of await store.list()) await store.delete(ref);
  });

  it('sets from stdin, lists labels only, deletes', async () => {
    const io = captureIo();
    expect(await runKeys('set', { exchange: 'blofin', label: 'main' }, io, { store, stdin: stdin(`AKEY\n${SENTINEL}\npp\n`) })).toBe(0);
    expect(await store.get({ exchange: 'blofin', label: 'main' })).toEqual({ apiKey: 'AKEY', secret: SENTINEL, password: 'pp' });
    expect(await runKeys('list', { label: 'default' }, io, { store })).toBe(0);
    expect(io.lines).toContain(JSON.stringify({ exchange: 'blofin', label: 'main' }));
    expect(await runKeys('delete', { exchange: 'blofin', label: 'main' }, io, { store })).toBe(0);
    expect(await store.list()).toEqual([]);
    const printed = [...io.lines, ...io.errors].join('\n');
    expect(printed.includes(SENTINEL), 'a secret is never printed').toBe(false);
  });

  it('reports a failed key test without echoing the secret', async () => {
    const io = captureIo();
    await runKeys('set', { exchange: 'blofin', label: 'bad' }, io, { store, stdin: stdin(JSON.stringify({ apiKey: 'k', secret: SENTINEL })) });
    const failing = async () => {
      const err = Object.assign(new Error(`auth failed for secret ${SENTINEL}`), {});
      return { fetchBalance: () => Promise.reject(err) } as never;
    };
    const code = await runKeys('test', { exchange: 'blofin', label: 'bad' }, io, { store, exchangeFor: failing });
    expect(code).toBe(1);
    expect(io.errors.join('\n')).toMatch(/key test failed for blofin:bad/);
    expect([...io.lines, ...io.errors].join('\n').includes(SENTINEL), 'an exchange error echoing the secret is scrubbed').toBe(false);
  });

  it('a standalone `perpscope sim --private` prints a test key that `keys set` stores and `keys test --sim-url` authenticates', async () => {
    const printed: string[] = [];
    const sim = await runSim({ port: 0, symbols: 3, seed: 5, private: true }, (l) => printed.push(l));
    try {
      const keyLine = printed.find((l) => l.startsWith('private API test key'));
      const m = /apiKey (\S+) secret (\S+) passphrase (\S+)$/.exec(keyLine ?? '');
      expect(m, `a key line in: ${printed.join(' | ')}`).not.toBeNull();
      const [, apiKey, secret, passphrase] = m!;
      const io = captureIo();
      expect(await runKeys('set', { exchange: 'blofin', label: 'sim' }, io, { store, stdin: stdin(`${apiKey}\n${secret}\n${passphrase}\n`) })).toBe(0);
      expect(await runKeys('test', { exchange: 'blofin', label: 'sim', simUrl: sim.url }, io, { store })).toBe(0);
      expect(io.lines.at(-1)).toMatch(/^ok: blofin:sim authenticated/);
      await runKeys('set', { exchange: 'blofin', label: 'wrong' }, io, { store, stdin: stdin(`${apiKey}\nnot-the-secret\n${passphrase}\n`) });
      expect(await runKeys('test', { exchange: 'blofin', label: 'wrong', simUrl: sim.url }, io, { store }), 'a wrong secret is refused').toBe(1);
    } finally {
      await sim.stop();
    }
  });

  it('rejects malformed input naming what was expected', async () => {
    const io = captureIo();
    await expect(runKeys('set', { exchange: 'blofin', label: 'x' }, io, { store, stdin: stdin('only-one-line') })).rejects.toThrow(/expected 2-3 lines/);
    expect(await runKeys('set', { label: 'x' }, io, { store })).toBe(2);
  });
});
