import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { loadConfig, openStore, SimulatedClock, SystemClock, type PerpscopeConfigInput, type Store } from '@perpscope/sdk';
import { startWebhookGateway, type RunningWebhookGateway } from '../../src/gateway/index.js';
import { hostEngineFactory, type EngineRuntime, type Host, type HostSecretStore } from '../../src/host/index.js';
import { startSimHost, stopSimHost } from '../host/hostHarness.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

const CONFIG = { sim: { symbols: 12, seed: 4, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 }, risk: { gates: { cooldownMs: 0, singlePositionPerSymbol: false, maxExposureUsd: 5_000 } } };
const SECRET = 'webhook-test-secret-0123456789';
const BTC = 'BTC/USDT:USDT';

const noSecrets: HostSecretStore = {
  set: () => Promise.resolve(),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

const webhookConfig = (webhook: NonNullable<PerpscopeConfigInput['webhook']>) => loadConfig({ options: { webhook: { secret: SECRET, ratePerMinute: 10_000, ...webhook } } });

interface Reply {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string }; order?: { id: string; symbol: string; type: string; side: string; price: number | null } };
}

async function post(url: string, body: string | object, headers: Record<string, string> = {}): Promise<Reply> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: text });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

describe('webhook gateway over a sim host: TradingView alerts become orders through the one order path', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-webhook-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
  let runtime: EngineRuntime;
  let host: Host;
  let store: Store;
  let gateway: RunningWebhookGateway;
  const extra: RunningWebhookGateway[] = [];
  let seq = 0;
  const nextId = () => `alert-${++seq}`;

  async function boot(): Promise<void> {
    ({ runtime, host } = await startSimHost(factory, home, noSecrets));
    store = openStore({ home });
    gateway = await startWebhookGateway({ host, config: webhookConfig({}), store, clock: new SystemClock(), port: 0 });
    await until('BTC in the ranked universe', async () => {
      const r = await host.call('rankings.query', { limit: 100 });
      return r.ok && r.value.rows.some((row) => row.symbol === BTC && row.lastPrice !== null) ? true : null;
    });
  }
  async function shutdown(): Promise<void> {
    await gateway.close();
    store.close();
    await stopSimHost({ runtime, host });
  }
  /** Entries only: a restart may add protective orders (stops) for the positions it finds. */
  const orderCount = async () => {
    const h = await host.call('orders.history', { limit: 1_000 });
    if (!h.ok) throw new Error(JSON.stringify(h.error));
    return h.value.orders.filter((o) => !o.reduceOnly && (o.type === 'market' || o.type === 'limit')).length;
  };
  const btcPrice = async () => {
    const r = await host.call('rankings.query', { limit: 100 });
    const row = r.ok ? r.value.rows.find((x) => x.symbol === BTC) : undefined;
    if (!row || row.lastPrice === null) throw new Error('no BTC price');
    return row.lastPrice;
  };

  beforeAll(boot, 120_000);
  afterAll(async () => {
    await Promise.all(extra.map((g) => g.close()));
    await shutdown().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('places a market order from TradingView JSON and records the receipt before and after', async () => {
    const before = await orderCount();
    const id = nextId();
    const res = await post(`${gateway.url}/signal`, { secret: SECRET, symbol: 'BINANCE:BTCUSDT.P', side: 'buy', id, time: new Date().toISOString() });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'placed', key: `id:${id}` });
    expect(res.body.order).toMatchObject({ symbol: BTC, side: 'buy', type: 'market' });
    expect(await orderCount(), 'one alert, one order').toBe(before + 1);
    expect(store.webhookReceipts.get(`id:${id}`)).toMatchObject({ status: 'placed', orderId: res.body.order?.id, symbol: BTC, action: 'buy' });
    expect(JSON.stringify(store.webhookReceipts.get(`id:${id}`)), 'the secret is never stored').not.toContain(SECRET);
  });

  it('maps every symbol spelling to one market, from text bodies too, on /signal and /webhook', async () => {
    const forms = ['BINANCE:BTCUSDT.P', 'BTCUSDT', 'BTC/USDT', 'btc-usdt'];
    for (const [i, form] of forms.entries()) {
      const path = i % 2 === 0 ? '/signal' : '/webhook';
      const res = await post(`${gateway.url}${path}`, `long ${form} notional=40 secret=${SECRET} id=${nextId()}`);
      expect(res.status, `${form}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.order?.symbol, form).toBe(BTC);
    }
  });

  it('an alert with a price becomes a limit order at that price', async () => {
    const price = Math.round((await btcPrice()) * 0.9);
    const res = await post(`${gateway.url}/signal`, { secret: SECRET, ticker: 'BTCUSDT', action: 'buy', price, id: nextId() });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.order).toMatchObject({ type: 'limit', side: 'buy' });
    expect(res.body.order?.price, 'the limit price, on the tick grid').toBeCloseTo(price, -1);
  });

  it('refuses a wrong or missing secret with 401 and writes nothing; the header carries it too', async () => {
    const before = await orderCount();
    const wrong = await post(`${gateway.url}/signal`, { secret: 'not-the-secret-at-all', symbol: 'BTCUSDT', side: 'buy', id: 'wrong-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe(ErrorCode.Unauthorized);
    const missing = await post(`${gateway.url}/signal`, 'buy BTCUSDT id=no-secret');
    expect(missing.status).toBe(401);
    expect(store.webhookReceipts.get('id:wrong-secret'), 'no receipt for an unauthenticated alert').toBeUndefined();
    expect(await orderCount()).toBe(before);
    const viaHeader = await post(`${gateway.url}/signal`, `buy BTCUSDT notional=40 id=${nextId()}`, { 'x-perpscope-secret': SECRET });
    expect(viaHeader.status, JSON.stringify(viaHeader.body)).toBe(200);
  });

  it('answers a bad body with 400 naming the field, the value and what was expected', async () => {
    const res = await post(`${gateway.url}/signal`, { secret: SECRET, symbol: 'BTCUSDT', side: 'hold', notional: -5 });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(ErrorCode.InvalidInput);
    expect(res.body.error?.message).toContain('side: got "hold", expected one of buy, long, sell, short, close, flat, exit');
    expect(res.body.error?.message).toContain('notional: got -5, expected a positive notional in USD');
    const unknown = await post(`${gateway.url}/signal`, { secret: SECRET, symbol: 'NOPEUSDT', side: 'buy' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error?.code).toBe(ErrorCode.UnknownSymbol);
  });

  it('refuses an alert whose time is outside the window with 422', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    const res = await post(`${gateway.url}/signal`, { secret: SECRET, symbol: 'BTCUSDT', side: 'buy', time: old, id: nextId() });
    expect(res.status).toBe(422);
    expect(res.body.error?.message).toMatch(/s old; accepted within 300 s/);
  });

  it('a replayed alert gives exactly one order, also after a restart of the gateway and the host', async () => {
    const before = await orderCount();
    const body = { secret: SECRET, symbol: 'BTCUSDT', side: 'buy', notionalUsd: 40, id: 'replay-1' };
    const [a, b] = await Promise.all([post(`${gateway.url}/signal`, body), post(`${gateway.url}/signal`, body)]);
    const replies = [a, b].sort((x, y) => Number(x.body.duplicate === true) - Number(y.body.duplicate === true));
    expect(replies[0]!.body.status, JSON.stringify(replies)).toBe('placed');
    expect(replies[1]!.body, 'the second delivery is a duplicate').toMatchObject({ duplicate: true, key: 'id:replay-1' });
    expect(await orderCount()).toBe(before + 1);
    // No id: the key is a hash of the normalized order and its time, whatever the symbol spelling.
    const time = new Date().toISOString();
    const first = await post(`${gateway.url}/signal`, `buy BTCUSDT notional=35 time=${time} secret=${SECRET}`);
    const again = await post(`${gateway.url}/signal`, { secret: SECRET, symbol: 'BINANCE:BTCUSDT.P', side: 'long', notional: 35, time });
    expect(first.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, key: first.body.key });
    expect(await orderCount()).toBe(before + 2);

    await shutdown();
    await boot();
    const afterRestart = await post(`${gateway.url}/signal`, body);
    expect(afterRestart.status).toBe(200);
    expect(afterRestart.body).toMatchObject({ duplicate: true, status: 'placed' });
    expect(await orderCount(), 'no order from the replay after the restart').toBe(before + 2);
  }, 120_000);

  it('the kill switch refuses with 409 KILL_SWITCH_ACTIVE and no order; the receipt says refused', async () => {
    const on = await host.call('emergency.killSwitch', { active: true, reason: 'webhook test' });
    expect(on.ok).toBe(true);
    const before = await orderCount();
    const res = await post(`${gateway.url}/signal`, { secret: SECRET, symbol: 'BTCUSDT', side: 'buy', id: 'killed-1' });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error?.code).toBe(ErrorCode.KillSwitchActive);
    expect(await orderCount()).toBe(before);
    expect(store.webhookReceipts.get('id:killed-1')).toMatchObject({ status: 'refused', errorCode: ErrorCode.KillSwitchActive, orderId: null });
    await host.call('emergency.killSwitch', { active: false });
  });

  it('RiskPolicy still caps the size: a notional above maxManualNotionalUsd is refused with 422', async () => {
    const res = await post(`${gateway.url}/signal`, { secret: SECRET, symbol: 'BTCUSDT', side: 'buy', notionalUsd: 100_000, id: nextId() });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error?.code).toBe(ErrorCode.RiskRejected);
  });

  it('close closes the position', async () => {
    await until('the BTC position', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && s.value.positions.some((p) => p.symbol === BTC) ? true : null;
    });
    const res = await post(`${gateway.url}/signal`, `exit BINANCE:BTCUSDT.P secret=${SECRET} id=${nextId()}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await until('no BTC position', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && !s.value.positions.some((p) => p.symbol === BTC) ? true : null;
    });
    const nothingLeft = await post(`${gateway.url}/signal`, `flat BTCUSDT secret=${SECRET} id=${nextId()}`);
    expect(nothingLeft.status, JSON.stringify(nothingLeft.body)).toBe(422);
    expect(nothingLeft.body.error?.message).toContain('No open position on BTC/USDT:USDT');
  });

  it('replies 202 pending when the order takes longer than replyWithinMs, and the receipt catches up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowHost: Pick<Host, 'call'> = {
      call: ((method: string, ...args: unknown[]) =>
        method === 'orders.place' ? gate.then(() => (host.call as (m: string, ...a: unknown[]) => Promise<unknown>)(method, ...args)) : (host.call as (m: string, ...a: unknown[]) => Promise<unknown>)(method, ...args)) as Host['call'],
    };
    const slow = await startWebhookGateway({ host: slowHost, config: webhookConfig({ replyWithinMs: 50 }), store, clock: new SystemClock(), port: 0 });
    extra.push(slow);
    const res = await post(`${slow.url}/signal`, { secret: SECRET, symbol: 'BTCUSDT', side: 'buy', id: 'slow-1' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', key: 'id:slow-1' });
    expect(store.webhookReceipts.get('id:slow-1')?.status).toBe('received');
    release();
    const done = await until('the receipt placed', () => {
      const r = store.webhookReceipts.get('id:slow-1');
      return r && r.status !== 'received' ? r : null;
    });
    expect(done.status).toBe('placed');
    expect(done.orderId).toEqual(expect.any(String));
  });

  it('refuses bodies over maxBodyBytes with 413 and sources over ratePerMinute with 429', async () => {
    const clock = new SimulatedClock(Date.now());
    const tight = await startWebhookGateway({ host, config: webhookConfig({ maxBodyBytes: 512, ratePerMinute: 3 }), store, clock, port: 0 });
    extra.push(tight);
    const big = await post(`${tight.url}/signal`, { secret: SECRET, symbol: 'BTCUSDT', side: 'buy', comment: 'x'.repeat(800) });
    expect(big.status).toBe(413);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(`${tight.url}/signal`, 'buy BTCUSDT secret=wrong-secret-value-00')).status);
    expect(statuses, 'three tokens (the 413 took one: requests are counted before the body is read), then refused').toEqual([401, 401, 429]);
    await clock.advance(20_000);
    expect((await post(`${tight.url}/signal`, 'buy BTCUSDT secret=wrong-secret-value-00')).status, 'one token back after 20 s of the clock').toBe(401);
  });

  it('refuses to start without a configured secret', async () => {
    await expect(startWebhookGateway({ host, config: loadConfig({}), store, clock: new SystemClock(), port: 0 })).rejects.toThrow(/webhook\.secret.*PERPSCOPE_WEBHOOK__SECRET/s);
  });
});
