import { beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import type { SimulatedClock } from '../../src/core/clock.js';
import { RiskConfigSchema } from '../../src/risk/index.js';
import type { Store } from '../../src/store/index.js';
import { ManualOrderDesk, type ManualOrderScan } from '../../src/trading/manualOrderDesk.js';
import { ManualOrders } from '../../src/trading/manualOrders.js';
import type { PaperBroker } from '../../src/trading/paperBroker.js';
import { createTradingStack, type TradingStack } from '../../src/trading/tradingStack.js';
import { deepBook as deepBookFor, freshStorePerTest } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const SPEC = { makerFee: 0.0002, takerFee: 0.0006, maintenanceMarginRate: 0.005, minAmount: 0.001 };

/** A deep book for SYMBOL around `mid`. */
const deepBook = (mid: number): OrderBook => deepBookFor(SYMBOL, mid);

const fx = freshStorePerTest();
let store: Store;
let clock: SimulatedClock;
beforeEach(() => {
  ({ store, clock } = fx);
});

/**
 * A paper stack on a real SQLite store, and a desk whose order-flow read feeds the paper broker
 * the book around `exchangeMid` at that moment, as the engine's TradingBridge does (or never
 * answers while `exchangeSilent`).
 */
function rig(o: { scan?: ManualOrderScan | null } = {}) {
  const stack: TradingStack = createTradingStack({
    mode: 'paper',
    store,
    clock,
    risk: RiskConfigSchema.parse({
      gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 6, maxExposureUsd: 5_000, dailyLossLimitPct: null, maxManipScore: 70 },
      sizing: { mode: 'fixed', fixedNotionalUsd: 50, leverage: 3, minMarginUsd: 0 },
    }),
    exchangeId: 'blofin',
    paperMarket: () => SPEC,
    home: fx.dir,
  });
  const paper = stack.broker as PaperBroker;
  const manual = new ManualOrders({ stack, clock });
  const state = { exchangeMid: 100, refreshes: [] as string[], exchangeSilent: false };
  const desk = new ManualOrderDesk({
    stack,
    manual,
    panicBookRefreshTimeoutMs: 200,
    refreshFlow: (symbol) => {
      state.refreshes.push(symbol);
      if (state.exchangeSilent) return new Promise(() => undefined);
      const book = { ...deepBook(state.exchangeMid), symbol };
      paper.onOrderBook(symbol, book);
      return Promise.resolve({ bookTop: book });
    },
    scan: () => (o.scan === undefined ? { lastPrice: 100, manipScore: null, quoteVolume24hUsd: 1e9, atrPct: 1 } : o.scan),
  });
  return { stack, paper, manual, desk, state };
}

