import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Locator, type Page } from '@playwright/test';
import { apiGet, endSpecServer, startOwnServer, startSpecServer, stopped, type OwnServer } from './ownServer.js';

/**
 * The trader's desk in the real renderer in Chromium against `perpscope serve --sim`: the ticket's
 * preview against the fill it produced, a take-profit dragged on the chart and amended on the
 * server, and the trade history through a reload, a CSV export and a server restart.
 *
 * The spec runs a server of its own (the restart test stops and starts it on the same home), so the
 * shared server stays as it was. Every wait is on a state of the page or of the server.
 */

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
const SYMBOL = 'BTC/USDT:USDT';

test.use({ viewport: { width: 1440, height: 900 } });
test.describe.configure({ mode: 'serial', timeout: 240_000 });

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function openTrading(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('conn-state'), 'the page reaches the host').toHaveText('connected', { timeout: 60_000 });
  await page.getByTestId('nav-trading').click();
  await expect(page.getByTestId('view-trading')).toBeVisible();
  await expect(page.getByTestId('trading-mode')).toHaveText(/PAPER/, { timeout: 30_000 });
}

async function numberAttr(el: Locator, name = 'data-value'): Promise<number> {
  const v = Number(await el.getAttribute(name));
  expect(Number.isFinite(v), `${name} of the element is a number`).toBe(true);
  return v;
}

interface OrdersReply {
  orders: { id: string; symbol: string; type: string; status: string; price: number | null }[];
  fills: { orderId: string; symbol: string; price: number; amountBase: number; feeUsd: number }[];
}

let home = '';
let token = '';
let server: OwnServer;

function api<T>(page: Page, path: string): Promise<T> {
  return apiGet<T>(page, server, token, path);
}

/** Fills the ticket for a market buy of `notionalUsd` on the symbol typed as `typed`. */
async function marketTicket(page: Page, typed: string, notionalUsd: number): Promise<void> {
  await page.getByTestId('ticket-symbol').fill(typed);
  await page.getByTestId('ticket-buy').click();
  await page.getByTestId('ticket-type').selectOption('market');
  await page.getByTestId('ticket-size-mode').selectOption('notionalUsd');
  await page.getByTestId('ticket-size').fill(String(notionalUsd));
  await expect(page.getByTestId('ticket-preview'), 'the preview answers the ticket as typed').toHaveAttribute('data-stale', 'false', { timeout: 60_000 });
}

test.beforeAll(async () => {
  ({ home, token, server } = await startSpecServer('perpscope-e2e-desk-', shots));
});
test.afterAll(() => endSpecServer(home, server));

/**
 * How far below the preview's top edge the order button sits: the preview must not move the button
 * as it fills in (measured from the preview, so a banner appearing above the desk does not count).
 */
async function submitTop(page: Page): Promise<number> {
  const [button, preview] = await Promise.all([page.getByTestId('ticket-submit').boundingBox(), page.getByTestId('ticket-preview').boundingBox()]);
  expect(button && preview, 'the order button and the preview are laid out').toBeTruthy();
  return button!.y - preview!.y;
}

test('the ticket preview resolves "btc" and matches the fill it produced (notional and fee)', async ({ page }) => {
  await openTrading(page, server.openUrl);
  const emptyTop = await submitTop(page);
  await marketTicket(page, 'btc', 60);
  await expect(page.getByTestId('preview-symbol'), 'the resolver maps "btc"').toHaveText(SYMBOL, { timeout: 60_000 });
  expect(await submitTop(page), 'the order button stays put when the preview arrives').toBe(emptyTop);
  const notional = await numberAttr(page.getByTestId('preview-notional'));
  const fee = await numberAttr(page.getByTestId('preview-fee'));
  const margin = await numberAttr(page.getByTestId('preview-margin'));
  await expect(page.getByTestId('preview-liq')).not.toHaveText('—');
  await expect(page.getByTestId('preview-available')).toContainText('USD');
  expect(notional, 'at most the ticket, down to whole lots').toBeLessThanOrEqual(60 + 1e-9);
  expect(margin, 'margin is notional over the leverage').toBeLessThan(notional + 1e-9);
  await shot(page, 'trader-desk-ticket-preview');

  await page.getByTestId('ticket-submit').click();
  await expect(page.getByTestId('ticket-ok'), 'the order filled').toContainText('filled', { timeout: 60_000 });
  const history = await api<OrdersReply>(page, '/api/orders?limit=20');
  const entry = history.orders.find((o) => o.symbol === SYMBOL && o.type === 'market' && o.status === 'filled');
  expect(entry, 'the filled market order is stored').toBeDefined();
  const fills = history.fills.filter((f) => f.orderId === entry!.id);
  const filledNotional = fills.reduce((s, f) => s + f.price * f.amountBase, 0);
  const paidFee = fills.reduce((s, f) => s + f.feeUsd, 0);
  // Same size (whole lots at the previewed price); the book may move between preview and fill.
  expect(Math.abs(filledNotional - notional) / notional, `filled ${filledNotional} USD vs previewed ${notional} USD`).toBeLessThan(0.01);
  expect(Math.abs(paidFee - fee) / fee, `fee ${paidFee} USD vs previewed ${fee} USD`).toBeLessThan(0.01);

  await page.locator(`[data-testid=positions] tr[data-symbol="${SYMBOL}"]`).getByTestId('position-close').click();
  await expect(page.locator(`[data-testid=positions] tr[data-symbol="${SYMBOL}"]`), 'flat again').toHaveCount(0, { timeout: 30_000 });
});

