import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { InvalidInputError, LIVE_CONFIRM_PHRASE, openPerpscope, PerpscopeError, SIM_TEST_API_KEY, type ExchangeSecret, type Perpscope, type PerpscopeConfigInput, type SecretRef, type SecretStore } from '../../src/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { rejection } from './rejection.js';

const CONFIG = { exchange: 'sim', timeframes: ['15m'], sim: { symbols: 12, seed: 7, startTimeMs: SIM_START_MS, rateLimitScale: 20 } } satisfies PerpscopeConfigInput;

/** An in-memory key store standing in for the OS keychain, which has its own tests (secrets/). */
function memorySecrets(): SecretStore & { reads: SecretRef[] } {
  const m = new Map<string, ExchangeSecret>();
  const k = (r: SecretRef) => `${r.exchange}:${r.label}`;
  const reads: SecretRef[] = [];
  return {
    reads,
    set: (r, s) => Promise.resolve(void m.set(k(r), s)),
    get: (r) => {
      reads.push(r);
      return Promise.resolve(m.get(k(r)) ?? null);
    },
    delete: (r) => Promise.resolve(m.delete(k(r))),
    list: () => Promise.resolve([...m.keys()].map((x) => ({ exchange: x.split(':')[0]!, label: x.split(':')[1]! }))),
  };
}

describe('openPerpscope trade.live: the keychain key, an explicit confirmation, real signed orders', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-facade-live-'));
  const secrets = memorySecrets();
  let ps: Perpscope;
  const privateOrderRequests = () => ps.engine.sim()!.requestLog().filter((r) => r.private && r.method === 'POST' && r.path.includes('order'));

  beforeAll(async () => {
    await secrets.set({ exchange: 'blofin', label: 'main' }, { ...SIM_TEST_API_KEY });
    ps = openPerpscope(CONFIG, { home, env: {}, secrets });
    await ps.start();
  }, 120_000);
  afterAll(async () => {
    await ps?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses without an explicit confirmation, naming the field, before reading any key', async () => {
    const missing = await rejection(() => ps.trade.live({ label: 'main' } as never));
    expect(missing).toBeInstanceOf(InvalidInputError);
    expect((missing as InvalidInputError).issues).toEqual([expect.objectContaining({ path: 'confirm', received: 'nothing', expected: expect.stringContaining(LIVE_CONFIRM_PHRASE) })]);
    const vague = await rejection(() => ps.trade.live({ label: 'main', confirm: 'yes' as never }));
    expect((vague as InvalidInputError).issues[0]).toMatchObject({ path: 'confirm', received: '"yes"' });
    expect(secrets.reads, 'no key was read').toEqual([]);
    expect(privateOrderRequests(), 'nothing reached a private endpoint').toEqual([]);
  });

  it('refuses a label with no stored key', async () => {
    const err = await rejection(() => ps.trade.live({ label: 'nokey', confirm: true }));
    expect(err).toBeInstanceOf(PerpscopeError);
    expect((err as PerpscopeError).code).toBe(ErrorCode.SecretNotFound);
    expect((err as PerpscopeError).message).toContain('blofin:nokey');
  });

  it('with the key from the store, places a signed order on the sim with its stop, then panic flattens it', async () => {
    const live = await ps.trade.live({ label: 'main', confirm: LIVE_CONFIRM_PHRASE });
    expect(live).toMatchObject({ mode: 'live', exchange: 'blofin' });
    expect(secrets.reads.at(-1), 'the key was read from the store').toEqual({ exchange: 'blofin', label: 'main' });
    const [row] = await ps.scan({ top: 1 });
    const symbol = row!.symbol;
    const flow = await ps.engine.refreshOrderFlow(symbol);
    const mid = ((flow.bookTop?.bids[0]?.[0] ?? NaN) + (flow.bookTop?.asks[0]?.[0] ?? NaN)) / 2;

    const order = await live.placeOrder({ symbol, side: 'buy', notionalUsd: 60, sl: mid * 0.8 });
    expect(order).toMatchObject({ symbol, side: 'buy', type: 'market', purpose: 'entry' });
    expect(privateOrderRequests().some((r) => r.status === 200), 'a signed order request the sim accepted').toBe(true);
    const position = await vi.waitFor(
      async () => {
        const p = (await live.positions()).find((x) => x.symbol === symbol);
        expect(p).toBeDefined();
        expect(live.orders(symbol).some((o) => o.type === 'stop_market')).toBe(true);
        return p!;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(position.side).toBe('long');
    expect(ps.engine.sim()!.accountSnapshot().positions.length, 'the exchange holds the position').toBe(1);

    const report = await live.panic();
    expect(report.closed).toEqual([symbol]);
    await vi.waitFor(async () => expect(await live.positions()).toEqual([]), { timeout: 60_000, interval: 100 });
    expect((await live.status()).killSwitch.on).toBe(true);
    const blocked = await rejection(() => live.placeOrder({ symbol, side: 'buy', notionalUsd: 60 }));
    expect((blocked as PerpscopeError).code).toBe(ErrorCode.KillSwitchActive);
    live.setKillSwitch(false);
    await live.dispose();
  });
});

describe('openPerpscope trade.live on the sim without a key store: the sim key, the keychain untouched', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-facade-simkey-'));
  let ps: Perpscope;

  beforeAll(async () => {
    // No `secrets`: a keychain read would fail here or find nothing, so only the sim key can work.
    ps = openPerpscope(CONFIG, { home, env: {} });
    await ps.start();
  }, 120_000);
  afterAll(async () => {
    await ps?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('signs with SIM_TEST_API_KEY without a label', async () => {
    const live = await ps.trade.live({ confirm: true });
    expect(live).toMatchObject({ mode: 'live', exchange: 'blofin' });
    const account = await live.account();
    expect(account.equityUsd, 'a signed private read the sim accepted').toBeGreaterThan(0);
    const signed = ps.engine.sim()!.requestLog().filter((r) => r.private);
    expect(signed.length).toBeGreaterThan(0);
    expect(signed.every((r) => r.status === 200), 'every private request authenticated').toBe(true);
    await live.dispose();
  });
});
