import { createApp, h, nextTick, shallowRef } from 'vue';
// The renderer's own copies: the page reaches the panel's store and chart instance through them.
import { createPinia } from '../../desktop/node_modules/pinia';
import { getInstanceByDom } from '../../desktop/node_modules/echarts/core.js';
import { alwaysConnected, type ApiClient, type CandlesReplyView, type OrderView, type PositionView, type RankingRowView } from '@perpscope/shared';
import { CandleChart, type ChartCandle } from '../../desktop/src/renderer/charts/candleChart.js';
import CandlePanel from '../../desktop/src/renderer/components/CandlePanel.vue';
import RankingsTable from '../../desktop/src/renderer/components/RankingsTable.vue';
import { API_KEY } from '../../desktop/src/renderer/stores/api.js';
import { useTradingStore } from '../../desktop/src/renderer/stores/trading.js';
import { viewRows } from '../../desktop/src/renderer/lib/rankingView.js';
import '../../desktop/src/renderer/styles/terminal.css';

/**
 * Benchmark page: the renderer's real chart class and rankings table, driven from Playwright via
 * `window.bench`. Every timing is synchronous work plus a forced paint (`zr.flush()`), measured
 * with `performance.now()`.
 */

const TF_MS = 60_000;

/** Deterministic random walk (mulberry32) so every run draws the same candles. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeCandles(n: number, startMs: number): ChartCandle[] {
  const r = rng(42);
  const out: ChartCandle[] = [];
  let close = 100;
  for (let i = 0; i < n; i++) {
    const open = close;
    close = Math.max(1, open * (1 + (r() - 0.5) * 0.01));
    const high = Math.max(open, close) * (1 + r() * 0.003);
    const low = Math.min(open, close) * (1 - r() * 0.003);
    out.push({ openTimeMs: startMs + i * TF_MS, open, high, low, close, volume: 1000 + r() * 5000 });
  }
  return out;
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

let chart: CandleChart | null = null;
let forming: ChartCandle | null = null;
const rand = rng(7);

function flush(): void {
  chart!.instance.getZr().flush();
}

function setupChart(n: number): number {
  chart?.dispose();
  const all = makeCandles(n + 1, Date.UTC(2025, 0, 1));
  forming = all[n]!;
  chart = new CandleChart(document.getElementById('chart')!, { visibleBars: 500, lazyUpdate: false });
  return time(() => {
    chart!.load(all.slice(0, n), forming);
    flush();
  });
}

function panOnce(bars: number): number {
  return time(() => {
    chart!.pan(bars);
    flush();
  });
}

/** A tick on the forming candle: the common live update. */
function liveTick(): number {
  const f = forming!;
  const close = f.close * (1 + (rand() - 0.5) * 0.002);
  forming = { ...f, close, high: Math.max(f.high, close), low: Math.min(f.low, close), volume: f.volume + rand() * 10 };
  const c = forming;
  return time(() => {
    chart!.update(c);
    flush();
  });
}

/** A candle close: the forming candle moves to history (appendData) and a new one starts. */
function closeTick(): number {
  const f = forming!;
  forming = { openTimeMs: f.openTimeMs + TF_MS, open: f.close, high: f.close, low: f.close, close: f.close, volume: 0 };
  const c = forming;
  return time(() => {
    chart!.update(c);
    flush();
  });
}

/** The reference: re-sending the whole history through `setOption`, as a naive chart does per tick. */
function fullSetOption(): number {
  const ms = time(() => {
    chart!.rebuildAll();
    flush();
  });
  chart!.restoreWindow();
  flush();
  return ms;
}

function candleCount(): number {
  return chart?.candleCount ?? 0;
}

// Rankings table.
const rows = shallowRef<RankingRowView[]>([]);
let base: RankingRowView[] = [];

function makeRows(n: number): RankingRowView[] {
  const r = rng(3);
  return Array.from({ length: n }, (_, i) => ({
    symbol: `S${String(i).padStart(3, '0')}/USDT:USDT`,
    rank: i + 1,
    score: r() * 4 - 1,
    bias: r() > 0.5 ? 'long' : 'short',
    confidence: r(),
    lastPrice: 10 * r() + 0.01,
    change24hPct: (r() - 0.5) * 20,
    quoteVolume24hUsd: r() * 1e9,
    spreadBps: r() * 10,
    atrPct: r() * 5,
    fundingRate: (r() - 0.5) * 0.001,
    manipScore: r() * 100,
    flags: r() > 0.8 ? [{ name: 'scam_wick', severity: r(), message: 'long wick', evidence: { wickRatio: r() } }] : [],
    components: { momentum: r() },
    stopPrice: null,
    targetPrices: [],
  }));
}

