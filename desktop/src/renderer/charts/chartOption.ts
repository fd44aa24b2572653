import type { EChartsCoreOption } from 'echarts/core';
import { fmtAmount, fmtDateTime, fmtPrice } from '../lib/format.js';
import type { ChartFlagMark } from '../lib/chartFlags.js';
import type { ChartDrawing } from '../lib/chartDrawings.js';
import { fmtTickPrice } from '../lib/chartDrawings.js';
import { gridLayout, PANE_PX, VOLUME_PX, type StudyPane } from '../lib/chartStudies.js';

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
export const CHART_FONT = 'DejaVu Sans Mono';
/** Series ids; `setOption` merges by id, so updates name only the series they change. */
export const SERIES_ID = { history: 'history', live: 'live', volumeUp: 'volume-up', volumeDown: 'volume-down', volumeLive: 'volume-live' } as const;
export const FLAG_COLOR = '#f59e0b';
const DRAWING_COLOR = '#d4a72c';
export const LAST_COLOR = '#3d8bfd';
const CANDLE_DIMS = ['time', 'open', 'close', 'lowest', 'highest'];

export type CandleRow = [number, number, number, number, number];

/** ECharts candlestick order: time, open, close, low, high. */
export function candleRow(c: ChartCandle): CandleRow {
  return [c.openTimeMs, c.open, c.close, c.low, c.high];
}

export function overlaySeriesId(name: string): string {
  return `overlay-${name}`;
}

/** Signal markers (triangles) and manipulation flags (pins labelled with the flag, named by its id for clicks). */
export function markPointOption(markers: readonly ChartMarker[], flags: readonly ChartFlagMark[] = []): EChartsCoreOption {
  return {
    symbolSize: 9,
    label: { show: false },
    animation: false,
    data: [
      ...flags.map((f) => ({
        name: f.id,
        coord: [f.barMs, f.price],
        symbol: 'pin',
        symbolSize: 26,
        itemStyle: { color: FLAG_COLOR },
        label: { show: true, formatter: '!', color: '#10141b', fontSize: 11, fontWeight: 'bold', fontFamily: CHART_FONT },
      })),
      ...markers.map((m) => ({
      name: m.label,
      coord: [m.timeMs, m.price],
      symbol: 'triangle',
      symbolRotate: m.side === 'long' ? 0 : 180,
      symbolOffset: [0, m.side === 'long' ? 10 : -10],
      itemStyle: { color: m.side === 'long' ? UP : DOWN },
      })),
    ],
  };
}

/** The level lines and the last-price line (labelled with the price on the market's tick). */
/** A backtest trade's fixed levels (the last price is drawn by the live layer, see liveCandleLayer.ts). */
export function markLineOption(levels: ChartLevels): EChartsCoreOption {
  const lines: EChartsCoreOption[] = [];
  const { entry, stop, takeProfits } = levels;
  if (entry != null) lines.push({ yAxis: entry, name: 'Entry', lineStyle: { color: '#aab4c3', type: 'solid' } });
  if (stop != null) lines.push({ yAxis: stop, name: 'SL', lineStyle: { color: DOWN, type: 'dashed' } });
  (takeProfits ?? []).forEach((tp, i) => lines.push({ yAxis: tp, name: `TP${i + 1}`, lineStyle: { color: UP, type: 'dashed' } }));
  return {
    silent: true,
    symbol: 'none',
    animation: false,
    label: { position: 'insideEndTop', formatter: '{b} {c}', color: '#aab4c3', fontSize: 10, fontFamily: CHART_FONT },
    data: lines,
  };
}

/** The trader's drawings as mark lines: horizontal at a price, or a segment between two bars. */
export function drawingsOption(drawings: readonly ChartDrawing[], priceTick: number | null): EChartsCoreOption {
  return {
    silent: true,
    symbol: 'none',
    animation: false,
    lineStyle: { color: DRAWING_COLOR, type: 'solid', width: 1.5 },
    label: { show: true, position: 'insideStartTop', color: DRAWING_COLOR, fontSize: 10, fontFamily: CHART_FONT },
    data: drawings.map((d) =>
      d.kind === 'hline'
        ? { name: d.id, yAxis: d.price, label: { formatter: fmtTickPrice(d.price, priceTick) } }
        : [{ name: d.id, coord: [d.from.timeMs, d.from.price], label: { show: false } }, { coord: [d.to.timeMs, d.to.price] }],
    ),
  };
}