describe('ManualOrderDesk: fresh book, executable price, size, place, protect', () => {
  it('reads the book fresh before it sizes, then places the stop and take-profit reduce-only for the filled amount', async () => {
    const r = rig();
    await r.stack.broker.start();
    // The broker saw 100 earlier; the exchange is at 200 now: the ticket must be sized and filled at 200.
    r.paper.onOrderBook(SYMBOL, deepBook(100));
    r.state.exchangeMid = 200;
    const order = await r.desk.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50, stopLossPrice: 190, takeProfitPrice: 220 });
    expect(r.state.refreshes, 'one fresh read for the ticket').toEqual([SYMBOL]);
    expect(order.state).toBe('FILLED');
    expect(order.avgFillPrice, 'filled at the fresh ask, not the stale book').toBeCloseTo(200.1, 9);
    expect(order.filledBase * (order.avgFillPrice ?? 0), 'sized at the fresh price: 50 USD').toBeCloseTo(50, 6);
    const exits = r.stack.broker.openOrders(SYMBOL);
    expect(exits.map((x) => [x.type, x.triggerPrice, x.reduceOnly, x.side]).sort()).toEqual([
      ['stop_market', 190, true, 'sell'],
      ['take_profit_market', 220, true, 'sell'],
    ]);
    expect(exits.every((x) => x.amountBase === order.filledBase), 'protection covers exactly what filled').toBe(true);
    r.manual.dispose();
  });

  it('refuses an opening ticket under the kill switch before any exchange read, but lets a reduce-only one through', async () => {
    const r = rig();
    await r.stack.broker.start();
    await r.desk.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50 });
    r.stack.killSwitch.set(true, 'test');
    r.state.refreshes.length = 0;
    await expect(r.desk.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50 })).rejects.toMatchObject({ code: 'KILL_SWITCH_ACTIVE' });
    expect(r.state.refreshes, 'no network work for a refused order').toEqual([]);
    const exit = await r.desk.place({ symbol: SYMBOL, side: 'sell', type: 'market', notionalUsd: 1_000, reduceOnly: true });
    expect(exit.state).toBe('FILLED');
    expect(await r.stack.broker.fetchPositions(), 'the reduce-only ticket is capped at the position and closes it').toEqual([]);
    r.manual.dispose();
  });

  it("applies the scanner's gates: a symbol it scores as manipulated is refused", async () => {
    const r = rig({ scan: { lastPrice: 100, manipScore: 90, quoteVolume24hUsd: 1e9, atrPct: 1 } });
    await r.stack.broker.start();
    await expect(r.desk.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50 })).rejects.toMatchObject({ code: 'RISK_REJECTED', details: { reason: 'manip_score' } });
    expect(store.fills.since('paper', 0)).toHaveLength(0);
    r.manual.dispose();
  });

  it('closes a position against the book read at the close', async () => {
    const r = rig();
    await r.stack.broker.start();
    await r.desk.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50 });
    r.state.exchangeMid = 150;
    const close = await r.desk.close(SYMBOL);
    expect(close.state).toBe('FILLED');
    expect(close.avgFillPrice, 'sold at the fresh bid').toBeCloseTo(149.9, 9);
    expect(await r.stack.broker.fetchPositions()).toEqual([]);
    await expect(r.desk.close(SYMBOL), 'nothing left to close').rejects.toMatchObject({ code: 'INVALID_INPUT' });
    r.manual.dispose();
  });

  it('panic turns the kill switch on before it awaits, and flattens against the last book when the exchange does not answer', async () => {
    const r = rig();
    await r.stack.broker.start();
    await r.desk.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50, stopLossPrice: 90 });
    r.state.exchangeSilent = true;
    const report = r.desk.panic();
    expect(r.stack.killSwitch.isOn(), 'on synchronously, before any read').toBe(true);
    const done = await report;
    expect(done.closed, JSON.stringify(done)).toEqual([SYMBOL]);
    expect(done.cancelled, 'the stop was cancelled').toHaveLength(1);
    expect(await r.stack.broker.fetchPositions()).toEqual([]);
    r.manual.dispose();
  });
  it('a status read during a panic reads nothing from the exchange (it would queue ahead of the flatten): it answers with the last read and the switch on', async () => {
    const r = rig();
    await r.stack.broker.start();
    await r.desk.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50, stopLossPrice: 90 });
    const before = await r.stack.status();
    expect(before.positions, 'open before the panic').toHaveLength(1);
    r.state.exchangeSilent = true;
    let panicDone = false;
    const report = r.desk.panic().then((rep) => ((panicDone = true), rep));
    expect(r.stack.commands.commandsRunning, 'the panic runs as a command').toBe(1);
    const during = await r.stack.status();
    expect(panicDone, 'answered while the panic still waits on the exchange').toBe(false);
    expect(during.killSwitch.on, 'the switch is read from memory: on').toBe(true);
    expect(during.positions, 'the last read positions').toEqual(before.positions);
    expect(during.accountReadAtMs, 'and says when they were read').toBe(before.accountReadAtMs);
    expect((await report).closed).toEqual([SYMBOL]);
    const after = await r.stack.status();
    expect(after.positions, 'read afresh once the panic is done: flat').toEqual([]);
    r.manual.dispose();
  });
});
