import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../sdk/src/store/index.js';
import { adaptWatchlists, createHost, type OpenStore } from '../../src/host/index.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { bareEngine, rankingRow, snapshot } from '../support/fakes.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

describe('watchlists through the host on the real SQLite store', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-watchlists-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  // Compile-time check that the sdk's openStore fits the runtime's expectations.
  const open: OpenStore = openStore;

  const hostOn = (store: ReturnType<OpenStore>) =>
    createHost({
      engine: { ...bareEngine(), rankings: { latest: () => snapshot([rankingRow('BTC/USDT:USDT', 1), rankingRow('ETH/USDT:USDT', 2), rankingRow('SOL/USDT:USDT', 3)]) } },
      secrets: noSecrets,
      store: { watchlists: adaptWatchlists(store.watchlists, () => 1_700_000_000_000) },
    });

  it('saves, lists, filters rankings and survives a restart', async () => {
    const first = open({ home });
    const host = hostOn(first);
    const saved = await host.call('watchlists.save', { name: 'majors', symbols: ['SOL/USDT:USDT', 'BTC/USDT:USDT'] });
    expect(saved).toEqual({ ok: true, value: { watchlist: { name: 'majors', symbols: ['SOL/USDT:USDT', 'BTC/USDT:USDT'] } } });
    const filtered = await host.call('rankings.query', { watchlist: 'majors' });
    expect(filtered.ok && filtered.value.rows.map((r) => r.symbol), 'ranking filtered by the stored list').toEqual(['BTC/USDT:USDT', 'SOL/USDT:USDT']);
    host.close();
    first.close();

    const second = open({ home });
    const again = hostOn(second);
    expect(await again.call('watchlists.list'), 'persisted').toEqual({ ok: true, value: { watchlists: [{ name: 'majors', symbols: ['SOL/USDT:USDT', 'BTC/USDT:USDT'] }] } });
    expect(await again.call('watchlists.delete', { name: 'majors' })).toEqual({ ok: true, value: { deleted: true } });
    expect(await again.call('watchlists.delete', { name: 'majors' })).toEqual({ ok: true, value: { deleted: false } });
    again.close();
    second.close();
  });

  it('refuses invalid symbols before they reach the store', async () => {
    const store = open({ home });
    const host = hostOn(store);
    const res = await host.call('watchlists.save', { name: 'bad', symbols: ['btcusdt'] });
    expect(!res.ok && res.error.message).toMatch(/symbols\.0: got "btcusdt"/);
    expect(store.watchlists.list(), 'nothing written').toEqual([]);
    host.close();
    store.close();
  });
});
