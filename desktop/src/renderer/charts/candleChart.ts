import * as echarts from 'echarts/core';
import { CandlestickChart, LineChart, BarChart } from 'echarts/charts';
import {
  GridComponent,
  DataZoomComponent,
  TooltipComponent,
  AxisPointerComponent,
  MarkLineComponent,
  MarkPointComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { emaNext, emaSeries } from '../lib/overlays.js';
import { SeriesBuffer } from './seriesBuffer.js';
import { LiveCandleLayer, liveGeometry, type LiveGeometry } from './liveCandleLayer.js';
import {
  baseChartOption,
  candleRow,
  EMA_COLORS,
  drawingsOption,
  gridRects,
  markLineOption,
  markPointOption,
  overlaySeriesId,
  priceAxisBounds,
  priceExtentOf,
  SERIES_ID,
  type PriceExtent,
  type CandleRow,
  type ChartCandle,
  type ChartLevels,
  type ChartMarker,
  type ChartOverlay,
} from './chartOption.js';

import type { ChartFlagMark } from '../lib/chartFlags.js';
import type { ChartDrawing, ChartPoint } from '../lib/chartDrawings.js';
import type { StudyLine, StudyPane } from '../lib/chartStudies.js';

export type { ChartCandle, ChartLevels, ChartMarker, ChartOverlay } from './chartOption.js';

/** Only the modules the candlestick view draws with, which keeps the bundle small. */
const ECHARTS_MODULES = [
  CandlestickChart,
  LineChart,
  BarChart,
  GridComponent,
  DataZoomComponent,
  TooltipComponent,
  AxisPointerComponent,
  MarkLineComponent,
  MarkPointComponent,
  CanvasRenderer,
];

export interface CandleChartOptions {
  /** Number of candles visible after loading the history. */
  visibleBars?: number;
  /** EMA periods drawn when the host sends no overlays. */
  emaPeriods?: readonly number[];
  /** Draw chart updates on the next frame instead of synchronously. */
  lazyUpdate?: boolean;
  /**
   * Hold a candle close at the live edge back from ECharts until the page is idle, drawing the
   * closed candle on the live layer meanwhile (see {@link CandleChart.update}). Defaults to
   * `lazyUpdate`: a chart drawn synchronously gets every close at once.
   */
  deferCloses?: boolean;
  /** Runs the held closes' catch-up when the page is idle; `requestIdleCallback` by default. */
  whenIdle?: (run: (deadline: IdleDeadlineLike) => void) => void;
}

/** What the catch-up reads of an idle period (the DOM's `IdleDeadline`). */
export interface IdleDeadlineLike {
  readonly didTimeout: boolean;
  timeRemaining(): number;
}

/**
 * Closes held back at most, and how long the page may stay busy before the catch-up runs anyway:
 * the held candles are drawn meanwhile, but the new forming one waits for the axes to move.
 */
const MAX_HELD_CLOSES = 8;
const CATCH_UP_TIMEOUT_MS = 500;

function defaultWhenIdle(run: (deadline: IdleDeadlineLike) => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: CATCH_UP_TIMEOUT_MS });
  else setTimeout(() => run({ didTimeout: true, timeRemaining: () => 0 }), 0);
}

/** Numbers the catch-ups' performance marks (`chartCatchUp-<n>-start`/`-end`) across charts. */
let catchUpMarks = 0;

/** Payload of ECharts' `datazoom` event (percent or value form, possibly batched). */
interface ZoomRange {
  start?: number;
  end?: number;
  startValue?: number;
  endValue?: number;
}
interface ZoomEvent extends ZoomRange {
  batch?: ZoomRange[];
}

interface StudyState {
  line: Omit<StudyLine, 'values'>;
  buffer: SeriesBuffer;
}

interface OverlayState {
  name: string;
  color: string;
  buffer: SeriesBuffer;
  ema: { period: number; last: number } | null;
}

/** Each chart's hook, by its ZRender instance: ECharts runs it after every update, before it paints. */
const afterUpdate = new WeakMap<object, () => void>();
let afterUpdateRegistered = false;
function onAfterUpdate(zr: object, fn: () => void): void {
  if (!afterUpdateRegistered) {
    // One global hook (ECharts has no per-instance one); it finds the chart by its ZRender.
    echarts.registerPostUpdate((_model, api) => afterUpdate.get(api.getZr())?.());
    afterUpdateRegistered = true;
  }
  afterUpdate.set(zr, fn);
}

