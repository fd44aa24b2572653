import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Locator, type Page } from '@playwright/test';
import { e2eAppUrl } from './appUrl.js';

/**
 * UI end-to-end tests: the real renderer in Chromium against `perpscope serve --sim`, which
 * globalSetup starts and publishes as PERPSCOPE_E2E_OPEN_URL (or PERPSCOPE_E2E_URL +
 * PERPSCOPE_E2E_TOKEN). Each test leaves the host as it found it (kill switch off, no position,
 * no test key, no test watchlist), because they share one server.
 *
 * A flow whose host capability replies NOT_SUPPORTED (shown by the UI as an explicit empty state)
 * fails with the host's message: `perpscope serve --sim` provides every capability, so a host
 * that lost one (rankings or trading unwired) is a regression, not a reason to skip.
 *
 * Every wait is on a state of the page (a row, a status, a message), never a fixed time; the
 * timeouts are deadlines that turn a hang into a clear failure.
 */

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
/** A symbol every SimExchange universe lists; used when no ranking is available to pick from. */
const SIM_SYMBOL = 'BTC/USDT:USDT';

test.use({ viewport: { width: 1280, height: 720 } });
// Warm-up of the simulated market can take a while before the first ranking.
test.describe.configure({ timeout: 180_000 });

let url: string;
test.beforeAll(() => {
  const u = e2eAppUrl();
  test.skip(!u, 'No server: PERPSCOPE_E2E_OPEN_URL (or PERPSCOPE_E2E_URL + PERPSCOPE_E2E_TOKEN) is not set');
  url = u!;
  mkdirSync(shots, { recursive: true });
});

async function openApp(page: Page): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('conn-state'), 'the page reaches the host over its WebSocket').toHaveText('connected', { timeout: 20_000 });
}

async function go(page: Page, view: string): Promise<Locator> {
  await page.getByTestId(`nav-${view}`).click();
  const el = page.getByTestId(`view-${view}`);
  await expect(el).toBeVisible();
  return el;
}

/**
 * Waits until `ready` shows or the area's NOT_SUPPORTED or error state does; fails with the
 * host's message in the second case.
 */
async function requireCapability(area: Locator, ready: Locator, what: string, timeoutMs = 30_000): Promise<void> {
  const failed = area.locator('[data-testid=empty-unsupported], [data-testid=empty-error]');
  await expect(ready.or(failed).first(), `${what}: data, or an explicit NOT_SUPPORTED or error state`).toBeVisible({ timeout: timeoutMs });
  if (await failed.first().isVisible()) {
    throw new Error(`${what}: the host does not provide it: ${(await failed.first().innerText()).replace(/\s+/g, ' ')}`);
  }
}

/** Waits for ranked rows and returns the first symbol and its last price. */
async function firstRankedSymbol(page: Page): Promise<{ symbol: string; lastPrice: number }> {
  const view = await go(page, 'rankings');
  const row = view.locator('[data-testid=rankings-table] tbody tr[data-symbol]').first();
  await requireCapability(view, row, 'Rankings', 90_000);
  // One read of one row: the rankings re-sort live, so two reads through `.first()` can name one
  // symbol and return another's last price.
  const { symbol, lastText } = await row.evaluate((tr: HTMLTableRowElement) => ({ symbol: tr.dataset['symbol'] ?? '', lastText: tr.cells[6]?.innerText ?? '' }));
  return { symbol, lastPrice: Number(lastText.replace(/,/g, '')) };
}

/** Opens the trading view, skipping when the host has no trader. */
async function tradingView(page: Page): Promise<Locator> {
  const view = await go(page, 'trading');
  await requireCapability(view, view.getByTestId('positions'), 'Trading');
  return view;
}

