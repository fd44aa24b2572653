import { describe, expect, it, vi } from 'vitest';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { DOWN, SERIES_ID, UP, type ChartCandle } from '../../src/renderer/charts/chartOption.js';
import { CandleChart, type IdleDeadlineLike } from '../../src/renderer/charts/candleChart.js';
import { candles, forming, HOUR } from './ssrEcharts.js';

vi.mock('echarts/core', async (importOriginal) => (await import('./ssrEcharts.js')).ssrEchartsCore(importOriginal));
echarts.use([SVGRenderer]);

type IdleRun = (deadline: IdleDeadlineLike) => void;

/** A chart whose idle periods the test hands out: `idle.pop()(deadline)` runs the queued catch-up. */
function heldChart(): { chart: CandleChart; setOption: ReturnType<typeof vi.spyOn>; idle: IdleRun[] } {
  const idle: IdleRun[] = [];
  const chart = new CandleChart(null as unknown as HTMLElement, { lazyUpdate: false, deferCloses: true, emaPeriods: [21], whenIdle: (run) => idle.push(run) });
  chart.load(candles, forming);
  return { chart, setOption: vi.spyOn(chart.instance, 'setOption'), idle };
}

const ample: IdleDeadlineLike = { didTimeout: false, timeRemaining: () => 50 };
const none: IdleDeadlineLike = { didTimeout: false, timeRemaining: () => 0 };
const late: IdleDeadlineLike = { didTimeout: true, timeRemaining: () => 0 };

/** Open time of the last row of ECharts' history series, and the end of its data zoom. */
function echartsEdge(chart: CandleChart): { lastRowMs: number; zoomEndMs: number } {
  const opt = chart.instance.getOption() as { series: { id: string; data: ArrayLike<number> }[]; dataZoom: { endValue: number }[] };
  const hist = opt.series.find((s) => s.id === SERIES_ID.history)!.data;
  // The history series is a flat typed array of [time, open, close, low, high] rows.
  return { lastRowMs: hist[hist.length - 5]!, zoomEndMs: opt.dataZoom[0]!.endValue };
}

const next = (prev: ChartCandle, close: number): ChartCandle => ({ openTimeMs: prev.openTimeMs + HOUR, open: prev.close, close, low: Math.min(prev.close, close), high: Math.max(prev.close, close), volume: 2 });

describe('candle closes held for an idle period', () => {
  it('draws the close on the live layer at once and hands it to ECharts when idle', () => {
    const { chart, setOption, idle } = heldChart();
    try {
      const before = echartsEdge(chart);
      const xClosed = (chart.instance.convertToPixel({ gridIndex: 0 }, [forming.openTimeMs, forming.close]) as number[])[0]!;
      const second = next(forming, 100.1);
      chart.update(second);
      // Nothing of ECharts ran: the closed candle is drawn where it stood, in its final colours.
      expect(setOption).not.toHaveBeenCalled();
      expect(chart.heldCloses).toBe(1);
      expect(chart.candleCount).toBe(62);
      expect(chart.rowTimes().at(-1)).toBe(forming.openTimeMs);
      expect(chart.liveDrawn.held).toHaveLength(1);
      expect(chart.liveDrawn.held[0]!.candle).toMatchObject({ x: expect.closeTo(xClosed, 6), color: UP });
      expect(chart.liveDrawn.held[0]!.volume).not.toBeNull();
      // The new candle is past the axis until it moves; its price line shows already.
      expect(chart.liveDrawn.candle).toBeNull();
      expect(chart.liveDrawn.last?.y).toBeCloseTo(chart.priceToPixel(100.1)!, 6);
      expect(echartsEdge(chart)).toEqual(before);

      // Ticks of the new candle before the catch-up do not run ECharts either.
      const tick = { ...second, close: 99.95, low: 99.95 };
      chart.update(tick);
      expect(setOption).not.toHaveBeenCalled();
      expect(idle).toHaveLength(1);

      idle.shift()!(ample);
      expect(setOption).toHaveBeenCalledTimes(1);
      expect(chart.heldCloses).toBe(0);
      expect(chart.liveDrawn.held).toEqual([]);
      // ECharts holds the close, the view followed the live edge, and the forming candle is drawn.
      expect(echartsEdge(chart)).toEqual({ lastRowMs: forming.openTimeMs, zoomEndMs: second.openTimeMs });
      const xNew = (chart.instance.convertToPixel({ gridIndex: 0 }, [second.openTimeMs, tick.close]) as number[])[0]!;
      expect(chart.liveDrawn.candle).toMatchObject({ x: expect.closeTo(xNew, 6), color: DOWN });
    } finally {
      chart.dispose();
    }
  });

  it('waits for an idle period as long as the last catch-up took, and runs once the wait times out', () => {
    const { chart, setOption, idle } = heldChart();
    try {
      const second = next(forming, 100.1);
      chart.update(second);
      // The first catch-up has no cost measured yet: any idle period will do.
      idle.shift()!(none);
      expect(setOption).toHaveBeenCalledTimes(1);
      chart.update(next(second, 100.3));
      idle.shift()!(none);
      // Too short now: asked again, nothing run.
      expect(setOption).toHaveBeenCalledTimes(1);
      expect(idle).toHaveLength(1);
      idle.shift()!(late);
      expect(setOption).toHaveBeenCalledTimes(2);
      expect(chart.heldCloses).toBe(0);
    } finally {
      chart.dispose();
    }
  });

  it('holds several closes in order, and catches up at once past the bound', () => {
    const { chart, setOption, idle } = heldChart();
    try {
      let c = forming;
      for (let i = 0; i < 8; i++) {
        c = next(c, 100 + (i % 2 ? 0.3 : -0.3));
        chart.update(c);
      }
      expect(setOption).not.toHaveBeenCalled();
      expect(chart.heldCloses).toBe(8);
      // The first close stood at the axis' end and is drawn there; the later ones lie past the
      // unmoved axis until the catch-up moves it.
      const drawn = chart.liveDrawn.held.map((h) => h.candle);
      expect(drawn).toHaveLength(8);
      expect(drawn[0]).not.toBeNull();
      expect(drawn.slice(1).every((c) => c === null)).toBe(true);
      // A ninth close without an idle period: ECharts takes all of them in this update.
      c = next(c, 100.2);
      chart.update(c);
      expect(setOption).toHaveBeenCalledTimes(1);
      expect(chart.heldCloses).toBe(0);
      expect(echartsEdge(chart).lastRowMs).toBe(c.openTimeMs - HOUR);
      // The idle callback queued earlier finds nothing left to do.
      idle.shift()!(ample);
      expect(setOption).toHaveBeenCalledTimes(1);
    } finally {
      chart.dispose();
    }
  });

  it('gives a pan the held closes first, so the pan starts from the new live edge', () => {
    // A pan fires ECharts' datazoom event, whose handler slides the window on the next frame.
    vi.stubGlobal('requestAnimationFrame', (fn: () => void) => setTimeout(fn, 0));
    const { chart, idle } = heldChart();
    try {
      chart.update(next(forming, 100.1));
      chart.pan(-10);
      expect(chart.heldCloses).toBe(0);
      expect(echartsEdge(chart).lastRowMs).toBe(forming.openTimeMs);
      // Ten bars back from the new candle: the close was taken before the pan moved the view.
      expect(echartsEdge(chart).zoomEndMs).toBeLessThan(forming.openTimeMs);
      idle.shift()!(ample);
      expect(chart.heldCloses).toBe(0);
    } finally {
      chart.dispose();
      vi.unstubAllGlobals();
    }
  });
});
