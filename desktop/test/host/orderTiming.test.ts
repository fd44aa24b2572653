import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, liveConfirmPhrase, type OrderView, type RankingRowView } from '@perpscope/shared';
import { openStore, OrderState, type StoredOrder } from '@perpscope/sdk';
import { setPositionTrigger, type TriggerAmendDeps } from '../../src/host/triggerAmend.js';
import { startSimHost, stopSimHost } from './hostHarness.js';
import { hostEngineFactory, SIM_API_KEY, type EngineRuntime, type Host } from '../../src/host/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

const CONFIG = { sim: { symbols: 12, seed: 7, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 },
  // The sim's order flow trips the manipulation gate on some symbols; these tests are about the order's timing, not that gate.
  risk: { gates: { maxManipScore: null } },
};

/**
 * Post-only, time in force and a position's TP/SL set from the desk, through the host's order
 * path: on paper, and armed live, where ccxt's real blofin class carries them to the SimExchange.
 */
describe('post-only, IOC and position TP/SL from the desk, paper and live over ccxt against the SimExchange', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-timing-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
  const secrets = memorySecrets();
  let runtime: EngineRuntime;
  let host: Host;

  async function value<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
    const res = await p;
    if (!res.ok) throw new Error(res.error.message);
    return res.value;
  }
  async function liquidRow(nth: number): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', offset: nth, limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }
  async function markOf(row: RankingRowView): Promise<number> {
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    return (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
  }
  /** The order once it has left the working states (the live broker follows it on the exchange). */
  async function settled(id: string): Promise<OrderView> {
    return until(`order ${id} done`, async () => {
      const h = await value(host.call('orders.history', { limit: 50 }));
      const o = h.orders.find((x) => x.id === id);
      return o && (o.status === 'canceled' || o.status === 'filled' || o.status === 'rejected') ? o : null;
    });
  }
  async function fillsOf(id: string): Promise<number> {
    const h = await value(host.call('orders.history', { limit: 50 }));
    return h.fills.filter((f) => f.orderId === id).length;
  }

  beforeAll(async () => {
    ({ runtime, host } = await startSimHost(factory, home, secrets));
  });
  afterAll(async () => {
    await stopSimHost({ runtime, host }).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('names each ranking row\'s venue: the sim serves BloFin\'s markets', async () => {
    const row = await liquidRow(0);
    expect(row.exchange).toBe('blofin');
  });

  it('refuses post-only on a market order and IOC with post-only, naming the field', async () => {
    const row = await liquidRow(0);
    const market = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40, postOnly: true });
    expect(!market.ok && market.error.code).toBe(ErrorCode.InvalidInput);
    expect(!market.ok && market.error.message, JSON.stringify(market)).toMatch(/postOnly[\s\S]*limit order only/);
    const ioc = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'limit', price: row.lastPrice!, notionalUsd: 40, postOnly: true, timeInForce: 'IOC' });
    expect(!ioc.ok && ioc.error.message, JSON.stringify(ioc)).toMatch(/timeInForce[\s\S]*GTC/);
  });

  it('paper: a post-only limit that would take is cancelled unfilled; one below the book rests; an IOC below it never rests', async () => {
    // One symbol per entry: every entry, filled or not, starts the RiskPolicy's per-symbol cooldown.
    const [a, b, c] = await Promise.all([liquidRow(3), liquidRow(4), liquidRow(5)]);
    const taking = await value(host.call('orders.place', { symbol: a.symbol, side: 'buy', type: 'limit', price: (await markOf(a)) * 1.02, notionalUsd: 40, postOnly: true }));
    expect(taking.order.status, JSON.stringify(taking.order)).toBe('canceled');
    expect(await fillsOf(taking.order.id), 'no fill').toBe(0);
    const resting = await value(host.call('orders.place', { symbol: b.symbol, side: 'buy', type: 'limit', price: (await markOf(b)) * 0.97, notionalUsd: 40, postOnly: true }));
    expect(resting.order.status).toBe('open');
    await value(host.call('orders.cancel', { orderId: resting.order.id }));
    const ioc = await value(host.call('orders.place', { symbol: c.symbol, side: 'buy', type: 'limit', price: (await markOf(c)) * 0.97, notionalUsd: 40, timeInForce: 'IOC' }));
    expect(ioc.order.status, 'an IOC limit below the book never rests').toBe('canceled');
    expect(await fillsOf(ioc.order.id)).toBe(0);
  });

  it('paper: TP/SL set on a position without any, then moved', async () => {
    const row = await liquidRow(1);
    const mark = await markOf(row);
    await value(host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40 }));
    const placed = await value(host.call('positions.setTrigger', { symbol: row.symbol, kind: 'tp', triggerPrice: mark * 1.1 }));
    expect(placed.replaced, 'there was no take-profit').toBeNull();
    expect(placed.order.type).toBe('take_profit');
    const moved = await value(host.call('positions.setTrigger', { symbol: row.symbol, kind: 'tp', triggerPrice: mark * 1.15 }));
    expect(moved.replaced?.id).toBe(placed.order.id);
    const wrong = await host.call('positions.setTrigger', { symbol: row.symbol, kind: 'sl', triggerPrice: mark * 1.2 });
    expect(!wrong.ok && wrong.error.message, 'a long\'s stop above the mark is refused with the side it must be on').toMatch(/triggerPrice[\s\S]*below the mark/);
    const s = await value(host.call('trading.status', {}));
    expect(s.positions.find((p) => p.symbol === row.symbol)?.takeProfitPrice).toBe(moved.order.price);
    await value(host.call('positions.close', { symbol: row.symbol }));
  });

  it('live: post-only and IOC reach the SimExchange through ccxt, and a position TP/SL is set and moved there', async () => {
    await secrets.set({ exchange: 'blofin', label: 'main' }, { ...SIM_API_KEY });
    const armed = await host.call('trading.armLive', { exchange: 'blofin', label: 'main', confirm: liveConfirmPhrase('blofin', 'main') });
    expect(armed.ok && armed.value.mode, JSON.stringify(armed)).toBe('live');
    const row = await liquidRow(2);
    const mark = await markOf(row);

    // A plain limit at this price would fill at once; the venue cancels a post-only one instead.
    const taking = await value(host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'limit', price: mark * 1.02, notionalUsd: 40, postOnly: true }));
    const cancelled = await settled(taking.order.id);
    expect(cancelled.status, JSON.stringify(cancelled)).toBe('canceled');
    expect(await fillsOf(taking.order.id), 'the exchange filled nothing').toBe(0);

    const ioc = await value(host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'limit', price: mark * 0.97, notionalUsd: 40, timeInForce: 'IOC' }));
    expect((await settled(ioc.order.id)).status, 'the exchange cancels an IOC that cannot fill').toBe('canceled');

    const resting = await value(host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'limit', price: mark * 0.97, notionalUsd: 40, postOnly: true }));
    expect(resting.order.status, 'a post-only below the book rests on the exchange').toBe('open');
    await value(host.call('orders.cancel', { orderId: resting.order.id }));

    await value(host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 }));
    await until('the live position', async () => ((await value(host.call('trading.status', {}))).positions.some((p) => p.symbol === row.symbol) ? true : null));
    const sl = await value(host.call('positions.setTrigger', { symbol: row.symbol, kind: 'sl', triggerPrice: mark * 0.9 }));
    expect(sl.replaced).toBeNull();
    const moved = await value(host.call('positions.setTrigger', { symbol: row.symbol, kind: 'sl', triggerPrice: mark * 0.92 }));
    expect(moved.replaced?.id).toBe(sl.order.id);
    const shown = await until('the moved stop on the live position', async () => {
      const s = await value(host.call('trading.status', {}));
      const p = s.positions.find((x) => x.symbol === row.symbol);
      return p && p.stopLossPrice === moved.order.price ? s : null;
    });
    expect(shown.orders.filter((o) => o.symbol === row.symbol && o.type === 'stop_loss').map((o) => o.id), 'one stop works on the exchange').toEqual([moved.order.id]);
    await value(host.call('emergency.panic', { confirm: true }));
    await value(host.call('trading.disarmLive', {}));
  });
});