test('a take-profit dragged on the chart is amended on the server', async ({ page }) => {
  await openTrading(page, server.openUrl);
  await marketTicket(page, SYMBOL, 60);
  const price = await numberAttr(page.getByTestId('preview-price'));
  const top = await submitTop(page);
  await page.getByTestId('ticket-tp').fill(String(+(price * 1.04).toPrecision(6)));
  await page.getByTestId('ticket-sl').fill(String(+(price * 0.96).toPrecision(6)));
  await expect(page.getByTestId('preview-tp'), 'the take-profit is priced in the preview').toBeVisible();
  await expect(page.getByTestId('preview-sl'), 'the stop is priced in the preview').toBeVisible();
  expect(await submitTop(page), 'the order button stays put when the take-profit and stop rows appear').toBe(top);
  await page.getByTestId('ticket-submit').click();
  await expect(page.getByTestId('ticket-ok')).toContainText('filled', { timeout: 60_000 });
  const row = page.locator(`[data-testid=positions] tr[data-symbol="${SYMBOL}"]`);
  await expect(row.getByTestId('position-tp'), 'the take-profit is working').toHaveAttribute('data-value', /^\d/, { timeout: 30_000 });

  await row.locator('a.link').click();
  const tpLine = page.getByTestId('chart-line-tp');
  await expect(tpLine, 'the take-profit line is drawn').toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('chart-line-entry'), 'the entry line is drawn').toBeVisible();
  await expect(page.getByTestId('chart-line-sl'), 'the stop line is drawn').toBeVisible();
  await expect(page.getByTestId('chart-label-entry'), 'the entry label names side, size and uPnL').toContainText(/LONG .* uPnL/);
  const oldId = (await tpLine.getAttribute('data-order-id'))!;
  const oldPrice = await numberAttr(tpLine, 'data-price');
  await shot(page, 'trader-desk-chart-lines');

  const box = (await tpLine.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 25, { steps: 8 });
  const draggedTo = await numberAttr(tpLine, 'data-price');
  await page.mouse.up();
  expect(draggedTo, 'dragging up raises the price').toBeGreaterThan(oldPrice);
  await expect(page.getByTestId('confirm-dialog'), 'the move is confirmed first').toBeVisible();
  await shot(page, 'trader-desk-drag-tp-confirm');
  await page.getByTestId('confirm-ok').click();

  await expect
    .poll(async () => {
      const h = await api<OrdersReply>(page, '/api/orders?limit=50');
      const old = h.orders.find((o) => o.id === oldId);
      const moved = h.orders.find((o) => o.symbol === SYMBOL && o.type === 'take_profit' && o.status === 'open');
      return { old: old?.status, movedId: moved && moved.id !== oldId, near: moved ? Math.abs(moved.price! - draggedTo) / draggedTo < 0.001 : false };
    }, { message: 'the old take-profit is cancelled and a new one works at the dragged price', timeout: 30_000 })
    .toEqual({ old: 'canceled', movedId: true, near: true });
  await expect(tpLine, 'the line follows the new order').not.toHaveAttribute('data-order-id', oldId, { timeout: 20_000 });
  await shot(page, 'trader-desk-drag-tp');
  await page.getByTestId('drawer-close').click();
  await row.getByTestId('position-close').click();
  await expect(row, 'flat again').toHaveCount(0, { timeout: 30_000 });
});

test('the trade history lists fills with fee, PnL, source and exit; exports CSV; survives a reload and a restart', async ({ page }) => {
  await openTrading(page, server.openUrl);
  await page.getByTestId('tab-trade-history').click();
  const table = page.getByTestId('trade-history');
  const rows = table.locator('tbody tr[data-row-id]');
  await expect(rows.first(), 'the earlier trades are listed').toBeVisible({ timeout: 30_000 });
  const closes = rows.filter({ has: page.locator('[data-testid=history-exit]', { hasText: 'manual' }) });
  await expect(closes, 'both manual closes').toHaveCount(2);
  await expect(closes.first().getByTestId('history-source')).toHaveText('manual');
  await expect(closes.first().getByTestId('history-pnl'), 'a close realizes PnL').not.toHaveText('');
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-id')));
  await shot(page, 'trader-desk-history');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-export').click()]);
  const csv = readFileSync((await download.path())!, 'utf8').split('\r\n').filter(Boolean);
  expect(csv[0], 'a header with units').toMatch(/^time_utc,kind,symbol,side,price_usd,amount_base,notional_usd,fee_usd,funding_usd,realized_pnl_usd/);
  expect(csv.length - 1, 'exactly the rows shown').toBe(ids.length);
  expect(csv.slice(1).map((l) => l.split(',').at(-1)), 'in the order shown').toEqual(ids);

  await page.reload();
  await expect(page.getByTestId('view-trading')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('tab-trade-history').click();
  await expect.poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-id'))), { message: 'the same rows after a reload', timeout: 30_000 }).toEqual(ids);

  await stopped(server.child);
  server = await startOwnServer(home, token, server.port);
  await openTrading(page, server.openUrl);
  await page.getByTestId('tab-trade-history').click();
  await expect.poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-id'))), { message: 'the same rows after a server restart', timeout: 60_000 }).toEqual(ids);
  await shot(page, 'trader-desk-history-after-restart');
});