/** Whether two level sets draw the same lines (the chart then has nothing to redraw). */
function sameLevels(a: ChartLevels, b: ChartLevels): boolean {
  const tpA = a.takeProfits ?? [];
  const tpB = b.takeProfits ?? [];
  return (a.entry ?? null) === (b.entry ?? null) && (a.stop ?? null) === (b.stop ?? null) && tpA.length === tpB.length && tpA.every((x, i) => x === tpB[i]);
}

/**
 * A candlestick chart built for long histories and streaming updates.
 *
 * ECharts re-reads the data of every series on any `setOption`, so handing it 100k candles would
 * make every live tick cost a 100k-row re-read. Instead the full history lives in typed-array
 * buffers here, and ECharts gets a window of them (a few thousand rows around the visible range,
 * as zero-copy views). Panning near the window's edge slides the window; a tick on the forming
 * candle moves shapes on a layer of their own (see liveCandleLayer.ts); a candle close appends one
 * row to each buffer, and ECharts takes it in the next idle period.
 */
export class CandleChart {
  private readonly chart: echarts.ECharts;
  private readonly opts: Required<CandleChartOptions>;
  private readonly history = new SeriesBuffer(5, 1024);
  private readonly volume = new SeriesBuffer(3, 1024);
  private overlayStates: OverlayState[] = [];
  private live: ChartCandle | null = null;
  private markers: ChartMarker[] = [];
  private levels: ChartLevels = {};
  private studyStates: StudyState[] = [];
  private panes: StudyPane[] = [];
  private flags: ChartFlagMark[] = [];
  private drawings: ChartDrawing[] = [];
  private priceTick: number | null = null;
  private priceExtent: PriceExtent | null = null;
  /** Rows `[w0, w1)` of the buffers that ECharts currently holds. */
  private w0 = 0;
  private w1 = 0;
  /** Visible time range (open times, inclusive). */
  private viewStartMs = 0;
  private viewEndMs = 0;
  private rewindowQueued = false;
  /** Draws the forming candle and the last price without a pass of ECharts (see liveCandleLayer.ts). */
  private readonly liveLayer: LiveCandleLayer;
  /**
   * The forming candle as ECharts' (invisible) live series last received it: the axes are fitted
   * to it. A tick is only sent to ECharts when it leaves those axes or a new candle opens.
   */
  private fitted: ChartCandle | null = null;
  private refitQueued = false;
  /**
   * Closes at the live edge that ECharts does not hold yet: the last `held` rows of the buffers,
   * past `w1`. The live layer draws them until the catch-up hands them over.
   */
  private held = 0;
  private catchUpQueued = false;
  /** Main-thread time the last catch-up took: an idle period shorter than that is passed over. */
  private catchUpMs = 0;
  private disposed = false;

  constructor(el: HTMLElement, opts: CandleChartOptions = {}) {
    const lazyUpdate = opts.lazyUpdate ?? true;
    this.opts = { visibleBars: opts.visibleBars ?? 500, emaPeriods: opts.emaPeriods ?? [21, 50], lazyUpdate, deferCloses: opts.deferCloses ?? lazyUpdate, whenIdle: opts.whenIdle ?? defaultWhenIdle };
    // Registration is idempotent; doing it here keeps importing this module free of side effects.
    echarts.use(ECHARTS_MODULES);
    this.chart = echarts.init(el, undefined, { renderer: 'canvas' });
    this.chart.on('datazoom', (p) => this.onUserZoom(p as ZoomEvent));
    this.liveLayer = new LiveCandleLayer(this.chart.getZr());
    // Every update (new data, zoom, pan, resize) moves the axes: the live shapes follow before the paint.
    onAfterUpdate(this.chart.getZr(), () => this.afterChartUpdate());
  }

  /** The underlying ECharts instance (for benchmarks and tests). */
  get instance(): echarts.ECharts {
    return this.chart;
  }

