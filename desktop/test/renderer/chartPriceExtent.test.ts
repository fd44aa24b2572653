import { describe, expect, it, vi } from 'vitest';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { baseChartOption, priceAxisBounds, priceExtentOf } from '../../src/renderer/charts/chartOption.js';
import { CandleChart } from '../../src/renderer/charts/candleChart.js';
import { candles, forming, HOUR, yAxisRange } from './ssrEcharts.js';

vi.mock('echarts/core', async (importOriginal) => (await import('./ssrEcharts.js')).ssrEchartsCore(importOriginal));
echarts.use([SVGRenderer]);

describe('price axis extent of the lines drawn over the chart', () => {
  it('stretches the axis past the candles, with room beyond the outermost line', () => {
    const b = priceAxisBounds(priceExtentOf([90, Number.NaN, 120]));
    const v = { min: 99, max: 101 };
    expect(b.min(v)).toBeCloseTo(90 - 30 * 0.08);
    expect(b.max(v)).toBeCloseTo(120 + 30 * 0.08);
    // No lines: the candles alone decide.
    const none = priceAxisBounds(priceExtentOf([]));
    expect([none.min(v), none.max(v)]).toEqual([99, 101]);
  });

  it('is part of the full option, so a rebuild keeps it', () => {
    const base = { history: new Float64Array(), volume: new Float64Array(), overlays: [], live: null, viewStartMs: 0, viewEndMs: 1, markers: [], levels: {} };
    const y0 = (o: ReturnType<typeof baseChartOption>) => (o.yAxis as { min?: (v: { min: number; max: number }) => number; max?: (v: { min: number; max: number }) => number }[])[0]!;
    expect(y0(baseChartOption(base)).min).toBeUndefined();
    const withLines = y0(baseChartOption({ ...base, priceExtent: { lo: 95, hi: 130 } }));
    expect(withLines.max!({ min: 99, max: 101 })).toBeGreaterThan(130);
    expect(withLines.min!({ min: 99, max: 101 })).toBeLessThan(95);
  });

  it('survives the rebuilds of studies, price tick and a candle close on a real chart', () => {
    const chart = new CandleChart(null as unknown as HTMLElement, { lazyUpdate: false, emaPeriods: [] });
    try {
      chart.load(candles, forming);
      expect(yAxisRange(chart)[1]).toBeLessThan(110);
      chart.setPriceExtent([100, 130]);
      expect(yAxisRange(chart)[1]).toBeGreaterThan(130);

      // A candle close with a study on: the panel sends the studies again, which rebuilds the option.
      chart.update({ ...forming, openTimeMs: forming.openTimeMs + HOUR });
      const n = chart.rowTimes().length;
      chart.setStudies([{ id: 'rsi', name: 'RSI 14', color: '#fff', pane: 0, kind: 'line', values: new Float64Array(n).fill(50) }], [{ label: 'RSI', range: [0, 100], levels: [30, 70] }]);
      expect(chart.paneCount).toBe(1);
      expect(yAxisRange(chart)[1]).toBeGreaterThan(130);
      const y = chart.priceToPixel(130);
      expect(y !== null && y >= 0).toBe(true);

      chart.setPriceTick(0.1);
      expect(yAxisRange(chart)[1]).toBeGreaterThan(130);

      // Lines gone: the axis follows the candles again.
      chart.setPriceExtent([]);
      chart.setStudies([], []);
      expect(yAxisRange(chart)[1]).toBeLessThan(110);
    } finally {
      chart.dispose();
    }
  });
});
