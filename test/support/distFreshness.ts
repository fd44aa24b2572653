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
 * The build record `tsc -b` rewrites on every build of a package. A source whose content is
 * unchanged since the last build (a checkout or stash touched it) is not re-emitted, so its `.js`
 * keeps the older time; the build record still proves the build saw it.
 */
const BUILD_INFO: Record<string, string> = {
  shared: 'shared/tsconfig.tsbuildinfo',
  sdk: 'sdk/tsconfig.tsbuildinfo',
  desktop: 'desktop/dist/.tsbuildinfo',
};

function mtimeMs(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
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
    const pkg = tree.split('/')[0] ?? '';
    const builtMs = BUILD_INFO[pkg] ? mtimeMs(join(repoRoot, BUILD_INFO[pkg])) : 0;
    for (const file of tsFiles(join(repoRoot, tree))) {
      const out = join(distRoot, relative(srcRoot, file).replace(/\.ts$/, '.js'));
      const sourceMs = statSync(file).mtimeMs;
      if (!existsSync(out) || Math.max(statSync(out).mtimeMs, builtMs) < sourceMs) stale.push(relative(repoRoot, file));
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
