import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitReasonOf, ProtectionManager, type ProtectionPlan } from '../../src/trading/index.js';
import { entryRisk } from './helpers.js';
import { ledgerMatchesExchange, startLiveRig, SYMBOL, type LiveRig } from './liveRig.js';

let rig: LiveRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/**
 * The exchange answers the next `count` stop placements (BloFin `trade/order-tpsl` with a stop
 * leg) with a 503: the sim's own HTTP fault, armed just before each such request goes out, so
 * only placements fail and every other call (positions, lookups, the market exit) goes through.
 */
function failStopPlacements(r: LiveRig, count: number): () => number {
  let left = count;
  let failed = 0;
  const ex = r.ex as unknown as Record<string, (req: Record<string, unknown>, ...rest: unknown[]) => Promise<unknown>>;
  const place = ex.privatePostTradeOrderTpsl!.bind(r.ex);
  ex.privatePostTradeOrderTpsl = (req, ...rest) => {
    if (req.slTriggerPrice !== undefined && left > 0) {
      left--;
      failed++;
      r.sim.faults.failHttp({ status: 503, count: 1 });
    }
    return place(req, ...rest);
  };
  return () => failed;
}

async function openLong(r: LiveRig, tradeId: string, markTrigger: { holdMs: number; retryEveryMs: number }): Promise<{ pm: ProtectionManager; plan: ProtectionPlan; stopPrice: number }> {
  await r.broker.start();
  const book = await r.ex.fetchOrderBook(SYMBOL, 5);
  const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
  const market = r.ex.market(SYMBOL);
  // The lot in base units: ccxt counts BloFin amounts in contracts.
  const lot = (market.precision.amount ?? 1) * (market.contractSize ?? 1);
  const tick = market.precision.price ?? 0.01;
  const amountBase = r.amountBase * 2;
  const entry = await r.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
  expect(entry.state).toBe('FILLED');
  // Short waits: the rig runs on wall time, and the steps matter here, not their lengths.
  const pm = new ProtectionManager({ broker: r.broker, store: r.store, clock: r.clock, roundAmount: (_s, a) => Math.floor(a / lot + 1e-9) * lot, stopRetryBackoffMs: [50, 100], markTrigger });
  const stopPrice = Math.round((px * 0.9) / tick) * tick;
  const plan: ProtectionPlan = {
    tradeId,
    symbol: SYMBOL,
    side: 'long',
    entryPrice: entry.avgFillPrice ?? px,
    sizeBase: amountBase,
    initialStopPrice: stopPrice,
    takeProfits: [
      { price: px * 1.2, fraction: 0.5 },
      { price: px * 1.4, fraction: 0.5 },
    ],
    breakEven: null,
    trailing: null,
  };
  return { pm, plan, stopPrice };
}

const steps = (r: LiveRig, tradeId: string) =>
  r.store.events
    .list({})
    .filter((e) => e.type.startsWith('stop_') && (e.payload as { tradeId?: string }).tradeId === tradeId)
    .map((e) => ({ type: e.type, atMs: e.atMs }));
const liveStops = (r: LiveRig) => r.sim.accountSnapshot().triggers.filter((t) => t.state === 'live' && t.slTriggerPrice !== null);
const exchangeSize = (r: LiveRig) => r.sim.accountSnapshot().positions.reduce((s, p) => s + Math.abs(Number(p.positions)), 0);
/** One price the way the trading bridge delivers it: the position's mark, read from the exchange. */
const markTick = async (r: LiveRig, pm: ProtectionManager): Promise<void> => {
  const mark = (await r.broker.fetchPositions()).find((p) => p.symbol === SYMBOL)?.markPrice;
  if (mark) await pm.onPrice(SYMBOL, mark);
};

describe('a stop the exchange will not take (ccxt blofin against SimExchange, 503s from the sim)', () => {
  it('is retried with backoff, then held on the mark until a later try puts it on the exchange; the position is never exited', async () => {
    rig = await startLiveRig();
    const r = rig;
    const { pm, plan, stopPrice } = await openLong(r, 'mt1', { holdMs: 60_000, retryEveryMs: 300 });
    const failed = failStopPlacements(r, 3);
    expect(await pm.arm(plan), 'no stop on the exchange yet').toBe(false);
    expect(failed(), 'the first try and two retries each met a 503').toBe(3);
    expect(steps(r, 'mt1').map((s) => s.type)).toEqual(['stop_retry', 'stop_retry', 'stop_mark_trigger']);
    expect(liveStops(r), 'no stop on the exchange').toEqual([]);
    expect(r.sim.accountSnapshot().triggers.filter((t) => t.state === 'live' && t.tpTriggerPrice !== null).length, 'TP1 and TP2 went out').toBe(2);
    expect(exchangeSize(r), 'held, not exited').toBeGreaterThan(0);

    await vi.waitFor(
      async () => {
        await markTick(r, pm);
        expect(liveStops(r).length).toBe(1);
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(Number(liveStops(r)[0]?.slTriggerPrice), 'the planned stop price').toBeCloseTo(stopPrice, 9);
    expect(steps(r, 'mt1').map((s) => s.type)).toEqual(['stop_retry', 'stop_retry', 'stop_mark_trigger', 'stop_restored']);
    expect(exchangeSize(r), 'never exited').toBeGreaterThan(0);
    await r.broker.reconcile();
    expect(ledgerMatchesExchange(r.sim, r.store, r.ex)).toEqual([]);
  });

  it('falls back to a market exit only once the hold has run out with the exchange still refusing', async () => {
    rig = await startLiveRig();
    const r = rig;
    const { pm, plan } = await openLong(r, 'mt2', { holdMs: 1_500, retryEveryMs: 300 });
    const failed = failStopPlacements(r, Number.POSITIVE_INFINITY);
    expect(await pm.arm(plan)).toBe(false);
    expect(exchangeSize(r), 'held after the retries').toBeGreaterThan(0);

    await vi.waitFor(
      async () => {
        await markTick(r, pm);
        expect(exchangeSize(r)).toBe(0);
      },
      { timeout: 15_000, interval: 50 },
    );
    const s = steps(r, 'mt2');
    const types = s.map((x) => x.type);
    expect(types.slice(0, 3), 'retries, then the hold').toEqual(['stop_retry', 'stop_retry', 'stop_mark_trigger']);
    expect(types.at(-1), 'the market exit comes last').toBe('stop_fallback');
    expect(types.slice(3, -1).every((t) => t === 'stop_retry') && types.length > 4, `tries during the hold: ${types.join(', ')}`).toBe(true);
    // The first try, each retry, and maybe a last try whose failure found the hold run out.
    const tries = types.filter((t) => t === 'stop_retry').length + 1;
    expect([tries, tries + 1], 'every try met the fault').toContain(failed());
    const held = (s.at(-1)?.atMs ?? 0) - (s.find((x) => x.type === 'stop_mark_trigger')?.atMs ?? 0);
    expect(held, 'not before the hold ran out').toBeGreaterThanOrEqual(1_500);
    expect(exitReasonOf(r.store.orders.listByTrade('live', 'mt2').find((o) => o.purpose === 'exit'))).toBe('stop_fallback');
    await r.broker.reconcile();
    expect(ledgerMatchesExchange(r.sim, r.store, r.ex)).toEqual([]);
  });
});
