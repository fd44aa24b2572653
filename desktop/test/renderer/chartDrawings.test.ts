import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fmtTickPrice, isDrawing, loadDrawings, MAX_DRAWINGS, placeClick, roundToTick, saveDrawings, tickDecimals, type ChartDrawing } from '../../src/renderer/lib/chartDrawings.js';

/** localStorage as the browser has it, in memory. */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe('renderer: chart drawings', () => {
  const saved = (globalThis as { localStorage?: Storage }).localStorage;
  beforeEach(() => {
    (globalThis as { localStorage?: Storage }).localStorage = memoryStorage();
  });
  afterEach(() => {
    (globalThis as { localStorage?: Storage }).localStorage = saved;
  });

  it('places a horizontal line in one click and a trend line in two, left to right', () => {
    expect(placeClick('hline', null, { timeMs: 5, price: 101 }, 'a')).toEqual({ drawing: { id: 'a', kind: 'hline', price: 101 }, anchor: null });
    const first = placeClick('trend', null, { timeMs: 20, price: 110 }, 'b');
    expect(first, 'the first click anchors').toEqual({ drawing: null, anchor: { timeMs: 20, price: 110 } });
    expect(placeClick('trend', first.anchor, { timeMs: 20, price: 110 }, 'b').drawing, 'the same point twice draws nothing').toBeNull();
    expect(placeClick('trend', first.anchor, { timeMs: 10, price: 100 }, 'b').drawing).toEqual({ id: 'b', kind: 'trend', from: { timeMs: 10, price: 100 }, to: { timeMs: 20, price: 110 } });
  });

  it('keeps drawings per symbol across a reload and ignores anything malformed', () => {
    const h: ChartDrawing = { id: 'h', kind: 'hline', price: 100 };
    saveDrawings('BTC/USDT:USDT', [h]);
    expect(loadDrawings('BTC/USDT:USDT')).toEqual([h]);
    expect(loadDrawings('ETH/USDT:USDT'), 'another symbol has its own').toEqual([]);
    localStorage.setItem('perpscope.ui.chart.drawings.ETH/USDT:USDT', JSON.stringify([{ id: 'x', kind: 'hline', price: 'high' }]));
    expect(loadDrawings('ETH/USDT:USDT'), 'malformed: nothing rather than a broken chart').toEqual([]);
    expect(isDrawing({ id: 't', kind: 'trend', from: { timeMs: 1, price: 2 }, to: { timeMs: 3, price: Infinity } })).toBe(false);
    saveDrawings('BTC/USDT:USDT', Array.from({ length: MAX_DRAWINGS + 5 }, (_, i) => ({ id: `d${i}`, kind: 'hline' as const, price: i })));
    const kept = loadDrawings('BTC/USDT:USDT');
    expect(kept.length, 'bounded').toBe(MAX_DRAWINGS);
    expect(kept[0]!.id, 'the oldest go first').toBe('d5');
  });

  it('rounds and formats prices on the market\'s tick, with thousands separators', () => {
    expect(tickDecimals(1)).toBe(0);
    expect(tickDecimals(0.01)).toBe(2);
    expect(tickDecimals(0.0005)).toBe(4);
    expect(tickDecimals(1e-7)).toBe(7);
    expect(roundToTick(75843.4, 1)).toBe(75843);
    expect(roundToTick(0.123456, 0.0005)).toBe(0.1235);
    expect(roundToTick(1.234, null), 'no tick: unchanged').toBe(1.234);
    expect(fmtTickPrice(75891.86, 1)).toBe('75,892');
    expect(fmtTickPrice(3012.347, 0.01)).toBe('3,012.35');
    expect(fmtTickPrice(75843, null), 'no tick: by magnitude').toBe('75,843.00');
  });
});
