/**
 * Renders the app icon (desktop/build/icon.svg) to the PNGs electron-builder packages:
 * `desktop/build/icon.png` at 1024 px, from which it derives the macOS .icns and Windows .ico,
 * and `desktop/build/icons/<n>x<n>.png` for Linux desktop entries. Uses Debian's Chromium through
 * Playwright, so the PNGs are a faithful rasterisation of the SVG at every size.
 *
 *   node --import tsx scripts/gen-icons.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'desktop', 'build');
const LINUX_SIZES_PX = [16, 32, 48, 64, 128, 256, 512] as const;

// Playwright is a dependency of the test package; resolve it from there.
const requireFromTest = createRequire(join(root, 'test', 'package.json'));
interface IconPage {
  setContent(html: string): Promise<void>;
  screenshot(options: { omitBackground: boolean; clip: { x: number; y: number; width: number; height: number } }): Promise<Buffer>;
  close(): Promise<void>;
}
interface IconBrowser {
  newPage(options: { viewport: { width: number; height: number }; deviceScaleFactor: number }): Promise<IconPage>;
  close(): Promise<void>;
}
// Typed by hand: the scripts' tsconfig does not see the test package's types.
const { chromium } = requireFromTest('@playwright/test') as { chromium: { launch(options: { executablePath: string; args: string[] }): Promise<IconBrowser> } };

const svg = readFileSync(join(buildDir, 'icon.svg'), 'utf8');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const render = async (sizePx: number): Promise<Buffer> => {
    const page = await browser.newPage({ viewport: { width: sizePx, height: sizePx }, deviceScaleFactor: 1 });
    const sized = svg.replace('<svg ', `<svg width="${sizePx}" height="${sizePx}" `);
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`);
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: sizePx, height: sizePx } });
    await page.close();
    return png;
  };
  writeFileSync(join(buildDir, 'icon.png'), await render(1024));
  mkdirSync(join(buildDir, 'icons'), { recursive: true });
  for (const sizePx of LINUX_SIZES_PX) writeFileSync(join(buildDir, 'icons', `${sizePx}x${sizePx}.png`), await render(sizePx));
  console.log(`wrote ${join(buildDir, 'icon.png')} and ${LINUX_SIZES_PX.length} Linux sizes`);
} finally {
  await browser.close();
}
