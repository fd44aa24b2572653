import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

const fromHere = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Smallest file worth a compressed twin: below this the encoding headers cost about as much as they save. */
const PRECOMPRESS_MIN_BYTES = 1024;

/**
 * Writes `.br` and `.gz` twins of every JS, CSS and HTML file at build time, so `perpscope serve`
 * hands compressed bytes straight from disk (`@fastify/static` `preCompressed`) instead of
 * compressing on the event loop the engine shares.
 */
function precompress(): Plugin {
  return {
    name: 'perpscope-precompress',
    apply: 'build',
    // After the write, from disk: earlier hooks still see chunks whose preload markers Vite has
    // not yet replaced, and a twin made from those would differ from the file it stands for.
    writeBundle(options, bundle) {
      const dir = options.dir ?? fromHere('out/renderer');
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|html)$/.test(fileName)) continue;
        const path = join(dir, fileName);
        const bytes = readFileSync(path);
        if (bytes.length < PRECOMPRESS_MIN_BYTES) continue;
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
      }
    },
  };
}

/** ECharts and its zrender engine: one chunk, fetched only by the views and drawer that draw charts. */
function chartChunk(id: string): string | undefined {
  return /[\\/]node_modules[\\/](echarts|zrender)[\\/]/.test(id) ? 'echarts' : undefined;
}

/**
 * Three builds: main (ESM, Node deps left external and loaded from node_modules; the engine's
 * worker thread is a second entry), preload
 * (CommonJS, because sandboxed preloads cannot be ES modules, with its imports bundled because a
 * sandboxed preload can only require `electron`), and the Vue renderer: minified, every view but
 * Rankings in its own lazily loaded chunk, ECharts in one chunk of its own, with compressed twins.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The engine's worker thread is an entry of its own, built beside index.js (out/main/engineWorker.js).
      lib: { entry: { index: fromHere('src/main/index.ts'), engineWorker: fromHere('src/host/engineWorker.ts') }, formats: ['es'] },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      lib: { entry: fromHere('src/preload/index.ts'), formats: ['cjs'] },
    },
  },
  renderer: {
    root: fromHere('src/renderer'),
    // The renderer compiles the shared contract from source, so `pnpm start` needs no prior build.
    resolve: { alias: [{ find: /^@perpscope\/shared$/, replacement: fromHere('../shared/src/index.ts') }] },
    plugins: [vue(), precompress()],
    build: {
      outDir: fromHere('out/renderer'),
      minify: 'esbuild',
      // The lazy ECharts chunk is about 590 kB; the budget that matters, the rankings view's
      // initial JS, is measured by scripts/measure-renderer-bundle.ts (`pnpm bench ui-bundle`).
      chunkSizeWarningLimit: 650,
      // Hashed chunk names from a previous build would otherwise pile up next to the new ones.
      emptyOutDir: true,
      rollupOptions: { input: fromHere('src/renderer/index.html'), output: { manualChunks: chartChunk } },
    },
  },
});
