import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The desktop package directory (with a trailing slash). */
export const desktopDir = fileURLToPath(new URL('../../desktop/', import.meta.url));

/**
 * The Electron binary, found the way the `electron` package does but without its auto-download
 * (requiring the package would try to fetch the binary), or the reason it cannot run here.
 */
export function electronBinary(): { path: string } | { skip: string } {
  const pkgDir = join(desktopDir, 'node_modules/electron');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let path: string | null = null;
  if (override) path = join(override, process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron');
  else if (existsSync(join(pkgDir, 'path.txt'))) path = join(pkgDir, 'dist', readFileSync(join(pkgDir, 'path.txt'), 'utf8').trim());
  if (!path || !existsSync(path)) return { skip: 'no Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD was set at install); run `npx install-electron` in desktop/ to enable' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { skip: 'no display: run under xvfb-run' };
  if (!existsSync(join(desktopDir, 'out/main/index.js'))) return { skip: 'desktop not built: run `pnpm build`' };
  return { path };
}

