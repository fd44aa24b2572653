import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimExchange } from '../../src/sim/index.js';
import { client, startFidelitySim, SYMBOL, thrown, type Client } from './fidelityHelpers.js';

type Raw = Record<string, unknown>;
interface Implicit {
  privatePostTradeOrder(p: Raw): Promise<{ data: Raw[] }>;
  privateGetTradeOrderDetail(p: Raw): Promise<{ data: Raw }>;
}

describe('SimExchange fidelity: TP/SL attached to trade/order', () => {
  let sim: SimExchange;
  let ex: Client;
  let raw: Implicit;
  let tick = 0;
  let amount = 0;

  /** Freezes the sim and reads the touch the next order meets. */
  async function frozenTouch(): Promise<{ bid: number; ask: number }> {
    sim.pause();
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    return { bid: book.bids[0]![0]!, ask: book.asks[0]![0]! };
  }
  const p = (v: number): number => Number(ex.priceToPrecision(SYMBOL, v));

  beforeAll(async () => {
    sim = await startFidelitySim({ acceleration: 600 });
    ex = client(sim);
    raw = ex as unknown as Implicit;
    await ex.loadMarkets();
    const market = ex.market(SYMBOL);
    tick = market.precision.price ?? 0.01;
    const lot = market.precision.amount ?? 1;
    const { ask } = await frozenTouch();
    sim.resume();
    // About 200 USDT of exposure, in contracts of the instrument's own value.
    amount = Number(ex.amountToPrecision(SYMBOL, Math.max(lot, Math.ceil(200 / ask / (market.contractSize ?? 1) / lot) * lot)));
  });
  afterEach(() => {
    sim.resume();
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it.each([
    { code: '102051', why: 'a resting buy: stop at or above its price', type: 'limit', side: 'buy', at: (b: number, _a: number) => b - 10 * tick, sl: (px: number) => px + tick, tp: null },
    { code: '102052', why: 'a resting buy: take-profit at or below its price', type: 'limit', side: 'buy', at: (b: number, _a: number) => b - 10 * tick, sl: null, tp: (px: number) => px },
    { code: '102047', why: 'a resting sell: stop at or below its price', type: 'limit', side: 'sell', at: (_b: number, a: number) => a + 10 * tick, sl: (px: number) => px - tick, tp: null },
    { code: '102049', why: 'a resting sell: take-profit at or above its price', type: 'limit', side: 'sell', at: (_b: number, a: number) => a + 10 * tick, sl: null, tp: (px: number) => px + tick },
    { code: '102050', why: 'a marketable buy limit: stop below its price but at or above the best ask', type: 'limit', side: 'buy', at: (_b: number, a: number) => a + 20 * tick, sl: (_px: number, _b: number, a: number) => a, tp: null },
    { code: '102048', why: 'a market sell: stop at or below the best bid', type: 'market', side: 'sell', at: null, sl: (_px: number, b: number) => b, tp: null },
    { code: '102053', why: 'a market sell: take-profit at or above the best bid', type: 'market', side: 'sell', at: null, sl: null, tp: (_px: number, b: number) => b },
    { code: '102054', why: 'a market buy: take-profit at or below the best ask', type: 'market', side: 'buy', at: null, sl: null, tp: (_px: number, _b: number, a: number) => a },
    { code: '102055', why: 'a market buy: stop at or above the best ask', type: 'market', side: 'buy', at: null, sl: (_px: number, _b: number, a: number) => a, tp: null },
  ] as const)('$code: $why', async ({ code, type, side, at, sl, tp }) => {
    const { bid, ask } = await frozenTouch();
    const before = sim.accountSnapshot();
    const px = at ? p(at(bid, ask)) : 0;
    const params: Record<string, unknown> = { marginMode: 'cross' };
    if (sl) params.stopLoss = { triggerPrice: p(sl(px, bid, ask)) };
    if (tp) params.takeProfit = { triggerPrice: p(tp(px, bid, ask)) };
    const err = await thrown(ex.createOrder(SYMBOL, type, side, amount, at ? px : undefined, params));
    expect(err.message, 'the failed item carries the documented code').toContain(`"code":"${code}"`);
    expect(err.message, 'a single order is a batch of one: top-level 1').toContain('"code":"1"');
    const after = sim.accountSnapshot();
    expect(after.orders.length, 'the parent is refused with its TP/SL').toBe(before.orders.length);
    expect(after.triggers.length, 'no protective order is created').toBe(before.triggers.length);
  });

  it('a trigger price without its order price (and the reverse) is refused as an empty parameter', async () => {
    const { ask } = await frozenTouch();
    const base = { instId: 'ETH-USDT', marginMode: 'cross', side: 'buy', orderType: 'market', size: ex.amountToPrecision(SYMBOL, amount) };
    const noOrderPrice = await thrown(raw.privatePostTradeOrder({ ...base, tpTriggerPrice: ex.priceToPrecision(SYMBOL, ask * 1.05) }));
    expect(noOrderPrice.message).toMatch(/"code":"152001".*tpOrderPrice/);
    const noTrigger = await thrown(raw.privatePostTradeOrder({ ...base, slOrderPrice: '-1' }));
    expect(noTrigger.message).toMatch(/"code":"152001".*slTriggerPrice/);
  });

  it('a resting order carries its TP/SL but arms nothing until it fills; cancelled unfilled, nothing is left', async () => {
    const { bid } = await frozenTouch();
    const px = p(bid * 0.95);
    const order = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px, { marginMode: 'cross', stopLoss: { triggerPrice: p(px * 0.95) }, takeProfit: { triggerPrice: p(px * 1.1) } });
    const rec = (await raw.privateGetTradeOrderDetail({ instId: 'ETH-USDT', orderId: order.id })).data;
    expect(Number(rec.slTriggerPrice), 'the order record shows its stop').toBeCloseTo(p(px * 0.95), 9);
    expect(Number(rec.tpTriggerPrice), 'and its take-profit').toBeCloseTo(p(px * 1.1), 9);
    expect(rec.slOrderPrice, 'ccxt sends -1 (market) when no order price is given').toBe('-1');
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { tpsl: true }), 'nothing to protect yet').toEqual([]);
    await ex.cancelOrder(String(order.id), SYMBOL);
    sim.resume();
    await frozenTouch();
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { tpsl: true }), 'the unfilled parent leaves no protective order').toEqual([]);
  });

  it('a filled market buy arms a reduce-only TP/SL in orders-tpsl-pending, which fires on the price path and closes the position', async () => {
    const { bid, ask } = await frozenTouch();
    const slTrigger = p(bid - tick);
    const tpTrigger = p(ask + tick);
    const parent = await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { marginMode: 'cross', stopLoss: { triggerPrice: slTrigger }, takeProfit: { triggerPrice: tpTrigger } });
    const positions = await ex.fetchPositions([SYMBOL]);
    expect(positions[0]?.contracts, 'the parent filled').toBeCloseTo(amount, 9);

    const pending = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { tpsl: true });
    expect(pending, 'one protective order (TP and SL together)').toHaveLength(1);
    const tpsl = pending[0]!.info as Raw;
    expect(tpsl.side, 'it closes the long').toBe('sell');
    expect(tpsl.reduceOnly, 'reduce-only').toBe('true');
    expect(Number(tpsl.size), 'sized to what the parent filled, in contracts').toBeCloseTo(amount, 9);
    expect(Number(tpsl.slTriggerPrice)).toBeCloseTo(slTrigger, 9);
    expect(Number(tpsl.tpTriggerPrice)).toBeCloseTo(tpTrigger, 9);
    expect([tpsl.tpOrderPrice, tpsl.slOrderPrice], 'market on trigger').toEqual(['-1', '-1']);

    sim.resume();
    await vi.waitFor(
      () => {
        const t = sim.accountSnapshot().triggers.find((x) => x.tpslId === tpsl.tpslId);
        expect(t?.state, 'the trigger fired').toBe('effective');
      },
      { timeout: 30_000, interval: 50 },
    );
    const snap = sim.accountSnapshot();
    const fired = snap.triggers.find((x) => x.tpslId === tpsl.tpslId)!;
    const exit = snap.orders.find((o) => o.orderId === fired.actualOrderId);
    expect(exit?.reduceOnly, 'the exit is reduce-only').toBe('true');
    expect(['tp', 'sl'], 'the exit is the take-profit or the stop').toContain(exit?.orderCategory);
    expect(exit?.state).toBe('filled');
    expect(snap.positions.filter((x) => x.instId === 'ETH-USDT'), 'the position is closed').toEqual([]);
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { tpsl: true }), 'nothing left pending').toEqual([]);
    expect(parent.id, 'the parent was acknowledged with an id').toBeTruthy();
  });

  it('a partly filled parent arms a TP/SL for the filled contracts only', async () => {
    const { bid, ask } = await frozenTouch();
    sim.faults.partialFills({ ratio: 0.5 });
    try {
      const parent = await ex.createOrder(SYMBOL, 'market', 'buy', 2 * amount, undefined, { marginMode: 'cross', stopLoss: { triggerPrice: p(bid * 0.9) }, takeProfit: { triggerPrice: p(ask * 1.1) } });
      const rec = (await raw.privateGetTradeOrderDetail({ instId: 'ETH-USDT', orderId: parent.id })).data;
      expect(Number(rec.filledSize), 'half the parent filled').toBeCloseTo(amount, 9);
      const pending = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { tpsl: true });
      expect(pending.map((o) => Number((o.info as Raw).size)), 'the protective order covers what filled, not what was asked').toEqual([amount]);
    } finally {
      sim.faults.reset();
    }
  });
});
