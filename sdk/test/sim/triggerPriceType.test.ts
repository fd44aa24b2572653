import { describe, expect, it } from 'vitest';
import type { SimAccount } from '../../src/sim/account.js';
import type { SimContext } from '../../src/sim/context.js';
import type { OrderEngine } from '../../src/sim/orders.js';
import { TriggerEngine } from '../../src/sim/tpsl.js';

/**
 * The sim's trigger engine watching the mark for an algo order asked with `triggerPriceType=mark`
 * (what the Binance dialect sends for `workingType=MARK_PRICE`), the last price otherwise. The
 * market is scripted so that last and mark part: last falls through the trigger, the mark not yet.
 */
describe('TriggerEngine: the price an algo order watches', () => {
  function rig() {
    const prices = { last: 100, mark: 100 };
    const market = { id: 'X-USDT', symbol: 'X/USDT:USDT' };
    const ctx = {
      nowMs: () => 0,
      byInstId: (id: string) => (id === market.id ? market : undefined),
      isLive: () => true,
      tradingTime: (_m: unknown, now: number) => now,
      source: { lastPrice: () => prices.last, markPrice: () => ({ markPrice: prices.mark }) },
    } as unknown as SimContext;
    let ids = 0;
    const account = { newId: () => String(++ids), positions: new Map(), marginMode: 'cross' } as unknown as SimAccount;
    const placed: string[] = [];
    const orders = { usedClientIds: new Set<string>(), place: () => ({ orderId: `o${placed.push('sent')}` }) } as unknown as OrderEngine;
    const engine = new TriggerEngine(ctx, account, orders, () => undefined);
    const stop = (body: Record<string, string>) => engine.create('algo', { instId: market.id, side: 'sell', size: '1', reduceOnly: 'true', triggerPrice: '95', orderPrice: '-1', ...body });
    return { prices, engine, stop };
  }

  it('fires a mark-watching stop when the mark crosses, not when only the last price does', () => {
    const r = rig();
    const onMark = r.stop({ triggerPriceType: 'mark' });
    const onLast = r.stop({});
    if (!('id' in onMark) || !('id' in onLast)) throw new Error('trigger refused');
    r.prices.last = 94;
    r.engine.tick();
    expect(onLast.state, 'the last-price stop fired').toBe('effective');
    expect(onMark.state, 'the mark is still above the trigger').toBe('live');
    r.prices.mark = 94.5;
    r.engine.tick();
    expect(onMark.state).toBe('effective');
  });
});
