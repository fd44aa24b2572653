import * as echarts from 'echarts/core';
import { fmtTickPrice } from '../lib/chartDrawings.js';
import { DOWN, LAST_COLOR, UP, VOL_DOWN, VOL_UP, CHART_FONT, type ChartCandle, type PixelRect } from './chartOption.js';

/**
 * The forming candle, its volume bar and the last-price line (and any closed candles ECharts has
 * not taken yet), drawn straight on ZRender in a canvas layer of their own.
 *
 * ECharts answers any `setOption`, even one that changes a single point, by running its whole
 * pipeline again: every series' data, the data zoom, the axes, the slider and a repaint of every
 * element. On a chart of thousands of bars that is a frame's worth of work for each tick of the
 * forming candle. These few shapes, placed with the chart's own pixel mapping, cost a repaint of
 * one small layer instead; the chart itself is only refitted when the forming candle leaves its
 * axes (see `CandleChart.update`).
 */

export interface CandleShape {
  x: number;
  widthPx: number;
  open: number;
  close: number;
  high: number;
  low: number;
  color: string;
}
export interface VolumeShape {
  x: number;
  widthPx: number;
  top: number;
  base: number;
  color: string;
}

/** Where each shape goes, in pixels of the chart's box; null hides it. */
export interface LiveGeometry {
  candle: CandleShape | null;
  volume: VolumeShape | null;
  last: { y: number; left: number; right: number; text: string } | null;
  /** Closed candles ECharts does not hold yet (see `CandleChart.update`), oldest first. */
  held: { candle: CandleShape | null; volume: VolumeShape | null }[];
}

export const NO_LIVE_GEOMETRY: LiveGeometry = { candle: null, volume: null, last: null, held: [] };

export interface LiveGeometryInput {
  live: ChartCandle | null;
  /** Open time of the bar before the forming one (before the first held one, if any): the bar spacing comes from it. */
  prevOpenTimeMs: number | null;
  /** Closed candles between the chart's history and the forming one, oldest first; none by default. */
  held?: readonly ChartCandle[];
  /** `[x, y]` of a time and price on the price grid; null when the axes are not laid out. */
  pricePx(timeMs: number, price: number): readonly [number, number] | null;
  /** `[x, y]` of a time and volume on the volume grid. */
  volumePx(timeMs: number, volume: number): readonly [number, number] | null;
  priceRect: PixelRect;
  volumeRect: PixelRect;
  priceTick: number | null;
}

/** Body and bar widths as fractions of the bar spacing: ECharts' candlestick (half) and bar (80 %) defaults. */
const BODY_OF_SPACING = 0.5;
const BAR_OF_SPACING = 0.8;
/** Spacing assumed when there is no earlier bar to measure it from. */
const LONE_BAR_SPACING_PX = 12;

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** Pure: the shapes for the forming candle `input.live` (and any held closes) under the chart's current axes. */
export function liveGeometry(input: LiveGeometryInput): LiveGeometry {
  const { live } = input;
  if (!live) return NO_LIVE_GEOMETRY;
  const at = input.pricePx(live.openTimeMs, live.close);
  if (!at) return NO_LIVE_GEOMETRY;
  const yClose = at[1];
  const pr = input.priceRect;
  let prev = input.prevOpenTimeMs;
  const held = (input.held ?? []).map((c) => {
    const shapes = barShapes(input, c, prev);
    prev = c.openTimeMs;
    return shapes;
  });
  const { candle, volume } = barShapes(input, live, prev);
  const last = yClose >= pr.top && yClose <= pr.bottom ? { y: yClose, left: pr.left, right: pr.right, text: fmtTickPrice(live.close, input.priceTick) } : null;
  return { candle, volume, last, held };
}

/** Body and volume bar of `c`, spaced from the bar opening at `prevOpenTimeMs`; null out of view. */
function barShapes(input: LiveGeometryInput, c: ChartCandle, prevOpenTimeMs: number | null): { candle: CandleShape | null; volume: VolumeShape | null } {
  const { priceRect: pr, volumeRect: vr } = input;
  const at = input.pricePx(c.openTimeMs, c.close);
  if (!at) return { candle: null, volume: null };
  const [x, yClose] = at;
  const prev = prevOpenTimeMs === null ? null : input.pricePx(prevOpenTimeMs, c.close);
  const spacing = prev && x > prev[0] ? x - prev[0] : LONE_BAR_SPACING_PX;
  if (x < pr.left || x > pr.right) return { candle: null, volume: null };
  const up = c.close >= c.open;
  const y = (price: number): number => clamp(input.pricePx(c.openTimeMs, price)?.[1] ?? yClose, pr.top, pr.bottom);
  const candle = { x, widthPx: Math.max(1, spacing * BODY_OF_SPACING), open: y(c.open), close: y(c.close), high: y(c.high), low: y(c.low), color: up ? UP : DOWN };
  const volTop = input.volumePx(c.openTimeMs, c.volume);
  const volBase = input.volumePx(c.openTimeMs, 0);
  const volume =
    volTop && volBase && c.volume > 0
      ? { x, widthPx: Math.max(1, spacing * BAR_OF_SPACING), top: clamp(volTop[1], vr.top, vr.bottom), base: clamp(volBase[1], vr.top, vr.bottom), color: up ? VOL_UP : VOL_DOWN }
      : null;
  return { candle, volume };
}

