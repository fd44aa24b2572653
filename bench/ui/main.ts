import { createApp, h, nextTick, shallowRef } from 'vue';
import type { RankingRowView } from '@perpscope/shared';
import { CandleChart, type ChartCandle } from '../../desktop/src/renderer/charts/candleChart.js';
import RankingsTable from '../../desktop/src/renderer/components/RankingsTable.vue';
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
        const t0 = tableTick();
        void nextTick().then(() => updateMs.push(performance.now() - t0));
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

declare global {
  interface Window {
    bench: typeof api;
  }
}
const api = { instance: () => chart!.instance, setupChart, panOnce, liveTick, closeTick, fullSetOption, candleCount, setupTable, streamTable };
window.bench = api;