  get candleCount(): number {
    return this.history.length + (this.live ? 1 : 0);
  }

  /** Overlays currently drawn, for the legend. */
  get overlays(): readonly { name: string; color: string }[] {
    return this.overlayStates.map((o) => ({ name: o.name, color: o.color }));
  }

  /**
   * Replaces everything with `candles` (closed bars) and an optional forming bar. This is the one
   * full rebuild; it happens when a symbol or timeframe is opened.
   */
  load(candles: readonly ChartCandle[], forming: ChartCandle | null = null, overlays?: readonly ChartOverlay[]): void {
    this.held = 0;
    this.history.clear();
    this.volume.clear();
    for (const c of candles) {
      this.history.push(c.openTimeMs, c.open, c.close, c.low, c.high);
      this.pushVolume(c);
    }
    this.live = forming;
    const lines: readonly ChartOverlay[] = overlays?.length
      ? overlays
      : this.opts.emaPeriods.map((p, i) => ({
          name: `EMA ${p}`,
          color: EMA_COLORS[i % EMA_COLORS.length]!,
          values: emaSeries(candles.map((c) => c.close), p),
          emaPeriod: p,
        }));
    this.overlayStates = lines.map((l) => {
      const buffer = new SeriesBuffer(2, candles.length + 1024);
      candles.forEach((c, i) => buffer.push(c.openTimeMs, l.values[i] ?? Number.NaN));
      const last = l.values[candles.length - 1] ?? Number.NaN;
      return { name: l.name, color: l.color, buffer, ema: l.emaPeriod ? { period: l.emaPeriod, last } : null };
    });
    // Studies keep their panes across a reload; their values come with the next setStudies.
    this.studyStates = this.studyStates.map((st) => {
      const buffer = new SeriesBuffer(2, candles.length + 1024);
      for (const c of candles) buffer.push(c.openTimeMs, Number.NaN);
      return { line: st.line, buffer };
    });
    this.flags = [];
    const n = candles.length;
    this.viewStartMs = n ? this.history.get(Math.max(0, n - this.opts.visibleBars), 0) : 0;
    this.viewEndMs = forming ? forming.openTimeMs : n ? this.history.get(n - 1, 0) : 0;
    this.w1 = n;
    this.w0 = Math.max(0, n - this.windowRows(this.opts.visibleBars));
    this.chart.setOption(this.baseOption(), { notMerge: true });
  }


  /**
   * Applies a live tick. A tick for the forming bar replaces the one-point live series; a tick with
   * a later open time first moves the previous forming bar into the history buffers.
   *
   * A close at the live edge moves the time axis, and ECharts answers that with its whole pipeline
   * and a repaint: more than a frame on a panel with position lines. With `deferCloses` the closed
   * candle stays on the live layer, drawn exactly where it was, and ECharts takes it (and moves the
   * axis to the new candle) in the next idle period; see {@link catchUp}.
   */
  update(candle: ChartCandle): void {
    const live = this.live;
    const lastClosed = this.history.length ? this.history.get(this.history.length - 1, 0) : -Infinity;
    if (candle.openTimeMs <= lastClosed) return;
    const closing = live !== null && candle.openTimeMs > live.openTimeMs;
    const atLiveEdge = this.w1 + this.held === this.history.length;
    if (closing) {
      this.closeLive(live);
      if (atLiveEdge) this.held++;
    }
    this.live = candle;
    if (this.held) {
      if (this.opts.deferCloses && this.held <= MAX_HELD_CLOSES) this.queueCatchUp();
      else this.catchUp(this.opts.lazyUpdate);
      this.liveLayer.apply(this.liveShapes());
      return;
    }
    const refit = closing || this.fitted?.openTimeMs !== candle.openTimeMs || this.leavesAxes(candle);
    if (refit) {
      this.fitted = candle;
      this.chart.setOption({ series: this.liveSeries(candle) }, { lazyUpdate: this.opts.lazyUpdate, silent: true });
    }
    // Under the current axes; after a refit, the update hook places it again before the paint.
    this.liveLayer.apply(this.liveShapes());
  }

  /** Closes drawn on the live layer that ECharts has not taken yet. */
  get heldCloses(): number {
    return this.held;
  }

