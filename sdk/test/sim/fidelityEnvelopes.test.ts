import ccxt from 'ccxt';
import { ErrorCode } from '@perpscope/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedItem, mapCcxtError, unwrapItemError } from '../../src/core/ccxtErrors.js';
import { createCcxtExchange } from '../../src/engine/exchangeClient.js';
import { SystemClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/index.js';
import { CcxtBroker } from '../../src/trading/index.js';
import { permissiveRisk, tempDir } from '../trading/helpers.js';
import type { SimExchange } from '../../src/sim/index.js';
import { bareClient, className, client, KEY, lastStatus, mid, startFidelitySim, SYMBOL, thrown, type Client } from './fidelityHelpers.js';

const CTX = { exchange: 'blofin', operation: 'createOrder' };

/**
 * BloFin's error envelopes through ccxt's real class: HTTP 200 for business and auth errors, the
 * per-order envelope (top-level 1/2, the reason in data[]), and the engine's reading of them.
 */
describe('SimExchange fidelity: error envelopes (BloFin dialect)', () => {
  let sim: SimExchange;
  let ex: Client;
  let px = 0;

  beforeAll(async () => {
    sim = await startFidelitySim();
    ex = client(sim);
    await ex.loadMarkets();
    px = await mid(ex);
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('a single order refused for margin: HTTP 200, top-level 1 with 103003 inside; ccxt throws ExchangeError, the engine reads InsufficientFunds', async () => {
    const amount = Number(ex.amountToPrecision(SYMBOL, 5_000_000 / px / ex.market(SYMBOL).contractSize!));
    const err = await thrown(ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { marginMode: 'cross' }));
    expect(lastStatus(sim, '/api/v1/trade/order'), 'business errors answer HTTP 200').toBe(200);
    const body = JSON.parse(ex.last_http_response as string) as { code: string; msg: string; data: { code: string; msg: string }[] };
    expect(body.code, 'one order that failed is "all operations failed"').toBe('1');
    expect(body.msg).toBe('All operations failed');
    expect(body.data[0]?.code, 'the reason rides in data[0]').toBe('103003');
    expect(className(err), 'ccxt throws on the top-level code before reading data[0], as against BloFin').toBe('ExchangeError');
    const refined = unwrapItemError(err, ex.exceptions);
    expect(refined, 'the item code maps through ccxt\'s own table').toBeInstanceOf(ccxt.InsufficientFunds);
    expect(mapCcxtError(refined, CTX).code).toBe(ErrorCode.InsufficientFunds);
  });

  it('a reused clientOrderId: top-level 1 with 102002; the engine reads InvalidOrder', async () => {
    const amount = Number(ex.amountToPrecision(SYMBOL, 50 / px / ex.market(SYMBOL).contractSize!));
    await ex.createOrder(SYMBOL, 'limit', 'buy', amount, Number(ex.priceToPrecision(SYMBOL, px * 0.5)), { clientOrderId: 'fidelityDup1', marginMode: 'cross' });
    const err = await thrown(ex.createOrder(SYMBOL, 'limit', 'buy', amount, Number(ex.priceToPrecision(SYMBOL, px * 0.5)), { clientOrderId: 'fidelityDup1', marginMode: 'cross' }));
    expect(failedItem(err)).toEqual({ code: '102002', msg: 'Duplicate customized order ID' });
    expect(unwrapItemError(err, ex.exceptions)).toBeInstanceOf(ccxt.InvalidOrder);
    expect(mapCcxtError(unwrapItemError(err, ex.exceptions), CTX).code).toBe(ErrorCode.InvalidOrder);
  });

  it('a cancel of an unknown order: top-level 1 with 102068 inside; the engine reads ccxt\'s BadRequest', async () => {
    const err = await thrown(ex.cancelOrder('999999999', SYMBOL));
    expect(lastStatus(sim, '/api/v1/trade/cancel-order')).toBe(200);
    expect(failedItem(err)?.code).toBe('102068');
    expect(unwrapItemError(err, ex.exceptions)).toBeInstanceOf(ccxt.BadRequest);
  });

  it('batch orders answer 0 when all succeed, 2 when some do, 1 when none do; each item keeps its code', async () => {
    const raw = ex as unknown as { privatePostTradeBatchOrders(p: unknown[]): Promise<{ code: string; data: { code: string }[] }> };
    const limitPx = ex.priceToPrecision(SYMBOL, px * 0.5);
    const size = ex.amountToPrecision(SYMBOL, 50 / px / ex.market(SYMBOL).contractSize!);
    const good = (): Record<string, unknown> => ({ instId: 'ETH-USDT', marginMode: 'cross', side: 'buy', orderType: 'limit', price: limitPx, size });
    const bad = { instId: 'ETH-USDT', marginMode: 'cross', side: 'buy', orderType: 'limit', price: limitPx, size: '0' };
    const all = await raw.privatePostTradeBatchOrders([good(), good()]);
    expect(all.code).toBe('0');
    expect(all.data.map((d) => d.code)).toEqual(['0', '0']);
    const partial = await thrown(raw.privatePostTradeBatchOrders([good(), bad]));
    const partialBody = JSON.parse(ex.last_http_response as string) as { code: string; msg: string; data: { code: string }[] };
    expect(partialBody.code, 'some placed, some refused').toBe('2');
    expect(partialBody.msg).toBe('Partially succeeded');
    expect(partialBody.data.map((d) => d.code)).toEqual(['0', '152002']);
    expect(className(partial), 'ccxt raises on any non-zero top-level code').toBe('ExchangeError');
    const none = await thrown(raw.privatePostTradeBatchOrders([bad, bad]));
    expect((JSON.parse(ex.last_http_response as string) as { code: string }).code).toBe('1');
    expect(unwrapItemError(none, ex.exceptions), '152002 is ccxt BadRequest').toBeInstanceOf(ccxt.BadRequest);
  });

  it('auth failures answer HTTP 200 with BloFin codes that ccxt maps as against the venue', async () => {
    const cases: { creds: Partial<typeof KEY>; code: string; cls: typeof ccxt.BaseError }[] = [
      { creds: { ...KEY, apiKey: 'nobody' }, code: '152401', cls: ccxt.AuthenticationError },
      { creds: { ...KEY, password: 'wrong' }, code: '152408', cls: ccxt.AuthenticationError },
      { creds: { ...KEY, secret: 'wrong' }, code: '152409', cls: ccxt.AuthenticationError },
    ];
    for (const c of cases) {
      const bad = bareClient(sim, c.creds);
      const err = await thrown(bad.fetchBalance());
      expect(err, `${c.code} maps to ${c.cls.name}`).toBeInstanceOf(c.cls);
      expect(err.message).toContain(c.code);
      expect(lastStatus(sim, '/api/v1/account/balance'), `${c.code} is HTTP 200`).toBe(200);
      expect(mapCcxtError(err, CTX).code).toBe(ErrorCode.AuthenticationFailed);
      await bad.close();
    }
  });

  it('429 stays HTTP 429 and reads as RateLimitExceeded', async () => {
    sim.faults.burst429({ count: 1 });
    const err = await thrown(ex.fetchBalance());
    expect(err).toBeInstanceOf(ccxt.RateLimitExceeded);
    expect(lastStatus(sim, '/api/v1/account/balance')).toBe(429);
  });

  it('the timestamp window is 60 s: 45 s of skew is accepted, 70 s is refused with 152405 (InvalidNonce)', async () => {
    try {
      sim.faults.clockSkew(45_000);
      await expect(ex.fetchBalance(), 'inside the documented 60 s').resolves.toBeDefined();
      sim.faults.clockSkew(70_000);
      const err = await thrown(ex.fetchBalance());
      expect(err).toBeInstanceOf(ccxt.InvalidNonce);
      expect(err.message).toContain('152405');
      expect(err.message).toContain('within 60s');
      expect(lastStatus(sim, '/api/v1/account/balance')).toBe(200);
    } finally {
      sim.faults.clockSkew(0);
    }
  });
});

describe('SimExchange fidelity: nonce uniqueness', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startFidelitySim();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('two concurrent private calls signed in the same millisecond: plain ccxt repeats the nonce and one is refused with 152407', async () => {
    const bare = bareClient(sim);
    await bare.loadMarkets();
    const frozenMs = Date.now();
    bare.milliseconds = () => frozenMs;
    const results = await Promise.allSettled([bare.fetchBalance(), bare.fetchPositions()]);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused, 'the second use of the nonce is refused').toHaveLength(1);
    expect(refused[0]?.reason).toBeInstanceOf(ccxt.InvalidNonce);
    expect(String((refused[0]?.reason as Error).message)).toContain('152407');
    await bare.close();
  });

  it('the sim client and the engine\'s exchange factory never share a nonce, even on a frozen clock', async () => {
    const simClient = client(sim);
    const engineClient = await createCcxtExchange('blofin', { timeoutMs: 5_000 });
    Object.assign(engineClient, { apiKey: KEY.apiKey, secret: KEY.secret, password: KEY.password, enableRateLimit: false });
    engineClient.urls = { ...engineClient.urls, api: { ...(engineClient.urls.api as Record<string, unknown>), rest: sim.url } };
    for (const ex of [simClient, engineClient]) {
      await ex.loadMarkets();
      const frozenMs = Date.now();
      ex.milliseconds = () => frozenMs;
      const results = await Promise.allSettled([ex.fetchBalance(), ex.fetchPositions(), ex.fetchOpenOrders()]);
      expect(results.map((r) => r.status), 'every concurrent private call is accepted').toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(ex.milliseconds(), 'the instance clock itself is left untouched').toBe(frozenMs);
      await ex.close();
    }
  });

  it('a live broker given a plain ccxt instance keeps its private calls from sharing a nonce', async () => {
    const bare = bareClient(sim);
    const t = tempDir();
    const store = openStore({ home: t.dir });
    const clock = new SystemClock();
    try {
      new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: bare, exchangeId: 'blofin' });
      await bare.loadMarkets();
      const frozenMs = Date.now();
      bare.milliseconds = () => frozenMs;
      const results = await Promise.allSettled([bare.fetchBalance(), bare.fetchPositions()]);
      expect(results.map((r) => r.status), 'the broker installed unique nonces on the instance').toEqual(['fulfilled', 'fulfilled']);
    } finally {
      await bare.close();
      store.close();
      t.cleanup();
    }
  });

  it('two clients on the same key (a broker rebuilt after a restart, say) never share a nonce either', async () => {
    const first = client(sim);
    const second = client(sim);
    const frozenMs = Date.now();
    for (const ex of [first, second]) {
      await ex.loadMarkets();
      ex.milliseconds = () => frozenMs;
    }
    const results = await Promise.allSettled([first.fetchBalance(), second.fetchBalance(), first.fetchPositions(), second.fetchPositions()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    await first.close();
    await second.close();
  });

  it('after a refusal for a nonce another process used, the next stamps skip past it by growing steps, so a retried read gets through', async () => {
    const ex = client(sim);
    try {
      await ex.loadMarkets();
      const frozenMs = Date.now();
      ex.milliseconds = () => frozenMs;
      // A process that just died, its clock correction 6 s ahead of ours, used every millisecond around now.
      sim.faults.foreignNonces({ fromMs: frozenMs - 500, toMs: frozenMs + 6_000 });
      const refused: string[] = [];
      let accepted = '';
      for (let attempt = 0; attempt < 4 && !accepted; attempt++) {
        try {
          await ex.fetchBalance();
          accepted = String((ex as unknown as { last_request_headers: Record<string, string> }).last_request_headers['ACCESS-NONCE']);
        } catch (err) {
          expect(err, 'only the nonce is refused').toBeInstanceOf(ccxt.InvalidNonce);
          refused.push(String((err as Error).message));
        }
      }
      expect(refused.every((m) => m.includes('152407')), refused.join(' | ')).toBe(true);
      expect(refused.length, 'refused at the clock, 1 s and 3 s past it, accepted 7 s past it').toBe(3);
      expect(Number(accepted)).toBe(frozenMs + 7_000);
      await expect(ex.fetchPositions(), 'the next call follows on from the accepted stamp').resolves.toBeDefined();
      expect(Number((ex as unknown as { last_request_headers: Record<string, string> }).last_request_headers['ACCESS-NONCE'])).toBeGreaterThan(frozenMs + 7_000);
    } finally {
      sim.faults.reset();
      await ex.close();
    }
  });
});

