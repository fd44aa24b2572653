import { describe, expect, it, vi } from 'vitest';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { baseChartOption, priceAxisBounds, priceExtentOf, type ChartCandle } from '../../src/renderer/charts/chartOption.js';
import { CandleChart } from '../../src/renderer/charts/candleChart.js';

// Node has no DOM: the chart runs in ECharts' server-side mode (SVG, fixed size) instead of on a
// canvas element; axes, layout and pixel conversion are the same code either way.
vi.mock('echarts/core', async (importOriginal) => {
  const real = await importOriginal<typeof echarts>();
  return { ...real, init: (_el: unknown, theme: unknown, _opts: unknown) => real.init(null as unknown as HTMLElement, theme as string | undefined, { renderer: 'svg', ssr: true, width: 800, height: 600 }) };
});
echarts.use([SVGRenderer]);

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
/** 60 hourly candles between 99 and 101. */
const candles: ChartCandle[] = Array.from({ length: 60 }, (_, i) => ({ openTimeMs: T0 + i * HOUR, open: 100, close: 100 + (i % 2 ? 0.5 : -0.5), low: 99, high: 101, volume: 10 }));
const forming: ChartCandle = { openTimeMs: T0 + 60 * HOUR, open: 100, close: 100.2, low: 99.8, high: 100.4, volume: 3 };
const yAxisRange = (chart: CandleChart): [number, number] => {
  const model = (chart.instance as unknown as { getModel(): { getComponent(t: string, i: number): { axis: { scale: { getExtent(): [number, number] } } } } }).getModel();
  return model.getComponent('yAxis', 0).axis.scale.getExtent();
};

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
