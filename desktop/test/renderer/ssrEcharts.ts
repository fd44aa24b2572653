import type * as echarts from 'echarts/core';
import type { ChartCandle } from '../../src/renderer/charts/chartOption.js';
import type { CandleChart } from '../../src/renderer/charts/candleChart.js';

/**
 * Fixtures for charts under Node. `echarts/core` with `init` in ECharts' server-side mode (SVG, 800 x 600). Node has no DOM: a
 * chart runs there instead of on a canvas element; axes, layout and pixel conversion are the same
 * code either way. Use as `vi.mock('echarts/core', async (orig) => (await import('./ssrEcharts.js')).ssrEchartsCore(orig))`.
 */
export async function ssrEchartsCore(importOriginal: () => Promise<unknown>): Promise<typeof echarts> {
  const real = (await importOriginal()) as typeof echarts;
  return { ...real, init: (_el: unknown, theme: unknown, _opts: unknown) => real.init(null as unknown as HTMLElement, theme as string | undefined, { renderer: 'svg', ssr: true, width: 800, height: 600 }) } as typeof echarts;
}

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 0, 1);
/** 60 hourly candles between 99 and 101, volume 10. */
export const candles: ChartCandle[] = Array.from({ length: 60 }, (_, i) => ({ openTimeMs: T0 + i * HOUR, open: 100, close: 100 + (i % 2 ? 0.5 : -0.5), low: 99, high: 101, volume: 10 }));
/** The forming candle after them. */
export const forming: ChartCandle = { openTimeMs: T0 + 60 * HOUR, open: 100, close: 100.2, low: 99.8, high: 100.4, volume: 3 };
/** The extent of a chart's value axis as ECharts laid it out (0: price, 1: volume). */
export function yAxisRange(chart: CandleChart, index = 0): [number, number] {
  const model = (chart.instance as unknown as { getModel(): { getComponent(t: string, i: number): { axis: { scale: { getExtent(): [number, number] } } } } }).getModel();
  return model.getComponent('yAxis', index).axis.scale.getExtent();
}