interface TooltipParam {
  seriesId?: string;
  seriesType?: string;
  seriesName?: string;
  color?: unknown;
  value?: unknown;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One compact tooltip: time, OHLC, volume and each overlay, with the app's number formats. */
/**
 * `forming`: the forming candle as it is now. ECharts' own copy of it is only refreshed when it
 * leaves the axes (see liveCandleLayer.ts), so the tooltip reads the live values instead.
 */
export function tooltipHtml(params: TooltipParam | TooltipParam[], forming: ChartCandle | null = null): string {
  const list = Array.isArray(params) ? params : [params];
  let timeMs: number | null = null;
  let ohlc = '';
  let volume: number | null = null;
  const lines: string[] = [];
  for (const p of list) {
    const live = forming && (p.seriesId === SERIES_ID.live || p.seriesId === SERIES_ID.volumeLive) ? forming : null;
    const v = live ? (p.seriesId === SERIES_ID.live ? candleRow(live) : [live.openTimeMs, live.volume]) : ((Array.isArray(p.value) ? p.value : []) as number[]);
    if (p.seriesType === 'candlestick' && v.length >= 5) {
      timeMs = v[0]!;
      const cls = v[2]! >= v[1]! ? UP : DOWN;
      ohlc = `O ${fmtPrice(v[1])} H ${fmtPrice(v[4])} L ${fmtPrice(v[3])} C <b style="color:${cls}">${fmtPrice(v[2])}</b>`;
    } else if (p.seriesType === 'bar' && p.seriesName?.startsWith('Volume') && volume === null) {
      const vol = v.slice(1).find((x) => Number.isFinite(x));
      if (vol !== undefined) volume = vol;
    } else if ((p.seriesType === 'line' || p.seriesType === 'bar') && !p.seriesName?.startsWith('Volume') && Number.isFinite(v[1])) {
      const color = typeof p.color === 'string' ? p.color : '#aab4c3';
      lines.push(`<span style="color:${color}">${escapeHtml(p.seriesName ?? '')}</span> ${fmtPrice(v[1])}`);
    }
  }
  const head = timeMs !== null ? `<div style="color:#6f7b8d">${fmtDateTime(timeMs)} UTC</div>` : '';
  const vol = volume !== null ? `<div>Vol ${fmtAmount(volume)}</div>` : '';
  return `${head}<div>${ohlc}</div>${vol}${lines.map((l) => `<div>${l}</div>`).join('')}`;
}

/** Margins of every grid in pixels: left and right of each, and above the price grid. */
const GRID_PX = { left: 8, right: 64, top: 10 } as const;
/**
 * Grids stay exactly where GRID_PX puts them: ECharts' default ('auto') measures every axis label
 * on each update to shrink a grid whose labels would spill out, a third of a candle close's work,
 * and a grid it moved would no longer line up with the lines and shapes drawn over it.
 */
const FIXED_GRID = { outerBoundsMode: 'none' } as const;

/** Pixel boxes of the price and volume grids on a chart of `widthPx` by `heightPx` with `panes` study panes. */
export function gridRects(widthPx: number, heightPx: number, panes: number): { price: PixelRect; volume: PixelRect } {
  const layout = gridLayout(panes);
  const left = GRID_PX.left;
  const right = widthPx - GRID_PX.right;
  const volumeBottom = heightPx - layout.volumeBottom;
  return { price: { left, right, top: GRID_PX.top, bottom: heightPx - layout.priceBottom }, volume: { left, right, top: volumeBottom - VOLUME_PX, bottom: volumeBottom } };
}

export interface PixelRect {
  left: number;
  right: number;
  top: number;
  bottom: number;
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
  /** Study lines; `pane` -1 draws over the price, otherwise in that pane. */
  studies?: readonly { id: string; name: string; color: string; pane: number; kind: 'line' | 'bar'; data: Float64Array }[];
  panes?: readonly StudyPane[];
  flags?: readonly ChartFlagMark[];
  drawings?: readonly ChartDrawing[];
  /** The forming candle as it is now, for the tooltip. */
  forming?: () => ChartCandle | null;
  priceTick?: number | null;
  /** Prices the price axis must reach beyond the candles (position and order lines). */
  priceExtent?: PriceExtent | null;
}

/** Lowest and highest price of the lines drawn over the chart; infinite bounds when there are none. */
export interface PriceExtent {
  lo: number;
  hi: number;
}

/** The extent of `prices`, ignoring non-finite ones. */
export function priceExtentOf(prices: readonly number[]): PriceExtent {
  const finite = prices.filter((p) => Number.isFinite(p));
  return { lo: finite.length ? Math.min(...finite) : Number.POSITIVE_INFINITY, hi: finite.length ? Math.max(...finite) : Number.NEGATIVE_INFINITY };
}

/**
 * `min`/`max` of the price axis stretched over `e` as well as the candles. Set on every full
 * rebuild too: a `notMerge` option without them would shrink the axis back to the candles and
 * push the lines off the chart.
 */
export function priceAxisBounds(e: PriceExtent): { min: (v: { min: number; max: number }) => number; max: (v: { min: number; max: number }) => number } {
  // Room beyond the outermost line, so a take-profit at the edge can still be dragged outwards.
  const pad = (v: { min: number; max: number }) => (Math.max(v.max, e.hi) - Math.min(v.min, e.lo)) * 0.08;
  return { min: (v) => Math.min(v.min, e.lo - pad(v)), max: (v) => Math.max(v.max, e.hi + pad(v)) };
}

/** X axis indices of a chart with `panes` panes: price, volume, then one per pane. */
export function xAxisIndices(panes: number): number[] {
  return Array.from({ length: 2 + panes }, (_, i) => i);
}

/** The full option for {@link ChartData}; used once per load with `notMerge`. */
export function baseChartOption(d: ChartData): EChartsCoreOption {
  const zoom = { startValue: d.viewStartMs, endValue: d.viewEndMs, filterMode: 'filter' };
  const live = d.live;
  const axisLine = { lineStyle: { color: '#2f3847' } };
  const axisLabel = { color: '#6f7b8d', fontSize: 10, fontFamily: CHART_FONT };
  const splitLine = { lineStyle: { color: '#1a2029' } };
  const candleStyle = { color: UP, color0: DOWN, borderColor: UP, borderColor0: DOWN };
  const panes = d.panes ?? [];
  const layout = gridLayout(panes.length);
  const axes = xAxisIndices(panes.length);
  const lastGrid = 1 + panes.length;
  const tick = d.priceTick ?? null;
  const hiddenX = { axisLabel: { show: false }, axisTick: { show: false }, splitLine: { show: false }, axisPointer: { label: { show: false } } };
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: CHART_FONT },
    grid: [
      { ...FIXED_GRID, left: GRID_PX.left, right: GRID_PX.right, top: GRID_PX.top, bottom: layout.priceBottom },
      { ...FIXED_GRID, left: GRID_PX.left, right: GRID_PX.right, height: VOLUME_PX, bottom: layout.volumeBottom },
      ...layout.paneBottoms.map((bottom) => ({ ...FIXED_GRID, left: GRID_PX.left, right: GRID_PX.right, height: PANE_PX, bottom })),
    ],
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'cross', lineStyle: { color: '#6f7b8d' }, crossStyle: { color: '#6f7b8d' }, label: { backgroundColor: '#2f3847', fontFamily: CHART_FONT } },
      backgroundColor: 'rgba(16,20,27,0.95)',
      borderColor: '#2f3847',
      textStyle: { color: '#e3e8ef', fontSize: 11, fontFamily: CHART_FONT },
      formatter: (p: TooltipParam | TooltipParam[]) => tooltipHtml(p, d.forming?.() ?? null),
    },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    // Only the lowest grid labels the shared time axis.
    xAxis: axes.map((i) => (i === lastGrid ? { type: 'time', gridIndex: i, axisLine, axisLabel, splitLine: { show: false } } : { type: 'time', gridIndex: i, axisLine, ...hiddenX })),
    yAxis: [
      {
        scale: true, position: 'right', gridIndex: 0, axisLine, axisLabel: tick ? { ...axisLabel, formatter: (v: number) => fmtTickPrice(v, tick) } : axisLabel, splitLine,
        ...(d.priceExtent ? priceAxisBounds(d.priceExtent) : {}),
      },
      { scale: true, position: 'right', gridIndex: 1, axisLabel: { show: false }, splitLine: { show: false }, axisLine },
      ...panes.map((p, k) => ({
        scale: p.range === null, position: 'right', gridIndex: 2 + k, axisLine, splitNumber: 2, splitLine,
        axisLabel: { ...axisLabel, showMinLabel: false },
        ...(p.range ? { min: p.range[0], max: p.range[1] } : {}),
        name: p.label, nameLocation: 'end', nameGap: -12, nameTextStyle: { color: '#6f7b8d', fontSize: 10, fontFamily: CHART_FONT, align: 'right', padding: [0, 72, 0, 0] },
      })),
    ],
    dataZoom: [
      { type: 'inside', xAxisIndex: axes, ...zoom },
      {
        type: 'slider', xAxisIndex: axes, ...zoom, bottom: 6, height: 22,
        borderColor: '#232a35', fillerColor: 'rgba(61,139,253,0.12)', handleStyle: { color: '#2f3847' },
        dataBackground: { lineStyle: { color: '#3a4556' }, areaStyle: { color: '#1a2029' } },
        textStyle: { color: '#6f7b8d', fontSize: 10 }, showDetail: false, showDataShadow: false,
      },
    ],
    series: [
      {
        // Large mode draws all candles of one colour as one path instead of one element each.
        id: SERIES_ID.history, name: 'Price', type: 'candlestick', data: d.history, dimensions: CANDLE_DIMS,
        encode: { x: 'time', y: ['open', 'close', 'lowest', 'highest'] }, large: true, largeThreshold: 100, progressive: 0,
        itemStyle: candleStyle, markPoint: markPointOption(d.markers, d.flags), markLine: drawingsOption(d.drawings ?? [], tick),
      },
      {
        id: SERIES_ID.live, name: 'Forming', type: 'candlestick', data: live ? [candleRow(live)] : [], dimensions: CANDLE_DIMS,
        encode: { x: 'time', y: ['open', 'close', 'lowest', 'highest'] }, markLine: markLineOption(d.levels),
        // Fits the axes to the forming candle; the live layer draws it (see liveCandleLayer.ts).
        itemStyle: { ...candleStyle, opacity: 0 }, emphasis: { disabled: true }, silent: true,
      },
      ...(['up', 'down'] as const).map((side) => ({
        id: side === 'up' ? SERIES_ID.volumeUp : SERIES_ID.volumeDown, name: 'Volume', type: 'bar', xAxisIndex: 1, yAxisIndex: 1, barGap: '-100%',
        data: d.volume, dimensions: ['time', 'up', 'down'], encode: { x: 'time', y: side },
        large: true, largeThreshold: 100, progressive: 0, itemStyle: { color: side === 'up' ? VOL_UP : VOL_DOWN },
      })),
      {
        id: SERIES_ID.volumeLive, name: 'Volume (forming)', type: 'bar', xAxisIndex: 1, yAxisIndex: 1, barGap: '-100%', dimensions: ['time', 'volume'],
        data: live ? [[live.openTimeMs, live.volume]] : [], encode: { x: 'time', y: 'volume' },
        itemStyle: { color: VOL_UP, opacity: 0 }, emphasis: { disabled: true }, silent: true,
      },
      ...d.overlays.map((o) => ({
        id: overlaySeriesId(o.name), name: o.name, type: 'line', data: o.data, dimensions: ['time', 'value'], encode: { x: 'time', y: 'value' },
        showSymbol: false, symbol: 'none', sampling: 'lttb', progressive: 0, lineStyle: { width: 1, color: o.color }, itemStyle: { color: o.color },
        emphasis: { disabled: true },
      })),
      ...(d.studies ?? []).map((st) => {
        const axis = st.pane < 0 ? 0 : 2 + st.pane;
        const base = { id: st.id, name: st.name, data: st.data, dimensions: ['time', 'value'], encode: { x: 'time', y: 'value' }, xAxisIndex: axis, yAxisIndex: axis, progressive: 0, emphasis: { disabled: true } };
        if (st.kind === 'bar') return { ...base, type: 'bar', large: true, largeThreshold: 100, itemStyle: { color: st.color } };
        const pane = st.pane < 0 ? null : panes[st.pane];
        const guides = pane?.levels.length && st === (d.studies ?? []).find((x) => x.pane === st.pane)
          ? { markLine: { silent: true, symbol: 'none', animation: false, label: { show: false }, lineStyle: { color: '#3a4556', type: 'dashed', width: 1 }, data: pane.levels.map((y) => ({ yAxis: y })) } }
          : {};
        return { ...base, type: 'line', showSymbol: false, symbol: 'none', sampling: 'lttb', lineStyle: { width: 1, color: st.color }, itemStyle: { color: st.color }, ...guides };
      }),
    ],
  };
}
