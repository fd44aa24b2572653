import { describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { silentLogger } from '../../src/core/logger.js';
import type { Engine } from '../../src/engine/createEngine.js';
import { TradingBridge } from '../../src/engine/tradingBridge.js';
import type { PaperBroker } from '../../src/trading/index.js';
import { entryRisk, freshStorePerTest, openGatePaperStack } from '../trading/helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const book = (mid: number): OrderBook => ({ symbol: SYMBOL, timestampMs: 0, bids: [[mid - 0.1, 100]], asks: [[mid + 0.1, 100]] });

/** The engine surface the bridge listens to; nothing here emits, the test drives the broker. */
let watchSource: (() => Iterable<string>) | undefined;
const quietEngine = {
  on: () => () => undefined,
  watchSymbols: (source: () => Iterable<string>) => {
    watchSource = source;
    return () => (watchSource = undefined);
  },
} as unknown as Engine;
const watched = () => [...(watchSource?.() ?? [])];

describe('TradingBridge: a closed position leaves no working exits behind', () => {
  const fx = freshStorePerTest();

  it("cancels a closed trade's leftover take-profit, so it cannot reduce the next position on the symbol", async () => {
    const { store, clock } = fx;
    const stack = openGatePaperStack(fx);
    const paper = stack.broker as PaperBroker;
    const bridge = new TradingBridge({ engine: quietEngine, stack, paper, clock, logger: silentLogger, autotrade: false, positionRefreshMs: 3_600_000 });
    bridge.start();
    try {
      paper.onOrderBook(SYMBOL, book(100));
      const first = await paper.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.5, tradeId: 'one', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
      const tp = await paper.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', price: 105, amountBase: first.filledBase, reduceOnly: true, tradeId: 'one', leg: 'tp1' });
      expect(tp.state).toBe('ACK');
      expect(watched(), 'a held symbol is watched for manipulation alerts').toEqual([SYMBOL]);
      await paper.closePosition(SYMBOL, { tradeId: 'one' });
      expect(watched(), 'and no longer once closed').toEqual([]);
      expect(store.orders.get(tp.clientOrderId)?.state, 'the leftover take-profit is cancelled with the position').toBe('CANCELLED');
      const second = await paper.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.5, tradeId: 'two', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
      paper.onTrades(SYMBOL, [{ symbol: SYMBOL, id: 'up', timestampMs: clock.nowMs(), price: 106, amount: 10, side: 'buy' }]);
      const [pos] = await paper.fetchPositions();
      expect(pos?.sizeBase, 'the new position is whole').toBeCloseTo(second.filledBase, 12);
    } finally {
      bridge.stop();
    }
    expect(watchSource, 'a stopped bridge stops watching').toBeUndefined();
  });
});