/** Fills the ticket for a market buy of `notionalUsd` on `symbol`, its take-profit and stop `tpPct`/`slPct` % from `lastPrice`, and submits it. */
async function submitMarketBuy(page: Page, symbol: string, notionalUsd: number, lastPrice: number, tpPct: number, slPct: number): Promise<void> {
  await page.getByTestId('ticket-symbol').fill(symbol);
  await page.getByTestId('ticket-buy').click();
  await page.getByTestId('ticket-type').selectOption('market');
  await page.getByTestId('ticket-size-mode').selectOption('notionalUsd');
  await page.getByTestId('ticket-size').fill(String(notionalUsd));
  await page.getByTestId('ticket-tp').fill(String(+(lastPrice * (1 + tpPct / 100)).toPrecision(6)));
  await page.getByTestId('ticket-sl').fill(String(+(lastPrice * (1 - slPct / 100)).toPrecision(6)));
  // As a trader does: the preview of this ticket is read before the order is sent.
  await expect(page.getByTestId('ticket-preview'), 'the preview answers the ticket as typed').toHaveAttribute('data-stale', 'false', { timeout: 60_000 });
  await page.getByTestId('ticket-submit').click();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

test('rankings populate from the engine', async ({ page }) => {
  await openApp(page);
  const { symbol } = await firstRankedSymbol(page);
  expect(symbol, 'rows carry ccxt unified symbols').toMatch(/^[A-Z0-9]+\/[A-Z0-9]+:[A-Z0-9]+$/);
  const rows = page.locator('[data-testid=rankings-table] tbody tr[data-symbol]');
  expect(await rows.count(), 'more than one market is ranked').toBeGreaterThan(1);
  await expect(page.getByTestId('rank-count')).toContainText(/\d+ \/ \d+/);
  // The side rule and its evidence come from the shipped orientation file, as the engine loads it.
  const orientation = JSON.parse(readFileSync(join(here, '../../sdk/src/ranking/orientations/default.json'), 'utf8')) as {
    profiles: Record<string, { basis: string; evidence: { sample: string }[] }>;
  };
  const profile = (await page.getByTestId('profile-switcher').inputValue()) || 'swing';
  const rule = orientation.profiles[profile]!;
  const side = page.getByTestId('rank-side');
  await expect(side).toContainText(rule.basis === 'reversal' ? 'Side: against the trend' : 'Side: with the trend');
  const title = (await side.getAttribute('title')) ?? '';
  for (const e of rule.evidence) expect(title, 'every out-of-sample figure is in the tooltip').toContain(e.sample);
  await shot(page, 'rankings');
});

test('Ctrl+K opens a symbol and its drawer shows the chart', async ({ page }) => {
  await openApp(page);
  const { symbol } = await firstRankedSymbol(page);

  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('spotlight')).toBeVisible();
  await page.getByTestId('spotlight-input').fill(symbol.split('/')[0]!);
  const option = page.locator(`[data-testid=spotlight] li[data-symbol="${symbol}"]`);
  await expect(option).toBeVisible();
  await shot(page, 'spotlight');
  // Point at the exact symbol (a prefix can match several bases), then open it with Enter.
  await option.hover();
  await page.keyboard.press('Enter');
  const drawer = page.getByTestId('symbol-drawer');
  await expect(drawer).toHaveAttribute('data-symbol', symbol);
  await expect(drawer.getByTestId('candle-chart').locator('canvas').first(), 'ECharts drew the candles').toBeVisible({ timeout: 30_000 });
  await expect(drawer.getByTestId('orderbook').locator('.row .bar.ask').first(), 'the ladder shows the real book levels').toBeVisible({ timeout: 15_000 });
  await shot(page, 'symbol-drawer');
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
});

