import { describe, expect, it } from 'vitest';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { RPC_EVENTS, type ApiClient, type ConnectionStatus, type WarmUpView } from '@perpscope/shared';
import { API_KEY } from '../../src/renderer/stores/api.js';
import { useWarmUpStore } from '../../src/renderer/stores/warmUp.js';
import { emptyRankingsText, fmtEta, warmUpLabel } from '../../src/renderer/lib/warmUp.js';

const progress = (over: Partial<WarmUpView> = {}): WarmUpView => ({ seeded: 120, total: 400, backfilled: 250, streams: 800, timeframes: ['1h', '4h'], etaMs: 35_000, done: false, ...over });

describe('warm-up status text', () => {
  it('names the symbols ready out of the universe, the timeframes and the time left', () => {
    expect(warmUpLabel(progress())).toBe('warming up 120/400 symbols · 1h 4h · ~35s left');
    expect(warmUpLabel(progress({ etaMs: null }))).toBe('warming up 120/400 symbols · 1h 4h');
    expect(warmUpLabel(progress({ etaMs: 250_000, timeframes: [] }))).toBe('warming up 120/400 symbols · ~4m 10s left');
    expect(warmUpLabel(progress({ total: 0, seeded: 0 }))).toBe('warming up · 1h 4h · ~35s left');
  });

  it('says nothing once the warm-up is done or before one was heard of', () => {
    expect(warmUpLabel(progress({ done: true, seeded: 400, etaMs: 0 }))).toBeNull();
    expect(warmUpLabel(null)).toBeNull();
  });

  it('formats the time left coarsely', () => {
    expect([fmtEta(400), fmtEta(59_400), fmtEta(60_000), fmtEta(125_000)]).toEqual(['1s', '59s', '1m', '2m 5s']);
  });

  it('puts the progress in the empty rankings table, and the plain texts otherwise', () => {
    expect(emptyRankingsText(progress({ seeded: 0 }), false)).toBe('Warming up 0/400 symbols · 1h 4h · ~35s left: the first symbols are ranked as soon as their history is in');
    expect(emptyRankingsText(null, false)).toBe('The engine has not ranked any market yet');
    expect(emptyRankingsText(progress({ done: true }), false)).toBe('The engine has not ranked any market yet');
    expect(emptyRankingsText(progress(), true)).toBe('No symbol matches the filters');
  });
});

describe('warm-up store', () => {
  it('follows the host\'s validated warmup.progress pushes until the last one', () => {
    const listeners = new Map<string, (data: unknown) => void>();
    const status: ConnectionStatus = { state: 'connected' } as ConnectionStatus;
    const api = {
      on: (event: string, fn: (data: unknown) => void) => {
        listeners.set(event, fn);
        return () => listeners.delete(event);
      },
      connection: { current: () => status, subscribe: () => () => undefined },
    } as unknown as ApiClient;
    const app = createApp({ render: () => null });
    app.use(createPinia());
    app.provide(API_KEY, { api, kind: 'websocket' });
    const store = app.runWithContext(() => useWarmUpStore());
    store.start();
    store.start();
    expect(store.label).toBeNull();
    const push = listeners.get('warmup.progress')!;
    expect(push, 'subscribed to the push').toBeDefined();

    // What the host sends is what the contract accepts.
    const first = RPC_EVENTS['warmup.progress'].parse(progress({ seeded: 20, etaMs: 90_000 }));
    push(first);
    expect(store.warming).toBe(true);
    expect(store.label).toBe('warming up 20/400 symbols · 1h 4h · ~1m 30s left');
    push(RPC_EVENTS['warmup.progress'].parse(progress()));
    expect(store.label).toBe('warming up 120/400 symbols · 1h 4h · ~35s left');
    push(RPC_EVENTS['warmup.progress'].parse(progress({ seeded: 400, backfilled: 800, etaMs: 0, done: true })));
    expect(store.warming).toBe(false);
    expect(store.label).toBeNull();
  });

  it('forgets the progress when the link comes back, as its done push may have been lost', () => {
    const listeners = new Map<string, (data: unknown) => void>();
    let status: ConnectionStatus = { state: 'connected' } as ConnectionStatus;
    const statusListeners = new Set<(s: ConnectionStatus) => void>();
    const setStatus = (next: ConnectionStatus) => {
      status = next;
      for (const fn of statusListeners) fn(next);
    };
    const api = {
      on: (event: string, fn: (data: unknown) => void) => {
        listeners.set(event, fn);
        return () => listeners.delete(event);
      },
      connection: {
        current: () => status,
        subscribe: (fn: (s: ConnectionStatus) => void) => {
          statusListeners.add(fn);
          return () => statusListeners.delete(fn);
        },
      },
    } as unknown as ApiClient;
    const app = createApp({ render: () => null });
    app.use(createPinia());
    app.provide(API_KEY, { api, kind: 'websocket' });
    const store = app.runWithContext(() => useWarmUpStore());
    store.start();
    listeners.get('warmup.progress')!(RPC_EVENTS['warmup.progress'].parse(progress()));
    expect(store.label).toBe('warming up 120/400 symbols · 1h 4h · ~35s left');
    setStatus({ state: 'disconnected' } as ConnectionStatus);
    expect(store.label, 'kept while the link is down').not.toBeNull();
    setStatus({ state: 'connected' } as ConnectionStatus);
    expect(store.label).toBeNull();
    expect(store.warming).toBe(false);
  });

  it('a failed warm-up ends with a done push the contract accepts', () => {
    const last = RPC_EVENTS['warmup.progress'].parse(progress({ done: true, failed: true, etaMs: 0 }));
    expect(last.failed).toBe(true);
    expect(warmUpLabel(last)).toBeNull();
  });

  it('the contract refuses a malformed progress push', () => {
    expect(RPC_EVENTS['warmup.progress'].safeParse({ ...progress(), seeded: -1 }).success).toBe(false);
    expect(RPC_EVENTS['warmup.progress'].safeParse({ ...progress(), etaMs: undefined }).success).toBe(false);
  });
});
