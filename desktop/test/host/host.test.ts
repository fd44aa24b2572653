import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, type MethodName, type OrderView } from '@perpscope/shared';
import { RiskRejectedError } from '@perpscope/sdk';
import { createHost } from '../../src/host/index.js';
import type { HostSecretStore, TradingPort } from '../../src/host/ports.js';
import { bareEngine, memoryWatchlists, rankingRow, snapshot } from '../support/fakes.js';

/** Secret store for tests that must not touch secrets at all: any call fails the test. */
const untouchableSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unexpected keychain write')),
  get: () => Promise.reject(new Error('unexpected keychain read')),
  delete: () => Promise.reject(new Error('unexpected keychain delete')),
  list: () => Promise.reject(new Error('unexpected keychain list')),
};

function order(over: Partial<OrderView> = {}): OrderView {
  return {
    id: 'o1', clientOrderId: 'c1', symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', status: 'filled', amountBase: 0.01, filledBase: 0.01,
    price: null, avgFillPrice: 50_000, reduceOnly: false, createdAtMs: 1, updatedAtMs: 2, reason: null, ...over,
  };
}

describe('host: params validation', () => {
  const host = createHost({ engine: bareEngine(), secrets: untouchableSecrets });

  it('answers an unknown method with INVALID_INPUT listing the methods', async () => {
    const res = await host.handle('orders.nuke', {});
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe(ErrorCode.InvalidInput);
    expect(res.error.message, 'names the method').toContain('"orders.nuke"');
    expect(res.error.message, 'lists valid methods').toContain('orders.place');
  });

  it('names the field, the value and what was expected', async () => {
    const res = await host.handle('orders.place', { symbol: 'BTC/USDT:USDT', side: 'hold', type: 'limit', amountBase: -1 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe(ErrorCode.InvalidInput);
    const issues = res.error.details?.issues as { path: string; received: string; expected: string }[];
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(byPath.side, 'side issue').toEqual({ path: 'side', received: '"hold"', expected: 'one of "buy", "sell"' });
    expect(byPath.amountBase?.received, 'amount value').toBe('-1');
    expect(res.error.message, 'message carries each issue').toMatch(/side: got "hold", expected one of "buy", "sell"/);
  });

  it('survives hostile payloads of every shape', async () => {
    const payloads: unknown[] = [null, 'x', 42, [], { __proto__: { polluted: true } }, { symbol: { $gt: '' } }, { symbol: 'A'.repeat(100_000) }];
    for (const p of payloads) {
      const res = await host.handle('symbol.inspect', p);
      expect(res.ok, `payload ${String(p).slice(0, 20)}`).toBe(false);
      if (!res.ok) expect(res.error.code).toBe(ErrorCode.InvalidInput);
    }
    const res = await host.handle(undefined, undefined);
    expect(!res.ok && res.error.code, 'missing method').toBe(ErrorCode.InvalidInput);
    expect(({} as Record<string, unknown>).polluted, 'no prototype pollution').toBeUndefined();
  });

  it('hides secret values in validation errors', async () => {
    const res = await host.handle('keys.set', { exchange: 'blofin', label: 'bad label', apiKey: 'SENTINEL-A', secret: 42, password: '' });
    expect(res.ok).toBe(false);
    expect(JSON.stringify(res), 'no secret echoed').not.toContain('SENTINEL-A');
    expect(JSON.stringify(res), 'password issue shown as hidden').toContain('(hidden)');
  });
});

describe('host: capabilities', () => {
  it('replies NOT_SUPPORTED for every engine capability that is not wired', async () => {
    const host = createHost({ engine: bareEngine(), secrets: untouchableSecrets });
    const calls: [MethodName, unknown][] = [
      ['rankings.query', {}], ['symbol.inspect', { symbol: 'BTC/USDT:USDT' }], ['candles.get', { symbol: 'BTC/USDT:USDT', timeframe: '1m' }],
      ['signals.list', {}], ['trading.status', {}], ['trading.setAutotrade', { enabled: true }],
      ['orders.place', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 10 }], ['orders.cancel', { orderId: 'x' }],
      ['positions.close', { symbol: 'BTC/USDT:USDT' }], ['emergency.killSwitch', { active: true }], ['emergency.panic', { confirm: true }],
      ['settings.get', {}], ['settings.set', { values: {} }], ['profiles.list', {}], ['profiles.apply', { name: 'scalp' }],
      ['watchlists.list', {}], ['watchlists.save', { name: 'a', symbols: [] }], ['watchlists.delete', { name: 'a' }],
      ['keys.test', { exchange: 'blofin', label: 'main' }], ['health.get', {}],
    ];
    for (const [method, params] of calls) {
      const res = await host.handle(method, params);
      expect(res.ok, method).toBe(false);
      if (!res.ok) {
        expect(res.error.code, method).toBe(ErrorCode.NotSupported);
        expect(res.error.message, method).toContain(method);
      }
    }
  });

  it('filters, sorts and pages rankings, and resolves watchlists', async () => {
    const rows = [
      rankingRow('BTC/USDT:USDT', 1, { manipScore: 5, quoteVolume24hUsd: 9e9 }),
      rankingRow('ETH/USDT:USDT', 2, { manipScore: 80, quoteVolume24hUsd: 5e9 }),
      rankingRow('DOGE/USDT:USDT', 3, { manipScore: null, quoteVolume24hUsd: 1e6, spreadBps: null }),
      rankingRow('SOL/USDT:USDT', 4, { manipScore: 20, quoteVolume24hUsd: 2e9, spreadBps: 1 }),
    ];
    const watchlists = memoryWatchlists();
    const host = createHost({ engine: { ...bareEngine(), rankings: { latest: () => snapshot(rows) } }, secrets: untouchableSecrets, store: { watchlists } });

    const low = await host.call('rankings.query', { maxManipScore: 50, sortBy: 'quoteVolume24hUsd' });
    expect(low.ok && low.value.rows.map((r) => r.symbol), 'manip filter, volume desc').toEqual(['BTC/USDT:USDT', 'SOL/USDT:USDT', 'DOGE/USDT:USDT']);
    const spread = await host.call('rankings.query', { sortBy: 'spreadBps', sortDir: 'desc' });
    expect(spread.ok && spread.value.rows.at(-1)?.symbol, 'missing figures sort last').toBe('DOGE/USDT:USDT');
    const page = await host.call('rankings.query', { offset: 1, limit: 2, search: 'usdt' });
    expect(page.ok && page.value.total, 'total before paging').toBe(4);
    expect(page.ok && page.value.rows.map((r) => r.rank), 'page').toEqual([2, 3]);

    await host.call('watchlists.save', { name: 'majors', symbols: ['ETH/USDT:USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT'] });
    const listed = await host.call('watchlists.list');
    expect(listed.ok && listed.value.watchlists, 'deduped').toEqual([{ name: 'majors', symbols: ['ETH/USDT:USDT', 'BTC/USDT:USDT'] }]);
    const majors = await host.call('rankings.query', { watchlist: 'majors' });
    expect(majors.ok && majors.value.rows.map((r) => r.symbol), 'watchlist filter').toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
    const missing = await host.call('rankings.query', { watchlist: 'nope' });
    expect(!missing.ok && missing.error.message, 'unknown watchlist').toMatch(/watchlist: got "nope", expected an existing watchlist \(majors\)/);
  });

  it('reports no ranking yet as an empty snapshot, not an error', async () => {
    const host = createHost({ engine: { ...bareEngine(), rankings: { latest: () => null } }, secrets: untouchableSecrets });
    const res = await host.call('rankings.query', { profile: 'scalp' });
    expect(res).toEqual({ ok: true, value: { asOfMs: null, profile: 'scalp', side: { basis: 'momentum', horizonBars: null, timeframe: null, evidence: [] }, total: 0, rows: [] } });
  });

  it('forwards validated orders and turns a risk refusal into its code and reason', async () => {
    const placeOrder = vi.fn<TradingPort['placeOrder']>((p) => {
      if (p.symbol === 'ETH/USDT:USDT') throw new RiskRejectedError(ErrorCode.KillSwitchActive, 'Kill switch is on: new orders are blocked', { details: { reason: 'kill_switch' } });
      return order({ symbol: p.symbol });
    });
    const trading = { placeOrder } as unknown as TradingPort;
    const host = createHost({ engine: { ...bareEngine(), trading }, secrets: untouchableSecrets });
    const okRes = await host.call('orders.place', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 100, takeProfitPrice: 60_000, stopLossPrice: 45_000 });
    expect(okRes.ok && okRes.value.order.symbol).toBe('BTC/USDT:USDT');
    expect(placeOrder.mock.calls[0]?.[0], 'params reach the port as validated').toEqual({
      symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 100, takeProfitPrice: 60_000, stopLossPrice: 45_000,
    });
    const blocked = await host.call('orders.place', { symbol: 'ETH/USDT:USDT', side: 'sell', type: 'market', amountBase: 1 });
    expect(blocked, 'blocked with reason').toEqual({
      ok: false,
      error: { code: ErrorCode.KillSwitchActive, message: 'Kill switch is on: new orders are blocked', details: { reason: 'kill_switch' } },
    });
  });

  it('turns an unexpected throw into INTERNAL without crashing', async () => {
    const host = createHost({ engine: { ...bareEngine(), health: { get: () => { throw new TypeError('boom'); } } }, secrets: untouchableSecrets });
    expect(await host.call('health.get')).toEqual({ ok: false, error: { code: ErrorCode.Internal, message: 'boom' } });
  });
});

describe('host: events', () => {
  it('forwards engine events to listeners until closed', () => {
    const engine = bareEngine();
    const host = createHost({ engine, secrets: untouchableSecrets });
    const seen: string[] = [];
    const off = host.onEvent((e) => seen.push(e.event));
    host.onEvent(() => {
      throw new Error('a bad listener does not stop others');
    });
    engine.emit({ event: 'alert', data: { id: 'a', level: 'warn', kind: 'test', message: 'm', symbol: null, atMs: 1 } });
    off();
    engine.emit({ event: 'ranking', data: snapshot([]) });
    expect(seen).toEqual(['alert']);
    expect(engine.listenerCount(), 'the host (and its flag timeline) listen while open').toBeGreaterThan(0);
    host.close();
    expect(engine.listenerCount(), 'every listener detached from the engine after close').toBe(0);
  });
});
