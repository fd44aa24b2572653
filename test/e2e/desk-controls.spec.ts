import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Locator, type Page } from '@playwright/test';
import { endSpecServer, startSpecServer, type OwnServer } from './ownServer.js';

/**
 * The controls a trader drives, in the real renderer in Chromium against `perpscope serve --sim`:
 * the rankings' column chooser, volume and ATR% filters and the score explanation with the book's
 * provenance; the signal feed's filters, sort and outcome column; settings help, reset to default
 * and plain-words validation; and in-app alerts (toast, beep, OS notification) raised by a paper
 * fill. Every wait is on a state of the page or of the server.
 */

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
const SYMBOL = 'BTC/USDT:USDT';
const ROWS = '[data-testid=rankings-table] tbody tr[data-symbol]';

test.use({ viewport: { width: 1440, height: 900 } });
test.describe.configure({ mode: 'serial', timeout: 240_000 });

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

let home = '';
let server: OwnServer;

test.beforeAll(async () => {
  ({ home, server } = await startSpecServer('perpscope-e2e-controls-', shots));
});
test.afterAll(() => endSpecServer(home, server));

async function openApp(page: Page): Promise<void> {
  await page.goto(server.openUrl);
  await expect(page.getByTestId('conn-state'), 'the page reaches the host').toHaveText('connected', { timeout: 60_000 });
}

async function go(page: Page, view: string): Promise<Locator> {
  await page.getByTestId(`nav-${view}`).click();
  const v = page.getByTestId(`view-${view}`);
  await expect(v).toBeVisible({ timeout: 30_000 });
  return v;
}

/** The numbers of `data-value` of the visible cells of one test id, read in one pass. */
function cellValues(page: Page, testId: string): Promise<(number | null)[]> {
  return page
    .locator(`${ROWS} [data-testid=${testId}]`)
    .evaluateAll((tds) => tds.map((td) => ((td as HTMLElement).dataset['value'] ? Number((td as HTMLElement).dataset['value']) : null)));
}

