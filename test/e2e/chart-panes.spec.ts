import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Locator, type Page } from '@playwright/test';
import { endSpecServer, startOwnServer, startSpecServer, stopped, type OwnServer } from './ownServer.js';

/**
 * The chart a trader reads, in the real renderer in Chromium against `perpscope serve --sim`: an
 * RSI pane computed by the host, the last-price line, a horizontal line drawn by hand that survives
 * a reload and a server restart (it is in SQLite), and a manipulation flag pinned on its bar with its
 * evidence in words and units.
 *
 * The spec runs a server of its own (a fresh home, so the drawings start empty). Every wait is on a
 * state of the page or of the server.
 */

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
const SYMBOL = 'BTC/USDT:USDT';

test.use({ viewport: { width: 1440, height: 900 } });
test.describe.configure({ mode: 'serial', timeout: 240_000 });

let home = '';
let token = '';
let server: OwnServer;

interface RankingsReply {
  rows: { symbol: string; flags: { name: string }[] }[];
}

async function rankings(page: Page): Promise<RankingsReply> {
  const res = await page.request.get(`${server.baseUrl}/api/rankings?limit=100`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.ok(), 'GET /api/rankings').toBe(true);
  return (await res.json()) as RankingsReply;
}

async function openApp(page: Page): Promise<void> {
  await page.goto(server.openUrl);
  await expect(page.getByTestId('conn-state'), 'the page reaches the host').toHaveText('connected', { timeout: 60_000 });
}

/** Opens `symbol`'s drawer through Ctrl+K and waits for the chart's canvas. */
async function openChart(page: Page, symbol: string): Promise<Locator> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('spotlight-input').fill(symbol.split('/')[0]!);
  const option = page.locator(`[data-testid=spotlight] li[data-symbol="${symbol}"]`);
  await expect(option).toBeVisible({ timeout: 30_000 });
  await option.hover();
  await page.keyboard.press('Enter');
  const drawer = page.getByTestId('symbol-drawer');
  await expect(drawer).toHaveAttribute('data-symbol', symbol);
  await expect(drawer.getByTestId('candle-chart').locator('canvas').first(), 'ECharts drew the candles').toBeVisible({ timeout: 60_000 });
  return drawer;
}

/**
 * BTC, once the first ranking cycle is in. A major, since the sim delists one of its SIM markets
 * a couple of sim hours in, and its sim clock runs ahead of the wall clock.
 */
async function rankedSymbol(page: Page): Promise<string> {
  await expect.poll(async () => (await rankings(page)).rows.some((r) => r.symbol === SYMBOL), { message: 'a first ranking with BTC', timeout: 120_000 }).toBe(true);
  return SYMBOL;
}

test.beforeAll(async () => {
  ({ home, token, server } = await startSpecServer('perpscope-e2e-chart-', shots));
});
test.afterAll(() => endSpecServer(home, server));

test('an RSI pane from the host, with values, and the last-price line', async ({ page }) => {
  await openApp(page);
  const symbol = await rankedSymbol(page);
  const drawer = await openChart(page, symbol);
  const chart = drawer.getByTestId('candle-chart');
  await expect(chart, 'no pane before one is chosen').toHaveAttribute('data-panes', '0');

  await drawer.getByTestId('study-toggle-rsi').click();
  await expect(chart, 'one pane').toHaveAttribute('data-panes', '1', { timeout: 30_000 });
  await expect(chart).toHaveAttribute('data-studies', 'rsi');
  const values = JSON.parse((await chart.getAttribute('data-study-values'))!) as Record<string, number | null>;
  const rsi = values['study-rsi-rsi'];
  expect(typeof rsi === 'number' && rsi > 0 && rsi < 100, `the RSI's last value is within 0-100 (got ${rsi})`).toBe(true);

  await expect(drawer.getByTestId('study-toggle-rsi'), 'the toggle shows the choice').toHaveClass(/on/);
  // The last-price line's label: the last close with the decimals of the market's tick and thousands separators.
  await expect(chart, 'the last price on the tick').toHaveAttribute('data-last-price', /^\d{1,3}(,\d{3})+(\.\d+)?$/);
  await page.screenshot({ path: join(shots, 'chart-rsi-pane.png') });

  // The choice is kept for the drawer's chart across a reload.
  await page.reload();
  await expect(page.getByTestId('conn-state')).toHaveText('connected', { timeout: 60_000 });
  const again = await openChart(page, symbol);
  await expect(again.getByTestId('candle-chart'), 'the pane comes back after a reload').toHaveAttribute('data-panes', '1', { timeout: 30_000 });
  await again.getByTestId('study-toggle-macd').click();
  await expect(again.getByTestId('candle-chart'), 'RSI and MACD panes').toHaveAttribute('data-panes', '2', { timeout: 30_000 });
  await again.getByTestId('study-toggle-bollinger').click();
  await expect(again.getByTestId('candle-chart'), 'Bollinger draws over the price, no new pane').toHaveAttribute('data-studies', 'rsi,macd,bollinger', { timeout: 30_000 });
  await expect(again.getByTestId('candle-chart')).toHaveAttribute('data-panes', '2');
  await page.screenshot({ path: join(shots, 'chart-panes.png') });
  await again.getByTestId('study-toggle-macd').click();
  await again.getByTestId('study-toggle-bollinger').click();
  await expect(again.getByTestId('candle-chart')).toHaveAttribute('data-studies', 'rsi');
});

