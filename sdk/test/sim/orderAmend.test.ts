import { describe, expect, it } from 'vitest';
import { SimAccount } from '../../src/sim/account.js';
import { SimContext } from '../../src/sim/context.js';
import { AmendRefusal, OrderEngine, type SimOrder } from '../../src/sim/orders.js';
import type { MarketSource, SimMarket } from '../../src/sim/types.js';

/**
 * The sim's matching core amending a resting order, over a scripted market: a fixed book (bids
 * 99/98, asks 101/102, 10 contracts each) and a tape the test prints, on a clock the test moves.
 */
describe('OrderEngine.amend', () => {
  function rig() {
    const market = { id: 'X-USDT', symbol: 'X/USDT:USDT', contractSize: 1, lotSize: 1, minAmount: 1, tickSize: 0.5, takerFee: 0.0006, makerFee: 0.0002, maxLeverage: 50 } as unknown as SimMarket;
    const clock = { now: 1_000 };
    const tape: { price: number; amount: number; timestampMs: number }[] = [];
    const source = {
      markets: () => [market],
      orderBook: () => ({ bids: [[99, 10], [98, 10]], asks: [[101, 10], [102, 10]] }),
      trades: (_s: string, from: number, to: number) => tape.filter((t) => t.timestampMs >= from && t.timestampMs < to),
      lastPrice: () => 100,
      markPrice: () => ({ markPrice: 100 }),
    } as unknown as MarketSource;
    const ctx = new SimContext(source, 0, 0, () => clock.now);
    const account = new SimAccount(ctx, 100_000);
    const updates: { orderId: string; state: string; price: number; size: number }[] = [];
    const engine = new OrderEngine(ctx, account, (o) => updates.push({ orderId: o.orderId, state: o.state, price: o.price, size: o.size }), () => undefined);
    const place = (req: { side?: 'buy' | 'sell'; price: number; size: number; orderType?: string }): SimOrder => {
      const r = engine.place({ instId: market.id, side: req.side ?? 'buy', orderType: req.orderType ?? 'limit', price: req.price, size: req.size });
      if (!('orderId' in r)) throw new Error(`placement refused: ${r.msg}`);
      return r;
    };
    const print = (price: number, amount: number): void => {
      tape.push({ price, amount, timestampMs: clock.now });
      clock.now += 10;
    };
    return { engine, account, clock, updates, place, print };
  }

  it('changes price and size in place, pushes the update, and keeps the ids', () => {
    const r = rig();
    const o = r.place({ price: 95, size: 2 });
    r.updates.length = 0;
    const amended = r.engine.amend(o.orderId, { price: 96, size: 3 });
    expect(amended).toBe(o);
    expect(o).toMatchObject({ price: 96, size: 3, state: 'live', filledSize: 0 });
    expect(r.updates, 'one pushed update carrying the new terms').toEqual([{ orderId: o.orderId, state: 'live', price: 96, size: 3 }]);
    expect(r.engine.amend(o.orderId, { price: 96.7 }), 'prices snap to the tick').toMatchObject({ price: 96.5 });
    expect(r.engine.amend(o.orderId, { price: 96.6 }), 'the same price after snapping changes nothing').toMatchObject({ code: AmendRefusal.Unchanged });
  });

  it('loses time priority: tape printed before the amend no longer fills it, later tape does', () => {
    const r = rig();
    const o = r.place({ price: 95, size: 2 });
    r.clock.now += 10;
    // Trades through 96 before the amend: the order rested at 95 then, so they never reached it.
    r.print(95.5, 5);
    r.engine.amend(o.orderId, { price: 96 });
    r.engine.tick();
    expect(o.filledSize, 'the earlier print does not fill the re-priced order').toBe(0);
    r.print(95.5, 1);
    r.engine.tick();
    expect(o).toMatchObject({ filledSize: 1, state: 'partially_filled', avgPrice: 96 });
  });

  it('a new price that crosses the book matches at once as a taker', () => {
    const r = rig();
    const o = r.place({ price: 95, size: 3 });
    r.engine.amend(o.orderId, { price: 101 });
    expect(o).toMatchObject({ state: 'filled', filledSize: 3, avgPrice: 101 });
    const fill = r.account.fills.at(-1);
    expect(fill).toMatchObject({ orderId: o.orderId, price: 101 });
    expect(o.fee, 'charged the taker fee').toBeCloseTo(3 * 101 * 0.0006, 9);
  });

  it('cancels a post-only order whose new price would take', () => {
    const r = rig();
    const o = r.place({ price: 95, size: 1, orderType: 'post_only' });
    r.engine.amend(o.orderId, { price: 101.5 });
    expect(o).toMatchObject({ state: 'canceled', filledSize: 0, cancelSource: 'post_only' });
  });

  it('refuses filled, cancelled and unknown orders, sizes not above the filled part, and no change', () => {
    const r = rig();
    const filled = r.place({ price: 101, size: 1 });
    expect(filled.state).toBe('filled');
    expect(r.engine.amend(filled.orderId, { price: 100 })).toMatchObject({ code: AmendRefusal.NotOpen });
    const cancelled = r.place({ price: 90, size: 1 });
    r.engine.cancel(cancelled.instId, cancelled.orderId, undefined);
    expect(r.engine.amend(cancelled.orderId, { price: 91 })).toMatchObject({ code: AmendRefusal.NotOpen });
    expect(r.engine.amend('nope', { price: 91 })).toMatchObject({ code: AmendRefusal.NotOpen });

    const partial = r.place({ price: 95, size: 4 });
    r.clock.now += 10;
    r.print(94, 2);
    r.engine.tick();
    expect(partial).toMatchObject({ state: 'partially_filled', filledSize: 2 });
    expect(r.engine.amend(partial.orderId, { size: 2 })).toMatchObject({ code: AmendRefusal.BelowFilled });
    expect(r.engine.amend(partial.orderId, { size: 4, price: 95 })).toMatchObject({ code: AmendRefusal.Unchanged });
    expect(r.engine.amend(partial.orderId, { size: 1.5 })).toMatchObject({ code: '152002' });
    expect(partial, 'a refused amend changes nothing').toMatchObject({ size: 4, price: 95, filledSize: 2, state: 'partially_filled' });
    expect(r.engine.amend(partial.orderId, { size: 3 })).toMatchObject({ size: 3, filledSize: 2, state: 'partially_filled' });
  });

  it('refuses growth the margin cannot carry, as a new order would be', () => {
    const r = rig();
    const o = r.place({ price: 95, size: 10 });
    // 100,000 USDT at the sim's default 3x leverage carries about 3,150 contracts at 95.
    expect(r.engine.amend(o.orderId, { size: 5_000 })).toMatchObject({ code: '103003' });
    expect(o.size).toBe(10);
    expect(r.engine.amend(o.orderId, { size: 1_000 })).toMatchObject({ size: 1_000 });
  });
});
