import type { Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { createBinanceUsdmClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import type { StoredOrder } from '../../src/store/index.js';
import { algoStateStatus, BinanceUsdmGateway, USER_TRADES_MAX_WINDOW_MS } from '../../src/trading/binanceUsdmGateway.js';
import { SIM_KEY, SIM_SYMBOL } from './helpers.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

const DAY_MS = 86_400_000;

describe('Binance USD-M conditional order states', () => {
  it('maps NEW and TRIGGERING to open, CANCELED and EXPIRED to canceled, REJECTED to rejected, and an unknown state to open', () => {
    const states = ['NEW', 'TRIGGERING', 'CANCELED', 'EXPIRED', 'REJECTED', 'SOMETHING_NEW', ''];
    expect(Object.fromEntries(states.map((s) => [s, algoStateStatus(s)]))).toEqual({
      NEW: 'open',
      TRIGGERING: 'open',
      CANCELED: 'canceled',
      EXPIRED: 'canceled',
      REJECTED: 'rejected',
      SOMETHING_NEW: 'open',
      '': 'open',
    });
  });
});

/**
 * Fills more than 7 days apart over ccxt's real binanceusdm class against SimExchange, whose
 * userTrades route refuses a window wider than 7 days as Binance does. Sim time is held (paused)
 * and moved on by `pauseAt` at a high acceleration, so fills land days apart in sim time.
 */
describe('BinanceUsdmGateway reads fills across 7-day windows', () => {
  let sim: SimExchange;
  let ex: Exchange;
  let gateway: BinanceUsdmGateway;
  const fillTimes: number[] = [];

  /** Moves sim time on to `targetMs` and holds it there. */
  async function moveTo(targetMs: number): Promise<void> {
    sim.pauseAt(targetMs);
    sim.resume();
    await until(`sim time at ${targetMs}`, () => (sim.nowMs() === targetMs ? true : null), 30_000);
  }

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 4, seed: 17, startTimeMs: SIM_START_MS, acceleration: 1_000_000, pausedAtStart: true, historyBars: 50, apiKey: SIM_KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
    ex = createBinanceUsdmClient(sim, { enableRateLimit: false, timeout: 5_000 }) as unknown as Exchange;
    await ex.loadMarkets();
    gateway = new BinanceUsdmGateway(ex, 'binanceusdm', new SystemClock());
    const amount = Number(ex.amountToPrecision(SIM_SYMBOL, 200 / (await ex.fetchTicker(SIM_SYMBOL)).last!));
    // Day 0, day 15 and day 16: two empty weeks between the first two fills.
    for (const [i, side] of (['buy', 'sell', 'buy'] as const).entries()) {
      if (i > 0) await moveTo(sim.nowMs() + (i === 1 ? 15 : 1) * DAY_MS);
      await ex.createOrder(SIM_SYMBOL, 'market', side, amount);
      fillTimes.push(sim.nowMs());
    }
    await moveTo(sim.nowMs() + 2 * DAY_MS);
  }, 120_000);

  afterAll(async () => {
    await ex?.close();
    await sim?.stop();
  });

  it('the sim refuses a userTrades window wider than 7 days, as Binance does (-1127)', async () => {
    const raw = ex as unknown as { fapiPrivateGetUserTrades(p: object): Promise<unknown> };
    const id = ex.market(SIM_SYMBOL).id;
    await expect(raw.fapiPrivateGetUserTrades({ symbol: id, startTime: SIM_START_MS, endTime: SIM_START_MS + USER_TRADES_MAX_WINDOW_MS + 1 })).rejects.toThrow(/-1127|168 hours/);
    // A startTime alone reads 7 days from it: the fills 15 and 16 days later are not in it.
    const capped = (await raw.fapiPrivateGetUserTrades({ symbol: id, startTime: SIM_START_MS - 1_000 })) as unknown[];
    expect(capped).toHaveLength(1);
  });

  it('reads back every fill since a start, in 7-day windows and then by trade id', async () => {
    const fills = await gateway.recentFills(SIM_START_MS - 1_000, SIM_SYMBOL);
    expect(fills.map((f) => f.atMs)).toEqual(fillTimes);
    expect(fillTimes[2]! - fillTimes[0]!, 'the fills span more than two windows').toBeGreaterThan(2 * USER_TRADES_MAX_WINDOW_MS);
  });

  it('steps over empty weeks to the next fill', async () => {
    const fills = await gateway.recentFills(fillTimes[0]! + 1, SIM_SYMBOL);
    expect(fills.map((f) => f.atMs)).toEqual(fillTimes.slice(1));
  });

  it('reads back every fill with no start (by trade id, no time window)', async () => {
    expect((await gateway.recentFills(undefined, SIM_SYMBOL)).map((f) => f.atMs)).toEqual(fillTimes);
  });

  it('sends stops on the mark price (workingType MARK_PRICE), and the sim keeps it', async () => {
    const px = (await ex.fetchTicker(SIM_SYMBOL)).last!;
    const amountBase = Number(ex.amountToPrecision(SIM_SYMBOL, 200 / px));
    const order = { clientOrderId: 'wt-stop-1', symbol: SIM_SYMBOL, side: 'sell', type: 'stop_market', amountBase, price: null, triggerPrice: Number(ex.priceToPrecision(SIM_SYMBOL, px * 0.5)), reduceOnly: true, params: {} } as unknown as StoredOrder;
    await gateway.create(order);
    const placed = await ex.fetchOrder('', SIM_SYMBOL, { clientOrderId: order.clientOrderId, trigger: true });
    expect((placed.info as Record<string, unknown>).workingType).toBe('MARK_PRICE');
    expect(await gateway.lookup(order)).toMatchObject({ status: 'open' });
    await gateway.cancel(order);
    expect(await gateway.lookup(order)).toMatchObject({ status: 'canceled' });
  });
});