describe('SimExchange fidelity: margin', () => {
  let sim: SimExchange;
  let ex: Client;
  let px = 0;
  beforeAll(async () => {
    sim = await startFidelitySim();
    ex = client(sim);
    await ex.loadMarkets();
    px = await mid(ex);
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('leverage is kept per margin mode, and marginMode is required where the docs require it', async () => {
    await ex.setLeverage(7, SYMBOL, { marginMode: 'cross' });
    await ex.setLeverage(4, SYMBOL, { marginMode: 'isolated' });
    expect((await ex.fetchLeverage(SYMBOL, { marginMode: 'cross' })).longLeverage).toBe(7);
    expect((await ex.fetchLeverage(SYMBOL, { marginMode: 'isolated' })).longLeverage, 'the isolated setting did not overwrite cross').toBe(4);
    const raw = ex as unknown as { privatePostAccountSetLeverage(p: unknown): Promise<unknown>; privateGetAccountLeverageInfo(p: unknown): Promise<unknown> };
    const noMode = await thrown(raw.privatePostAccountSetLeverage({ instId: 'ETH-USDT', leverage: '5' }));
    expect(noMode).toBeInstanceOf(ccxt.BadRequest);
    expect(noMode.message).toContain('152001');
    expect(await thrown(raw.privateGetAccountLeverageInfo({ instId: 'ETH-USDT' }))).toBeInstanceOf(ccxt.BadRequest);
    const amount = Number(ex.amountToPrecision(SYMBOL, 50 / px / ex.market(SYMBOL).contractSize!));
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, Number(ex.priceToPrecision(SYMBOL, px * 0.5)), { marginMode: 'cross' });
    const rec = sim.accountSnapshot().orders.find((o) => o.orderId === placed.id);
    expect(rec?.leverage, 'a cross order trades at the cross leverage').toBe('7');
    await ex.cancelOrder(String(placed.id), SYMBOL);
  });

  it('an order whose marginMode differs from the account\'s and the position\'s is refused, never traded in the other mode', async () => {
    const amount = Number(ex.amountToPrecision(SYMBOL, 50 / px / ex.market(SYMBOL).contractSize!));
    await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { marginMode: 'cross' });
    const err = await thrown(ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { marginMode: 'isolated' }));
    expect(failedItem(err)?.code).toBe('152002');
    expect(failedItem(err)?.msg).toContain('cross');
    expect(unwrapItemError(err, ex.exceptions)).toBeInstanceOf(ccxt.BadRequest);
    const pos = sim.accountSnapshot().positions.find((p) => p.instId === 'ETH-USDT');
    expect(Number(pos?.positions), 'only the cross order traded').toBeCloseTo(amount, 9);
    expect(pos?.marginMode).toBe('cross');
  });

  it('TP/SL reduceOnly defaults to false as documented; ccxt sends true for its protective orders', async () => {
    const raw = ex as unknown as { privatePostTradeOrderTpsl(p: unknown): Promise<{ data: { tpslId: string } }> };
    const plain = await raw.privatePostTradeOrderTpsl({ instId: 'ETH-USDT', marginMode: 'cross', positionSide: 'net', side: 'sell', size: ex.amountToPrecision(SYMBOL, 50 / px / ex.market(SYMBOL).contractSize!), slTriggerPrice: ex.priceToPrecision(SYMBOL, px * 0.5), slOrderPrice: '-1' });
    const viaCcxt = await ex.createOrder(SYMBOL, 'market', 'sell', Number(ex.amountToPrecision(SYMBOL, 50 / px / ex.market(SYMBOL).contractSize!)), undefined, { stopLossPrice: Number(ex.priceToPrecision(SYMBOL, px * 0.5)), tpsl: true, marginMode: 'cross' });
    const triggers = sim.accountSnapshot().triggers;
    expect(triggers.find((t) => t.tpslId === plain.data.tpslId)?.reduceOnly, 'absent means false').toBe('false');
    expect(triggers.find((t) => t.tpslId === viaCcxt.id)?.reduceOnly, 'ccxt asks for reduce-only').toBe('true');
  });
});