test('a paper market order with TP/SL places, its position and PnL update, and it closes', async ({ page }) => {
  await openApp(page);
  const view = await tradingView(page);
  const { symbol, lastPrice } = await firstRankedSymbol(page);
  expect(lastPrice, 'the ranked row has a last price').toBeGreaterThan(0);
  await go(page, 'trading');
  await expect(view.getByTestId('trading-mode')).toHaveText(/PAPER/, { timeout: 20_000 });
  // 40 USD: above the default 10 USD minimum margin at 3x (a ticket is never resized up to it).
  await submitMarketBuy(page, symbol, 40, lastPrice, 4, 2);
  await expect(page.getByTestId('ticket-ok'), 'the order was accepted').toBeVisible({ timeout: 20_000 });

  const row = page.locator(`[data-testid=positions] tr[data-symbol="${symbol}"]`);
  await expect(row, 'the position appears').toBeVisible({ timeout: 20_000 });
  await expect(row).toContainText('LONG');
  const pnl = row.getByTestId('position-upnl');
  const first = await pnl.innerText();
  await expect(pnl, 'unrealized PnL follows the market').not.toHaveText(first, { timeout: 60_000 });
  await expect(page.getByTestId('equity'), 'the account shows equity').toHaveText(/\d/);
  await shot(page, 'trading-position');

  await row.getByTestId('position-close').click();
  await expect(row, 'the position is closed').toBeHidden({ timeout: 20_000 });
  // The fills say why each one happened: the entry, then the trader's own close.
  await page.getByRole('button', { name: /^Fills/ }).click();
  const exits = page.locator(`[data-testid=fills] tr[data-symbol="${symbol}"] [data-testid=fill-exit]`);
  await expect(exits.first(), 'the newest fill is the close').toHaveText('manual', { timeout: 20_000 });
  await expect(exits.filter({ hasText: 'entry' }).first()).toBeVisible();
});

test('with the kill switch on, an order is blocked and the reason is shown', async ({ page }) => {
  await openApp(page);
  await tradingView(page);
  const { symbol } = await firstRankedSymbol(page);
  await go(page, 'trading');
  await page.getByTestId('kill-switch').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('kill-banner'), 'the kill switch state is unmistakable').toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('kill-indicator')).toBeVisible();
  try {
    await page.getByTestId('ticket-symbol').fill(symbol);
    await page.getByTestId('ticket-type').selectOption('market');
    await page.getByTestId('ticket-size-mode').selectOption('notionalUsd');
    await page.getByTestId('ticket-size').fill('100');
    await page.getByTestId('ticket-tp').fill('');
    await page.getByTestId('ticket-sl').fill('');
    await page.getByTestId('ticket-submit').click();
    const error = page.getByTestId('ticket-error');
    await expect(error, 'the order is refused').toBeVisible({ timeout: 20_000 });
    await expect(error, 'the refusal names the kill switch').toContainText(/kill/i);
    await expect(page.locator(`[data-testid=positions] tr[data-symbol="${symbol}"]`), 'no position was opened').toHaveCount(0);
    await shot(page, 'trading-kill-switch');
  } finally {
    await page.getByTestId('kill-switch').click();
    await page.getByTestId('confirm-ok').click();
    await expect(page.getByTestId('kill-banner')).toBeHidden({ timeout: 10_000 });
  }
});

test('an added key is never displayed or returned afterwards', async ({ page }) => {
  const apiKey = `e2e-apikey-${Date.now()}`;
  const secret = `e2e-secret-${Date.now()}`;
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await openApp(page);
  await go(page, 'keys');
  await page.getByTestId('key-exchange').selectOption('blofin');
  await page.getByTestId('key-label').fill('e2e');
  await page.getByTestId('key-apikey').fill(apiKey);
  await page.getByTestId('key-secret').fill(secret);
  await page.getByTestId('key-save').click();
  const msg = page.getByTestId('key-msg');
  await expect(msg).toBeVisible({ timeout: 20_000 });
  // Whatever the outcome, the form forgets what was typed and the page never shows it.
  await expect(page.getByTestId('key-apikey'), 'the form forgets the key').toHaveValue('');
  await expect(page.getByTestId('key-secret'), 'the form forgets the secret').toHaveValue('');
  const text = await msg.innerText();
  if (/keychain/i.test(text) && !/^Stored/.test(text)) {
    // Under CI (`pnpm test` runs the server inside a throwaway keyring) a missing keychain is an error.
    if (/^(true|1)$/i.test(process.env['CI'] ?? '')) throw new Error(`No OS keychain for the server under CI=true: ${text}`);
    console.log(`skipped: no OS keychain on this machine: ${text}`);
    test.skip(true, `No OS keychain on this machine: ${text}`);
  }
  await expect(msg).toContainText('Stored blofin:e2e');
  const row = page.locator('[data-testid=keys-table] tr[data-key="blofin:e2e"]');
  await expect(row).toBeVisible();
  await shot(page, 'keys');

  // A fresh page lists the key by label only.
  await page.reload();
  await go(page, 'keys');
  await expect(row).toBeVisible({ timeout: 20_000 });
  const body = await page.content();
  expect(body.includes(apiKey) || body.includes(secret), 'no stored secret is in the page').toBe(false);
  expect(frames.some((f) => f.includes(apiKey) || f.includes(secret)), 'the host never sends a stored secret back').toBe(false);

  await row.getByTestId('key-remove').click();
  await page.getByTestId('confirm-ok').click();
  await expect(row).toBeHidden({ timeout: 20_000 });
});

