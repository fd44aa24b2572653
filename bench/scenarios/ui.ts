import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, writeResult } from '../lib.js';

/**
 * ui: the renderer's chart and rankings table in Chromium (Playwright), 100k-candle history.
 * - chart pan and live candle update (incremental) against the full `setOption` rebuild measured
 *   in the same page;
 * - the rankings table with 500 rows, and with 2,000 (a whole market's universe, in a page of its
 *   own), updating at 1 Hz: worst frame against the worst frame of the same page left idle for the
 *   same time, the update's own cost against one frame (16.7 ms), and the rows the virtualized
 *   table keeps in the DOM;
 * - the drawer's chart panel with an open position and its working orders drawn over it (in a page
 *   of its own): live ticks and candle closes with those lines present, against the full
 *   `setOption` rebuild on the same chart.
 */

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const desktopDir = join(repo, 'desktop');
const fromDesktop = createRequire(join(desktopDir, 'package.json'));
const fromTest = createRequire(join(repo, 'test', 'package.json'));

const CANDLES = 100_000;
const TABLE_ROWS = 500;
const WIDE_TABLE_ROWS = 2_000;
/** One frame at 60 Hz: a live update must fit in it. */
const FRAME_MS = 16.7;
const TABLE_TICKS = 5;
const TABLE_ROUNDS = 3;
const RUNS = 21;
/** Live ticks on the panel: the common update, so more of them for its p90 and max. */
const PANEL_RUNS = 41;
const PAN_STEPS = 40;
const WARMUP = 5;
const CHROMIUM = process.env['PERPSCOPE_CHROMIUM'] ?? '/usr/bin/chromium';

// Vite and Playwright are dependencies of `desktop/` and `test/`, resolved from there at run time;
// these are the few members this script uses.
interface ViteModule {
  build(config: Record<string, unknown>): Promise<unknown>;
}
interface VuePluginModule {
  default: () => unknown;
}
interface BrowserPage {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: () => boolean): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  context(): { newCDPSession(page: BrowserPage): Promise<CdpSession> };
  close(): Promise<void>;
}
interface CdpSession {
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  on(event: string, fn: (payload: { value?: TraceEvent[] }) => void): void;
}
interface TraceEvent {
  name: string;
  cat: string;
  /** Thread time (µs): advances only while the thread runs. */
  tts?: number;
}
interface Browser {
  newPage(options: { viewport: { width: number; height: number } }): Promise<BrowserPage>;
  version(): string;
  close(): Promise<void>;
}
interface PlaywrightModule {
  chromium: { launch(options: { executablePath: string; args: string[] }): Promise<Browser> };
}

async function buildPage(outDir: string): Promise<void> {
  const vite = (await import(pathToFileURL(fromDesktop.resolve('vite')).href)) as ViteModule;
  const vue = (await import(pathToFileURL(fromDesktop.resolve('@vitejs/plugin-vue')).href)) as VuePluginModule;
  await vite.build({
    root: join(repo, 'bench', 'ui'),
    base: './',
    logLevel: 'warn',
    configFile: false,
    plugins: [vue.default()],
    resolve: {
      alias: [
        { find: /^vue$/, replacement: fromDesktop.resolve('vue/dist/vue.runtime.esm-bundler.js') },
        { find: /^@perpscope\/shared$/, replacement: join(repo, 'shared', 'src', 'index.ts') },
      ],
    },
    build: { outDir, emptyOutDir: true, minify: true, sourcemap: false, reportCompressedSize: false, chunkSizeWarningLimit: 5000 },
  });
}

