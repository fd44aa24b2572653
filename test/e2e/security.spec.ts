import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));

function server() {
  const url = process.env.PERPSCOPE_E2E_URL;
  const token = process.env.PERPSCOPE_E2E_TOKEN;
  const openUrl = process.env.PERPSCOPE_E2E_OPEN_URL;
  if (!url || !token || !openUrl) throw new Error('globalSetup did not publish PERPSCOPE_E2E_URL/TOKEN/OPEN_URL');
  return { url, token, openUrl };
}

test.describe('server mode security', () => {
  test('the page has no Node: require and process are undefined', async ({ page }) => {
    await page.goto(server().openUrl);
    await expect(page, 'token removed from the address bar').toHaveURL(`${server().url}/`);
    const globals = await page.evaluate(() => ({
      require: typeof (globalThis as Record<string, unknown>).require,
      process: typeof (globalThis as Record<string, unknown>).process,
      module: typeof (globalThis as Record<string, unknown>).module,
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined' });
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: `${screenshots}security-page.png` });
  });

  test('a strict CSP blocks inline script', async ({ page }) => {
    const response = await page.goto(server().openUrl);
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp, 'script-src').toMatch(/script-src 'self'(;|$)/);
    const ran = await page.evaluate(() => {
      const w = window as unknown as { __inlineRan?: boolean };
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      // A script element inserted into the document runs synchronously on insertion when the CSP
      // allows it: right after appendChild it has run or it never will.
      document.body.appendChild(s);
      return w.__inlineRan === true;
    });
    expect(ran, 'inline script must not run').toBe(false);
  });

  test('no token and a wrong token get 401', async ({ request }) => {
    const { url } = server();
    expect((await request.get(`${url}/`, { maxRedirects: 0 })).status(), 'no token').toBe(401);
    expect((await request.get(`${url}/?token=wrong`, { maxRedirects: 0 })).status(), 'wrong query token').toBe(401);
    expect((await request.get(`${url}/`, { headers: { authorization: 'Bearer wrong' }, maxRedirects: 0 })).status(), 'wrong bearer').toBe(401);
    expect((await request.get(`${url}/`, { headers: { authorization: `Bearer ${server().token}` } })).status(), 'right token').toBe(200);
  });

  test('an invalid RPC payload gets a clear error, and the server keeps serving', async ({ page }) => {
    await page.goto(server().openUrl);
    const replies = await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/rpc`);
      const received: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('socket failed'));
      });
      const frames = ['{broken', JSON.stringify({ id: 1, method: 'orders.place', params: { symbol: 42, side: 'up' } }), JSON.stringify({ id: 2, method: 'health.nope' }), JSON.stringify({ id: 3, method: 'keys.list', params: {} })];
      const done = new Promise<void>((resolve) => {
        ws.onmessage = (ev) => {
          const msg = JSON.parse(String(ev.data)) as { id?: unknown };
          if (!('id' in msg)) return;
          received.push(msg);
          if (received.length === frames.length) resolve();
        };
      });
      for (const f of frames) ws.send(f);
      await done;
      ws.close();
      return received;
    });
    const byId = new Map(replies.map((r) => [(r as { id: unknown }).id, r as { result: { ok: boolean; error?: { code: string; message: string } } }]));
    expect(byId.get(null)?.result.error?.code, 'malformed frame').toBe('INVALID_INPUT');
    const bad = byId.get(1)?.result.error;
    expect(bad?.code, 'bad params').toBe('INVALID_INPUT');
    expect(bad?.message, 'names the field').toMatch(/symbol: got 42/);
    expect(bad?.message, 'names the field').toMatch(/side: got "up"/);
    expect(byId.get(2)?.result.error?.code, 'unknown method').toBe('INVALID_INPUT');
    expect(byId.has(3), 'a valid call after the bad ones is still answered').toBe(true);
  });
});