test('after a reload, the view and the rankings filter persist', async ({ page }) => {
  await openApp(page);
  await go(page, 'rankings');
  await page.getByTestId('rank-search').fill('BTC');
  await page.getByTestId('watchlist-filter').selectOption({ label: 'All symbols' });
  await go(page, 'health');
  await page.reload();
  await expect(page.getByTestId('view-health'), 'the app reopens on the same view').toBeVisible({ timeout: 20_000 });
  await go(page, 'rankings');
  await expect(page.getByTestId('rank-search'), 'the rankings filter is kept').toHaveValue('BTC');
  await page.getByTestId('rank-search').fill('');
});

test('after a reload, watchlists persist in the host', async ({ page }) => {
  const list = `e2e-${Date.now() % 100000}`;
  await openApp(page);
  const settings = await go(page, 'settings');
  const panel = settings.getByTestId('watchlists-panel');
  await requireCapability(panel, panel.getByTestId('watchlist-name'), 'Watchlists');
  await page.getByTestId('watchlist-name').fill(list);
  await page.getByTestId('watchlist-symbols').fill(SIM_SYMBOL);
  await page.getByTestId('watchlist-save').click();
  const item = page.getByTestId('watchlist-item').filter({ hasText: list });
  await expect(item, 'the host saved the watchlist').toBeVisible({ timeout: 20_000 });

  await page.reload();
  await expect(page.getByTestId('view-settings'), 'the app reopens on the same view').toBeVisible({ timeout: 20_000 });
  await expect(item, 'the watchlist is still there').toBeVisible({ timeout: 20_000 });
  await shot(page, 'settings');
  await go(page, 'rankings');
  await page.getByTestId('watchlist-filter').selectOption(list);
  await expect(page.getByTestId('watchlist-filter'), 'the watchlist filter lists the saved list').toHaveValue(list);
  await page.getByTestId('watchlist-filter').selectOption({ label: 'All symbols' });

  await go(page, 'settings');
  await item.getByRole('button', { name: '✕' }).click();
  await expect(item).toBeHidden({ timeout: 20_000 });
});

/** What each view shows once the host has answered it (an empty list is a loaded state too). */
const LOADED: Record<string, string> = {
  rankings: '[data-testid=rankings-table] tbody tr[data-symbol]',
  signals: '.scroll, [data-testid=empty-ready]',
  trading: '[data-testid=positions]',
  settings: '.groups',
  keys: '[data-testid=keys-table]',
  health: '[data-testid=health-table]',
};

test('each signal shows its out-of-sample record and whether it has an edge', async ({ page }) => {
  // The sim runs 1m and 15m; the shipped evidence measured only 1h, so no strategy has a record here.
  await openApp(page);
  const view = await go(page, 'signals');
  const row = view.locator('table.grid tbody tr').first();
  await requireCapability(view, row, 'Signals', 120_000);
  const edge = row.getByTestId('signal-edge');
  await expect(edge).toHaveAttribute('data-edge', 'no_edge');
  await expect(edge, 'the mark is spelled out').toContainText('no edge');
  await expect(edge.getByTestId('signal-evidence'), 'and says why').toContainText(/no OOS record on (1m|15m): /);
  await expect(edge.getByTestId('signal-override'), 'no strategy is overridden').toHaveCount(0);
  await shot(page, 'signals-edge');
});

