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
