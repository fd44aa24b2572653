/**
 * Measures the built renderer (`desktop/out/renderer` unless a directory is given): the JavaScript
 * a browser must load before the rankings view can paint, against the 600 KB budget, and every
 * lazily loaded chunk beside it.
 *   node --import tsx scripts/measure-renderer-bundle.ts [rendererDir]
 * "Initial" is the entry script named by index.html, its modulepreloads and every chunk they import
 * statically, transitively; chunks reached only through `import()` are lazy. The rankings view is
 * in the entry chunk, so the initial set is exactly what precedes its first paint.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';

/** Initial JS budget for the rankings view, minified, in bytes (issue #12: 600 KB). */
export const INITIAL_JS_BUDGET_BYTES = 600_000;

export interface ChunkSize {
  /** Path relative to the renderer directory, e.g. `assets/index-6QKRayY-.js`. */
  file: string;
  bytes: number;
  gzipBytes: number;
  brotliBytes: number;
}

export interface RendererBundleReport {
  initial: ChunkSize[];
  lazy: ChunkSize[];
  initialJsBytes: number;
  initialJsGzipBytes: number;
  initialJsBrotliBytes: number;
  lazyJsBytes: number;
  /** Whether any ECharts chunk is in the initial set; it must not be. */
  echartsInInitial: boolean;
  budgetBytes: number;
  withinBudget: boolean;
  /** `.br`/`.gz` twins whose content differs from the file they stand for (the server sends twins first). */
  staleTwins: string[];
}

/** `src`/`href` of the module scripts and modulepreloads in index.html, relative to the page. */
export function entryScripts(indexHtml: string): string[] {
  const out: string[] = [];
  for (const m of indexHtml.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="([^"]+)"/g)) out.push(m[1]!);
  for (const m of indexHtml.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) out.push(m[1]!);
  return out;
}

/**
 * Relative specifiers a chunk imports statically (`import … from "./x.js"`, `import "./x.js"`,
 * `export … from "./x.js"`). `import("./x.js")` is dynamic and deliberately not matched.
 */
export function staticImports(code: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(/\b(?:import|export)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g)) out.add(m[1]!);
  return [...out];
}

function sizeOf(dir: string, file: string): ChunkSize {
  const bytes = readFileSync(join(dir, file));
  return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, brotliBytes: brotliCompressSync(bytes).length };
}

const toPosix = (p: string) => p.replace(/^\.\//, '');

/** Every `.br`/`.gz` twin under `dir` (top level and `assets/`) that does not decompress to its file. */
export function staleTwins(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ['', 'assets']) {
    for (const f of readdirSync(join(dir, sub))) {
      const m = /^(.*)\.(br|gz)$/.exec(f);
      if (!m) continue;
      const file = join(dir, sub, m[1]!);
      const twin = readFileSync(join(dir, sub, f));
      const same = existsSync(file) && (m[2] === 'br' ? brotliDecompressSync(twin) : gunzipSync(twin)).equals(readFileSync(file));
      if (!same) out.push(posix.join(sub, f));
    }
  }
  return out;
}

/** Walks index.html's module graph through static imports only; see the file comment. */
export function measureRendererBundle(dir: string, budgetBytes = INITIAL_JS_BUDGET_BYTES): RendererBundleReport {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const roots = entryScripts(html).map(toPosix);
  if (!roots.length) throw new Error(`${join(dir, 'index.html')} names no module script; expected a built renderer (run \`pnpm build\`)`);
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(dir, file), 'utf8');
    for (const spec of staticImports(code)) queue.push(posix.normalize(posix.join(posix.dirname(file), spec)));
  }
  const allJs = readdirSync(join(dir, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => `assets/${f}`);
  const initial = [...seen].sort().map((f) => sizeOf(dir, f));
  const lazy = allJs
    .filter((f) => !seen.has(f))
    .sort()
    .map((f) => sizeOf(dir, f));
  const sum = (xs: ChunkSize[], k: 'bytes' | 'gzipBytes' | 'brotliBytes') => xs.reduce((n, c) => n + c[k], 0);
  const initialJsBytes = sum(initial, 'bytes');
  return {
    initial,
    lazy,
    initialJsBytes,
    initialJsGzipBytes: sum(initial, 'gzipBytes'),
    initialJsBrotliBytes: sum(initial, 'brotliBytes'),
    lazyJsBytes: sum(lazy, 'bytes'),
    echartsInInitial: initial.some((c) => /(^|\/)echarts[-.]/.test(c.file)),
    budgetBytes,
    withinBudget: initialJsBytes <= budgetBytes,
    staleTwins: staleTwins(dir),
  };
}

const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'desktop', 'out', 'renderer');
  const r = measureRendererBundle(dir);
  for (const c of r.initial) console.log(`initial  ${c.file.padEnd(40)} ${kb(c.bytes).padStart(10)}  gzip ${kb(c.gzipBytes).padStart(9)}  br ${kb(c.brotliBytes).padStart(9)}`);
  for (const c of r.lazy) console.log(`lazy     ${c.file.padEnd(40)} ${kb(c.bytes).padStart(10)}  gzip ${kb(c.gzipBytes).padStart(9)}  br ${kb(c.brotliBytes).padStart(9)}`);
  console.log(
    `initial JS ${kb(r.initialJsBytes)} (gzip ${kb(r.initialJsGzipBytes)}, br ${kb(r.initialJsBrotliBytes)}) of a ${kb(r.budgetBytes)} budget: ${r.withinBudget ? 'within' : 'OVER'}; ` +
      `lazy JS ${kb(r.lazyJsBytes)}; ECharts in the initial set: ${r.echartsInInitial ? 'YES' : 'no'}; ` +
      `compressed twins that differ from their file: ${r.staleTwins.length ? r.staleTwins.join(', ') : 'none'}`,
  );
  process.exitCode = r.withinBudget && !r.echartsInInitial && !r.staleTwins.length ? 0 : 1;
}