test("the auto-trader's edge gate is stated beside its switch, and the setting turns it off and on", async ({ page }) => {
  // The shipped evidence is measured on Binance 1h, where no cell showed an edge, and this server
  // names no overrides: the trader trades nothing, and must say so as a warning.
  await openApp(page);
  const view = await tradingView(page);
  const gate = view.getByTestId('edge-gate');
  await expect(gate, 'the trading status carries the edge gate').toBeVisible({ timeout: 20_000 });
  await expect(gate).toHaveAttribute('data-trades-nothing', 'true');
  await expect(gate).toHaveClass(/warning/);
  await expect(gate).toContainText('Auto-trader trades nothing:');
  await expect(gate, 'the warning says how to trade anyway').toContainText('autotrade.edge.overrides');
  await expect(view.getByTestId('autotrade-override'), 'no strategy is overridden').toHaveCount(0);
  await shot(page, 'trading-edge-gate');

  const settings = await go(page, 'settings');
  const require = settings.locator('label[data-path="autotrade.edge.require"] input[type=checkbox]');
  await expect(require, 'the edge gate is a setting, on by default').toBeChecked({ timeout: 30_000 });
  try {
    await require.uncheck();
    await page.getByTestId('settings-save').click();
    await expect(page.getByTestId('settings-save'), 'saved').toBeDisabled({ timeout: 20_000 });
    await go(page, 'trading');
    await expect(gate, 'the trader applies the saved setting at once').toHaveAttribute('data-trades-nothing', 'false', { timeout: 20_000 });
    await expect(gate).toContainText('Edge gate off');
    await expect(view.getByTestId('autotrade-gate-off')).toBeVisible();
  } finally {
    await go(page, 'settings');
    if (!(await require.isChecked())) {
      await require.check();
      await page.getByTestId('settings-save').click();
      await expect(page.getByTestId('settings-save')).toBeDisabled({ timeout: 20_000 });
    }
  }
  await go(page, 'trading');
  await expect(gate, 'back on, it trades nothing again').toHaveAttribute('data-trades-nothing', 'true', { timeout: 20_000 });
});

test('every view loads its data from the host (with a screenshot of each)', async ({ page }) => {
  await openApp(page);
  for (const [view, loaded] of Object.entries(LOADED)) {
    const el = await go(page, view);
    await requireCapability(el, el.locator(loaded).first(), `the ${view} view`, 90_000);
    await expect(el.locator('[data-testid=empty-loading], [data-testid=empty-idle]'), `${view}: every part answered`).toHaveCount(0, { timeout: 30_000 });
    await expect(el.locator('[data-testid=empty-unsupported], [data-testid=empty-error]'), `${view}: no part unsupported or failed`).toHaveCount(0);
    await shot(page, view);
  }
  await go(page, 'rankings');
});

/** SimExchange's private-API test key in `serve --sim` (`SIM_API_KEY` in desktop/src/host/hostConfig.ts). */
const SIM_KEY = { apiKey: 'perpscope-sim-key', secret: 'perpscope-sim-secret', password: 'perpscope-sim-pass' };