  /**
   * Hands ECharts the held closes: the window grows to the buffers' end, the view follows the live
   * edge if it showed it, and the live series takes the forming candle.
   */
  private catchUp(lazy: boolean): void {
    if (!this.foldHeld()) return;
    const live = this.live;
    this.fitted = live;
    this.chart.setOption({ series: [...(live ? this.liveSeries(live) : []), ...this.windowSeries()], dataZoom: this.zoomOption() }, { lazyUpdate: lazy, silent: true });
  }

  /** The window and view after the held closes (for ECharts to be sent next); false when none are held. */
  private foldHeld(): boolean {
    if (!this.held) return false;
    const firstHeldMs = this.history.get(this.history.length - this.held, 0);
    this.held = 0;
    this.w1 = this.history.length;
    const live = this.live;
    // Keep following the live edge when the view showed the last candle.
    if (live && this.viewEndMs >= firstHeldMs) {
      const width = this.viewEndMs - this.viewStartMs;
      this.viewEndMs = live.openTimeMs;
      this.viewStartMs = live.openTimeMs - width;
    }
    if (this.w1 - this.w0 > 2 * this.windowRows(this.visibleRows())) this.w0 = this.w1 - this.windowRows(this.visibleRows());
    return true;
  }

  /**
   * Runs the catch-up in an idle period long enough for it (judged by the last one), drawn at once
   * so the next frame has nothing of it left; {@link CATCH_UP_TIMEOUT_MS} after the close it runs
   * regardless. While ZRender's frame loop still runs (it sleeps after a few still frames) the idle
   * periods are what is left of each frame, often too short.
   */
  private queueCatchUp(): void {
    if (this.catchUpQueued) return;
    this.catchUpQueued = true;
    const queuedAtMs = performance.now();
    const run = (deadline: IdleDeadlineLike): void => {
      if (this.disposed) return;
      if (!this.held) {
        this.catchUpQueued = false;
        return;
      }
      const overdue = deadline.didTimeout || performance.now() - queuedAtMs >= CATCH_UP_TIMEOUT_MS;
      if (!overdue && deadline.timeRemaining() < this.catchUpMs) {
        this.opts.whenIdle(run);
        return;
      }
      this.catchUpQueued = false;
      const n = ++catchUpMarks;
      const t0 = performance.now();
      performance.mark(`chartCatchUp-${n}-start`);
      this.catchUp(false);
      this.chart.getZr().flush();
      performance.mark(`chartCatchUp-${n}-end`);
      this.catchUpMs = performance.now() - t0;
    };
    this.opts.whenIdle(run);
  }

  /** The forming candle and the last price as drawn now, in pixels (for tests and benchmarks). */
  get liveDrawn(): LiveGeometry {
    return this.liveLayer.geometry;
  }

  /** ECharts' live series holding `candle`: it fits the price and volume axes to it. */
  private liveSeries(candle: ChartCandle): echarts.EChartsCoreOption[] {
    return [
      { id: SERIES_ID.live, data: [candleRow(candle)] },
      { id: SERIES_ID.volumeLive, data: [[candle.openTimeMs, candle.volume]] },
    ];
  }

  /**
   * Whether `c`, in view, reaches beyond the price or volume axis as laid out now: the axes must be
   * refitted. Out of view it does not shape the axes (the data zoom filters it out).
   */
  private leavesAxes(c: ChartCandle): boolean {
    if (c.openTimeMs < this.viewStartMs || c.openTimeMs > this.viewEndMs) return false;
    const { price, volume } = gridRects(this.chart.getWidth(), this.chart.getHeight(), this.panes.length);
    const at = (grid: number, x: number, y: number): number => {
      const v = this.chart.convertFromPixel({ gridIndex: grid }, [x, y]) as unknown;
      return Array.isArray(v) && typeof v[1] === 'number' ? v[1] : Number.NaN;
    };
    const top = at(0, price.left, price.top);
    const bottom = at(0, price.left, price.bottom);
    const volumeTop = at(1, volume.left, volume.top);
    // NaN (axes not laid out yet) fails every comparison: refit.
    return !(c.high <= top && c.low >= bottom && c.volume <= volumeTop);
  }

