import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { useStore } from './storeFixture.js';

describe('signals and labels', () => {
  const store = useStore();
  const signal = (createdAtMs: number, symbol = 'BTC/USDT:USDT') => ({
    createdAtMs,
    exchange: 'blofin',
    symbol,
    timeframe: '5m',
    side: 'long' as const,
    strategy: 'ema_cross',
    score: 6.2,
    probability: 0.71,
    payload: { components: ['ema', 'rsi'] },
  });

  it('round-trips signals, newest first, filtered by symbol and time', () => {
    const a = store().signals.insert(signal(1_000));
    const b = store().signals.insert(signal(2_000, 'ETH/USDT:USDT'));
    const c = store().signals.insert(signal(3_000));
    expect(store().signals.get(a)).toEqual({ id: a, ...signal(1_000) });
    expect(store().signals.recent().map((s) => s.id)).toEqual([c, b, a]);
    expect(store().signals.recent({ symbol: 'BTC/USDT:USDT' }).map((s) => s.id)).toEqual([c, a]);
    expect(store().signals.recent({ sinceMs: 2_000, limit: 1 }).map((s) => s.id)).toEqual([c]);
  });

  it('schedules labels, lists due ones and matures each once', () => {
    const id = store().signals.insert(signal(1_000));
    const l1 = store().labels.addPending(id, 60_000, 61_000);
    store().labels.addPending(id, 300_000, 301_000);
    expect(store().labels.addPending(id, 60_000, 99_999).dueAtMs, 'rescheduling keeps the first').toBe(61_000);
    expect(store().labels.due(100_000).map((l) => l.id)).toEqual([l1.id]);
    expect(store().labels.mature(l1.id, { maturedAtMs: 100_000, returnBps: 42, value: 1, payload: { exit: 101 } })).toBe(true);
    expect(store().labels.mature(l1.id, { maturedAtMs: 100_001, returnBps: -5, value: 0 }), 'second maturing is refused').toBe(false);
    expect(store().labels.due(100_000)).toEqual([]);
    expect(store().labels.matured()).toEqual([
      { id: l1.id, signalId: id, horizonMs: 60_000, dueAtMs: 61_000, status: 'matured', maturedAtMs: 100_000, returnBps: 42, value: 1, payload: { exit: 101 } },
    ]);
    expect(store().labels.forSignal(id).map((l) => l.status)).toEqual(['matured', 'pending']);
  });
});

describe('settings, watchlists, bandit', () => {
  const store = useStore();

  it('stores JSON settings and overwrites by key', () => {
    store().settings.set('risk.killSwitch', true, 1);
    store().settings.set('risk.gates', { minScore: 5 }, 2);
    store().settings.set('risk.killSwitch', false, 3);
    expect(store().settings.get('risk.killSwitch')).toBe(false);
    expect(store().settings.get('missing')).toBeUndefined();
    expect(store().settings.all()).toEqual({ 'risk.gates': { minScore: 5 }, 'risk.killSwitch': false });
    expect(store().settings.delete('risk.gates')).toBe(true);
    expect(store().settings.delete('risk.gates')).toBe(false);
  });

  it('refuses an undefined setting value with a clear error', () => {
    expect(() => store().settings.set('x', undefined, 1)).toThrow(InvalidInputError);
  });

  it('saves ordered watchlists and replaces them whole', () => {
    store().watchlists.save('majors', ['BTC/USDT:USDT', 'ETH/USDT:USDT', 'BTC/USDT:USDT'], 1);
    store().watchlists.save('alts', ['SOL/USDT:USDT'], 2);
    expect(store().watchlists.get('majors')).toEqual({ name: 'majors', symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], updatedAtMs: 1 });
    store().watchlists.save('majors', ['ETH/USDT:USDT'], 3);
    expect(store().watchlists.list().map((w) => [w.name, w.symbols])).toEqual([
      ['alts', ['SOL/USDT:USDT']],
      ['majors', ['ETH/USDT:USDT']],
    ]);
    expect(store().watchlists.delete('alts')).toBe(true);
    expect(store().watchlists.get('alts')).toBeUndefined();
  });

  it('snapshots bandit state as JSON', () => {
    expect(store().bandit.load('exp3')).toBeUndefined();
    store().bandit.save('exp3', { weights: { ema: 1.2, rsi: 0.8 }, gamma: 0.07 }, 10);
    store().bandit.save('exp3', { weights: { ema: 1.3, rsi: 0.7 }, gamma: 0.07 }, 20);
    expect(store().bandit.load('exp3')).toEqual({ name: 'exp3', state: { weights: { ema: 1.3, rsi: 0.7 }, gamma: 0.07 }, updatedAtMs: 20 });
  });
});
