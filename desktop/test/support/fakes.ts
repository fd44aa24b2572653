import type { RankingRowView, RankingSnapshotView, WatchlistView } from '@perpscope/shared';
import type { Engine, Signal } from '@perpscope/sdk';
import type { HostEngine, HostEvent, HostSecret, HostSecretStore, WatchlistStore } from '../../src/host/ports.js';

/** A ranking row with neutral figures; tests override what they look at. */
export function rankingRow(symbol: string, rank: number, over: Partial<RankingRowView> = {}): RankingRowView {
  return {
    symbol,
    rank,
    score: 100 - rank,
    bias: 'long',
    confidence: 0.5,
    lastPrice: 1,
    change24hPct: 0,
    quoteVolume24hUsd: 1_000_000,
    spreadBps: 2,
    atrPct: 1,
    fundingRate: 0.0001,
    manipScore: 10,
    flags: [],
    components: {},
    stopPrice: null,
    targetPrices: [],
    ...over,
  };
}

/** An event source the test drives by hand. */
export function manualEvents() {
  const listeners = new Set<(e: HostEvent) => void>();
  return {
    source: {
      subscribe(fn: (e: HostEvent) => void) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    },
    emit(e: HostEvent) {
      for (const fn of listeners) fn(e);
    },
    count: () => listeners.size,
  };
}

/** Engine with only events: every capability reports NOT_SUPPORTED. */
export function bareEngine(): HostEngine & { emit: (e: HostEvent) => void; listenerCount: () => number } {
  const ev = manualEvents();
  return { events: ev.source, emit: ev.emit, listenerCount: ev.count };
}

export function snapshot(rows: RankingRowView[], asOfMs = 1_700_000_000_000): RankingSnapshotView {
  return { asOfMs, profile: 'swing', side: { basis: 'momentum', horizonBars: null, timeframe: null, evidence: [] }, total: rows.length, rows };
}

/** In-memory watchlists (the SQLite repository is not part of this package). */
export function memoryWatchlists(): WatchlistStore {
  const lists = new Map<string, WatchlistView>();
  return {
    list: () => [...lists.values()],
    save: (w) => {
      lists.set(w.name, w);
      return w;
    },
    delete: (name) => lists.delete(name),
  };
}

/**
 * An in-memory key store, for tests about what the host does with keys (arming live, alert sinks,
 * MCP orders); the OS keychain behind the real store has its own tests (keys.test.ts and the
 * Playwright live run).
 */
export function memorySecrets(): HostSecretStore & { entries: Map<string, HostSecret> } {
  const entries = new Map<string, HostSecret>();
  const key = (ref: { exchange: string; label: string }) => `${ref.exchange}:${ref.label}`;
  return {
    entries,
    get: (ref) => Promise.resolve(entries.get(key(ref)) ?? null),
    set: (ref, secret) => Promise.resolve(void entries.set(key(ref), secret)),
    delete: (ref) => Promise.resolve(entries.delete(key(ref))),
    list: () => Promise.resolve([...entries.keys()].map((k) => ({ exchange: k.split(':')[0]!, label: k.split(':')[1]! }))),
  };
}

/** A secret store that holds nothing, for tests that never read keys: it keeps them off the keychain. */
export const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('not used')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

/**
 * The engine's `on`, with `signal` listeners kept in `listeners` instead: they hear only the signals
 * a test delivers, since the sim's own signals for the same symbols would race with them.
 */
export function deliveredSignalsOnly(engine: Engine, listeners: Set<(s: Signal) => void>): Engine['on'] {
  return ((event, fn) => {
    if (event !== 'signal') return engine.on(event, fn);
    const listener = fn as (s: Signal) => void;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }) as Engine['on'];
}
