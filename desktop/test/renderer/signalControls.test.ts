import { describe, expect, it } from 'vitest';
import type { SignalView } from '@perpscope/shared';
import { outcomeText, signalFacets, viewSignals, type SignalFilter } from '../../src/renderer/lib/signalView.js';

function sig(id: string, over: Partial<SignalView>): SignalView {
  return {
    id,
    symbol: 'BTC/USDT:USDT',
    timeframe: '15m',
    side: 'long',
    score: 1,
    calibrated: false,
    probability: 0.5,
    expectedValue: null,
    tags: [],
    components: { 'ema-cross': 1 },
    entryPrice: 100,
    stopPrice: 99,
    targetPrices: [102],
    createdAtMs: 0,
    ...over,
  };
}

const items = [
  sig('a', { createdAtMs: 3, side: 'long', timeframe: '1h', score: 2, components: { 'ema-cross': 1, donchian: 0.5 }, symbol: 'ETH/USDT:USDT' }),
  sig('b', { createdAtMs: 2, side: 'short', timeframe: '15m', score: -3, components: { donchian: -1 }, calibrated: true, probability: 0.61 }),
  sig('c', { createdAtMs: 1, side: 'long', timeframe: '1m', score: 0.5, components: { rsi: 1 }, calibrated: true, probability: 0.55, symbol: 'ADA/USDT:USDT' }),
];
const any: SignalFilter = { strategy: null, side: null, timeframe: null };
const ids = (f: Partial<SignalFilter>, key: Parameters<typeof viewSignals>[2] = 'time', dir: 'asc' | 'desc' = 'desc') => viewSignals(items, { ...any, ...f }, key, dir).map((s) => s.id);

describe('renderer: signal feed filters and sort', () => {
  it('filters by strategy (any agreeing component), side and timeframe, alone and together', () => {
    expect(ids({})).toEqual(['a', 'b', 'c']);
    expect(ids({ strategy: 'donchian' })).toEqual(['a', 'b']);
    expect(ids({ side: 'long' })).toEqual(['a', 'c']);
    expect(ids({ timeframe: '15m' })).toEqual(['b']);
    expect(ids({ strategy: 'donchian', side: 'long' })).toEqual(['a']);
    expect(ids({ strategy: 'rsi', side: 'short' })).toEqual([]);
  });
  it('sorts by time, symbol, strength (|score|) and calibrated probability (uncalibrated last either way)', () => {
    expect(ids({}, 'time', 'asc')).toEqual(['c', 'b', 'a']);
    expect(ids({}, 'symbol', 'asc')).toEqual(['c', 'b', 'a']);
    expect(ids({}, 'score', 'desc')).toEqual(['b', 'a', 'c']);
    expect(ids({}, 'probability', 'desc')).toEqual(['b', 'c', 'a']);
    expect(ids({}, 'probability', 'asc')).toEqual(['c', 'b', 'a']);
  });
  it('offers the strategies and timeframes seen, timeframes shortest first', () => {
    expect(signalFacets(items)).toEqual({ strategies: ['donchian', 'ema-cross', 'rsi'], timeframes: ['1m', '15m', '1h'] });
  });
  it('names each outcome, and says so when the host reports none', () => {
    expect(outcomeText('tp').text).toBe('target');
    expect(outcomeText('sl').text).toBe('stop');
    expect(outcomeText('timeout').text).toBe('timeout');
    expect(outcomeText('open').text).toBe('open');
    expect(outcomeText(undefined)).toMatchObject({ text: '—', title: 'This host does not report signal outcomes' });
  });
});