/** setPositionTrigger's choice of the trigger to move, on a broker that records what it is asked. */
describe('position TP/SL: which working trigger is moved', () => {
  const trigger = (id: string, side: 'buy' | 'sell', reduceOnly: boolean, triggerPrice: number, leg = 'tp1'): StoredOrder => ({
    clientOrderId: id, ledger: 'paper', exchange: 'sim', symbol: 'BTC/USDT:USDT', side, type: 'take_profit_market', purpose: 'take_profit', tradeId: 't1',
    amountBase: 1, price: null, triggerPrice, reduceOnly, params: { leg }, createdAtMs: 0, state: OrderState.Ack, exchangeOrderId: null, filledBase: 0,
    avgFillPrice: null, lookupAttempts: 0, lastError: null, updatedAtMs: 0,
  });
  function deps(open: StoredOrder[]) {
    const placed: Record<string, unknown>[] = [];
    const cancelled: string[] = [];
    const byId = new Map(open.map((o) => [o.clientOrderId, o]));
    const d = {
      broker: {
        fetchPositions: async () => [{ symbol: 'BTC/USDT:USDT', side: 'long', sizeBase: 1, entryPrice: 100, markPrice: 100, tradeId: 't1' }],
        openOrders: () => open,
        placeOrder: async (o: Record<string, unknown>) => {
          placed.push(o);
          return { ...trigger(`new${placed.length}`, o.side as 'buy' | 'sell', o.reduceOnly as boolean, o.triggerPrice as number), state: OrderState.Ack };
        },
        cancelOrder: async (id: string) => {
          cancelled.push(id);
          return { ...byId.get(id)!, state: OrderState.Cancelled };
        },
      },
      store: { orders: { get: (id: string) => byId.get(id), listByTrade: () => open } },
      ledger: 'paper',
      exchange: 'sim',
    } as unknown as TriggerAmendDeps;
    return { d, placed, cancelled };
  }

  it('moves the reduce-only closing-side trigger, never a leftover of the other side', async () => {
    const { d, placed, cancelled } = deps([trigger('stray', 'buy', false, 90), trigger('tp', 'sell', true, 110)]);
    const res = await setPositionTrigger(d, { symbol: 'BTC/USDT:USDT', kind: 'tp', triggerPrice: 120 });
    expect(cancelled, 'the long\'s sell-side TP is the one replaced').toEqual(['tp']);
    expect(placed[0]).toMatchObject({ side: 'sell', reduceOnly: true, triggerPrice: 120 });
    expect(res.replaced?.clientOrderId).toBe('tp');
  });

  it('places a new one when only an opposite-side trigger works, and refuses to merge several TP legs, naming them', async () => {
    const stray = deps([trigger('stray', 'buy', true, 90)]);
    const res = await setPositionTrigger(stray.d, { symbol: 'BTC/USDT:USDT', kind: 'tp', triggerPrice: 120 });
    expect(res.replaced, 'the buy-side trigger does not protect a long').toBeNull();
    expect(stray.placed[0]).toMatchObject({ side: 'sell', reduceOnly: true, amountBase: 1 });
    expect(stray.cancelled).toEqual([]);
    const ladder = deps([trigger('tpA', 'sell', true, 110, 'tp1'), trigger('tpB', 'sell', true, 120, 'tp2')]);
    await expect(setPositionTrigger(ladder.d, { symbol: 'BTC/USDT:USDT', kind: 'tp', triggerPrice: 130 })).rejects.toThrow(/tpA \(tp1 at 110\), tpB \(tp2 at 120\)/);
    expect(ladder.placed, 'nothing moved').toEqual([]);
  });
});
