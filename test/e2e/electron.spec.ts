import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { desktopDir, electronBinary } from './electronBinary.js';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));

const binary = electronBinary();
if ('skip' in binary) console.log(`electron.spec.ts skipped: ${binary.skip}`);

test.describe('Electron shell', () => {
  test.skip('skip' in binary, 'skip' in binary ? binary.skip : '');

  test('launches a locked-down window with named preload verbs only', async () => {
    if ('skip' in binary) return;
    const userData = mkdtempSync(join(tmpdir(), 'perpscope-electron-'));
    const app = await electron.launch({
      executablePath: binary.path,
      args: [join(desktopDir, 'out/main/index.js'), `--user-data-dir=${userData}`, '--no-sandbox', '--disable-gpu'],
      env: { ...process.env, PERPSCOPE_SIM: '1' },
    });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      const surface = await page.evaluate(() => {
        const g = globalThis as Record<string, unknown>;
        const bridge = g.perpscope as Record<string, unknown> | undefined;
        return {
          require: typeof g.require,
          process: typeof g.process,
          namespaces: bridge ? Object.keys(bridge).sort() : [],
          hasInvoke: bridge ? 'invoke' in bridge : false,
          // contextBridge copies and freezes exposed objects only across isolated worlds.
          frozen: bridge ? Object.isFrozen(bridge) : false,
          opened: window.open('https://example.com') === null,
        };
      });
      expect(surface.require, 'require').toBe('undefined');
      expect(surface.process, 'process').toBe('undefined');
      expect(surface.hasInvoke, 'no generic invoke').toBe(false);
      expect(surface.frozen, 'context isolation: the bridge is a frozen copy').toBe(true);
      expect(surface.namespaces, 'named verbs').toEqual(expect.arrayContaining(['rankings', 'orders', 'keys', 'onEvent']));
      expect(surface.opened, 'window.open denied').toBe(true);

      // Proven on the main process's own decision, not by waiting: a listener added after the
      // app's sees the will-navigate event once the app's handler has run, then the page must
      // still be the same document (a marker set on it survives).
      const before = page.url();
      await app.evaluate(({ BrowserWindow }) => {
        const g = globalThis as unknown as { willNavigate?: string[] };
        g.willNavigate = [];
        for (const w of BrowserWindow.getAllWindows()) w.webContents.on('will-navigate', (_e, url) => g.willNavigate!.push(url));
      });
      await page.evaluate(() => {
        (window as unknown as { navigationMarker?: boolean }).navigationMarker = true;
        location.href = 'https://example.com/';
      });
      await expect
        .poll(() => app.evaluate(() => (globalThis as unknown as { willNavigate?: string[] }).willNavigate ?? []), { message: 'the main process saw the navigation attempt' })
        .toContain('https://example.com/');
      expect(page.url(), 'navigation blocked').toBe(before);
      expect(await page.evaluate(() => (window as unknown as { navigationMarker?: boolean }).navigationMarker), 'still the same document').toBe(true);

      const health = await page.evaluate(async () => {
        const bridge = (globalThis as unknown as { perpscope: { health: { get: (p?: unknown) => Promise<{ ok: boolean }> } } }).perpscope;
        return bridge.health.get({ unexpected: true });
      });
      expect(health.ok, 'IPC payloads are validated by the host').toBe(false);

      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: `${screenshots}electron-window.png` });
    } finally {
      await app.close();
    }
  });
});
