import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { AxisPointerComponent, GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';
import { fmtDateTime, fmtPctUnits, fmtUsd } from '../lib/format.js';
import { DOWN } from './chartOption.js';

/** Only the modules the equity view draws with. */
const ECHARTS_MODULES = [LineChart, GridComponent, TooltipComponent, AxisPointerComponent, CanvasRenderer];

const FONT = 'DejaVu Sans Mono';
const ACCENT = '#3d8bfd';

export interface EquitySeries {
  equity: readonly { atMs: number; equityUsd: number }[];
  drawdown: readonly { atMs: number; drawdownPct: number }[];
}

interface TooltipParam {
  seriesName?: string;
  value?: unknown;
}

/** Equity (top) and drawdown from the running peak (bottom) on one time axis; a pure function of the run. */
export function equityChartOption(d: EquitySeries): EChartsCoreOption {
  const axisLine = { lineStyle: { color: '#2f3847' } };
  const axisLabel = { color: '#6f7b8d', fontSize: 10, fontFamily: FONT };
  const splitLine = { lineStyle: { color: '#1a2029' } };
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: FONT },
    grid: [
      { left: 8, right: 72, top: 10, height: '58%' },
      { left: 8, right: 72, top: '72%', bottom: 22 },
    ],
    tooltip: {
      trigger: 'axis',
      backgroundColor: 'rgba(16,20,27,0.95)',
      borderColor: '#2f3847',
      textStyle: { color: '#e3e8ef', fontSize: 11, fontFamily: FONT },
      formatter: (params: TooltipParam | TooltipParam[]) => {
        const list = Array.isArray(params) ? params : [params];
        const first = list[0]?.value as [number, number] | undefined;
        const lines = list.map((p) => {
          const v = (p.value as [number, number])[1];
          return p.seriesName === 'Drawdown' ? `Drawdown ${fmtPctUnits(v)}` : `Equity ${fmtUsd(v)}`;
        });
        return `<div style="color:#6f7b8d">${first ? fmtDateTime(first[0]) : ''} UTC</div>${lines.map((l) => `<div>${l}</div>`).join('')}`;
      },
    },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    xAxis: [
      { type: 'time', gridIndex: 0, axisLine, axisLabel: { show: false }, splitLine: { show: false } },
      { type: 'time', gridIndex: 1, axisLine, axisLabel, splitLine: { show: false } },
    ],
    yAxis: [
      { type: 'value', scale: true, position: 'right', gridIndex: 0, axisLine, axisLabel, splitLine },
      { type: 'value', position: 'right', gridIndex: 1, max: 0, splitNumber: 2, axisLine, axisLabel: { ...axisLabel, formatter: '{value}%' }, splitLine },
    ],
    series: [
      {
        name: 'Equity', type: 'line', xAxisIndex: 0, yAxisIndex: 0, showSymbol: false, sampling: 'lttb',
        data: d.equity.map((p) => [p.atMs, p.equityUsd]), lineStyle: { width: 1.2, color: ACCENT }, itemStyle: { color: ACCENT },
      },
      {
        name: 'Drawdown', type: 'line', xAxisIndex: 1, yAxisIndex: 1, showSymbol: false, sampling: 'lttb',
        data: d.drawdown.map((p) => [p.atMs, p.drawdownPct]), lineStyle: { width: 1, color: DOWN }, itemStyle: { color: DOWN },
        areaStyle: { color: 'rgba(240,71,91,0.18)' },
      },
    ],
  };
}

/** An ECharts instance drawing one run's equity and drawdown. */
export class EquityChart {
  private readonly chart: echarts.ECharts;

  constructor(el: HTMLElement) {
    echarts.use(ECHARTS_MODULES);
    this.chart = echarts.init(el, undefined, { renderer: 'canvas' });
  }

  /** The underlying instance (tests read its option). */
  get instance(): echarts.ECharts {
    return this.chart;
  }

  load(d: EquitySeries): void {
    this.chart.setOption(equityChartOption(d), { notMerge: true });
  }

  resize(): void {
    this.chart.resize();
  }

  dispose(): void {
    this.chart.dispose();
  }
}
