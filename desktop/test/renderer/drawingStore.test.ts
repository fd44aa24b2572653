import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '@perpscope/shared';
import { loadSymbolDrawings } from '../../src/renderer/charts/drawingStore.js';
import type { ChartDrawing } from '../../src/renderer/lib/chartDrawings.js';

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

const SYMBOL = 'BTC/USDT:USDT';
const KEY = `perpscope.ui.chart.drawings.${SYMBOL}`;
const line = (id: string, price: number): ChartDrawing => ({ id, kind: 'hline', price });

/** The host's drawing store as the renderer reaches it: `refuse` answers a save per drawing id. */
function fakeApi(stored: ChartDrawing[], refuse: Record<string, 'INVALID_INPUT' | 'TRANSPORT'> = {}) {
  const saves: string[] = [];
  const api = {
    drawings: {
      list: async () => ({ ok: true as const, value: { symbol: SYMBOL, drawings: stored } }),
      save: async ({ drawing }: { symbol: string; drawing: ChartDrawing }) => {
        saves.push(drawing.id);
        const code = refuse[drawing.id];
        if (code) return { ok: false as const, error: { code, message: `refused ${drawing.id}` } };
        stored.push(drawing);
        return { ok: true as const, value: { drawing } };
      },
    },
  } as unknown as ApiClient;
  return { api, saves };
}

describe('renderer: moving legacy localStorage drawings to the host', () => {
  const saved = (globalThis as { localStorage?: Storage }).localStorage;
  let storage: Storage;
  beforeEach(() => {
    storage = memoryStorage();
    (globalThis as { localStorage?: Storage }).localStorage = storage;
  });
  afterEach(() => {
    (globalThis as { localStorage?: Storage }).localStorage = saved;
  });

  it('drops a drawing the host refuses as invalid or whose id it cannot take, moves the rest and clears localStorage', async () => {
    storage.setItem(KEY, JSON.stringify([line('bad id!', 1), line('over-cap', 2), line('ok', 3)]));
    const { api, saves } = fakeApi([line('host', 9)], { 'over-cap': 'INVALID_INPUT' });
    const res = await loadSymbolDrawings(api, SYMBOL);
    expect(res.ok && res.value.map((d) => d.id)).toEqual(['host', 'ok']);
    expect(saves, 'an id off the contract pattern is never sent').toEqual(['over-cap', 'ok']);
    expect(JSON.parse(storage.getItem(KEY) ?? 'null'), 'nothing is left to retry').toEqual([]);
    // The next load has nothing left to move.
    const again = await loadSymbolDrawings(api, SYMBOL);
    expect(again.ok && again.value.map((d) => d.id)).toEqual(['host', 'ok']);
    expect(saves).toHaveLength(2);
  });

  it('stops on a transport failure, keeps the unmoved drawings in localStorage and shows them with the stored ones', async () => {
    storage.setItem(KEY, JSON.stringify([line('a', 1), line('b', 2), line('c', 3)]));
    const { api } = fakeApi([], { b: 'TRANSPORT' });
    const res = await loadSymbolDrawings(api, SYMBOL);
    expect(res.ok && res.value.map((d) => d.id)).toEqual(['a', 'b', 'c']);
    expect((JSON.parse(storage.getItem(KEY) ?? '[]') as ChartDrawing[]).map((d) => d.id), 'kept for the next load').toEqual(['b', 'c']);
  });
});
