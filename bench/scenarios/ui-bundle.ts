import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureRendererBundle } from '../../scripts/measure-renderer-bundle.js';
import { writeResult } from '../lib.js';

/**
 * ui-bundle: the JavaScript the rankings view needs before its first paint (entry chunk and its
 * static imports), minified and compressed, against the 600 KB budget, and the lazy chunks beside
 * it. Reads the last `pnpm build` output and refuses one older than the renderer sources, so the
 * figures always describe the code in the tree.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rendererOut = join(repo, 'desktop', 'out', 'renderer');
const sources = [join(repo, 'desktop', 'src', 'renderer'), join(repo, 'desktop', 'electron.vite.config.ts')];
const MAX_FILES = 10_000;

/** Newest modification time under `paths`, in ms since the epoch (bounded walk). */
function newestMtimeMs(paths: readonly string[]): { mtimeMs: number; file: string } {
  let best = { mtimeMs: 0, file: '' };
  const stack = [...paths];
  for (let seen = 0; stack.length && seen < MAX_FILES; seen++) {
    const p = stack.pop()!;
    const st = statSync(p);
    if (st.isDirectory()) stack.push(...readdirSync(p).map((f) => join(p, f)));
    else if (st.mtimeMs > best.mtimeMs) best = { mtimeMs: st.mtimeMs, file: p };
  }
  return best;
}

function main(): void {
  const index = join(rendererOut, 'index.html');
  if (!existsSync(index)) {
    console.error(`[ui-bundle] ${index} is missing; run \`pnpm build\` first`);
    process.exitCode = 1;
    return;
  }
  const builtMs = statSync(index).mtimeMs;
  const newest = newestMtimeMs(sources);
  if (newest.mtimeMs > builtMs) {
    console.error(`[ui-bundle] the renderer build is older than ${newest.file}; run \`pnpm build\` first`);
    process.exitCode = 1;
    return;
  }
  const r = measureRendererBundle(rendererOut);
  const echartsChunk = r.lazy.find((c) => /(^|\/)echarts[-.]/.test(c.file)) ?? null;
  const kb = (n: number) => +(n / 1000).toFixed(1);
  writeResult(
    'ui-bundle',
    {
      initialJsKb: kb(r.initialJsBytes),
      initialJsGzipKb: kb(r.initialJsGzipBytes),
      initialJsBrotliKb: kb(r.initialJsBrotliBytes),
      lazyJsKb: kb(r.lazyJsBytes),
      echartsChunkKb: echartsChunk ? kb(echartsChunk.bytes) : null,
      echartsInInitial: r.echartsInInitial,
      budgetKb: kb(r.budgetBytes),
      initialVsBudget: +(r.initialJsBytes / r.budgetBytes).toFixed(2),
      staleTwins: r.staleTwins,
      meetsTargets: r.withinBudget && !r.echartsInInitial && !r.staleTwins.length,
      initial: r.initial,
      lazy: r.lazy,
    },
    `rankings view initial JS ${kb(r.initialJsBytes)} KB minified (gzip ${kb(r.initialJsGzipBytes)} KB, br ${kb(r.initialJsBrotliBytes)} KB), ` +
      `${(r.initialJsBytes / r.budgetBytes).toFixed(2)}x the ${kb(r.budgetBytes)} KB budget; ${r.lazy.length} lazy chunks, ${kb(r.lazyJsBytes)} KB` +
      (echartsChunk ? ` (ECharts ${kb(echartsChunk.bytes)} KB)` : ''),
  );
  if (r.staleTwins.length) console.error(`[ui-bundle] compressed twins differ from their files: ${r.staleTwins.join(', ')}`);
  if (!r.withinBudget || r.echartsInInitial || r.staleTwins.length) process.exitCode = 1;
}

main();
