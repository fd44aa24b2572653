import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

const fromHere = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Three builds: main (ESM, Node deps left external and loaded from node_modules), preload
 * (CommonJS, because sandboxed preloads cannot be ES modules, with its imports bundled because a
 * sandboxed preload can only require `electron`), and the Vue renderer.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: fromHere('src/main/index.ts'), formats: ['es'] },
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
    plugins: [vue()],
    build: {
      outDir: fromHere('out/renderer'),
      rollupOptions: { input: fromHere('src/renderer/index.html') },
    },
  },
});
