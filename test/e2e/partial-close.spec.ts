import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Page } from '@playwright/test';
import { apiGet, endSpecServer, startSpecServer, type OwnServer } from './ownServer.js';

/**
 * A partial close from the positions table in the real renderer in Chromium against its own
 * `perpscope serve --sim`: a paper position opened from the ticket, 50 % of it closed through the
 * Close… dialog, and the table showing the half left (rounded to the market's lot by the host).
 * Every wait is on a state of the page or of the server.
 */

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
const SYMBOL = 'BTC/USDT:USDT';

test.use({ viewport: { width: 1440, height: 900 } });
test.describe.configure({ mode: 'serial', timeout: 240_000 });

interface OrdersReply {
  orders: { id: string; symbol: string; type: string; side: string; status: string; reduceOnly: boolean; filledBase: number }[];
}

let home = '';
let token = '';
let server: OwnServer;

function api<T>(page: Page, path: string): Promise<T> {
  return apiGet<T>(page, server, token, path);
}

test.beforeAll(async () => {
  ({ home, token, server } = await startSpecServer('perpscope-e2e-partial-close-', shots));
});
test.afterAll(() => endSpecServer(home, server));

test('Close… 50 % at market halves the paper position in the table', async ({ page }) => {
  await page.goto(server.openUrl);
  await expect(page.getByTestId('conn-state'), 'the page reaches the host').toHaveText('connected', { timeout: 60_000 });
  await page.getByTestId('nav-trading').click();
  await expect(page.getByTestId('trading-mode')).toHaveText(/PAPER/, { timeout: 30_000 });

  await page.getByTestId('ticket-symbol').fill(SYMBOL);
  await page.getByTestId('ticket-buy').click();
  await page.getByTestId('ticket-type').selectOption('market');
  await page.getByTestId('ticket-size-mode').selectOption('notionalUsd');
  await page.getByTestId('ticket-size').fill('300');
  await expect(page.getByTestId('ticket-preview'), 'the preview answers the ticket as typed').toHaveAttribute('data-stale', 'false', { timeout: 60_000 });
  await page.getByTestId('ticket-submit').click();
  await expect(page.getByTestId('ticket-ok'), 'the order filled').toContainText('filled', { timeout: 60_000 });

  const row = page.locator(`[data-testid=positions] tr[data-symbol="${SYMBOL}"]`);
  const size = row.getByTestId('position-size');
  await expect(size, 'the position is in the table').toHaveAttribute('data-value', /^[0-9.e-]+$/, { timeout: 30_000 });
  const before = Number(await size.getAttribute('data-value'));
  expect(before, 'a long position').toBeGreaterThan(0);

  await row.getByTestId('position-close-part').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog.getByTestId('close-dialog')).toBeVisible();
  await dialog.getByTestId('close-fraction-50').click();
  await dialog.getByTestId('close-type-market').click();
  await expect(dialog, 'the confirmation says what it sends').toContainText('50 % of the long');
  await expect(dialog).toContainText('at market, reduce-only');
  await dialog.getByTestId('confirm-ok').click();
  await expect(dialog).toHaveCount(0);

  // The table follows the host's position event: wait for the size to change, then check it is half.
  await expect(size, 'the size changes after the close').not.toHaveAttribute('data-value', String(before), { timeout: 30_000 });
  const after = Number(await size.getAttribute('data-value'));
  const history = await api<OrdersReply>(page, '/api/orders?limit=20');
  const close = history.orders.find((o) => o.symbol === SYMBOL && o.side === 'sell' && o.reduceOnly && o.status === 'filled');
  expect(close, 'a filled reduce-only sell is stored').toBeDefined();
  // Half, rounded down to the lot by the host: what is left is the half plus under one lot.
  expect(close!.filledBase, `closed ${close!.filledBase} of ${before}`).toBeLessThanOrEqual(before / 2 + 1e-12);
  expect(after, `left ${after} of ${before}`).toBeCloseTo(before - close!.filledBase, 9);
  expect(after / before, `left ${after} of ${before}: half, up to the lot`).toBeGreaterThanOrEqual(0.5 - 1e-9);
  expect(after / before, `left ${after} of ${before}: half, up to the lot`).toBeLessThan(0.55);
  await expect(page.getByTestId('trading-error')).toHaveCount(0);
  await page.screenshot({ path: join(shots, 'partial-close.png') });
});
