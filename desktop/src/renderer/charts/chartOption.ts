import type { EChartsCoreOption } from 'echarts/core';
import { fmtAmount, fmtDateTime, fmtPrice } from '../lib/format.js';

/**
 * The ECharts option of the candlestick view: theme, grids, axes, zoom and series layout. Pure
 * functions of their inputs, so the chart class only decides what data goes where.
 */

/** One OHLCV bar as the chart consumes it (same field names as the shared `Candle`). */
export interface ChartCandle {
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface ChartMarker {
  timeMs: number;
  price: number;
  side: 'long' | 'short';
  label: string;
}

export interface ChartLevels {
  entry?: number | null;
  stop?: number | null;
  takeProfits?: readonly number[];
}

export interface ChartOverlay {
  name: string;
  color: string;
  /** Values aligned with the candles; `NaN` where undefined. */
  values: ArrayLike<number>;
  /** Set for EMA lines, which the chart extends itself as candles close. */
  emaPeriod?: number;
}

export const UP = '#1fbf75';
export const DOWN = '#f0475b';
export const VOL_UP = 'rgba(31,191,117,0.45)';
export const VOL_DOWN = 'rgba(240,71,91,0.45)';
export const EMA_COLORS = ['#f0b429', '#3d8bfd', '#b07cff'];
const FONT = 'DejaVu Sans Mono';
/** Series ids; `setOption` merges by id, so updates name only the series they change. */
export const SERIES_ID = { history: 'history', live: 'live', volumeUp: 'volume-up', volumeDown: 'volume-down', volumeLive: 'volume-live' } as const;
const CANDLE_DIMS = ['time', 'open', 'close', 'lowest', 'highest'];

export type CandleRow = [number, number, number, number, number];

/** ECharts candlestick order: time, open, close, low, high. */
export function candleRow(c: ChartCandle): CandleRow {
  return [c.openTimeMs, c.open, c.close, c.low, c.high];
}

export function overlaySeriesId(name: string): string {
  return `overlay-${name}`;
}

export function markPointOption(markers: readonly ChartMarker[]): EChartsCoreOption {
  return {
    symbolSize: 9,
    label: { show: false },
    animation: false,
    data: markers.map((m) => ({
      name: m.label,
      coord: [m.timeMs, m.price],
      symbol: 'triangle',
      symbolRotate: m.side === 'long' ? 0 : 180,
      symbolOffset: [0, m.side === 'long' ? 10 : -10],
      itemStyle: { color: m.side === 'long' ? UP : DOWN },
    })),
  };
}

export function markLineOption(levels: ChartLevels): EChartsCoreOption {
  const lines: { yAxis: number; name: string; lineStyle: { color: string; type: 'solid' | 'dashed' } }[] = [];
  const { entry, stop, takeProfits } = levels;
  if (entry != null) lines.push({ yAxis: entry, name: 'Entry', lineStyle: { color: '#aab4c3', type: 'solid' } });
  if (stop != null) lines.push({ yAxis: stop, name: 'SL', lineStyle: { color: DOWN, type: 'dashed' } });
  (takeProfits ?? []).forEach((tp, i) => lines.push({ yAxis: tp, name: `TP${i + 1}`, lineStyle: { color: UP, type: 'dashed' } }));
  return {
    silent: true,
    symbol: 'none',
    animation: false,
    label: { position: 'insideEndTop', formatter: '{b} {c}', color: '#aab4c3', fontSize: 10, fontFamily: FONT },
    data: lines,
  };
}

interface TooltipParam {
  seriesType?: string;
  seriesName?: string;
  color?: unknown;
  value?: unknown;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One compact tooltip: time, OHLC, volume and each overlay, with the app's number formats. */
export function tooltipHtml(params: TooltipParam | TooltipParam[]): string {
  const list = Array.isArray(params) ? params : [params];
  let timeMs: number | null = null;
  let ohlc = '';
  let volume: number | null = null;
  const lines: string[] = [];
  for (const p of list) {
    const v = (Array.isArray(p.value) ? p.value : []) as number[];
    if (p.seriesType === 'candlestick' && v.length >= 5) {
      timeMs = v[0]!;
      const cls = v[2]! >= v[1]! ? UP : DOWN;
      ohlc = `O ${fmtPrice(v[1])} H ${fmtPrice(v[4])} L ${fmtPrice(v[3])} C <b style="color:${cls}">${fmtPrice(v[2])}</b>`;
    } else if (p.seriesType === 'bar' && volume === null) {
      const vol = v.slice(1).find((x) => Number.isFinite(x));
      if (vol !== undefined) volume = vol;
    } else if (p.seriesType === 'line' && Number.isFinite(v[1])) {
      const color = typeof p.color === 'string' ? p.color : '#aab4c3';
      lines.push(`<span style="color:${color}">${escapeHtml(p.seriesName ?? '')}</span> ${fmtPrice(v[1])}`);
    }
  }
  const head = timeMs !== null ? `<div style="color:#6f7b8d">${fmtDateTime(timeMs)} UTC</div>` : '';
  const vol = volume !== null ? `<div>Vol ${fmtAmount(volume)}</div>` : '';
  return `${head}<div>${ohlc}</div>${vol}${lines.map((l) => `<div>${l}</div>`).join('')}`;
}

export interface ChartData {
  /** Rows `[time, open, close, low, high]`. */
  history: Float64Array;
  /** Rows `[time, upVolume, downVolume]` (NaN on the other side). */
  volume: Float64Array;
  /** Rows `[time, value]` per overlay. */
  overlays: readonly { name: string; color: string; data: Float64Array }[];
  live: ChartCandle | null;
  viewStartMs: number;
  viewEndMs: number;
  markers: readonly ChartMarker[];
  levels: ChartLevels;
}

/** The full option for {@link ChartData}; used once per load with `notMerge`. */
export function baseChartOption(d: ChartData): EChartsCoreOption {
  const zoom = { startValue: d.viewStartMs, endValue: d.viewEndMs, filterMode: 'filter' };
  const live = d.live;
  const axisLine = { lineStyle: { color: '#2f3847' } };
  const axisLabel = { color: '#6f7b8d', fontSize: 10, fontFamily: FONT };
  const splitLine = { lineStyle: { color: '#1a2029' } };
  const candleStyle = { color: UP, color0: DOWN, borderColor: UP, borderColor0: DOWN };
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: FONT },
    grid: [
      { left: 8, right: 64, top: 10, bottom: 100 },
      { left: 8, right: 64, height: 56, bottom: 40 },
    ],
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'cross', lineStyle: { color: '#6f7b8d' }, crossStyle: { color: '#6f7b8d' }, label: { backgroundColor: '#2f3847', fontFamily: FONT } },
      backgroundColor: 'rgba(16,20,27,0.95)',
      borderColor: '#2f3847',
      textStyle: { color: '#e3e8ef', fontSize: 11, fontFamily: FONT },
      formatter: tooltipHtml,
    },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    xAxis: [
      { type: 'time', gridIndex: 0, axisLine, axisLabel: { show: false }, splitLine: { show: false }, axisTick: { show: false }, axisPointer: { label: { show: false } } },
      { type: 'time', gridIndex: 1, axisLine, axisLabel, splitLine: { show: false } },
    ],
    yAxis: [
      { scale: true, position: 'right', gridIndex: 0, axisLine, axisLabel, splitLine },
      { scale: true, position: 'right', gridIndex: 1, axisLabel: { show: false }, splitLine: { show: false }, axisLine },
    ],
    dataZoom: [
      { type: 'inside', xAxisIndex: [0, 1], ...zoom },
      {
        type: 'slider', xAxisIndex: [0, 1], ...zoom, bottom: 6, height: 22,
        borderColor: '#232a35', fillerColor: 'rgba(61,139,253,0.12)', handleStyle: { color: '#2f3847' },
        dataBackground: { lineStyle: { color: '#3a4556' }, areaStyle: { color: '#1a2029' } },
        textStyle: { color: '#6f7b8d', fontSize: 10 }, showDetail: false,
      },
    ],
    series: [
      {
        // Large mode draws all candles of one colour as one path instead of one element each.
        id: SERIES_ID.history, name: 'Price', type: 'candlestick', data: d.history, dimensions: CANDLE_DIMS,
        encode: { x: 'time', y: ['open', 'close', 'lowest', 'highest'] }, large: true, largeThreshold: 100, progressive: 0,
        itemStyle: candleStyle, markPoint: markPointOption(d.markers),
      },
      {
        id: SERIES_ID.live, name: 'Forming', type: 'candlestick', data: live ? [candleRow(live)] : [], dimensions: CANDLE_DIMS,
        encode: { x: 'time', y: ['open', 'close', 'lowest', 'highest'] }, itemStyle: candleStyle, markLine: markLineOption(d.levels),
      },
      ...(['up', 'down'] as const).map((side) => ({
        id: side === 'up' ? SERIES_ID.volumeUp : SERIES_ID.volumeDown, name: 'Volume', type: 'bar', xAxisIndex: 1, yAxisIndex: 1, stack: 'volume',
        data: d.volume, dimensions: ['time', 'up', 'down'], encode: { x: 'time', y: side },
        large: true, largeThreshold: 100, progressive: 0, itemStyle: { color: side === 'up' ? VOL_UP : VOL_DOWN },
      })),
      {
        id: SERIES_ID.volumeLive, name: 'Volume (forming)', type: 'bar', xAxisIndex: 1, yAxisIndex: 1, stack: 'volume', dimensions: ['time', 'volume'],
        data: live ? [[live.openTimeMs, live.volume]] : [], encode: { x: 'time', y: 'volume' },
        itemStyle: { color: live && live.close < live.open ? VOL_DOWN : VOL_UP },
      },
      ...d.overlays.map((o) => ({
        id: overlaySeriesId(o.name), name: o.name, type: 'line', data: o.data, dimensions: ['time', 'value'], encode: { x: 'time', y: 'value' },
        showSymbol: false, symbol: 'none', sampling: 'lttb', progressive: 0, lineStyle: { width: 1, color: o.color }, itemStyle: { color: o.color },
        emphasis: { disabled: true },
      })),
    ],
  };
}