/** A new snapshot for all rows (new objects, like a decoded event), sorted as the view does. */
function tableTick(): number {
  const r = rand;
  base = base.map((x) => ({ ...x, score: x.score + (r() - 0.5) * 0.1, lastPrice: (x.lastPrice ?? 1) * (1 + (r() - 0.5) * 0.002), change24hPct: (x.change24hPct ?? 0) + (r() - 0.5) * 0.1 }));
  const t0 = performance.now();
  rows.value = viewRows(base, { search: '', symbols: null, maxManipScore: null }, 'score', 'desc');
  return t0;
}

function setupTable(n: number): Promise<number> {
  base = makeRows(n);
  const t0 = performance.now();
  rows.value = viewRows(base, { search: '', symbols: null, maxManipScore: null }, 'score', 'desc');
  createApp({
    render: () => h(RankingsTable, { rows: rows.value, sortKey: 'score', sortDir: 'desc', selected: null }),
  }).mount('#table');
  return nextTick().then(() => performance.now() - t0);
}

/** `n` table updates, back to back and not measured: the first updates of a fresh page run cold code. */
async function warmTable(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    tableTick();
    await nextTick();
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

/** Numbers the table updates' performance marks (`table-<n>-start`/`-end`) across rounds. */
let tableTickCount = 0;

/**
 * Runs `ticks` table updates at `intervalMs` (or none, for the idle reference) while recording
 * every animation-frame interval and long task. Returns the worst frame and the update costs.
 */
function streamTable(ticks: number, intervalMs: number, update: boolean): Promise<{ worstFrameMs: number; frames: number; longTasks: number[]; updateMs: number[] }> {
  return new Promise((resolve) => {
    const frames: number[] = [];
    const longTasks: number[] = [];
    const updateMs: number[] = [];
    const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
    obs.observe({ type: 'longtask', buffered: false });
    let last = performance.now();
    let running = true;
    const frame = (t: number) => {
      frames.push(t - last);
      last = t;
      if (running) requestAnimationFrame(frame);
    };
    requestAnimationFrame((t) => {
      last = t;
      requestAnimationFrame(frame);
    });
    let n = 0;
    const timer = setInterval(() => {
      if (update) {
        const k = ++tableTickCount;
        performance.mark(`table-${k}-start`);
        const t0 = tableTick();
        void nextTick().then(() => {
          updateMs.push(performance.now() - t0);
          performance.mark(`table-${k}-end`);
        });
      }
      if (++n >= ticks) {
        clearInterval(timer);
        setTimeout(() => {
          running = false;
          obs.disconnect();
          resolve({ worstFrameMs: Math.max(...frames), frames: frames.length, longTasks, updateMs });
        }, 100);
      }
    }, intervalMs);
  });
}

// The drawer's chart panel (CandlePanel) with an open position and its working orders on it.
const PANEL_SYMBOL = 'BENCH/USDT:USDT';
const PANEL_TICK = 0.0001;
const PANEL_STEP = 0.001;
const panelReply = shallowRef<CandlesReplyView | null>(null);
const panelTicks = shallowRef<readonly ChartCandle[]>([]);
let panelForming: ChartCandle | null = null;
let panelHistory: ChartCandle[] = [];
let trading: ReturnType<typeof useTradingStore> | null = null;
let position: PositionView | null = null;
/** The mounted panel, for the candles its chart holds (and the closes it holds back from ECharts). */
interface PanelHandle {
  candleCount(): number;
  heldCloses(): number;
}
const panelRef = shallowRef<PanelHandle | null>(null);

/** The host as far as the panel asks it: no studies chosen, no flags, no drawings. */
function benchApi(): ApiClient {
  const ok = <T>(value: T) => Promise.resolve({ ok: true as const, value });
  const api = {
    connection: alwaysConnected(),
    on: () => () => undefined,
    chart: { flags: () => ok({ flags: [] }), studies: () => ok({ times: [], studies: {} }) },
    drawings: { list: () => ok({ drawings: [] }), save: () => ok({}), delete: () => ok({}) },
  };
  return api as unknown as ApiClient;
}

function order(id: string, type: OrderView['type'], side: OrderView['side'], price: number, amountBase: number, reduceOnly: boolean): OrderView {
  const at = Date.UTC(2025, 0, 1);
  return { id, clientOrderId: `c-${id}`, symbol: PANEL_SYMBOL, side, type, status: 'open', amountBase, filledBase: 0, price, avgFillPrice: null, reduceOnly, createdAtMs: at, updatedAtMs: at, reason: null };
}

/** Lines drawn over the chart (`.lines .line` rows of the panel). */
function panelLineCount(): number {
  return document.querySelectorAll('#panel .lines .line').length;
}

function nextFrame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}

