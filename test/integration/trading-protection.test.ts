import { afterEach, describe, expect, it } from 'vitest';
import { ProtectionManager, type ProtectionPlan } from '../../sdk/src/trading/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { LIVE_DIALECTS, startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';

let rig: LiveRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

async function openLong(r: LiveRig, tradeId: string): Promise<{ px: number; pm: ProtectionManager; plan: (stop: number) => ProtectionPlan }> {
  await r.broker.start();
  const book = await r.ex.fetchOrderBook(SYMBOL, 5);
  const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
  // The venue's lot is in contracts; amounts here are base units.
  const lot = (r.ex.market(SYMBOL).precision.amount ?? 0.001) * (r.ex.market(SYMBOL).contractSize ?? 1);
  const amountBase = r.amountBase * 2;
  const entry = await r.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
  expect(entry.state).toBe('FILLED');
  const pm = new ProtectionManager({ broker: r.broker, store: r.store, clock: r.clock, roundAmount: (_s, a) => Math.floor(a / lot + 1e-9) * lot });
  const plan = (stop: number): ProtectionPlan => ({
    tradeId,
    symbol: SYMBOL,
    side: 'long',
    entryPrice: entry.avgFillPrice ?? px,
    sizeBase: amountBase,
    initialStopPrice: stop,
    takeProfits: [
      { price: px * 1.2, fraction: 0.5 },
      { price: px * 1.4, fraction: 0.5 },
    ],
    breakEven: { afterR: 1, bufferBps: 10 },
    trailing: null,
  });
  return { px, pm, plan };
}

/** A working trigger's price, whichever record kind the core keeps it as (a TP/SL pair's leg or a single trigger). */
const triggerPriceOf = (t: Record<string, string | null>): number => Number(t.slTriggerPrice ?? t.tpTriggerPrice ?? t.triggerPrice);

for (const dialect of LIVE_DIALECTS) {
  describe(`protective orders on the exchange (ccxt ${dialect} against SimExchange, ${dialect} dialect)`, () => {
    it('RELIABILITY 9: a stop whose price is already crossed is refused by the exchange and the position is exited at market', async () => {
      rig = await startLiveRig({ dialect });
      const { px, pm, plan } = await openLong(rig, 'crossed');
      expect(await pm.arm(plan(px * 1.05)), 'the stop could not be placed').toBe(false);
      const sl = rig.store.orders.listByTrade('live', 'crossed').find((o) => o.purpose === 'stop_loss');
      expect(sl?.state, 'the exchange refused the stop').toBe('REJECTED');
      expect(rig.sim.accountSnapshot().positions.filter((p) => Number(p.positions) !== 0), 'emergency exit: flat on the exchange').toEqual([]);
      await rig.broker.reconcile();
      expect(await rig.ledgerMatches()).toEqual([]);
    });

    it("a stop the trader amended keeps the position protected: an amend the venue refuses leaves the stop working, and protection's next move places its own stop instead of taking the amend's", async () => {
      rig = await startLiveRig({ dialect });
      const r = rig;
      const { px, pm, plan } = await openLong(r, 'amended');
      expect(await pm.arm(plan(px * 0.9))).toBe(true);
      const liveStops = () => r.store.orders.listByTrade('live', 'amended').filter((o) => o.purpose === 'stop_loss' && (o.state === 'ACK' || o.state === 'PARTIAL'));
      const exchangeStops = () => r.sim.accountSnapshot().triggers.filter((t) => t.state === 'live' && triggerPriceOf(t) < px);
      const [armed] = liveStops();
      expect(armed).toBeDefined();
      // Through the market (a sell stop above the price): every venue refuses it, and the armed stop must stay.
      await expect(r.broker.amendOrder(armed!.clientOrderId, { triggerPrice: Number(r.ex.priceToPrecision(SYMBOL, px * 1.05)) })).rejects.toThrow();
      expect(liveStops().map((o) => o.clientOrderId), 'the armed stop still works').toEqual([armed!.clientOrderId]);
      expect(exchangeStops(), 'and the exchange still holds one stop').toHaveLength(1);
      // The trader moves it (in place on Bybit; a replacement leg elsewhere, numbered after the leg's last attempt).
      const traderPrice = Number(r.ex.priceToPrecision(SYMBOL, px * 0.91));
      const moved = await r.broker.amendOrder(armed!.clientOrderId, { triggerPrice: traderPrice });
      expect(moved.state).toBe('ACK');
      // Protection's next move is its own order: it must not be handed the trader's replacement and then cancel it.
      const target = Number(r.ex.priceToPrecision(SYMBOL, px * 0.92));
      const after = await pm.moveStopTo('amended', target);
      expect(after?.stopPrice).toBe(target);
      const stops = liveStops();
      expect(stops, 'one working stop').toHaveLength(1);
      expect(stops[0]!.triggerPrice).toBe(target);
      expect(exchangeStops().map(triggerPriceOf), 'the exchange holds that stop, at the new price').toEqual([target]);
    });

    it('RELIABILITY 9/10: the stop and TP ladder live on the exchange, reduce-only; they are cancelled when the position closes and never recreated', async () => {
      rig = await startLiveRig({ dialect });
      const { px, pm, plan } = await openLong(rig, 'ladder');
      expect(await pm.arm(plan(px * 0.9))).toBe(true);
      const live = rig.sim.accountSnapshot().triggers.filter((t) => t.state === 'live');
      expect(live.length, 'SL + TP1 + TP2 on the exchange').toBe(3);
      expect(live.every((t) => t.reduceOnly === 'true'), 'all reduce-only').toBe(true);
      expect(live.filter((t) => triggerPriceOf(t) < px).map(triggerPriceOf), 'one stop below the market, two take-profits above').toHaveLength(1);
      expect(live.filter((t) => triggerPriceOf(t) > px)).toHaveLength(2);

      await rig.broker.closePosition(SYMBOL, { tradeId: 'ladder' });
      await pm.sync();
      expect(rig.sim.accountSnapshot().triggers.filter((t) => t.state === 'live'), 'no stop without a position').toEqual([]);
      const creates = rig.createRequests();
      await pm.sync();
      await pm.onPrice(SYMBOL, px * 1.5);
      expect(rig.createRequests(), 'never recreated').toBe(creates);
      await rig.broker.reconcile();
      expect(await rig.ledgerMatches()).toEqual([]);
    });
  });
}
