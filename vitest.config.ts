import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const r = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@perpscope\/shared$/, replacement: r('./shared/src/index.ts') },
      { find: /^@perpscope\/sdk\/(.*)$/, replacement: r('./sdk/src/$1/index.ts') },
      { find: /^@perpscope\/sdk$/, replacement: r('./sdk/src/index.ts') },
    ],
  },
  test: {
    include: ['shared/test/**/*.test.ts', 'sdk/test/**/*.test.ts', 'desktop/test/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
