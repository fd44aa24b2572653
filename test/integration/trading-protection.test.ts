import { afterEach, describe, expect, it } from 'vitest';
import { ProtectionManager, type ProtectionPlan } from '../../sdk/src/trading/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { ledgerMatchesExchange, startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';

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

describe('protective orders on the exchange (ccxt blofin against SimExchange)', () => {
  it('RELIABILITY 9: a stop whose price is already crossed is refused by the exchange and the position is exited at market', async () => {
    rig = await startLiveRig();
    const { px, pm, plan } = await openLong(rig, 'crossed');
    expect(await pm.arm(plan(px * 1.05)), 'the stop could not be placed').toBe(false);
    const sl = rig.store.orders.listByTrade('live', 'crossed').find((o) => o.purpose === 'stop_loss');
    expect(sl?.state, 'the exchange refused the stop').toBe('REJECTED');
    expect(rig.sim.accountSnapshot().positions.filter((p) => Number(p.positions) !== 0), 'emergency exit: flat on the exchange').toEqual([]);
    await rig.broker.reconcile();
    expect(ledgerMatchesExchange(rig.sim, rig.store, rig.ex)).toEqual([]);
  });

  it('RELIABILITY 9/10: the stop and TP ladder live on the exchange, reduce-only; they are cancelled when the position closes and never recreated', async () => {
    rig = await startLiveRig();
    const { px, pm, plan } = await openLong(rig, 'ladder');
    expect(await pm.arm(plan(px * 0.9))).toBe(true);
    const live = rig.sim.accountSnapshot().triggers.filter((t) => t.state === 'live');
    expect(live.length, 'SL + TP1 + TP2 on the exchange').toBe(3);
    expect(live.every((t) => t.reduceOnly === 'true'), 'all reduce-only').toBe(true);
    expect(live.filter((t) => t.slTriggerPrice !== null).length).toBe(1);

    await rig.broker.closePosition(SYMBOL, { tradeId: 'ladder' });
    await pm.sync();
    expect(rig.sim.accountSnapshot().triggers.filter((t) => t.state === 'live'), 'no stop without a position').toEqual([]);
    const creates = rig.createRequests();
    await pm.sync();
    await pm.onPrice(SYMBOL, px * 1.5);
    expect(rig.createRequests(), 'never recreated').toBe(creates);
    await rig.broker.reconcile();
    expect(ledgerMatchesExchange(rig.sim, rig.store, rig.ex)).toEqual([]);
  });
});
