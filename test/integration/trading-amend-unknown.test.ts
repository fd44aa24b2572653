import { ErrorCode } from '@perpscope/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { TemporaryError } from '../../sdk/src/core/errors.js';
import type { ExchangeOrderView } from '../../sdk/src/trading/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';

let rig: LiveRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

describe('amending a stop by cancel-and-replace (ccxt blofin against SimExchange)', () => {
  it('keeps the original stop working when the replacement cannot be confirmed (its create timed out and no lookup answers)', async () => {
    rig = await startLiveRig({ dialect: 'blofin' });
    const r = rig;
    await r.broker.start();
    const book = await r.ex.fetchOrderBook(SYMBOL, 5);
    const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
    const price = (f: number) => Number(r.ex.priceToPrecision(SYMBOL, px * f));
    await r.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: r.amountBase, tradeId: 'unk', leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
    const stop = await r.broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: price(0.8), amountBase: r.amountBase, reduceOnly: true, purpose: 'stop_loss', tradeId: 'unk', leg: 'sl' });
    expect(stop.state).toBe('ACK');

    // The replacement's create times out and every lookup of it fails too: its fate is unknown.
    // (The exchange and ccxt stay real; only the gateway's answers for that one order are withheld.)
    const gateway = r.broker.gateway;
    const create = gateway.create.bind(gateway);
    const lookup = gateway.lookup.bind(gateway);
    const timeout = () => new TemporaryError(ErrorCode.RequestTimeout, 'blofin createOrder: request timed out');
    gateway.create = async (order) => (order.clientOrderId === stop.clientOrderId ? create(order) : Promise.reject(timeout()));
    gateway.lookup = async (order): Promise<ExchangeOrderView | null> => (order.clientOrderId === stop.clientOrderId ? lookup(order) : Promise.reject(timeout()));

    // Lookups that never answer end the replacement LOST (reconciliation adopts it if it exists):
    // the amend is refused, and the stop it was to replace was never cancelled.
    await expect(r.broker.amendOrder(stop.clientOrderId, { triggerPrice: price(0.85) })).rejects.toMatchObject({ details: { reason: 'replacement_refused', originalWorking: true, state: 'LOST' } });
    expect(r.store.orders.get(stop.clientOrderId)?.state, 'the original stop is still working in the ledger').toBe('ACK');
    const live = r.sim.accountSnapshot().triggers.filter((t) => t.state === 'live');
    expect(live, 'and on the exchange').toHaveLength(1);
  });
});