  private liveShapes(): LiveGeometry {
    const n = this.history.length - this.held;
    const held: ChartCandle[] = [];
    for (let i = n; i < this.history.length; i++) held.push(this.heldCandle(i));
    const { price, volume } = gridRects(this.chart.getWidth(), this.chart.getHeight(), this.panes.length);
    const px = (grid: number) => (timeMs: number, value: number): readonly [number, number] | null => {
      const v = this.chart.convertToPixel({ gridIndex: grid }, [timeMs, value]) as unknown;
      return Array.isArray(v) && Number.isFinite(v[0]) && Number.isFinite(v[1]) ? [v[0] as number, v[1] as number] : null;
    };
    return liveGeometry({
      live: this.live,
      held,
      prevOpenTimeMs: n ? this.history.get(n - 1, 0) : null,
      pricePx: px(0),
      volumePx: px(1),
      priceRect: price,
      volumeRect: volume,
      priceTick: this.priceTick,
    });
  }

  /**
   * After ECharts laid the chart out again: the live shapes follow the new axes. A pan back to the
   * live edge can bring a forming candle that outgrew the fitted axes into view: refit it then.
   */
  private afterChartUpdate(): void {
    this.liveLayer.apply(this.liveShapes());
    const live = this.live;
    if (!live || live === this.fitted || this.refitQueued || !this.leavesAxes(live)) return;
    this.refitQueued = true;
    // ECharts refuses a setOption while it is updating.
    queueMicrotask(() => {
      this.refitQueued = false;
      if (this.live !== live) return;
      this.fitted = live;
      this.chart.setOption({ series: this.liveSeries(live) }, { lazyUpdate: this.opts.lazyUpdate, silent: true });
    });
  }

  /**
   * The path a naive chart takes per tick: rebuild every candle as a JS array and send it all
   * through `setOption`. The benchmark's reference only; call {@link restoreWindow} afterwards.
   */
  rebuildAll(): void {
    this.foldHeld();
    const rows: CandleRow[] = [];
    for (let i = 0; i < this.history.length; i++) {
      rows.push([this.history.get(i, 0), this.history.get(i, 1), this.history.get(i, 2), this.history.get(i, 3), this.history.get(i, 4)]);
    }
    if (this.live) rows.push(candleRow(this.live));
    this.chart.setOption({ series: [{ id: SERIES_ID.history, data: rows }], dataZoom: this.zoomOption() }, { lazyUpdate: false });
  }

  /** Puts the windowed buffers back after {@link rebuildAll}. */
  restoreWindow(): void {
    this.chart.setOption({ series: this.windowSeries(), dataZoom: this.zoomOption() }, { lazyUpdate: false });
  }

  setMarkers(markers: readonly ChartMarker[]): void {
    this.markers = [...markers];
    this.chart.setOption({ series: [{ id: SERIES_ID.history, markPoint: markPointOption(this.markers, this.flags) }] }, { lazyUpdate: this.opts.lazyUpdate });
  }

  /** Manipulation flags pinned on their bars. */
  setFlags(flags: readonly ChartFlagMark[]): void {
    this.flags = [...flags];
    this.chart.setOption({ series: [{ id: SERIES_ID.history, markPoint: markPointOption(this.markers, this.flags) }] }, { lazyUpdate: this.opts.lazyUpdate });
  }

  setLevels(levels: ChartLevels): void {
    if (sameLevels(levels, this.levels)) return;
    this.levels = { ...levels };
    this.chart.setOption({ series: [{ id: SERIES_ID.live, markLine: markLineOption(this.levels) }] }, { lazyUpdate: this.opts.lazyUpdate });
  }

  /** The trader's horizontal and trend lines. */
  setDrawings(drawings: readonly ChartDrawing[]): void {
    this.drawings = [...drawings];
    this.chart.setOption({ series: [{ id: SERIES_ID.history, markLine: drawingsOption(this.drawings, this.priceTick) }] }, { lazyUpdate: this.opts.lazyUpdate });
  }

  /** The market's price tick, which the last-price label and the price axis follow; null: by magnitude. */
  setPriceTick(tick: number | null): void {
    if (tick === this.priceTick) return;
    this.priceTick = tick;
    if (this.history.length) this.chart.setOption(this.baseOption(), { notMerge: true });
  }

