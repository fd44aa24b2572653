import { afterEach, describe, expect, it } from 'vitest';
import type { SimDialectName } from '../../sdk/src/sim/index.js';
import type { ExchangeOrderView } from '../../sdk/src/trading/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { LIVE_DIALECTS, startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';
import { until as waitUntil } from '../support/sim.js';

/** The private channel each dialect's sim counts the follower's subscription under. */
const ORDER_CHANNEL: Readonly<Record<SimDialectName, string>> = { blofin: 'orders', binanceusdm: 'ORDER_TRADE_UPDATE', bybit: 'order', htx: 'orders' };

let rig: LiveRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const until = (what: string, ok: () => boolean): Promise<true> => waitUntil(what, () => (ok() ? true : null), 30_000);

describe.each(LIVE_DIALECTS)('the live broker follows the %s private stream while it is busy', (dialect) => {
  it('an update that lands while the broker is still refreshing an earlier one reaches the ledger without any later event', async () => {
    rig = await startLiveRig({ dialect });
    const r = rig;
    await r.broker.start();
    const book = await r.ex.fetchOrderBook(SYMBOL, 5);
    const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
    const resting = (tradeId: string) =>
      r.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: Number(r.ex.priceToPrecision(SYMBOL, px * 0.7)), amountBase: r.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
    const a = await resting('busy-a');
    const b = await resting('busy-b');
    expect([a.state, b.state]).toEqual(['ACK', 'ACK']);
    r.broker.follow();
    await until('the follower to subscribe', () => r.sim.privateSubscriptions(ORDER_CHANNEL[dialect]) >= 1);

    // The broker's refresh of A is held open (the lookup waits on a gate the test opens), so the
    // broker is busy with A when B's update arrives. The exchange and ccxt stay real.
    const gateway = r.broker.gateway;
    const lookup = gateway.lookup.bind(gateway);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let heldA = false;
    gateway.lookup = async (order): Promise<ExchangeOrderView | null> => {
      if (order.clientOrderId === a.clientOrderId && !heldA) {
        heldA = true;
        await gate;
      }
      return lookup(order);
    };

    await r.ex.cancelOrder(a.exchangeOrderId ?? '', SYMBOL);
    await until('the refresh of A to start (and hold)', () => heldA);
    await r.ex.cancelOrder(b.exchangeOrderId ?? '', SYMBOL);
    // B's cancel is in ccxt's own order cache: the client has received its stream update.
    const cached = (): { id?: string; status?: string }[] => Array.from((r.ex as unknown as { orders?: Iterable<{ id?: string; status?: string }> }).orders ?? []);
    await until("B's update in the client", () => cached().some((o) => o.id === b.exchangeOrderId && o.status === 'canceled'));
    open();

    await until('A cancelled in the ledger', () => r.store.orders.get(a.clientOrderId)?.state === 'CANCELLED');
    // Nothing else happens on the account from here: only B's own update can bring B's cancel in.
    await until('B cancelled in the ledger, from the update that arrived mid-refresh', () => r.store.orders.get(b.clientOrderId)?.state === 'CANCELLED');
    expect(await r.ledgerMatches()).toEqual([]);
  });
});