function sameGeometry(a: LiveGeometry, b: LiveGeometry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Above ECharts' own layer (zlevel 0): repainting these never repaints the chart. */
const ZLEVEL = 1;
/** Room between the grid's right edge and the last-price label, as ECharts gives a mark line's end label. */
const LABEL_GAP_PX = 5;
/** Half a pixel: a one-pixel line on a whole coordinate straddles two rows and blurs. */
const crisp = (v: number): number => Math.round(v) + 0.5;

type ZRender = ReturnType<echarts.ECharts['getZr']>;

/** The wick, body and volume bar of one candle. */
class BarElements {
  private readonly wick = new echarts.graphic.Line({ zlevel: ZLEVEL, silent: true, ignore: true, style: { lineWidth: 1 } });
  private readonly body = new echarts.graphic.Rect({ zlevel: ZLEVEL, silent: true, ignore: true, style: { lineWidth: 1 } });
  private readonly volume = new echarts.graphic.Rect({ zlevel: ZLEVEL, silent: true, ignore: true });

  constructor(zr: ZRender) {
    for (const el of [this.volume, this.wick, this.body]) zr.add(el);
  }

  apply(c: CandleShape | null, v: VolumeShape | null): void {
    this.wick.attr('ignore', !c);
    this.body.attr('ignore', !c);
    if (c) {
      const x = crisp(c.x);
      this.wick.attr({ shape: { x1: x, y1: c.high, x2: x, y2: c.low }, style: { stroke: c.color } });
      const top = Math.min(c.open, c.close);
      // A doji still shows a one-pixel body, as ECharts draws it.
      this.body.attr({ shape: { x: Math.round(c.x - c.widthPx / 2), y: top, width: Math.max(1, Math.round(c.widthPx)), height: Math.max(1, Math.abs(c.close - c.open)) }, style: { fill: c.color, stroke: c.color } });
    }
    this.volume.attr('ignore', !v);
    if (v) this.volume.attr({ shape: { x: Math.round(v.x - v.widthPx / 2), y: v.top, width: Math.max(1, Math.round(v.widthPx)), height: Math.max(0, v.base - v.top) }, style: { fill: v.color } });
  }
}

export class LiveCandleLayer {
  private readonly forming: BarElements;
  /** One set per held close, made on first need and hidden when unused. */
  private readonly held: BarElements[] = [];
  private readonly lastLine = new echarts.graphic.Line({ zlevel: ZLEVEL, silent: true, ignore: true, style: { stroke: LAST_COLOR, lineWidth: 1, lineDash: [1, 2] } });
  private readonly lastLabel = new echarts.graphic.Text({
    zlevel: ZLEVEL,
    silent: true,
    ignore: true,
    style: { fill: '#fff', backgroundColor: LAST_COLOR, padding: [2, 4], borderRadius: 2, fontSize: 10, fontFamily: CHART_FONT, verticalAlign: 'middle', align: 'left' },
  });
  private shown: LiveGeometry = NO_LIVE_GEOMETRY;

  constructor(private readonly zr: ZRender) {
    this.forming = new BarElements(zr);
    for (const el of [this.lastLine, this.lastLabel]) zr.add(el);
  }

  /** What is drawn now (for tests and benchmarks). */
  get geometry(): LiveGeometry {
    return this.shown;
  }

  /** Moves the shapes to `g`; returns whether anything changed (and so needs a repaint). */
  apply(g: LiveGeometry): boolean {
    if (sameGeometry(g, this.shown)) return false;
    this.shown = g;
    this.forming.apply(g.candle, g.volume);
    while (this.held.length < g.held.length) this.held.push(new BarElements(this.zr));
    this.held.forEach((els, i) => els.apply(g.held[i]?.candle ?? null, g.held[i]?.volume ?? null));
    const { last } = g;
    this.lastLine.attr('ignore', !last);
    this.lastLabel.attr('ignore', !last);
    if (last) {
      const y = crisp(last.y);
      this.lastLine.attr({ shape: { x1: last.left, y1: y, x2: last.right, y2: y } });
      this.lastLabel.attr({ x: last.right + LABEL_GAP_PX, y: last.y, style: { text: last.text } });
    }
    return true;
  }
}