/**
 * Main-thread work of the next animation frame up to this callback, not counting anything before
 * `notBefore`: the callbacks queued ahead of it (ECharts' draw of the pending update, the lines'
 * layout) and their microtasks (the Vue patch of the lines).
 */
function frameWork(notBefore: number): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame((t) => resolve(performance.now() - Math.max(t, notBefore))));
}

/**
 * Mounts the panel on `n` closed candles and a forming one, with a long position (entry, liquidation,
 * TP and SL) and two working limit orders; resolves with the time until its lines are laid out.
 */
async function setupPanel(n: number): Promise<number> {
  // This page shows the panel alone, in view, like the drawer does.
  for (const id of ['chart', 'table']) document.getElementById(id)!.style.display = 'none';
  const all = makeCandles(n + 1, Date.UTC(2025, 0, 1));
  panelHistory = all;
  panelForming = all[n]!;
  const last = panelForming.close;
  position = {
    symbol: PANEL_SYMBOL, side: 'long', status: 'open', sizeBase: 12.5, entryPrice: last * 0.995, markPrice: last,
    unrealizedPnlUsd: 12.5 * last * 0.005, realizedPnlUsd: 0, leverage: 10, liquidationPrice: last * 0.905,
    stopLossPrice: last * 0.98, takeProfitPrice: last * 1.03, openedAtMs: all[n - 30]!.openTimeMs, updatedAtMs: panelForming.openTimeMs,
  };
  const pinia = createPinia();
  const app = createApp({
    render: () =>
      panelReply.value &&
      h(CandlePanel, { ref: (r: unknown) => (panelRef.value = r as PanelHandle | null), reply: panelReply.value, tick: panelTicks.value, signals: [], position: null, timeframeMs: TF_MS, priceTick: PANEL_TICK, amountStep: PANEL_STEP, chartKey: 'bench' }),
  });
  app.use(pinia);
  app.provide(API_KEY, { api: benchApi(), kind: 'websocket' });
  app.mount('#panel');
  trading = useTradingStore(pinia);
  trading.positions = [position];
  trading.orders = [
    order('tp', 'take_profit', 'sell', last * 1.03, 12.5, true),
    order('sl', 'stop_loss', 'sell', last * 0.98, 12.5, true),
    order('add', 'limit', 'buy', last * 0.99, 5, false),
    order('add2', 'limit', 'buy', last * 0.985, 5, false),
  ];
  const t0 = performance.now();
  panelReply.value = { symbol: PANEL_SYMBOL, timeframe: '1m', candles: all, overlays: [] };
  while (panelLineCount() < 5) await nextFrame();
  return performance.now() - t0;
}

/**
 * One update as the app gets it (between the marks `<live|close>-<n>-start` and `-end`): the forming candle's tick (or, with `close`, a new candle) and the
 * position's mark price and unrealized PnL, which relabel its entry line. Returns the main-thread
 * work from the update's arrival until the lines are laid out again: the synchronous part (Vue's
 * watchers, the chart's incremental `setOption`), ECharts' draw on the next frame, and the lines'
 * relayout on the frame after it.
 */