test('a horizontal line drawn on the chart survives a reload and a server restart, and can be deleted', async ({ page }) => {
  await openApp(page);
  const symbol = await rankedSymbol(page);
  let drawer = await openChart(page, symbol);
  await expect(drawer.getByTestId('chart-drawing'), 'a fresh home has no drawing').toHaveCount(0);
  await drawer.getByTestId('draw-hline').click();
  const place = drawer.getByTestId('chart-place');
  await expect(place).toBeVisible();
  const box = (await place.boundingBox())!;
  await place.click({ position: { x: box.width * 0.5, y: box.height * 0.3 } });
  const line = drawer.getByTestId('chart-drawing');
  await expect(line, 'one line drawn').toHaveCount(1);
  const price = Number(await line.getAttribute('data-price'));
  expect(Number.isFinite(price) && price > 0, `the line has a price (${price})`).toBe(true);
  await expect(drawer.getByTestId('chart-place'), 'the tool is put down after placing').toHaveCount(0);
  await page.screenshot({ path: join(shots, 'chart-drawing.png') });

  await page.reload();
  await expect(page.getByTestId('conn-state')).toHaveText('connected', { timeout: 60_000 });
  drawer = await openChart(page, symbol);
  const kept = drawer.getByTestId('chart-drawing');
  await expect(kept, 'the line is back after a reload').toHaveCount(1);
  await expect(kept).toHaveAttribute('data-price', String(price));
  await expect(drawer.getByTestId('candle-chart')).toHaveAttribute('data-drawings', '1');

  // A restart on the same home. The page keeps no copy of its own (checked here), so what comes back
  // after the restart comes from the host's SQLite store.
  const pageCopies = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('drawings') && (localStorage.getItem(k) ?? '[]') !== '[]'));
  expect(pageCopies, 'no drawing kept in the page').toEqual([]);
  await stopped(server.child);
  server = await startOwnServer(home, token);
  await openApp(page);
  await rankedSymbol(page);
  drawer = await openChart(page, symbol);
  const restored = drawer.getByTestId('chart-drawing');
  await expect(restored, 'the line is back after a server restart').toHaveCount(1);
  await expect(restored).toHaveAttribute('data-price', String(price));
  await page.screenshot({ path: join(shots, 'chart-drawing-after-restart.png') });
  await restored.getByTestId('drawing-delete').click();
  await expect(drawer.getByTestId('chart-drawing'), 'deleted').toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('conn-state')).toHaveText('connected', { timeout: 60_000 });
  drawer = await openChart(page, symbol);
  await expect(drawer.getByTestId('candle-chart'), 'the deletion is kept too').toHaveAttribute('data-drawings', '0');
});

test('a manipulation flag is pinned on the chart with its evidence in words and units', async ({ page }) => {
  await openApp(page);
  // The pinned sim injects spoofing walls and pumps; wait for the radar to flag a symbol.
  let flagged = '';
  await expect
    .poll(async () => (flagged = (await rankings(page)).rows.find((r) => r.flags.length > 0)?.symbol ?? ''), { message: 'the radar flags a symbol', timeout: 180_000 })
    .not.toBe('');
  const drawer = await openChart(page, flagged);
  const chart = drawer.getByTestId('candle-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-flag-count')), { message: 'a flag is pinned on a bar', timeout: 60_000 }).toBeGreaterThan(0);
  await drawer.getByTestId('chart-flags-toggle').click();
  const card = drawer.getByTestId('chart-flag-card').first();
  await expect(card).toBeVisible();
  const title = (await card.getAttribute('data-flag')) ?? '';
  expect(title, 'the flag in words').toMatch(/^[a-z0-9 ]+$/);
  await expect(card.locator('.fc-msg'), 'the radar\'s sentence').not.toBeEmpty();
  const labels = await card.locator('.fc-kv span:first-child').allInnerTexts();
  for (const l of labels) expect(l, 'evidence labels are words, not camelCase keys').not.toMatch(/[a-z][A-Z]/);
  await page.screenshot({ path: join(shots, 'chart-flag.png') });
});