/** `shown / total` of the rankings toolbar. */
async function rankCount(page: Page): Promise<{ shown: number; total: number }> {
  const m = /^(\d+) \/ (\d+)/.exec((await page.getByTestId('rank-count').innerText()).trim());
  return { shown: Number(m?.[1] ?? NaN), total: Number(m?.[2] ?? NaN) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('rankings: columns chosen and kept over a reload, volume and ATR% filters, the score explained with its book', async ({ page }) => {
  await openApp(page);
  await expect(page.locator(ROWS).first(), 'ranked rows').toBeVisible({ timeout: 90_000 });
  await expect.poll(async () => (await rankCount(page)).total, { message: 'the whole sim universe is ranked', timeout: 60_000 }).toBeGreaterThanOrEqual(6);

  // Column chooser: hide funding and spread, keep # and symbol locked.
  const head = page.locator('[data-testid=rankings-table] thead');
  await expect(head.locator('th[data-col=funding]')).toHaveCount(1);
  await page.getByTestId('column-chooser').click();
  await expect(page.getByTestId('column-toggle-symbol'), 'the symbol cannot be hidden').toBeDisabled();
  await page.getByTestId('column-toggle-funding').uncheck();
  await page.getByTestId('column-toggle-spread').uncheck();
  await expect(head.locator('th[data-col=funding]'), 'funding is hidden').toHaveCount(0);
  await expect(head.locator('th[data-col=spread]'), 'spread is hidden').toHaveCount(0);
  const cells = await page.locator(ROWS).first().locator('td').count();
  expect(cells, 'each row lost the two cells with the header').toBe((await head.locator('th').count()));
  await shot(page, 'desk-controls-columns');
  await page.keyboard.press('Escape');
  await page.locator('.brand').click();

  // Volume floor at the median volume: only rows at or above it, and fewer than all.
  const vols = (await cellValues(page, 'volume-cell')).filter((v): v is number => v !== null);
  expect(vols.length, 'volumes are shown').toBeGreaterThanOrEqual(6);
  // In millions, two decimals down: what a trader types.
  const floorM = Math.floor((median(vols) / 1e6) * 100) / 100;
  const floor = floorM * 1e6;
  await page.getByTestId('min-volume-filter').fill(String(floorM));
  await page.getByTestId('min-volume-filter').press('Enter');
  await expect.poll(async () => {
    const { shown, total } = await rankCount(page);
    return shown < total && shown > 0;
  }, { message: 'the floor hides the thinner half', timeout: 30_000 }).toBe(true);
  for (const v of await cellValues(page, 'volume-cell')) expect(v, `every row shown trades at least ${floor} USD`).toBeGreaterThanOrEqual(floor * (1 - 1e-9));

  // ATR% ceiling on top.
  const atrs = (await cellValues(page, 'atr-cell')).filter((v): v is number => v !== null);
  const ceiling = Math.round(median(atrs) * 1000) / 1000;
  await page.getByTestId('max-atr-filter').fill(String(ceiling));
  await page.getByTestId('max-atr-filter').press('Enter');
  // Non-empty too: `every` over an empty table would pass with every row filtered out.
  await expect
    .poll(
      async () => {
        const shown = await cellValues(page, 'atr-cell');
        return shown.length > 0 && shown.every((v) => v !== null && v <= ceiling);
      },
      { message: `rows shown, each with ATR% at most ${ceiling}`, timeout: 30_000 },
    )
    .toBe(true);
  await shot(page, 'desk-controls-filters');

  // Kept over a reload: the hidden columns and both bounds.
  await page.reload();
  await expect(page.locator(ROWS).first().or(page.getByTestId('empty-ready'))).toBeVisible({ timeout: 60_000 });
  await expect(head.locator('th[data-col=funding]'), 'funding stays hidden').toHaveCount(0);
  await expect(page.getByTestId('min-volume-filter')).toHaveValue(String(floorM));
  await expect(page.getByTestId('max-atr-filter')).toHaveValue(String(ceiling));
  await page.getByTestId('min-volume-filter').fill('');
  await page.getByTestId('min-volume-filter').press('Enter');
  await page.getByTestId('max-atr-filter').fill('');
  await page.getByTestId('max-atr-filter').press('Enter');
  await expect.poll(async () => {
    const { shown, total } = await rankCount(page);
    return shown === total;
  }, { message: 'cleared bounds show every row', timeout: 30_000 }).toBe(true);

  // The explanation: edges and penalties behind the score, the bias in words, the book and inputs.
  const row = page.locator(ROWS).first();
  await row.getByTestId('score-cell').hover();
  const pop = page.getByTestId('score-explain');
  await expect(pop).toBeVisible();
  await expect(pop.getByTestId('explain-line').filter({ hasText: 'Momentum' }), 'the momentum edge is listed').toHaveCount(1);
  await expect(pop.getByTestId('explain-line').filter({ hasText: 'Trading cost' }), 'and the cost penalty').toHaveCount(1);
  await expect(pop.getByTestId('explain-bias')).toHaveText(/^(LONG|SHORT): |^Flat/);
  // `serve --sim` without recorded data runs the demo generator: its books are synthetic, and say so.
  await expect(pop.getByTestId('explain-book')).toContainText('book: synthetic');
  await expect(pop.getByTestId('explain-input'), 'funding, open interest and listing age').toHaveCount(3);
  await expect(row.getByTestId('book-cell')).toHaveText('synthetic');
  await shot(page, 'desk-controls-score-explain');
  await page.mouse.move(5, 5);
  await expect(pop).toBeHidden();

  await page.getByTestId('column-chooser').click();
  await page.getByTestId('column-toggle-funding').check();
  await page.getByTestId('column-toggle-spread').check();
  await expect(head.locator('th[data-col=funding]')).toHaveCount(1);
});

test('signals: filtered by side, timeframe and strategy, sorted by strength, each with an outcome', async ({ page }) => {
  await openApp(page);
  const view = await go(page, 'signals');
  const rows = view.getByTestId('signal-row');
  await expect(rows.first(), 'signals arrive as sim bars close').toBeVisible({ timeout: 180_000 });

  const outcomes = await view.getByTestId('signal-outcome').allInnerTexts();
  expect(outcomes.length).toBeGreaterThan(0);
  for (const o of outcomes) expect(['open', 'target', 'stop', 'timeout'], `outcome "${o}" comes from the labeler`).toContain(o);

  const first = await rows.first().evaluate((tr) => ({ side: (tr as HTMLElement).dataset['side']!, tf: (tr as HTMLElement).dataset['tf']!, strategy: (tr as HTMLElement).dataset['strategies']!.split(',')[0]! }));
  await view.getByTestId('signal-side-filter').selectOption(first.side);
  await expect.poll(() => rows.evaluateAll((trs) => [...new Set(trs.map((tr) => (tr as HTMLElement).dataset['side']))]), { message: `only ${first.side} signals` }).toEqual([first.side]);
  await view.getByTestId('signal-tf-filter').selectOption(first.tf);
  await view.getByTestId('signal-strategy-filter').selectOption(first.strategy);
  const kept = await rows.evaluateAll((trs) => trs.map((tr) => ({ side: (tr as HTMLElement).dataset['side'], tf: (tr as HTMLElement).dataset['tf'], strategies: (tr as HTMLElement).dataset['strategies']!.split(',') })));
  expect(kept.length, 'the first signal still matches its own side, timeframe and strategy').toBeGreaterThan(0);
  for (const k of kept) {
    expect(k.side).toBe(first.side);
    expect(k.tf).toBe(first.tf);
    expect(k.strategies).toContain(first.strategy);
  }
  await shot(page, 'desk-controls-signals-filtered');

  await view.getByTestId('signal-side-filter').selectOption('');
  await view.getByTestId('signal-tf-filter').selectOption('');
  await view.getByTestId('signal-strategy-filter').selectOption('');
  await view.getByTestId('signal-sort-score').click();
  const strengths = await rows.evaluateAll((trs) => trs.map((tr) => Math.abs(Number((tr as HTMLElement).dataset['score']))));
  expect(strengths, 'strongest first').toEqual([...strengths].sort((a, b) => b - a));
  await view.getByTestId('signal-sort-time').click();
});

test('settings: help with unit and default, plain-words validation, reset to the default', async ({ page }) => {
  await openApp(page);
  const view = await go(page, 'settings');
  const path = 'risk.sizing.riskPct';
  const input = view.getByTestId(`setting-${path}`);
  await expect(input).toBeVisible({ timeout: 30_000 });
  await expect(view.getByTestId(`setting-help-${path}`), 'unit, range (0 itself refused) and default').toContainText(/Unit: %\. Greater than 0, up to 100\. Default: 2\.5 %\./);

  await input.fill('-5');
  await view.getByTestId('settings-save').click();
  await expect(view.locator(`[data-path="${path}"]`).getByTestId('field-error'), 'the bound in plain words').toHaveText('must be greater than 0 (got -5)');
  await shot(page, 'desk-controls-settings-validation');

  await input.fill('3');
  await view.getByTestId('settings-save').click();
  await expect(view.getByTestId('settings-saved')).toBeVisible({ timeout: 20_000 });
  await expect(input).toHaveValue('3');
  await view.getByTestId(`setting-reset-${path}`).click();
  await expect(input, 'the default is back in the form').toHaveValue('2.5');
  await view.getByTestId('settings-save').click();
  await expect(view.getByTestId('settings-discard')).toBeDisabled({ timeout: 20_000 });
  await page.reload();
  await go(page, 'settings');
  await expect(view.getByTestId(`setting-${path}`), 'the reset was saved').toHaveValue('2.5', { timeout: 30_000 });
  await expect(view.getByTestId(`setting-reset-${path}`), 'at the default there is nothing to reset').toHaveCount(0);
});

test('alerts: chosen in settings, kept over a reload; a paper fill raises a toast, a beep and an OS notification', async ({ page, context }) => {
  await context.grantPermissions(['notifications'], { origin: server.baseUrl });
  // Record what the page hands the OS (the real Notification still runs).
  await page.addInitScript(() => {
    const Real = window.Notification;
    const seen: string[] = [];
    (window as unknown as { __notes: string[] }).__notes = seen;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        seen.push(title);
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    window.Notification = Recorded as typeof Notification;
  });
  await openApp(page);
  const view = await go(page, 'settings');
  const panel = view.getByTestId('app-alerts-panel');
  await expect(panel.getByTestId('alert-pref-fills'), 'fills alert by default').toBeChecked();
  await panel.getByTestId('alert-pref-sound').check();
  await panel.getByTestId('alert-pref-desktop').check();
  await expect(panel.getByTestId('alert-permission')).toHaveText('(allowed)');
  await page.reload();
  await go(page, 'settings');
  await expect(panel.getByTestId('alert-pref-sound'), 'kept over a reload').toBeChecked();
  await expect(panel.getByTestId('alert-pref-desktop')).toBeChecked();
  await shot(page, 'desk-controls-alert-prefs');

  await go(page, 'trading');
  await expect(page.getByTestId('trading-mode')).toHaveText(/PAPER/, { timeout: 30_000 });
  await page.getByTestId('ticket-symbol').fill(SYMBOL);
  await page.getByTestId('ticket-buy').click();
  await page.getByTestId('ticket-type').selectOption('market');
  await page.getByTestId('ticket-size-mode').selectOption('notionalUsd');
  await page.getByTestId('ticket-size').fill('60');
  await expect(page.getByTestId('ticket-preview')).toHaveAttribute('data-stale', 'false', { timeout: 60_000 });
  await page.getByTestId('ticket-submit').click();
  await expect(page.getByTestId('ticket-ok')).toContainText('filled', { timeout: 60_000 });

  const toast = page.getByTestId('alert-toast').filter({ hasText: 'BUY BTC filled' }).first();
  await expect(toast, 'the fill raises a toast').toBeVisible({ timeout: 30_000 });
  await expect(toast).toContainText(/@ .* fee .* USD/);
  await expect(page.getByTestId('alert-toasts'), 'and a beep').not.toHaveAttribute('data-sounds', '0');
  await expect.poll(() => page.evaluate(() => (window as unknown as { __notes: string[] }).__notes), { message: 'and an OS notification' }).toContain('BUY BTC filled');
  await shot(page, 'desk-controls-fill-toast');
  await toast.getByTestId('alert-toast-close').click();
  await expect(toast).toBeHidden();

  const position = page.locator(`[data-testid=positions] tr[data-symbol="${SYMBOL}"]`);
  await position.getByTestId('position-close').click();
  await expect(position, 'flat again').toHaveCount(0, { timeout: 30_000 });
});
