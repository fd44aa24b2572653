import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import type { Broker, BrokerEvent } from '../../src/trading/index.js';
import { entryRisk } from './helpers.js';

/** What the shared contract needs from one broker implementation. */
export interface BrokerHarness {
  broker: Broker;
  store: Store;
  symbol: string;
  /** A valid small order size on this venue. */
  amountBase: number;
  /** Current mid price. */
  price(): Promise<number>;
  /** Lets the venue progress (paper: feed the current book; live: pull fills). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One contract for every Broker: paper and ccxt-live (against SimExchange) must behave the same
 * for the same calls.
 */
export function runBrokerContract(name: string, make: () => Promise<BrokerHarness>): void {
  describe(`Broker contract: ${name}`, () => {
    let h: BrokerHarness;
    const events: BrokerEvent[] = [];
    let run = 0;
    const trade = (): string => `${name.replace(/\W/g, '')}${Date.now().toString(36)}${run++}`;

    beforeAll(async () => {
      h = await make();
      h.broker.on((e) => events.push(e));
      await h.broker.start();
    });
    afterAll(async () => {
      await h.close();
    });

    it('fills a market order, opens the position and streams order, fill and position events', async () => {
      const px = await h.price();
      const tradeId = trade();
      events.length = 0;
      const order = await h.broker.placeOrder({ symbol: h.symbol, side: 'buy', type: 'market', amountBase: h.amountBase, tradeId, leg: 'entry', risk: entryRisk(h.symbol, 'long', px) });
      await h.settle();
      const stored = h.store.orders.get(order.clientOrderId);
      expect(stored?.state, 'market order fills').toBe('FILLED');
      expect(stored?.filledBase).toBeCloseTo(h.amountBase, 9);
      const pos = (await h.broker.fetchPositions()).find((p) => p.symbol === h.symbol);
      expect(pos?.side).toBe('long');
      expect(pos?.sizeBase).toBeCloseTo(h.amountBase, 9);
      expect(events.some((e) => e.type === 'order'), 'order events').toBe(true);
      expect(events.some((e) => e.type === 'fill'), 'fill events').toBe(true);
      expect(events.some((e) => e.type === 'position'), 'position events').toBe(true);
      const close = await h.broker.closePosition(h.symbol, { tradeId });
      await h.settle();
      expect(h.store.orders.get(close?.clientOrderId ?? '')?.state, 'reduce-only close fills').toBe('FILLED');
      expect((await h.broker.fetchPositions()).find((p) => p.symbol === h.symbol), 'flat after the close').toBeUndefined();
      expect(await h.broker.closePosition(h.symbol), 'closing a flat symbol is a no-op').toBeNull();
    });

    it('places a leg once: the same trade/leg/attempt returns the same order', async () => {
      const px = await h.price();
      const req = { symbol: h.symbol, side: 'buy' as const, type: 'limit' as const, price: roundDown(px * 0.8), amountBase: h.amountBase, tradeId: trade(), leg: 'entry', risk: entryRisk(h.symbol, 'long', px * 0.8) };
      const a = await h.broker.placeOrder(req);
      const b = await h.broker.placeOrder(req);
      expect(b.clientOrderId).toBe(a.clientOrderId);
      expect(h.broker.openOrders(h.symbol).filter((o) => o.tradeId === req.tradeId), 'one order for the leg').toHaveLength(1);
      const cancelled = await h.broker.cancelOrder(a.clientOrderId);
      expect(cancelled.state).toBe('CANCELLED');
      expect((await h.broker.cancelOrder(a.clientOrderId)).state, 'cancelling twice is harmless').toBe('CANCELLED');
    });

    it('rests a limit order away from the market and cancels it', async () => {
      const px = await h.price();
      const order = await h.broker.placeOrder({
        symbol: h.symbol,
        side: 'buy',
        type: 'limit',
        price: roundDown(px * 0.7),
        amountBase: h.amountBase,
        tradeId: trade(),
        leg: 'entry',
        risk: entryRisk(h.symbol, 'long', px * 0.7),
      });
      expect(order.state).toBe('ACK');
      expect(h.broker.openOrders(h.symbol).map((o) => o.clientOrderId)).toContain(order.clientOrderId);
      expect((await h.broker.cancelOrder(order.clientOrderId)).state).toBe('CANCELLED');
      expect(h.broker.openOrders(h.symbol).map((o) => o.clientOrderId)).not.toContain(order.clientOrderId);
    });

    it('amends a resting limit order: the working order rests at the new price and size', async () => {
      const px = await h.price();
      const tradeId = trade();
      const order = await h.broker.placeOrder({ symbol: h.symbol, side: 'buy', type: 'limit', price: roundDown(px * 0.7), amountBase: h.amountBase, tradeId, leg: 'entry', risk: entryRisk(h.symbol, 'long', px * 0.7) });
      const price = roundDown(px * 0.72);
      const amended = await h.broker.amendOrder(order.clientOrderId, { price, amountBase: h.amountBase * 2, risk: entryRisk(h.symbol, 'long', price) });
      expect(amended.state).toBe('ACK');
      expect(Math.abs((amended.price ?? 0) - price), 'the new price, on the market grid').toBeLessThanOrEqual(price * 1e-3);
      expect(amended.amountBase).toBeCloseTo(h.amountBase * 2, 9);
      expect(amended.tradeId).toBe(tradeId);
      const working = h.broker.openOrders(h.symbol).filter((o) => o.tradeId === tradeId);
      expect(working.map((o) => o.clientOrderId), 'one working order for the leg: the amended one').toEqual([amended.clientOrderId]);
      // In place the order keeps its id and records the amend; replaced, the old order is cancelled.
      if (amended.clientOrderId === order.clientOrderId) {
        expect(h.store.orders.transitions(order.clientOrderId).at(-1)).toMatchObject({ fromState: 'ACK', toState: 'ACK', reason: 'amended', details: { from: { price: order.price, amountBase: order.amountBase } } });
      } else expect(h.store.orders.get(order.clientOrderId)?.state).toBe('CANCELLED');
      expect((await h.broker.cancelOrder(amended.clientOrderId)).state).toBe('CANCELLED');
    });

    it('an amend whose new price crosses the book fills at once, as a taker would', async () => {
      const px = await h.price();
      const tradeId = trade();
      const order = await h.broker.placeOrder({ symbol: h.symbol, side: 'buy', type: 'limit', price: roundDown(px * 0.7), amountBase: h.amountBase, tradeId, leg: 'entry', risk: entryRisk(h.symbol, 'long', px * 0.7) });
      const through = roundDown(px * 1.03);
      const amended = await h.broker.amendOrder(order.clientOrderId, { price: through, risk: entryRisk(h.symbol, 'long', through) });
      await h.settle();
      expect(h.store.orders.get(amended.clientOrderId)?.state, 'filled on the amend').toBe('FILLED');
      expect((await h.broker.fetchPositions()).find((p) => p.symbol === h.symbol)?.sizeBase).toBeCloseTo(h.amountBase, 9);
      await h.broker.closePosition(h.symbol, { tradeId });
      await h.settle();
      expect((await h.broker.fetchPositions()).find((p) => p.symbol === h.symbol)).toBeUndefined();
    });

    it('refuses an amend that grows an entry past what the risk policy sizes, before anything is sent', async () => {
      const px = await h.price();
      const price = roundDown(px * 0.7);
      // A trader's own ticket: the policy sizes the notional asked for (1.5 orders' worth at the touch), no more.
      const risk = { ...entryRisk(h.symbol, 'long', price), manualNotionalUsd: h.amountBase * px * 1.5 };
      const order = await h.broker.placeOrder({ symbol: h.symbol, side: 'buy', type: 'limit', price, amountBase: h.amountBase, tradeId: trade(), leg: 'entry', risk });
      expect(order.state).toBe('ACK');
      const refusal = await h.broker.amendOrder(order.clientOrderId, { amountBase: h.amountBase * 3, risk }).then(
        () => null,
        (err: unknown) => err as { code?: string; details?: Record<string, unknown> },
      );
      expect(refusal).toMatchObject({ code: 'RISK_REJECTED', details: { reason: 'exceeds_sizing' } });
      expect(Number(refusal?.details?.amountBase), 'the refused field and value').toBeCloseTo(h.amountBase * 3, 9);
      expect(h.store.orders.get(order.clientOrderId), 'unchanged').toMatchObject({ state: 'ACK', amountBase: order.amountBase, price: order.price });
      expect(h.store.orders.transitions(order.clientOrderId).some((t) => t.reason === 'amended')).toBe(false);
      await expect(h.broker.amendOrder(order.clientOrderId, { amountBase: -1, risk }), 'bad input names the field').rejects.toThrow(/amountBase/);
      expect((await h.broker.cancelOrder(order.clientOrderId)).state).toBe('CANCELLED');
    });

    it('refuses a reduce-only order with no position behind it, before anything is recorded', async () => {
      const tradeId = trade();
      await expect(h.broker.placeOrder({ symbol: h.symbol, side: 'sell', type: 'market', amountBase: h.amountBase, reduceOnly: true, tradeId, leg: 'exit' })).rejects.toMatchObject({
        details: { reason: 'no_position' },
      });
      expect(h.store.orders.listByTrade(h.broker.ledger, tradeId), 'nothing recorded').toHaveLength(0);
    });

    it('refuses an entry without its risk context, and bad input with the field named', async () => {
      await expect(h.broker.placeOrder({ symbol: h.symbol, side: 'buy', type: 'market', amountBase: h.amountBase, tradeId: trade(), leg: 'entry' })).rejects.toMatchObject({ code: 'RISK_REJECTED' });
      await expect(h.broker.placeOrder({ symbol: h.symbol, side: 'buy', type: 'limit', amountBase: -1, tradeId: trade(), leg: 'entry' })).rejects.toThrow(/amountBase/);
    });

    it('keeps a reduce-only stop below the market until cancelled', async () => {
      const px = await h.price();
      const tradeId = trade();
      await h.broker.placeOrder({ symbol: h.symbol, side: 'buy', type: 'market', amountBase: h.amountBase, tradeId, leg: 'entry', risk: entryRisk(h.symbol, 'long', px) });
      await h.settle();
      const stop = await h.broker.placeOrder({ symbol: h.symbol, side: 'sell', type: 'stop_market', triggerPrice: roundDown(px * 0.8), amountBase: h.amountBase, reduceOnly: true, tradeId, leg: 'sl' });
      expect(stop.state, 'the stop rests on the venue').toBe('ACK');
      expect((await h.broker.cancelOrder(stop.clientOrderId)).state).toBe('CANCELLED');
      await h.broker.closePosition(h.symbol, { tradeId });
      await h.settle();
      expect((await h.broker.fetchPositions()).find((p) => p.symbol === h.symbol)).toBeUndefined();
    });

    it('reports an account with positive equity', async () => {
      const acc = await h.broker.fetchAccount();
      expect(acc.equityUsd).toBeGreaterThan(0);
      expect(acc.availableUsd).toBeGreaterThan(0);
    });
  });
}

function roundDown(p: number): number {
  const step = 10 ** (Math.floor(Math.log10(p)) - 3);
  return Math.floor(p / step) * step;
}
