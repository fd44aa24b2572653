import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import type { SimExchange } from '../../src/sim/index.js';
import type { StoredOrder } from '../../src/store/index.js';
import { CcxtOrderGateway, orderViewStatus } from '../../src/trading/ccxtGateway.js';
import { ledgerMatchesExchange, startLiveRig, SYMBOL as RIG_SYMBOL, type LiveRig } from '../trading/liveRig.js';
import { client, mid, startFidelitySim, SYMBOL, type Client } from './fidelityHelpers.js';

type Raw = Record<string, unknown>;
interface Implicit {
  privateGetTradeOrderDetail(p: Raw): Promise<{ data: Raw }>;
  privateGetTradeFillsHistory(p: Raw): Promise<{ data: Raw[] }>;
  privateGetTradeOrdersHistory(p: Raw): Promise<{ data: Raw[] }>;
  privateGetTradeOrderTpslDetail(p: Raw): Promise<{ data: Raw }>;
  privatePostTradeOrderTpsl(p: Raw): Promise<{ data: Raw }>;
  privatePostTradeClosePosition(p: Raw): Promise<unknown>;
}

/** The ledger fields a gateway lookup reads; the rest of a stored order plays no part in it. */
function lookupKey(symbol: string, type: StoredOrder['type'], clientOrderId: string): StoredOrder {
  return { symbol, type, clientOrderId } as StoredOrder;
}

describe('SimExchange fidelity: order states', () => {
  let sim: SimExchange;
  let ex: Client;
  let raw: Implicit;
  let gateway: CcxtOrderGateway;
  let px = 0;

  beforeAll(async () => {
    sim = await startFidelitySim({ acceleration: 600 });
    ex = client(sim);
    raw = ex as unknown as Implicit;
    await ex.loadMarkets();
    gateway = new CcxtOrderGateway(ex, 'blofin', new SystemClock());
  });
  afterEach(() => {
    sim.faults.reset();
    sim.resume();
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('a partly filled order then cancelled is partially_canceled; ccxt passes it through unmapped, the engine reads canceled with its fill', async () => {
    sim.pause();
    px = await mid(ex);
    sim.faults.partialFills({ ratio: 0.5 });
    const lot = ex.market(SYMBOL).precision.amount ?? 0.001;
    const amount = Number(ex.amountToPrecision(SYMBOL, Math.max(2 * lot, Math.ceil(200 / px / ex.market(SYMBOL).contractSize! / lot / 2) * 2 * lot)));
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, Number(ex.priceToPrecision(SYMBOL, px * 1.02)), { clientOrderId: 'fidelityPart1', marginMode: 'cross' });
    await ex.cancelOrder(String(placed.id), SYMBOL);
    const rec = (await raw.privateGetTradeOrderDetail({ instId: 'ETH-USDT', orderId: placed.id })).data;
    expect(rec.state, 'BloFin names a cancel after a partial fill').toBe('partially_canceled');
    expect(Number(rec.filledSize)).toBeCloseTo(amount / 2, 9);
    expect(ex.parseOrder(rec, ex.market(SYMBOL)).status, 'ccxt leaves the state unmapped').toBe('partially_canceled');
    const view = await gateway.lookup(lookupKey(SYMBOL, 'limit', 'fidelityPart1'));
    expect(view?.status, 'terminal for the engine, not open').toBe('canceled');
    expect(view?.filledBase, 'half the contracts, in base units').toBeCloseTo((amount / 2) * ex.market(SYMBOL).contractSize!, 9);
    const closed = await ex.fetchClosedOrders(SYMBOL);
    expect(closed.map((o) => o.id), 'history lists it').toContain(placed.id);
  });

  it('a TP/SL whose order is refused when it fires is order_failed; ccxt calls it canceled, the engine reads rejected', async () => {
    const lot = ex.market(SYMBOL).precision.amount ?? 0.001;
    const tick = ex.market(SYMBOL).precision.price ?? 0.01;
    sim.pause();
    px = await mid(ex);
    const amount = Number(ex.amountToPrecision(SYMBOL, Math.ceil(100 / px / ex.market(SYMBOL).contractSize! / lot) * lot));
    await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { marginMode: 'cross' });
    const last = (await ex.fetchTicker(SYMBOL)).last ?? px;
    const made = await raw.privatePostTradeOrderTpsl({
      instId: 'ETH-USDT',
      marginMode: 'cross',
      positionSide: 'net',
      side: 'sell',
      size: ex.amountToPrecision(SYMBOL, amount),
      reduceOnly: 'true',
      clientOrderId: 'fidelityFail1',
      tpTriggerPrice: ex.priceToPrecision(SYMBOL, last + tick),
      tpOrderPrice: '-1',
      slTriggerPrice: ex.priceToPrecision(SYMBOL, last - tick),
      slOrderPrice: '-1',
    });
    expect(made.data.code).toBe('0');
    // The position goes before the trigger fires: its reduce-only order then has nothing to reduce.
    await raw.privatePostTradeClosePosition({ instId: 'ETH-USDT', marginMode: 'cross' });
    sim.resume();
    await vi.waitFor(
      () => {
        const t = sim.accountSnapshot().triggers.find((x) => x.clientOrderId === 'fidelityFail1');
        expect(t?.state, 'the trigger fired').not.toBe('live');
      },
      { timeout: 30_000, interval: 50 },
    );
    const rec = (await raw.privateGetTradeOrderTpslDetail({ instId: 'ETH-USDT', clientOrderId: 'fidelityFail1' })).data;
    expect(rec.state).toBe('order_failed');
    expect(ex.parseOrder(rec, ex.market(SYMBOL)).status, 'ccxt folds it into canceled').toBe('canceled');
    const view = await gateway.lookup(lookupKey(SYMBOL, 'stop_market', 'fidelityFail1'));
    expect(view?.status, 'a refusal, not a cancel').toBe('rejected');
  });

  it('maps every BloFin order state in one place', () => {
    expect(orderViewStatus('partially_canceled', 'partially_canceled')).toBe('canceled');
    expect(orderViewStatus('order_failed', 'canceled')).toBe('rejected');
    expect(orderViewStatus('filled', 'closed')).toBe('filled');
    expect(orderViewStatus('canceled', 'canceled')).toBe('canceled');
    expect(orderViewStatus('live', 'open')).toBe('open');
    expect(orderViewStatus('partially_filled', 'open')).toBe('open');
  });
});