let panelTickCount = 0;
async function panelTick(close: boolean): Promise<number> {
  const f = panelForming!;
  if (close) {
    panelForming = { openTimeMs: f.openTimeMs + TF_MS, open: f.close, high: f.close, low: f.close, close: f.close, volume: 0 };
  } else {
    const c = f.close * (1 + (rand() - 0.5) * 0.002);
    panelForming = { ...f, close: c, high: Math.max(f.high, c), low: Math.min(f.low, c), volume: f.volume + rand() * 10 };
  }
  const p = position!;
  const mark = panelForming.close;
  position = { ...p, markPrice: mark, unrealizedPnlUsd: (mark - p.entryPrice) * p.sizeBase, updatedAtMs: panelForming.openTimeMs };
  const candle = panelForming;
  const pos = position;
  // Arrive like a socket message: in a task of its own, just after a frame.
  await nextFrame();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const n = ++panelTickCount;
  const kind = close ? 'close' : 'live';
  performance.mark(`${kind}-${n}-start`);
  const t0 = performance.now();
  panelTicks.value = [candle];
  trading!.positions = [pos];
  await nextTick();
  const t1 = performance.now();
  const draw = await frameWork(t1);
  const t2 = performance.now();
  const layout = await frameWork(t2);
  performance.mark(`${kind}-${n}-end`);
  // A close is drawn on the chart's live layer; ECharts takes it in an idle period (its own marks,
  // `chartCatchUp-*`, which the scenario reports apart). The next update starts after that.
  // Polled by timer, not by frames: a page asking for frames would leave only their remainders idle.
  while ((panelRef.value?.heldCloses() ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  return t1 - t0 + draw + layout;
}

function panelLiveTick(): Promise<number> {
  return panelTick(false);
}

function panelCloseTick(): Promise<number> {
  return panelTick(true);
}

/** The same frame measure on the panel with nothing to do: what {@link frameWork} reads on an idle page. */
async function panelIdle(): Promise<number> {
  await nextFrame();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const n = ++panelTickCount;
  performance.mark(`idle-${n}-start`);
  const t0 = performance.now();
  const ms = (await frameWork(t0)) + (await frameWork(performance.now()));
  performance.mark(`idle-${n}-end`);
  return ms;
}

/** The reference on the panel's own chart: every candle as a JS array through `setOption`, drawn at once. */
async function panelFullSetOption(): Promise<number> {
  const el = document.querySelector<HTMLElement>('#panel [data-testid="candle-chart"]')!;
  const inst = getInstanceByDom(el)!;
  const rows = panelHistory.slice(0, panelHistory.length - 1).map((c) => [c.openTimeMs, c.open, c.close, c.low, c.high]);
  const ms = time(() => {
    inst.setOption({ series: [{ id: 'history', data: rows }] }, { lazyUpdate: false });
    inst.getZr().flush();
  });
  // Put the panel's windowed chart back: a new reply reloads it.
  panelReply.value = { ...panelReply.value! };
  await nextTick();
  await nextFrame();
  return ms;
}

/** The lines the panel draws, by kind, with their labels (to check the scenario shows what it claims). */
function panelLines(): { kind: string; label: string }[] {
  const labels = [...document.querySelectorAll<HTMLElement>('#panel .lines .line-label')].map((l) => l.textContent?.trim() ?? '');
  return [...document.querySelectorAll<HTMLElement>('#panel .lines .line')].map((l, i) => ({ kind: l.dataset['testid']?.replace('chart-line-', '') ?? '', label: labels[i] ?? '' }));
}

/** What the panel shows after the updates: its candles, and the position's last unrealized PnL it was sent. */
function panelState(): { candleCount: number; heldCloses: number; unrealizedPnlUsd: number } {
  return { candleCount: panelRef.value?.candleCount() ?? 0, heldCloses: panelRef.value?.heldCloses() ?? 0, unrealizedPnlUsd: position?.unrealizedPnlUsd ?? Number.NaN };
}

declare global {
  interface Window {
    bench: typeof api;
  }
}
const api = {
  instance: () => chart!.instance,
  setupChart,
  panOnce,
  liveTick,
  closeTick,
  fullSetOption,
  candleCount,
  setupTable,
  warmTable,
  streamTable,
  setupPanel,
  panelLiveTick,
  panelCloseTick,
  panelIdle,
  panelFullSetOption,
  panelLines,
  panelState,
};
window.bench = api;