  /** Open times of the closed candles, oldest first (what study values are aligned to). */
  rowTimes(): Float64Array {
    const out = new Float64Array(this.history.length);
    for (let i = 0; i < out.length; i++) out[i] = this.history.get(i, 0);
    return out;
  }

  /** High of the closed bar opening at `timeMs`, or null when there is none. */
  highAt(timeMs: number): number | null {
    const i = this.rowAtOrAfter(timeMs);
    if (i < this.history.length && this.history.get(i, 0) === timeMs) return this.history.get(i, 4);
    return this.live && this.live.openTimeMs === timeMs ? this.live.high : null;
  }

  /**
   * Replaces the studies: `lines` aligned with {@link rowTimes} (see `studyLines`), `panes` the
   * grids they draw in. The one full rebuild besides {@link load}, since grids change.
   */
  setStudies(lines: readonly StudyLine[], panes: readonly StudyPane[]): void {
    // The panel asks again at every candle close; with no studies before or after, a rebuild of
    // every series would redraw the same chart.
    if (!lines.length && !panes.length && !this.studyStates.length && !this.panes.length) return;
    const n = this.history.length;
    this.studyStates = lines.map((l) => {
      const buffer = new SeriesBuffer(2, n + 1024);
      for (let i = 0; i < n; i++) buffer.push(this.history.get(i, 0), l.values[i] ?? Number.NaN);
      const { values: _values, ...line } = l;
      return { line, buffer };
    });
    this.panes = [...panes];
    this.chart.setOption(this.baseOption(), { notMerge: true });
  }

  /** Panes drawn under the volume. */
  get paneCount(): number {
    return this.panes.length;
  }