test('LIVE from the app: arm with a tested key and the typed phrase, trade with protection, panic, disarm in one click', async ({ page }) => {
  await openApp(page);
  const { symbol, lastPrice } = await firstRankedSymbol(page);
  await go(page, 'keys');
  await page.getByTestId('key-exchange').selectOption('blofin');
  await page.getByTestId('key-label').fill('e2e-live');
  await page.getByTestId('key-apikey').fill(SIM_KEY.apiKey);
  await page.getByTestId('key-secret').fill(SIM_KEY.secret);
  await page.getByTestId('key-password').fill(SIM_KEY.password);
  await page.getByTestId('key-save').click();
  const msg = page.getByTestId('key-msg');
  await expect(msg).toBeVisible({ timeout: 20_000 });
  const stored = await msg.innerText();
  if (/keychain/i.test(stored) && !/^Stored/.test(stored)) {
    if (/^(true|1)$/i.test(process.env['CI'] ?? '')) throw new Error(`No OS keychain for the server under CI=true: ${stored}`);
    console.log(`skipped: no OS keychain on this machine: ${stored}`);
    test.skip(true, `No OS keychain on this machine: ${stored}`);
  }
  const view = await tradingView(page);
  try {
    await view.getByTestId('arm-live').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toBeVisible();
    await page.getByTestId('arm-key').selectOption('blofin:e2e-live');
    await expect(dialog, 'the dialog names the exchange and the account').toContainText('BLOFIN with the key e2e-live');
    await page.getByTestId('confirm-input').fill('live blofin:e2e-live');
    await expect(page.getByTestId('confirm-ok'), 'the phrase must be typed exactly').toBeDisabled();
    await page.getByTestId('confirm-input').fill('LIVE blofin:e2e-live');
    await shot(page, 'live-arm');
    await page.getByTestId('confirm-ok').click();
    await expect(page.getByTestId('live-banner'), 'armed: red in every view').toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('live-banner')).toContainText('key e2e-live');
    await expect(view.getByTestId('trading-mode')).toHaveText(/LIVE/);

    await submitMarketBuy(page, symbol, 40, lastPrice, 5, 5);
    const accepted = page.getByTestId('ticket-ok');
    const refused = page.getByTestId('ticket-error');
    // The host refreshes the book before it sizes the order; on a loaded machine that takes a while.
    await expect(accepted.or(refused).first(), 'the ticket is answered').toBeVisible({ timeout: 60_000 });
    if (await refused.isVisible()) throw new Error(`the live order was refused: ${await refused.innerText()}`);
    const row = page.locator(`[data-testid=positions] tr[data-symbol="${symbol}"]`);
    await expect(row, 'the live position appears').toBeVisible({ timeout: 30_000 });
    await expect(row.getByTestId('position-sl'), 'its stop is on the exchange').toHaveAttribute('data-value', /^\d/, { timeout: 30_000 });
    await expect(row.getByTestId('position-tp'), 'and its take-profit').toHaveAttribute('data-value', /^\d/, { timeout: 30_000 });
    await go(page, 'rankings');
    await expect(page.getByTestId('live-banner'), 'the red state follows every view').toBeVisible();
    await shot(page, 'live-rankings');
    await go(page, 'trading');
    await shot(page, 'live-position');

    await view.getByTestId('panic').click();
    await page.getByTestId('confirm-input').fill('PANIC');
    await page.getByTestId('confirm-ok').click();
    await expect(row, 'panic closed the live position').toBeHidden({ timeout: 30_000 });
    await expect(page.getByTestId('kill-banner')).toBeVisible({ timeout: 10_000 });
    await shot(page, 'live-panic');
  } finally {
    if (await page.getByTestId('live-disarm').isVisible()) await page.getByTestId('live-disarm').click();
    await expect(page.getByTestId('live-banner'), 'one click disarms').toBeHidden({ timeout: 20_000 });
    await expect(view.getByTestId('trading-mode')).toHaveText(/PAPER/, { timeout: 20_000 });
    if (await page.getByTestId('kill-banner').isVisible()) {
      await page.getByTestId('kill-switch').click();
      await page.getByTestId('confirm-ok').click();
      await expect(page.getByTestId('kill-banner')).toBeHidden({ timeout: 10_000 });
    }
    await go(page, 'keys');
    const key = page.locator('[data-testid=keys-table] tr[data-key="blofin:e2e-live"]');
    if (await key.isVisible()) {
      await key.getByTestId('key-remove').click();
      await page.getByTestId('confirm-ok').click();
      await expect(key).toBeHidden({ timeout: 20_000 });
    }
  }
});
