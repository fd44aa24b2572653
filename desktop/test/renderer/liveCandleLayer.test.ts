import { describe, expect, it, vi } from 'vitest';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { DOWN, SERIES_ID, UP, tooltipHtml, type ChartCandle } from '../../src/renderer/charts/chartOption.js';
import { CandleChart } from '../../src/renderer/charts/candleChart.js';
import { fmtTickPrice } from '../../src/renderer/lib/chartDrawings.js';
import { liveGeometry, type LiveGeometryInput } from '../../src/renderer/charts/liveCandleLayer.js';
import { candles, forming, HOUR, T0, yAxisRange } from './ssrEcharts.js';

vi.mock('echarts/core', async (importOriginal) => (await import('./ssrEcharts.js')).ssrEchartsCore(importOriginal));
echarts.use([SVGRenderer]);

/** What ECharts' own live series holds (the candle the axes are fitted to). */
const fittedClose = (chart: CandleChart): number => {
  const series = (chart.instance.getOption() as { series: { id: string; data: number[][] }[] }).series;
  return series.find((s) => s.id === SERIES_ID.live)!.data[0]![2]!;
};

/** A linear chart: 10 px per hour from x=100 at T0, 1 px per 0.1 price from y=500 at 99. */
function linearInput(live: ChartCandle | null, over: Partial<LiveGeometryInput> = {}): LiveGeometryInput {
  return {
    live,
    prevOpenTimeMs: T0 + 59 * HOUR,
    pricePx: (t, p) => [100 + ((t - T0) / HOUR) * 10, 500 - (p - 99) * 10],
    volumePx: (t, v) => [100 + ((t - T0) / HOUR) * 10, 580 - v],
    priceRect: { left: 100, right: 736, top: 10, bottom: 510 },
    volumeRect: { left: 100, right: 736, top: 524, bottom: 580 },
    priceTick: 0.1,
    ...over,
  };
}

describe('live candle geometry', () => {
  it('places the forming candle, its volume and the last price by the chart mapping', () => {
    const g = liveGeometry(linearInput(forming));
    // x of hour 60: 100 + 600; bar spacing 10 px, body half of it, volume bar 80 %.
    expect(g.candle).toEqual({ x: 700, widthPx: 5, open: 490, close: 488, high: expect.closeTo(486, 9), low: 492, color: UP });
    expect(g.volume).toEqual({ x: 700, widthPx: 8, top: 577, base: 580, color: expect.any(String) });
    expect(g.last).toEqual({ y: 488, left: 100, right: 736, text: '100.2' });
  });

  it('colours a falling candle down, and keeps every shape inside its grid', () => {
    const g = liveGeometry(linearInput({ ...forming, close: 99.9, low: 50, volume: 500 }));
    expect(g.candle?.color).toBe(DOWN);
    // A low far below the axis is held at the grid's bottom; the volume at the volume grid's top.
    expect(g.candle?.low).toBe(510);
    expect(g.volume?.top).toBe(524);
  });

  it('hides the candle out of view and the last-price line off the axis', () => {
    // Panned into the past: the forming candle is right of the grid, the last price still spans it.
    const panned = liveGeometry(linearInput(forming, { pricePx: (t, p) => [900 + ((t - T0) / HOUR) * 10, 500 - (p - 99) * 10] }));
    expect(panned.candle).toBeNull();
    expect(panned.volume).toBeNull();
    expect(panned.last?.y).toBe(488);
    const above = liveGeometry(linearInput({ ...forming, close: 160, high: 160 }));
    expect(above.last).toBeNull();
    expect(liveGeometry(linearInput(null))).toEqual({ candle: null, volume: null, last: null, held: [] });
    expect(liveGeometry(linearInput(forming, { pricePx: () => null }))).toEqual({ candle: null, volume: null, last: null, held: [] });
  });
});

describe('live ticks on a real chart', () => {
  function chartWithSpy(): { chart: CandleChart; setOption: ReturnType<typeof vi.spyOn> } {
    const chart = new CandleChart(null as unknown as HTMLElement, { lazyUpdate: false, emaPeriods: [] });
    chart.load(candles, forming);
    return { chart, setOption: vi.spyOn(chart.instance, 'setOption') };
  }

  it('moves the drawn candle without a pass of ECharts while it stays inside the axes', () => {
    const { chart, setOption } = chartWithSpy();
    try {
      const tick = { ...forming, close: 100.3, high: 100.45 };
      chart.update(tick);
      expect(setOption).not.toHaveBeenCalled();
      expect(fittedClose(chart)).toBe(forming.close);
      // Drawn where the chart's own mapping puts the new close.
      const y = chart.priceToPixel(100.3)!;
      expect(chart.liveDrawn.candle?.close).toBeCloseTo(y, 6);
      // No market tick given: the label follows the price's magnitude, like the axis.
      expect(chart.liveDrawn.last?.text).toBe(fmtTickPrice(100.3, null));
      // The tooltip reads the candle as it is now, not ECharts' fitted copy.
      const html = tooltipHtml([{ seriesId: SERIES_ID.live, seriesType: 'candlestick', value: [forming.openTimeMs, 100, 100.2, 99.8, 100.4] }], tick);
      expect(html).toContain('100.3');
      expect(html).not.toContain('100.2');
    } finally {
      chart.dispose();
    }
  });

  it('refits the axes when the candle reaches past them, and draws it inside', () => {
    const { chart, setOption } = chartWithSpy();
    try {
      const [, top] = yAxisRange(chart, 0);
      const spike = { ...forming, close: top + 5, high: top + 6 };
      chart.update(spike);
      expect(setOption).toHaveBeenCalledTimes(1);
      expect(fittedClose(chart)).toBe(spike.close);
      expect(yAxisRange(chart, 0)[1]).toBeGreaterThanOrEqual(spike.high);
      expect(chart.liveDrawn.candle?.high).toBeCloseTo(chart.priceToPixel(spike.high)!, 6);

      // Volume beyond its axis refits too.
      const [, volTop] = yAxisRange(chart, 1);
      chart.update({ ...spike, volume: volTop * 3 });
      expect(setOption).toHaveBeenCalledTimes(2);
      expect(yAxisRange(chart, 1)[1]).toBeGreaterThanOrEqual(volTop * 3);
    } finally {
      chart.dispose();
    }
  });

  it('hands a closed candle to the history and starts drawing the next one', () => {
    const { chart, setOption } = chartWithSpy();
    try {
      const next = { openTimeMs: forming.openTimeMs + HOUR, open: 100.2, close: 100.1, low: 100.05, high: 100.25, volume: 1 };
      chart.update(next);
      expect(setOption).toHaveBeenCalledTimes(1);
      expect(chart.rowTimes().at(-1)).toBe(forming.openTimeMs);
      expect(chart.candleCount).toBe(62);
      expect(fittedClose(chart)).toBe(next.close);
      expect(chart.liveDrawn.candle?.color).toBe(DOWN);
      const x = (chart.instance.convertToPixel({ gridIndex: 0 }, [next.openTimeMs, next.close]) as number[])[0]!;
      expect(chart.liveDrawn.candle?.x).toBeCloseTo(x, 6);
    } finally {
      chart.dispose();
    }
  });
});
