import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * Sources under `trees` (files or folders of a package's `src`, e.g. `sdk/src/engine`) whose compiled `.js`
 * under the package's `dist` is missing or older than they are. A test that runs the built CLI
 * (`desktop/dist/cli/main.js`) would otherwise test old code without a word; `scripts/test.sh`
 * builds first, a single test file run needs `pnpm build:ts`.
 */
export function staleDistSources(trees: readonly string[]): string[] {
  const stale: string[] = [];
  for (const tree of trees) {
    const srcRoot = join(repoRoot, tree.replace(/^(\w+)\/src(?=\/|$).*$/, '$1/src'));
    const distRoot = join(repoRoot, tree.replace(/^(\w+)\/src(?=\/|$).*$/, '$1/dist'));
    for (const file of tsFiles(join(repoRoot, tree))) {
      const out = join(distRoot, relative(srcRoot, file).replace(/\.ts$/, '.js'));
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs) stale.push(relative(repoRoot, file));
    }
  }
  return stale;
}

/** Fails, naming the stale sources, unless the build is at least as new as every source under `trees`. */
export function requireFreshDist(trees: readonly string[]): void {
  const stale = staleDistSources(trees);
  if (stale.length > 0) {
    throw new Error(`the built CLI is older than ${stale.length} source file(s), e.g. ${stale.slice(0, 5).join(', ')}: run \`pnpm build:ts\` first`);
  }
}