describe('SimExchange fidelity: history pagination', () => {
  let sim: SimExchange;
  let ex: Client;
  let raw: Implicit;

  beforeAll(async () => {
    sim = await startFidelitySim();
    ex = client(sim);
    raw = ex as unknown as Implicit;
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('fills and order history serve 20 rows by default, newest first, and page by after/before ids', async () => {
    const px = await mid(ex);
    const lot = ex.market(SYMBOL).precision.amount ?? 0.001;
    const amount = Number(ex.amountToPrecision(SYMBOL, Math.ceil(20 / px / ex.market(SYMBOL).contractSize! / lot) * lot));
    for (let i = 0; i < 25; i++) await ex.createOrder(SYMBOL, 'market', i % 2 === 0 ? 'buy' : 'sell', amount, undefined, { marginMode: 'cross' });
    const all = sim.accountSnapshot().fills.map((f) => f.tradeId);
    expect(all.length).toBeGreaterThanOrEqual(25);
    const newestFirst = [...all].sort((a, b) => Number(b) - Number(a));

    const first = (await raw.privateGetTradeFillsHistory({})).data.map((f) => String(f.tradeId));
    expect(first, 'BloFin\'s default page is 20 rows, newest first').toEqual(newestFirst.slice(0, 20));
    const second = (await raw.privateGetTradeFillsHistory({ after: first[first.length - 1] })).data.map((f) => String(f.tradeId));
    expect(second, 'after = older than that id').toEqual(newestFirst.slice(20, 40));
    const newer = (await raw.privateGetTradeFillsHistory({ before: newestFirst[5], limit: '3' })).data.map((f) => String(f.tradeId));
    expect(newer, 'before = newer than that id, the nearest ones').toEqual(newestFirst.slice(2, 5));
    expect((await raw.privateGetTradeFillsHistory({ limit: '100' })).data).toHaveLength(all.length);
    await expect(raw.privateGetTradeFillsHistory({ limit: '101' }), 'limit is at most 100').rejects.toThrow(/152002/);

    const orders = (await raw.privateGetTradeOrdersHistory({})).data.map((o) => String(o.orderId));
    expect(orders).toHaveLength(20);
    const olderOrders = (await raw.privateGetTradeOrdersHistory({ after: orders[orders.length - 1] })).data.map((o) => String(o.orderId));
    expect(olderOrders).toHaveLength(5);
    expect(new Set([...orders, ...olderOrders]).size, 'the pages do not overlap').toBe(25);
  });
});

describe('SimExchange fidelity: the reconciler pages until done', () => {
  let rig: LiveRig | undefined;
  afterAll(async () => {
    await rig?.stop();
  });

  it('fills made while down that span more than one page (over 100) are all applied', async () => {
    rig = await startLiveRig();
    await rig.broker.start();
    // While the app is down: 130 manual trades, more than one page of BloFin's fill history.
    for (let i = 0; i < 130; i++) await rig.ex.createOrder(RIG_SYMBOL, 'market', 'buy', rig.amountContracts, undefined, { clientOrderId: `manual${i}` });
    const exchangeFills = rig.sim.accountSnapshot().fills.length;
    expect(exchangeFills).toBeGreaterThan(100);
    const restarted = rig.reopen();
    await restarted.start();
    expect(rig.store.fills.since('live', 0).length, 'every fill reached the ledger').toBe(exchangeFills);
    expect(ledgerMatchesExchange(rig.sim, rig.store, rig.ex), 'ledger == exchange, positions == exchange').toEqual([]);
    expect(rig.store.positions.get('live', 'blofin', RIG_SYMBOL)?.sizeBase).toBeCloseTo(rig.amountBase * 130, 6);
  });
});
