import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = join('echarts', 'dist', 'echarts.min.js');

/**
 * The ECharts browser bundle, read at run time so the HTML report can inline it and open
 * offline: the package as Node resolves it from here, else the nearest `node_modules` (or the
 * workspace's `desktop/node_modules`) above this file. Null when none is installed.
 */
export function readEchartsBundle(): string | null {
  try {
    return readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8');
  } catch {
    // Not resolvable from this package: look upwards.
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [join(dir, 'node_modules', FILE), join(dir, 'desktop', 'node_modules', FILE)]) {
      if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
