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
 *   table keeps in the DOM.
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
  streamTable(ticks: number, intervalMs: number, update: boolean): Promise<{ worstFrameMs: number; frames: number; longTasks: number[]; updateMs: number[] }>;
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
  const idleRounds = [];
  const streamRounds = [];
  for (let i = 0; i < TABLE_ROUNDS; i++) {
    idleRounds.push(await page.evaluate((t) => window.bench.streamTable(t, 1000, false), TABLE_TICKS));
    streamRounds.push(await page.evaluate((t) => window.bench.streamTable(t, 1000, true), TABLE_TICKS));
  }
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
    targets: { updateMs: FRAME_MS },
    meetsTargets: updateMsMedian <= FRAME_MS && rowsInDom < rows,
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
        targets: { panMs: 17, liveUpdateMs: 16 },
        meetsTargets: panMs <= 17 && liveMs <= 16,
      },
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
        `${WIDE_TABLE_ROWS} rows: update ${wideTable.updateMsMedian} ms (max ${wideTable.updateMsMax} ms, ${wideTable.rowsInDom} rows in the DOM), worst frame ${wideTable.worstFrameMs} ms (idle page ${wideTable.idleWorstFrameMs} ms)`,
    );
  } finally {
    await browser.close();
    server?.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