function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? Number.NaN;
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
    const file = join(dir, path || 'index.html');
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/` });
  }));
}

interface BenchApi {
  setupChart(n: number): number;
  panOnce(bars: number): number;
  liveTick(): number;
  closeTick(): number;
  fullSetOption(): number;
  candleCount(): number;
  setupTable(n: number): Promise<number>;
  warmTable(n: number): Promise<void>;
  streamTable(ticks: number, intervalMs: number, update: boolean): Promise<{ worstFrameMs: number; frames: number; longTasks: number[]; updateMs: number[] }>;
  setupPanel(n: number): Promise<number>;
  panelLiveTick(): Promise<number>;
  panelCloseTick(): Promise<number>;
  panelIdle(): Promise<number>;
  panelFullSetOption(): Promise<number>;
  panelLines(): { kind: string; label: string }[];
  panelState(): { candleCount: number; heldCloses: number; unrealizedPnlUsd: number };
}
declare const window: { bench: BenchApi };

/**
 * Mounts the rankings table with `rows` rows in `page` and streams 1 Hz snapshots at it, in idle
 * and streaming rounds that alternate so machine noise hits both; each round's worst frame is one
 * sample, and the figure is the median over rounds.
 */
async function measureTable(page: BrowserPage, rows: number) {
  const mountMs = await page.evaluate((n) => window.bench.setupTable(n), rows);
  const rowsInDom = await page.evaluate(() => document.querySelectorAll('#table tbody tr[data-symbol]').length);
  // Measured from the warm page a trader looks at all day, as the panel's updates are.
  await page.evaluate((n) => window.bench.warmTable(n), WARMUP);
  const idleRounds = [];
  const streamRounds = [];
  const stopTrace = await traceMarks(page);
  for (let i = 0; i < TABLE_ROUNDS; i++) {
    idleRounds.push(await page.evaluate((t) => window.bench.streamTable(t, 1000, false), TABLE_TICKS));
    streamRounds.push(await page.evaluate((t) => window.bench.streamTable(t, 1000, true), TABLE_TICKS));
  }
  // Each update's main-thread CPU time (sorting the rows and Vue's patch), which the other
  // processes of a loaded machine do not inflate.
  const updateCpu = ((await stopTrace()).get('table') ?? []).map(spanMs);
  if (updateCpu.length !== TABLE_TICKS * TABLE_ROUNDS) throw new Error(`table: ${updateCpu.length} updates traced, expected ${TABLE_TICKS * TABLE_ROUNDS}`);
  const worstIdle = median(idleRounds.map((r) => r.worstFrameMs));
  const worstStream = median(streamRounds.map((r) => r.worstFrameMs));
  const updateMs = streamRounds.flatMap((r) => r.updateMs);
  const updateMsMedian = median(updateMs);
  return {
    rows,
    rowsInDom,
    updatesAt1Hz: TABLE_TICKS * TABLE_ROUNDS,
    mountMs: +mountMs.toFixed(1),
    updateMsMedian: +updateMsMedian.toFixed(2),
    updateMsMax: +Math.max(...updateMs).toFixed(2),
    worstFrameMs: +worstStream.toFixed(1),
    idleWorstFrameMs: +worstIdle.toFixed(1),
    worstFrameVsIdle: +(worstStream / worstIdle).toFixed(2),
    worstFramePerRoundMs: streamRounds.map((r) => +r.worstFrameMs.toFixed(1)),
    idleWorstFramePerRoundMs: idleRounds.map((r) => +r.worstFrameMs.toFixed(1)),
    longTasksMs: streamRounds.flatMap((r) => r.longTasks.map((x) => +x.toFixed(1))),
    idleLongTasksMs: idleRounds.flatMap((r) => r.longTasks.map((x) => +x.toFixed(1))),
    frames: streamRounds.reduce((n, r) => n + r.frames, 0),
    updateCpuMsMedian: +median(updateCpu).toFixed(2),
    updateCpuMsMax: +Math.max(...updateCpu).toFixed(2),
    targets: { updateMsMedian: FRAME_MS, updateMsMax: FRAME_MS },
    meetsTargets: updateMsMedian <= FRAME_MS && Math.max(...updateMs) <= FRAME_MS && rowsInDom < rows,
    meetsTargetsOnCpuTime: median(updateCpu) <= FRAME_MS && Math.max(...updateCpu) <= FRAME_MS && rowsInDom < rows,
  };
}

/** A pair of marks on the main thread's CPU clock, in milliseconds. */
interface CpuSpan {
  start: number;
  end: number;
}
const spanMs = (s: CpuSpan): number => s.end - s.start;

/**
 * Records the page's `performance.mark`s with the main thread's CPU clock; the returned stop
 * function gives, per mark kind (`<kind>-<n>-start`/`-end`), each pair as a span of the main
 * thread's CPU time, in order. Wall time on a machine shared with other work also counts the time
 * other processes held the core; thread time does not.
 */
async function traceMarks(page: BrowserPage): Promise<() => Promise<Map<string, CpuSpan[]>>> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (p) => events.push(...(p.value ?? [])));
  await cdp.send('Tracing.start', { categories: 'blink.user_timing', transferMode: 'ReportEvents' });
  return async () => {
    const done = new Promise<void>((resolve) => cdp.on('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await done;
    const pairs = new Map<string, Map<number, { start?: number; end?: number }>>();
    for (const e of events) {
      const m = /^(\w+)-(\d+)-(start|end)$/.exec(e.name);
      if (!m || e.cat !== 'blink.user_timing' || e.tts === undefined) continue;
      const byN = pairs.get(m[1]!) ?? new Map<number, { start?: number; end?: number }>();
      const pair = byN.get(Number(m[2])) ?? {};
      pair[m[3] as 'start' | 'end'] = e.tts;
      byN.set(Number(m[2]), pair);
      pairs.set(m[1]!, byN);
    }
    const out = new Map<string, CpuSpan[]>();
    for (const [kind, byN] of pairs) {
      const spans = [...byN.entries()]
        .sort((a, b) => a[0] - b[0])
        .flatMap(([, p]) => (p.start !== undefined && p.end !== undefined ? [{ start: p.start / 1000, end: p.end / 1000 }] : []));
      out.set(kind, spans);
    }
    return out;
  };
}

/**
 * Fails the run when the panel, after its updates, does not show what was measured: the five
 * position and order lines laid out, the entry line labelled with the last unrealized PnL sent,
 * and every candle close on the chart and taken into ECharts. A fast figure from a panel that dropped its lines or
 * stopped following the ticks would otherwise pass.
 */
function checkPanelAfterUpdates(lines: { kind: string; label: string }[], state: { candleCount: number; heldCloses: number; unrealizedPnlUsd: number }, expectedCandles: number): void {
  if (lines.length < 5) throw new Error(`chart with lines: ${lines.length} lines laid out after the updates (${lines.map((l) => l.kind).join(', ')}), expected 5`);
  const entry = lines.find((l) => l.kind === 'entry');
  const pnl = state.unrealizedPnlUsd;
  const pnlText = Math.abs(pnl) < 0.005 ? '0.00' : pnl.toFixed(2);
  if (!entry || !entry.label.replaceAll(',', '').includes(pnlText)) {
    throw new Error(`chart with lines: entry label ${JSON.stringify(entry?.label ?? null)} lacks the last unrealized PnL ${pnlText}`);
  }
  if (state.candleCount !== expectedCandles) throw new Error(`chart with lines: ${state.candleCount} candles on the chart after the closes, expected ${expectedCandles}`);
  if (state.heldCloses !== 0) throw new Error(`chart with lines: ${state.heldCloses} closes still held back from ECharts after the updates`);
}

/**
 * The drawer's chart panel (CandlePanel) on the 100k-candle history with an open position and its
 * working orders drawn over it: each live tick and candle close also moves the position's mark and
 * PnL, as the app's position events do. Every figure is main-thread work from the update's arrival
 * until the lines are laid out again, across the frames it spans: as wall time (what the page
 * measures with `performance.now()`), and as the main thread's CPU time from a trace, which the
 * other processes of a loaded machine do not inflate.
 */
async function measurePanel(page: BrowserPage) {
  const mountMs = await page.evaluate((n) => window.bench.setupPanel(n), CANDLES);
  const lines = await page.evaluate(() => window.bench.panelLines());
  const startCandles = (await page.evaluate(() => window.bench.panelState())).candleCount;
  const series = (fn: 'panelLiveTick' | 'panelCloseTick' | 'panelIdle', runs: number, warmup: number) =>
    page.evaluate(
      async ({ fn, runs, warmup }) => {
        for (let i = 0; i < warmup; i++) await window.bench[fn]();
        const out: number[] = [];
        for (let i = 0; i < runs; i++) out.push(await window.bench[fn]());
        return out;
      },
      { fn, runs, warmup },
    );
  const stopTrace = await traceMarks(page);
  const idle = await series('panelIdle', RUNS, WARMUP);
  const live = await series('panelLiveTick', PANEL_RUNS, WARMUP);
  const close = await series('panelCloseTick', RUNS, WARMUP);
  const cpu = await stopTrace();
  // Before the reference below, which reloads the panel: the updates must have reached the screen.
  checkPanelAfterUpdates(await page.evaluate(() => window.bench.panelLines()), await page.evaluate(() => window.bench.panelState()), startCandles + WARMUP + close.length);
  // The warm-up updates are marked too; the figures are the measured ones after them.
  const spansOf = (kind: string) => (cpu.get(kind) ?? []).slice(WARMUP);
  const cpuOf = (kind: string) => spansOf(kind).map(spanMs);
  const liveCpu = cpuOf('live');
  const idleCpu = cpuOf('idle');
  // The chart takes each close into ECharts in an idle period after the close's first frame: work
  // between frames, reported apart. A close's frame work is its span less any catch-up inside it.
  const catchUps = spansOf('chartCatchUp');
  if (catchUps.length !== close.length) throw new Error(`chart with lines: ${catchUps.length} catch-ups for ${close.length} closes`);
  const closeSpans = spansOf('close');
  const catchUpsInside = closeSpans.map((c) => catchUps.filter((u) => u.start >= c.start && u.end <= c.end));
  const closeCpu = closeSpans.map((c, i) => spanMs(c) - catchUpsInside[i]!.reduce((a, u) => a + spanMs(u), 0));
  const catchUpCpu = catchUps.map(spanMs);
  const full: number[] = [];
  for (let i = 0; i < 5; i++) full.push(await page.evaluate(() => window.bench.panelFullSetOption()));
  const liveMs = median(live);
  const liveP90 = percentile(live, 0.9);
  const closeMs = median(close);
  const fullMs = median(full.slice(1));
  return {
    lines: lines.map((l) => l.kind),
    labels: lines.map((l) => l.label),
    mountMs: +mountMs.toFixed(1),
    liveUpdateMs: +liveMs.toFixed(2),
    liveUpdateP90Ms: +liveP90.toFixed(2),
    liveUpdateMaxMs: +Math.max(...live).toFixed(2),
    candleCloseMs: +closeMs.toFixed(2),
    candleCloseMaxMs: +Math.max(...close).toFixed(2),
    idleFrameWorkMs: +median(idle).toFixed(2),
    liveUpdateCpuMs: +median(liveCpu).toFixed(2),
    liveUpdateCpuP90Ms: +percentile(liveCpu, 0.9).toFixed(2),
    liveUpdateCpuMaxMs: +Math.max(...liveCpu).toFixed(2),
    candleCloseCpuMs: +median(closeCpu).toFixed(2),
    candleCloseCpuMaxMs: +Math.max(...closeCpu).toFixed(2),
    catchUpCpuMs: +median(catchUpCpu).toFixed(2),
    catchUpCpuMaxMs: +Math.max(...catchUpCpu).toFixed(2),
    catchUpsBetweenCloseFrames: catchUpsInside.filter((u) => u.length).length,
    idleCpuMs: +median(idleCpu).toFixed(2),
    fullSetOptionMs: +fullMs.toFixed(1),
    liveVsFullSetOption: +(fullMs / liveMs).toFixed(1),
    liveUpdates: live.length,
    candleCloses: close.length,
    targets: { liveUpdateMs: FRAME_MS, candleCloseMs: FRAME_MS },
    meetsTargets: liveMs <= FRAME_MS && closeMs <= FRAME_MS && lines.length >= 5,
    meetsTargetsOnCpuTime: median(liveCpu) <= FRAME_MS && median(closeCpu) <= FRAME_MS && lines.length >= 5,
  };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`[ui] skipped: no Chromium at ${CHROMIUM} (set PERPSCOPE_CHROMIUM)`);
    return;
  }
  const outDir = mkdtempSync(join(tmpdir(), 'perpscope-bench-ui-'));
  const { chromium } = fromTest('@playwright/test') as PlaywrightModule;
  let server: Server | null = null;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    await buildPage(outDir);
    const s = await serve(outDir);
    server = s.server;
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(s.url);
    await page.waitForFunction(() => 'bench' in window);

    const initialRenderMs = await page.evaluate((n) => window.bench.setupChart(n), CANDLES);
    const candles = await page.evaluate(() => window.bench.candleCount());

    const series = (fn: string, runs: number, warmup: number, arg?: number) =>
      page.evaluate(
        ({ fn, runs, warmup, arg }) => {
          const b = window.bench as unknown as Record<string, (a?: number) => number>;
          for (let i = 0; i < warmup; i++) b[fn]!(arg);
          const out: number[] = [];
          for (let i = 0; i < runs; i++) out.push(b[fn]!(arg));
          return out;
        },
        { fn, runs, warmup, arg },
      );

    // Sweep 2,000 bars into the past and back: the chart slides its data window as it goes, and
    // those slides are part of the figures.
    const panLeft = await series('panOnce', PAN_STEPS, WARMUP, -50);
    const panRight = await series('panOnce', PAN_STEPS, 0, 50);
    const pans = [...panLeft, ...panRight];
    const panMs = median(pans);
    const liveMs = median(await series('liveTick', RUNS, WARMUP));
    const closeMs = median(await series('closeTick', RUNS, WARMUP));
    const fullMs = median(await series('fullSetOption', 7, 2));

    const table = await measureTable(page, TABLE_ROWS);
    // A fresh page: the bench page mounts one table, and the chart above must not share its frames.
    const widePage = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await widePage.goto(s.url);
    await widePage.waitForFunction(() => 'bench' in window);
    const wideTable = await measureTable(widePage, WIDE_TABLE_ROWS);
    await widePage.close();
    const panelPage = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await panelPage.goto(s.url);
    await panelPage.waitForFunction(() => 'bench' in window);
    const chartWithLines = await measurePanel(panelPage);

    const result = {
      candles,
      chart: {
        initialRenderMs: +initialRenderMs.toFixed(1),
        panMs: +panMs.toFixed(2),
        panP90Ms: +percentile(pans, 0.9).toFixed(2),
        liveUpdateMs: +liveMs.toFixed(2),
        candleCloseMs: +closeMs.toFixed(2),
        fullSetOptionMs: +fullMs.toFixed(1),
        liveVsFullSetOption: +(fullMs / liveMs).toFixed(1),
        targets: { panMs: 17, liveUpdateMs: 16, candleCloseMs: FRAME_MS },
        meetsTargets: panMs <= 17 && liveMs <= 16 && closeMs <= FRAME_MS,
      },
      chartWithLines,
      table,
      wideTable,
      runs: RUNS,
      browser: browser.version(),
    };
    writeResult(
      'ui',
      result,
      `${candles} candles: pan ${panMs.toFixed(1)} ms, live update ${liveMs.toFixed(1)} ms (full setOption ${fullMs.toFixed(0)} ms, ${result.chart.liveVsFullSetOption}x), close ${closeMs.toFixed(1)} ms; ` +
        `table ${TABLE_ROWS} rows @1Hz: update ${table.updateMsMedian} ms, worst frame ${table.worstFrameMs} ms (idle page ${table.idleWorstFrameMs} ms); ` +
        `chart with position lines: live update ${chartWithLines.liveUpdateMs} ms (p90 ${chartWithLines.liveUpdateP90Ms}, max ${chartWithLines.liveUpdateMaxMs}; CPU ${chartWithLines.liveUpdateCpuMs} ms), close ${chartWithLines.candleCloseMs} ms (CPU ${chartWithLines.candleCloseCpuMs} ms, max ${chartWithLines.candleCloseCpuMaxMs}; idle catch-up CPU ${chartWithLines.catchUpCpuMs} ms), full setOption ${chartWithLines.fullSetOptionMs} ms; ` +
        `${WIDE_TABLE_ROWS} rows: update ${wideTable.updateMsMedian} ms (max ${wideTable.updateMsMax} ms; CPU ${wideTable.updateCpuMsMedian} ms, max ${wideTable.updateCpuMsMax}; ${wideTable.rowsInDom} rows in the DOM), worst frame ${wideTable.worstFrameMs} ms (idle page ${wideTable.idleWorstFrameMs} ms)`,
    );
  } finally {
    await browser.close();
    server?.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
