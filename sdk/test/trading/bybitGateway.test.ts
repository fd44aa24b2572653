import type { Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { createBybitClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import type { StoredOrder } from '../../src/store/index.js';
import { BybitGateway, createOrderGateway, ExchangeClockSync } from '../../src/trading/index.js';
import { bybitOrderStatus, EXECUTION_PAGE_LIMIT } from '../../src/trading/bybitGateway.js';
import { CLOCK_DEADBAND_MS, clockPolicy } from '../../src/trading/ccxtGateway.js';
import { SIM_KEY, SIM_SYMBOL } from './helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

describe('bybitOrderStatus', () => {
  it('maps every v5 order status, and takes an unknown one as open rather than final', () => {
    const cases: [string, string][] = [
      ['New', 'open'],
      ['PartiallyFilled', 'open'],
      ['Untriggered', 'open'],
      ['Triggered', 'open'],
      ['Filled', 'filled'],
      ['Cancelled', 'canceled'],
      ['Deactivated', 'canceled'],
      ['PartiallyFilledCanceled', 'canceled'],
      ['Rejected', 'rejected'],
      ['SomethingNew', 'open'],
    ];
    expect(cases.map(([raw]) => [raw, bybitOrderStatus(raw)])).toEqual(cases);
  });
});

describe('BybitGateway against SimExchange (bybit dialect)', () => {
  let sim: SimExchange;
  let ex: Exchange;
  let gateway: BybitGateway;

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'bybit', symbols: 3, seed: 51, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 10, apiKey: SIM_KEY, initialBalanceUsdt: 1_000_000, rateLimitScale: 50 });
    ex = createBybitClient(sim, { enableRateLimit: false, timeout: 5_000 }) as unknown as Exchange;
    await ex.loadMarkets();
    const g = createOrderGateway(ex, 'bybit', new SystemClock(), { attempts: 2, baseMs: 10, maxMs: 50, random: () => 0.5 });
    if (!(g instanceof BybitGateway)) throw new Error('expected the Bybit gateway for ccxt.bybit');
    gateway = g;
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('takes "leverage not modified" (110043) as done: the symbol already carries it', async () => {
    await ex.setLeverage(4, SIM_SYMBOL);
    await expect(ex.setLeverage(4, SIM_SYMBOL)).resolves.toBeDefined();
    const answers = sim.requestLog().filter((r) => r.path === '/v5/position/set-leverage').map((r) => r.code);
    expect(answers).toEqual(['0', '110043']);
    expect((await ex.fetchLeverage(SIM_SYMBOL)).longLeverage).toBe(4);
  });

  it('reads every page of executions: more fills than one page holds come back once each, oldest first', async () => {
    const amount = Number(ex.amountToPrecision(SIM_SYMBOL, 100 / (await ex.fetchTicker(SIM_SYMBOL)).last!));
    const since = sim.nowMs() - 1;
    const ids: string[] = [];
    // Alternating sides keep the position within one order's size.
    for (let i = 0; i <= EXECUTION_PAGE_LIMIT; i++) {
      const o = await ex.createOrder(SIM_SYMBOL, 'market', i % 2 === 0 ? 'buy' : 'sell', amount, undefined, { clientOrderId: `pg${i}` });
      ids.push(String(o.id));
    }
    const fills = await gateway.recentFills(since, SIM_SYMBOL);
    // One answer holds at most EXECUTION_PAGE_LIMIT rows: the last fill came from a second page (nextPageCursor).
    expect(fills.length).toBe(EXECUTION_PAGE_LIMIT + 1);
    expect(new Set(fills.map((f) => f.fillId)).size).toBe(fills.length);
    expect(fills.map((f) => f.exchangeOrderId)).toEqual(ids);
    expect(fills.every((f, i) => i === 0 || f.atMs >= fills[i - 1]!.atMs)).toBe(true);
    const everySymbol = await gateway.recentFills(since);
    expect(everySymbol.map((f) => f.fillId)).toEqual(fills.map((f) => f.fillId));
  });

  it('finds an order by its orderLinkId after it left the open list, and reports null for an id never sent', async () => {
    const order = { symbol: SIM_SYMBOL, clientOrderId: 'pg0', exchangeOrderId: null, type: 'market' } as unknown as StoredOrder;
    const view = await gateway.lookup(order);
    expect(view).toMatchObject({ status: 'filled' });
    expect(view?.filledBase).toBeGreaterThan(0);
    expect(await gateway.lookup({ ...order, clientOrderId: 'never-sent' })).toBeNull();
    const fills = await gateway.fills(order);
    expect(fills.map((f) => f.exchangeOrderId)).toEqual([view?.exchangeOrderId]);
  });

  it('a client clock 2 s fast is refused (10002) and, after the resync, signs calls Bybit accepts', async () => {
    const fast = createBybitClient(sim, { enableRateLimit: false, timeout: 5_000 }) as unknown as Exchange;
    await fast.loadMarkets();
    const local = fast.milliseconds.bind(fast);
    const aheadMs = 2_000;
    fast.milliseconds = () => local() + aheadMs;
    try {
      // Bybit refuses a timestamp at or past its clock + 1 s; the header-based 5 s deadband would leave this skew in place.
      expect(aheadMs).toBeLessThan(CLOCK_DEADBAND_MS);
      expect(clockPolicy('bybit').deadbandMs).toBeLessThan(1_000);
      await expect(fast.fetchBalance()).rejects.toThrow(/10002/);

      const sync = ExchangeClockSync.for(fast, () => fast.fetchTime());
      const g = createOrderGateway(fast, 'bybit', new SystemClock(), { attempts: 2, baseMs: 10, maxMs: 50, random: () => 0.5 }, async () => {
        await sync.measure();
      });
      const before = sim.requestLog().length;
      await expect(g.openOrders()).resolves.toBeInstanceOf(Array);
      const signed = sim.requestLog().slice(before).filter((r) => r.private);
      expect(signed.map((r) => r.code), 'one refusal, then accepted after the resync').toEqual(['10002', '0']);
      // Within Bybit's 1 s tolerance of the injected skew (the midpoint error is half a loopback round trip).
      expect(Math.abs(sync.offsetMs + aheadMs), 'measured from /v5/market/time in ms').toBeLessThan(1_000);
      await expect(fast.fetchBalance()).resolves.toBeDefined();
    } finally {
      await fast.close();
    }
  });
});
