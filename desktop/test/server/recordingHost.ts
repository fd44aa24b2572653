import { UniverseConfigSchema } from '@perpscope/sdk';
import type { HealthView, KillSwitchStateView, MethodParams, OrderView, ProfilesView, SettingsView } from '@perpscope/shared';
import { createHost, type Host } from '../../src/host/index.js';
import type { HostEngine, HostSecret, HostSecretStore } from '../../src/host/ports.js';
import { createSettingsAdapter } from '../../src/host/settingsAdapter.js';
import { bareEngine, memoryWatchlists, rankingRow, snapshot } from '../support/fakes.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, fixed so nothing depends on the wall clock

/** Every order the trading port was asked to place, with the params it received. */
export interface OrderBook {
  placed: MethodParams<'orders.place'>[];
}

function order(p: MethodParams<'orders.place'>, n: number): OrderView {
  return {
    id: `o${n}`, clientOrderId: `c${n}`, symbol: p.symbol, side: p.side, type: p.type, status: 'open',
    amountBase: p.amountBase ?? 1, filledBase: 0, price: p.price ?? null, avgFillPrice: null,
    reduceOnly: p.reduceOnly ?? false, createdAtMs: T0, updatedAtMs: T0, reason: null,
  };
}

/**
 * A host over recording fakes for every capability, with the real settings adapter (it is where
 * prototype keys would land): each RPC method reaches a handler, and every order the host lets
 * through is recorded.
 */
export function recordingHost(): { host: Host; orders: OrderBook; settingsWrites: unknown[]; engine: ReturnType<typeof bareEngine> } {
  const base = bareEngine();
  const orders: OrderBook = { placed: [] };
  const settingsWrites: unknown[] = [];
  const stored = new Map<string, unknown>();
  let active = 'swing';
  const profileNames = ['swing', 'scalp'];
  const settings = createSettingsAdapter({
    settings: {
      get: (k) => stored.get(k),
      set: (k, v) => {
        settingsWrites.push(v);
        stored.set(k, v);
      },
    },
    nowMs: () => T0,
    universe: UniverseConfigSchema.parse({}),
    profiles: { active: () => active, names: () => profileNames, apply: (n) => (active = n) },
  });
  const kill: KillSwitchStateView = { active: false, reason: null, sinceMs: null };
  const health: HealthView = { asOfMs: T0, engine: 'running', exchanges: [], symbolsTracked: 1, symbolsStale: 0 };
  const profiles = (): ProfilesView => ({ active, profiles: [] });
  const secrets = new Map<string, HostSecret>();
  const key = (r: { exchange: string; label: string }) => `${r.exchange}:${r.label}`;
  const secretStore: HostSecretStore = {
    set: async (r, s) => void secrets.set(key(r), s),
    get: async (r) => secrets.get(key(r)) ?? null,
    delete: async (r) => secrets.delete(key(r)),
    list: async () => [...secrets.keys()].map((k) => ({ exchange: k.split(':')[0]!, label: k.split(':')[1]! })),
  };
  const engine: HostEngine = {
    events: base.events,
    rankings: { latest: () => snapshot([rankingRow('BTC/USDT:USDT', 1), rankingRow('ETH/USDT:USDT', 2)], T0) },
    symbols: { inspect: (p) => ({ symbol: p.symbol }) as never },
    candles: { get: (p) => ({ symbol: p.symbol, timeframe: p.timeframe, candles: [], overlays: {} }) as never },
    signals: { list: () => [] },
    trading: {
      status: () => ({ mode: 'paper', exchange: 'sim', autotrade: false, killSwitch: kill, account: null, positions: [], orders: [] }),
      setAutotrade: (enabled) => enabled,
      placeOrder: (p) => {
        orders.placed.push(p);
        return order(p, orders.placed.length);
      },
      history: () => ({ orders: [], fills: [] }),
      cancelOrder: (id) => ({ ...order({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amountBase: 1 }, 0), id, status: 'canceled' }),
      closePosition: (symbol) => order({ symbol, side: 'sell', type: 'market', amountBase: 1, reduceOnly: true }, 0),
      setKillSwitch: (active, reason) => ({ active, reason, sinceMs: active ? T0 : null }),
      panic: () => ({ canceledOrders: 0, closedPositions: 0, failures: [] }),
    },
    settings: { get: () => settings.port.get() as SettingsView, set: (v) => settings.port.set(v) },
    profiles: { list: profiles, apply: (name) => ((active = name), profiles()) },
    health: { get: () => health },
    keyTester: { test: async () => ({ latencyMs: 1, message: 'ok' }) },
  };
  const host = createHost({ engine, secrets: secretStore, store: { watchlists: memoryWatchlists() } });
  return { host, orders, settingsWrites, engine: base };
}
