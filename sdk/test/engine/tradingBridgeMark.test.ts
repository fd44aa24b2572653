import { describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { silentLogger } from '../../src/core/logger.js';
import type { Engine } from '../../src/engine/createEngine.js';
import { TradingBridge } from '../../src/engine/tradingBridge.js';
import { LimiterPriority, type OrderFlowSnapshot, type ReadOptions } from '../../src/market/index.js';
import type { PaperBroker } from '../../src/trading/index.js';
import { entryRisk, freshStorePerTest, openGatePaperStack } from '../trading/helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const book = (mid: number): OrderBook => ({ symbol: SYMBOL, timestampMs: 0, bids: [[mid - 0.01, 100]], asks: [[mid + 0.01, 100]] });

describe('TradingBridge: stops move on the mark of each open-position refresh', () => {
  const fx = freshStorePerTest();

  it('break-even and trailing follow the refreshed mark with no bar closing, at most once per amend interval', async () => {
    const { store, clock } = fx;
    let mark = 100;
    /** The queue priority of every order-flow read the bridge asks for. */
    const priorities = new Set<string>();
    // The engine surface the bridge uses: no events (no bar closes), and the order flow a refresh reads.
    const engine = {
      on: () => () => undefined,
      watchSymbols: () => () => undefined,
      refreshOrderFlow: (symbol: string, opts?: ReadOptions): Promise<OrderFlowSnapshot> => {
        priorities.add(opts?.priority ?? 'normal');
        return Promise.resolve({ symbol, updatedAtMs: clock.nowMs(), bookTop: book(mark), markPrice: { symbol, timestampMs: clock.nowMs(), markPrice: mark } });
      },
    } as unknown as Engine;
    const stack = openGatePaperStack(fx);
    const paper = stack.broker as PaperBroker;
    // Counts the protection updates the refresh finished, so a test can wait for one to be done.
    let priced = 0;
    const onPrice = stack.autoTrader.onPrice.bind(stack.autoTrader);
    stack.autoTrader.onPrice = async (symbol, price) => {
      await onPrice(symbol, price);
      priced++;
    };
    const bridge = new TradingBridge({ engine, stack, paper, clock, logger: silentLogger, autotrade: false, positionRefreshMs: 1_000 });
    bridge.start();
    try {
      paper.onOrderBook(SYMBOL, book(100));
      const entry = await paper.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 'm1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
      await stack.protection.arm({
        tradeId: 'm1',
        symbol: SYMBOL,
        side: 'long',
        entryPrice: entry.avgFillPrice!,
        sizeBase: 1,
        initialStopPrice: 98,
        takeProfits: [],
        breakEven: { afterR: 1, bufferBps: 10 },
        trailing: { mode: 'bps', bps: 300, minStepBps: 10, minAmendIntervalMs: 5_000 },
      });
      const stop = () => stack.protection.plans()[0]?.stopPrice;

      // One refresh: the timer fires, the bridge reads the mark and updates protection; the next
      // timer is set only once that is done, so each tick waits for it.
      const tick = async (nextMark: number) => {
        mark = nextMark;
        const done = priced;
        await clock.advance(1_000);
        await until(() => priced > done);
      };
      await tick(102.5);
      expect(stop(), 'break-even plus buffer once the mark passed 1R').toBeCloseTo(entry.avgFillPrice! * 1.001, 9);
      await tick(110);
      expect(stop(), 'trailing 3 % under the mark').toBeCloseTo(110 * 0.97, 9);
      const trailedAt = clock.nowMs();
      const held: number[] = [];
      while (clock.nowMs() - trailedAt < 5_000) {
        await tick(115);
        held.push(stop()!);
      }
      expect(held.slice(0, -1).every((p) => Math.abs(p - 110 * 0.97) < 1e-9), `amends within 5 s are held: ${held.join(', ')}`).toBe(true);
      expect(held[held.length - 1], 'at 5 s the stop catches up with the mark').toBeCloseTo(115 * 0.97, 9);
      const moves = store.events.list({ type: 'stop_moved' }).map((e) => (e.payload as { to: number }).to);
      expect(moves, 'break-even, trail, trail: each step in the event log').toHaveLength(3);
      expect([...priorities], 'a held position\'s periodic mark is read beside the candle polls, ahead of background reads').toEqual([LimiterPriority.high]);
      await bridge.refresh(SYMBOL);
      expect([...priorities], 'a read a trader waits on (the desk\'s) goes first').toEqual([LimiterPriority.high, LimiterPriority.urgent]);
    } finally {
      bridge.stop();
    }
  });
});

/** The refresh runs on the timer's callback; yields turns of the event loop until `check` holds (state, not time). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  expect(check(), 'the refresh got there').toBe(true);
}