  /** Last finite value of each study line (for tests and the legend). */
  studyLastValues(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const st of this.studyStates) {
      let v: number | null = null;
      for (let i = st.buffer.length - 1; i >= 0; i--) {
        const x = st.buffer.get(i, 1);
        if (Number.isFinite(x)) {
          v = x;
          break;
        }
      }
      out[st.line.id] = v;
    }
    return out;
  }

  /** The time and price under pixel `(x, y)` of the price grid; null outside the laid-out axes. */
  pointAt(x: number, y: number): ChartPoint | null {
    const v = this.chart.convertFromPixel({ gridIndex: 0 }, [x, y]) as unknown;
    if (!Array.isArray(v)) return null;
    const [timeMs, price] = v as number[];
    return Number.isFinite(timeMs) && Number.isFinite(price) ? { timeMs: timeMs!, price: price! } : null;
  }

  /** Runs `fn` with the id of a flag pin the user clicks or hovers; returns the unsubscribe. */
  onFlagPointer(fn: (id: string, kind: 'click' | 'over' | 'out') => void): () => void {
    const handler = (kind: 'click' | 'over' | 'out') => (p: unknown) => {
      const e = p as { componentType?: string; name?: string };
      if (e.componentType === 'markPoint' && typeof e.name === 'string' && e.name.includes('@')) fn(e.name, kind);
    };
    const click = handler('click');
    const over = handler('over');
    const out = handler('out');
    this.chart.on('click', click);
    this.chart.on('mouseover', over);
    this.chart.on('mouseout', out);
    return () => {
      this.chart.off('click', click);
      this.chart.off('mouseover', over);
      this.chart.off('mouseout', out);
    };
  }

  /**
   * Keeps `prices` (position and order lines drawn over the chart) inside the price axis, so a
   * take-profit above the visible candles can still be seen and dragged.
   */
  setPriceExtent(prices: readonly number[]): void {
    // Kept for the full rebuilds (studies, price tick, load), which replace the whole option.
    this.priceExtent = priceExtentOf(prices);
    this.chart.setOption({ yAxis: [priceAxisBounds(this.priceExtent)] }, { lazyUpdate: false });
  }

  /** Pixel row (from the chart's top) of `price` on the price axis; null when the axis is not laid out. */
  priceToPixel(price: number): number | null {
    const y = this.chart.convertToPixel({ yAxisIndex: 0 }, price) as unknown;
    return typeof y === 'number' && Number.isFinite(y) ? y : null;
  }

  /** The price at pixel row `y` (from the chart's top); null when the axis is not laid out. */
  pixelToPrice(y: number): number | null {
    const p = this.chart.convertFromPixel({ yAxisIndex: 0 }, y) as unknown;
    return typeof p === 'number' && Number.isFinite(p) ? p : null;
  }

  /** Runs `fn` after every frame ECharts draws (zoom, pan, new data); returns the unsubscribe. */
  onRendered(fn: () => void): () => void {
    this.chart.on('rendered', fn);
    return () => this.chart.off('rendered', fn);
  }

  /** Pans the visible range by `bars` (negative: into the past), sliding the window when needed. */
  pan(bars: number): void {
    // The pan redraws everything anyway: the held closes go with it.
    this.catchUp(this.opts.lazyUpdate);
    const n = this.history.length;
    if (!n) return;
    const first = this.rowAtOrAfter(this.viewStartMs);
    const last = Math.max(first, this.rowAtOrAfter(this.viewEndMs + 1) - 1);
    const width = last - first;
    const lastRow = n - 1 + (this.live ? 1 : 0);
    const s = Math.min(Math.max(0, lastRow - width), Math.max(0, first + Math.round(bars)));
    this.viewStartMs = this.timeAt(s);
    this.viewEndMs = this.timeAt(s + width);
    if (!this.rewindowIfNeeded()) {
      this.chart.dispatchAction({ type: 'dataZoom', dataZoomIndex: [0, 1], startValue: this.viewStartMs, endValue: this.viewEndMs }, { flush: !this.opts.lazyUpdate });
    }
  }

  resize(): void {
    this.chart.resize();
  }

  dispose(): void {
    this.disposed = true;
    this.chart.dispose();
  }

  /** Rows handed to ECharts for a visible width: the view plus a generous margin either side. */
  private windowRows(visible: number): number {
    return Math.max(3000, visible * 6);
  }

  private visibleRows(): number {
    return Math.max(1, this.rowAtOrAfter(this.viewEndMs + 1) - this.rowAtOrAfter(this.viewStartMs));
  }

  /** First history row whose open time is >= `timeMs` (binary search; rows are time-ordered). */
  private rowAtOrAfter(timeMs: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history.get(mid, 0) < timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Open time of row `i`, where the row after the last closed candle is the forming one. */
  private timeAt(i: number): number {
    if (i < this.history.length) return this.history.get(Math.max(0, i), 0);
    return this.live?.openTimeMs ?? this.history.get(this.history.length - 1, 0);
  }

  /**
   * Slides the window when the visible range comes within one visible width of its edge (and there
   * is more history that way) or when the window is far larger than the view needs. Returns
   * whether it re-sent the window.
   */
  private rewindowIfNeeded(): boolean {
    const n = this.history.length;
    const first = this.rowAtOrAfter(this.viewStartMs);
    const last = this.rowAtOrAfter(this.viewEndMs + 1);
    const visible = Math.max(1, last - first);
    const nearStart = first - this.w0 < visible && this.w0 > 0;
    const nearEnd = this.w1 - last < visible && this.w1 < n;
    const tooWide = this.w1 - this.w0 > 2 * this.windowRows(visible);
    const tooNarrow = visible * 3 > this.w1 - this.w0 && this.w1 - this.w0 < n;
    if (!nearStart && !nearEnd && !tooWide && !tooNarrow) return false;
    const size = this.windowRows(visible);
    const center = (first + last) >> 1;
    this.w0 = Math.max(0, Math.min(n - size, center - (size >> 1)));
    this.w1 = Math.min(n, this.w0 + size);
    this.chart.setOption({ series: this.windowSeries(), dataZoom: this.zoomOption() }, { lazyUpdate: this.opts.lazyUpdate, silent: true });
    return true;
  }

  /** The windowed series data as zero-copy views of the buffers. */
  private windowSeries(): echarts.EChartsCoreOption[] {
    const { w0, w1 } = this;
    return [
      { id: SERIES_ID.history, data: this.history.view(w0, w1) },
      { id: SERIES_ID.volumeUp, data: this.volume.view(w0, w1) },
      { id: SERIES_ID.volumeDown, data: this.volume.view(w0, w1) },
      ...this.overlayStates.map((o) => ({ id: overlaySeriesId(o.name), data: o.buffer.view(w0, w1) })),
      ...this.studyStates.map((st) => ({ id: st.line.id, data: st.buffer.view(w0, w1) })),
    ];
  }

  private zoomOption(): echarts.EChartsCoreOption[] {
    return [{ startValue: this.viewStartMs, endValue: this.viewEndMs }, { startValue: this.viewStartMs, endValue: this.viewEndMs }];
  }

  /** Tracks user zooms/pans (mouse wheel, drag, slider) and slides the window after the frame. */
  private onUserZoom(p: ZoomEvent): void {
    const z = p.batch?.[0] ?? p;
    if (z.startValue !== undefined && z.endValue !== undefined) {
      this.viewStartMs = z.startValue;
      this.viewEndMs = z.endValue;
    } else if (z.start !== undefined && z.end !== undefined) {
      const t0 = this.timeAt(this.w0);
      const atLiveEdge = this.w1 === this.history.length && this.live;
      // With closes held, ECharts' data ends at the first of them, which its live series still holds.
      const t1 = this.held ? this.history.get(this.w1, 0) : atLiveEdge ? this.live!.openTimeMs : this.timeAt(Math.max(this.w0, this.w1 - 1));
      this.viewStartMs = t0 + ((t1 - t0) * z.start) / 100;
      this.viewEndMs = t0 + ((t1 - t0) * z.end) / 100;
    } else return;
    if (this.rewindowQueued) return;
    this.rewindowQueued = true;
    requestAnimationFrame(() => {
      this.rewindowQueued = false;
      if (this.disposed) return;
      this.catchUp(this.opts.lazyUpdate);
      this.rewindowIfNeeded();
    });
  }

  /** The closed candle in row `i` of the buffers. */
  private heldCandle(i: number): ChartCandle {
    const h = this.history;
    const up = this.volume.get(i, 1);
    return { openTimeMs: h.get(i, 0), open: h.get(i, 1), close: h.get(i, 2), low: h.get(i, 3), high: h.get(i, 4), volume: Number.isNaN(up) ? this.volume.get(i, 2) : up };
  }

  /** Volume rows are `[time, up, down]` with NaN on the other side, so each colour is one large path. */
  private pushVolume(c: ChartCandle): void {
    const up = c.close >= c.open;
    this.volume.push(c.openTimeMs, up ? c.volume : Number.NaN, up ? Number.NaN : c.volume);
  }

  private closeLive(closed: ChartCandle): void {
    this.history.push(closed.openTimeMs, closed.open, closed.close, closed.low, closed.high);
    this.pushVolume(closed);
    for (const o of this.overlayStates) {
      // EMA lines continue from their last value; host-computed lines without a recurrence wait
      // for the next full load instead of showing a made-up value.
      if (o.ema && Number.isFinite(o.ema.last)) o.ema.last = emaNext(o.ema.last, closed.close, o.ema.period);
      o.buffer.push(closed.openTimeMs, o.ema ? o.ema.last : Number.NaN);
    }
    // Study values of a newly closed bar arrive with the next setStudies.
    for (const st of this.studyStates) st.buffer.push(closed.openTimeMs, Number.NaN);
  }

  private baseOption(): echarts.EChartsCoreOption {
    // A full rebuild sends every row: nothing stays held.
    this.foldHeld();
    const { w0, w1 } = this;
    this.fitted = this.live;
    return baseChartOption({
      history: this.history.view(w0, w1),
      volume: this.volume.view(w0, w1),
      overlays: this.overlayStates.map((o) => ({ name: o.name, color: o.color, data: o.buffer.view(w0, w1) })),
      live: this.live,
      viewStartMs: this.viewStartMs,
      viewEndMs: this.viewEndMs,
      markers: this.markers,
      levels: this.levels,
      studies: this.studyStates.map((st) => ({ ...st.line, data: st.buffer.view(w0, w1) })),
      panes: this.panes,
      flags: this.flags,
      drawings: this.drawings,
      forming: () => this.live,
      priceTick: this.priceTick,
      priceExtent: this.priceExtent,
    });
  }
}
