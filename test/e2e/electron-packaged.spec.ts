import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { desktopDir, electronBinary } from './electronBinary.js';

const builderConfig = fileURLToPath(new URL('../../electron-builder.yml', import.meta.url));
/** Fixed here so the test knows the packaged executable's name whatever the product name becomes. */
const EXECUTABLE = 'perpscope';

/** The part of electron-builder's API this test calls (the package is the desktop's, not this one's). */
interface ElectronBuilder {
  Platform: { LINUX: { createTarget(type: string): unknown } };
  build(options: { projectDir: string; targets: unknown; publish: 'never'; config: Record<string, unknown> }): Promise<string[]>;
}

const binary = electronBinary();
const skip = 'skip' in binary ? binary.skip : process.platform !== 'linux' ? `packages Linux only (this is ${process.platform})` : null;
if (skip) console.log(`electron-packaged.spec.ts skipped: ${skip}`);

test.describe('packaged Electron app (electron-builder, Linux dir target)', () => {
  test.skip(skip !== null, skip ?? '');

  test('the packaged executable opens its window with the preload bridge', async () => {
    if ('skip' in binary) return;
    // Packaging copies Electron, builds the native modules for its ABI and writes app.asar: minutes on a slow machine.
    test.setTimeout(15 * 60_000);
    const outDir = mkdtempSync(join(tmpdir(), 'perpscope-packaged-'));
    const userData = mkdtempSync(join(tmpdir(), 'perpscope-packaged-home-'));
    try {
      // What `pnpm --filter @perpscope/desktop dist` runs before packaging: the app loads these from its resources.
      execFileSync(process.execPath, ['scripts/build-native-electron.mjs', '--if-stale'], { cwd: desktopDir, stdio: 'inherit' });
      const builder = createRequire(join(desktopDir, 'package.json'))('electron-builder') as ElectronBuilder;
      await builder.build({
        projectDir: desktopDir,
        targets: builder.Platform.LINUX.createTarget('dir'),
        publish: 'never',
        config: {
          extends: builderConfig,
          directories: { output: outDir, buildResources: 'build' },
          // The local binary, so packaging downloads nothing.
          electronDist: dirname(binary.path),
          linux: { executableName: EXECUTABLE },
          // Playwright drives Electron through --inspect; the shipped build turns that fuse off.
          electronFuses: { enableNodeCliInspectArguments: true },
        },
      });
      const executable = join(outDir, 'linux-unpacked', EXECUTABLE);
      expect(existsSync(executable), `electron-builder wrote ${executable}`).toBe(true);

      const app = await electron.launch({
        executablePath: executable,
        args: [`--user-data-dir=${userData}`, '--no-sandbox', '--disable-gpu'],
        env: { ...process.env, PERPSCOPE_SIM: '1' },
      });
      try {
        const page = await app.firstWindow();
        await page.waitForLoadState('domcontentloaded');
        const surface = await page.evaluate(() => {
          const bridge = (globalThis as Record<string, unknown>).perpscope as Record<string, unknown> | undefined;
          return { namespaces: bridge ? Object.keys(bridge).sort() : [], require: typeof (globalThis as Record<string, unknown>).require };
        });
        expect(surface.namespaces, 'the preload bridge, loaded from app.asar').toEqual(expect.arrayContaining(['rankings', 'orders', 'trading', 'onEvent']));
        expect(surface.require, 'no Node in the page').toBe('undefined');
        expect(await app.evaluate(({ app: electronApp }) => electronApp.isPackaged), 'runs as a packaged app').toBe(true);
      } finally {
        await app.close();
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
      rmSync(userData, { recursive: true, force: true });
    }
  });
});
