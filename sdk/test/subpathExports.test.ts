import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sdkDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
const subpaths = Object.keys(manifest.exports).filter((k) => k !== '.').map((k) => k.slice(2));

describe('subpath exports: one per module, like viem (`@perpscope/sdk/market`, `/trading`...)', () => {
  it('covers every module with a public index (the CLI too: the desktop CLI loads only it), each mapped to its built index and types', () => {
    const modules = ['alerts', 'backtest', 'cli', 'config', 'core', 'data', 'engine', 'facade', 'features', 'indicators', 'manipulation', 'market', 'ranking', 'risk', 'secrets', 'signals', 'sim', 'store', 'strategies', 'trading'];
    expect(subpaths.sort()).toEqual(modules);
    for (const name of subpaths) {
      expect(existsSync(join(sdkDir, 'src', name, 'index.ts')), `${name}: the source index the build turns into the export`).toBe(true);
      expect(manifest.exports[`./${name}`]).toEqual({ types: `./dist/${name}/index.d.ts`, default: `./dist/${name}/index.js` });
    }
  });

  it.each(subpaths)('@perpscope/sdk/%s loads on its own and exports something', async (name) => {
    const mod = (await import(`../src/${name}/index.ts`)) as Record<string, unknown>;
    expect(Object.keys(mod).length, `${name} has runtime exports`).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(join(sdkDir, 'dist', 'index.js')))('the build holds every mapped file (run after pnpm build)', () => {
    const missing = subpaths.flatMap((name) => [manifest.exports[`./${name}`]!.default, manifest.exports[`./${name}`]!.types]).filter((f) => !existsSync(join(sdkDir, f)));
    expect(missing, 'mapped files the build did not write').toEqual([]);
  });
});
