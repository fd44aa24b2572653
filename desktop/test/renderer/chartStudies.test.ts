import { afterEach, describe, expect, it } from 'vitest';
import { RPC_METHODS, type ChartStudyView } from '@perpscope/shared';
import { gridLayout, loadStudies, studyLines, toggleStudy } from '../../src/renderer/lib/chartStudies.js';

/** localStorage as the browser has it, in memory. */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe('renderer: chart studies', () => {
  it('aligns each series to the chart\'s bars by open time', () => {
    const studies: ChartStudyView[] = [
      { name: 'rsi', placement: 'pane', label: 'RSI 14', series: { rsi: [null, 40, 60] }, levels: [30, 70] },
      { name: 'bollinger', placement: 'overlay', label: 'BB 20 2', series: { upper: [1, 2, 3], lower: [0, 1, 2] }, levels: [] },
      { name: 'macd', placement: 'pane', label: 'MACD 12 26 9', series: { macd: [1, 2, 3], histogram: [0.1, 0.2, 0.3] }, levels: [0] },
    ];
    // The chart has one older bar the reply lacks, and lacks the reply's newest (still forming) one.
    const { lines, panes } = studyLines([100, 200, 300], studies, [0, 100, 200]);
    const rsi = lines.find((l) => l.id === 'study-rsi-rsi')!;
    expect(Array.from(rsi.values), 'by time; gaps are NaN').toEqual([NaN, NaN, 40]);
    expect(rsi).toMatchObject({ name: 'RSI 14', pane: 0, kind: 'line' });
    expect(lines.find((l) => l.id === 'study-bollinger-upper'), 'overlays draw on the price').toMatchObject({ name: 'BB 20 2 upper', pane: -1 });
    expect(lines.find((l) => l.id === 'study-macd-histogram'), 'the histogram is bars in the second pane').toMatchObject({ pane: 1, kind: 'bar' });
    expect(panes, 'one pane per pane study; RSI on a fixed 0-100 axis').toEqual([
      { label: 'RSI 14', levels: [30, 70], range: [0, 100] },
      { label: 'MACD 12 26 9', levels: [0], range: null },
    ]);
  });

  describe('stored choices', () => {
    const saved = (globalThis as { localStorage?: Storage }).localStorage;
    afterEach(() => {
      (globalThis as { localStorage?: Storage }).localStorage = saved;
    });

    it('a stored list with repeats, more than four entries or another order loads as one chart.studies accepts', () => {
      const storage = memoryStorage();
      (globalThis as { localStorage?: Storage }).localStorage = storage;
      storage.setItem('perpscope.ui.chart.studies.drawer', JSON.stringify(['vwap', 'rsi', 'rsi', 'macd', 'vwap', 'bollinger']));
      const loaded = loadStudies('drawer');
      expect(loaded, 'canonical order, each once').toEqual(['rsi', 'macd', 'bollinger', 'vwap']);
      const params = RPC_METHODS['chart.studies'].input.safeParse({ symbol: 'BTC/USDT:USDT', timeframe: '1m', studies: loaded });
      expect(params.success, 'the host accepts it').toBe(true);
      storage.setItem('perpscope.ui.chart.studies.drawer', JSON.stringify(['rsi', 'bogus']));
      expect(loadStudies('drawer'), 'an unknown name: the stored list is dropped').toEqual([]);
    });
  });

  it('toggles a study and keeps the canonical order', () => {
    expect(toggleStudy(['vwap'], 'rsi')).toEqual(['rsi', 'vwap']);
    expect(toggleStudy(['rsi', 'vwap'], 'rsi')).toEqual(['vwap']);
  });

  it('stacks panes under the volume and moves the price grid up by each', () => {
    expect(gridLayout(0), 'no pane: the original layout').toEqual({ priceBottom: 100, volumeBottom: 40, paneBottoms: [] });
    const two = gridLayout(2);
    expect(two.paneBottoms, 'top pane first').toEqual([120, 40]);
    expect(two.volumeBottom).toBe(200);
    expect(two.priceBottom).toBe(260);
  });
});
