import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Page } from '@playwright/test';
import { requireData } from '../support/testData.js';
import { e2eAppUrl } from './appUrl.js';

/**
 * The Backtest view end to end: the real renderer in Chromium against `perpscope serve --sim`,
 * whose backtest data directories are PERPSCOPE_TEST_DATA (globalSetup passes it on). A small run
 * (three liquid symbols, two weeks of 1h bars of the recorded Binance set) goes through the form,
 * the host's run, the progress events and the results; a trade opens the symbol drawer on the
 * run's own bars. Every wait is on a state of the page; the timeouts are hang deadlines.
 */

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
const DATASET = 'binance-usdm-2024-10-2025-03';

test.use({ viewport: { width: 1440, height: 860 } });
test.describe.configure({ timeout: 300_000 });

let url: string;
test.beforeAll(() => {
  const u = e2eAppUrl();
  test.skip(!u, 'No server: PERPSCOPE_E2E_OPEN_URL (or PERPSCOPE_E2E_URL + PERPSCOPE_E2E_TOKEN) is not set');
  // Under CI=true missing data fails here; elsewhere the reason is printed and the test skips.
  test.skip(!requireData(DATASET), `PERPSCOPE_TEST_DATA/${DATASET} is not available`);
  url = u!;
  mkdirSync(shots, { recursive: true });
});

async function openBacktestView(page: Page) {
  await page.goto(url);
  await expect(page.getByTestId('conn-state'), 'the page reaches the host over its WebSocket').toHaveText(/connected|live/, { timeout: 20_000 });
  await page.getByTestId('nav-backtest').click();
  const view = page.getByTestId('view-backtest');
  await expect(view).toBeVisible();
  const form = view.getByTestId('backtest-form');
  const noData = view.getByTestId('backtest-no-data').or(view.locator('[data-testid=empty-unsupported], [data-testid=empty-error]'));
  await expect(form.or(noData).first(), 'the form, or why there is none').toBeVisible({ timeout: 30_000 });
  if (await noData.first().isVisible()) throw new Error(`the Backtest view offers no data: ${(await noData.first().innerText()).replace(/\s+/g, ' ')}`);
  return view;
}

test('runs a small backtest from the form and shows its metrics, charts and trades', async ({ page }) => {
  const view = await openBacktestView(page);
  await view.getByTestId('backtest-dataset').selectOption({ label: DATASET });
  await view.getByTestId('backtest-timeframe').selectOption('1h');
  await view.getByTestId('backtest-from').fill('2025-02-01');
  await view.getByTestId('backtest-to').fill('2025-02-15');
  await view.getByTestId('backtest-symbols').fill('BTC, ETH, SOL');
  // The edge gate is on by default and the shipped evidence backs no strategy: off, to see what they would have done.
  await expect(view.getByTestId('backtest-edge-gate')).toBeChecked();
  await view.getByTestId('backtest-edge-gate').uncheck();
  await view.getByTestId('backtest-run').click();

  const progress = view.getByTestId('backtest-progress');
  await expect(progress, 'the run reports progress').toBeVisible();
  await expect(progress, 'the run finishes (336 bars x 3 symbols)').toHaveAttribute('data-status', /completed|failed|cancelled/, { timeout: 240_000 });
  const status = await progress.getAttribute('data-status');
  if (status !== 'completed') throw new Error(`the backtest ended ${status}: ${(await view.getByTestId('backtest-error').innerText().catch(() => '')) || 'no message'}`);
  await expect(progress).toContainText('336 / 336 bars');

  const result = view.getByTestId('backtest-result');
  await expect(result).toBeVisible({ timeout: 30_000 });
  const runId = await result.getAttribute('data-run-id');
  await expect(view.getByTestId('backtest-runs').locator(`[data-run-id="${runId}"]`), 'the run is listed among past runs').toBeVisible();

  const metrics = result.getByTestId('backtest-metrics');
  await expect(metrics.locator('tr[data-metric=totalReturnPct] td').nth(1)).toHaveText(/^-?\d+\.\d\d%$/);
  await expect(metrics.locator('tr[data-metric=maxDrawdownPct] td').nth(1)).toHaveText(/^\d+\.\d\d%$/);
  const tradeCount = Number(await metrics.locator('tr[data-metric=trades] td').nth(1).innerText());
  expect(tradeCount, 'two weeks of three liquid perps trade under the default config with the edge gate off').toBeGreaterThan(0);

  const chart = result.getByTestId('equity-chart').locator('canvas').first();
  await expect(chart, 'ECharts drew the equity and drawdown').toBeVisible();
  const box = await chart.boundingBox();
  expect((box?.width ?? 0) * (box?.height ?? 0), 'the chart has an area').toBeGreaterThan(10_000);

  const rows = result.getByTestId('backtest-trades').locator('tbody tr');
  await expect(rows).toHaveCount(tradeCount);
  for (const kind of ['html', 'xlsx', 'tradesCsv', 'equityCsv']) await expect(result.getByTestId(`backtest-export-${kind}`)).toBeVisible();
  await page.screenshot({ path: join(shots, 'backtest.png') });

  const download = page.waitForEvent('download');
  await result.getByTestId('backtest-export-tradesCsv').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${runId}-trades.csv`);

  const first = rows.first();
  const symbol = await first.getAttribute('data-symbol');
  await first.click();
  const drawer = page.getByTestId('symbol-drawer');
  await expect(drawer).toHaveAttribute('data-symbol', symbol!);
  await expect(drawer.getByTestId('drawer-backtest-trade'), 'the drawer shows the backtest trade').toContainText(runId!);
  await expect(drawer.getByTestId('candle-chart').locator('canvas').first(), "ECharts drew the run's bars").toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: join(shots, 'backtest-trade.png') });
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();

  // A second, smaller run, then both side by side.
  await view.getByTestId('backtest-from').fill('2025-02-08');
  await view.getByTestId('backtest-symbols').fill('BTC');
  await view.getByTestId('backtest-run').click();
  await expect(progress, 'the second run is under way').not.toHaveAttribute('data-run-id', runId!);
  await expect(progress, 'the second run finishes').toHaveAttribute('data-status', /completed|failed|cancelled/, { timeout: 240_000 });
  await expect(progress).toContainText('168 / 168 bars');
  const secondId = await progress.getAttribute('data-run-id');
  await expect(result, 'the second run is on screen').toHaveAttribute('data-run-id', secondId!);
  const runs = view.getByTestId('backtest-runs');
  for (const id of [runId!, secondId!]) await runs.locator(`[data-run-id="${id}"] input[type=checkbox]`).check();
  await view.getByTestId('backtest-compare').click();
  const compare = view.getByTestId('backtest-compare-table');
  await expect(compare.locator('thead th'), 'a metric column and one per run').toHaveCount(3);
  await expect(compare.locator('tbody tr[data-metric=trades] td').nth(1)).toHaveText(String(tradeCount));
  await expect(compare.locator('tbody tr[data-metric=trades] td').nth(2)).toHaveText(/^\d+$/);
  await page.screenshot({ path: join(shots, 'backtest-compare.png') });
});
