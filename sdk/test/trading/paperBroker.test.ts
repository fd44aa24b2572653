import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PaperBroker } from '../../src/trading/paperBroker.js';
import { walkBook } from '../../src/trading/paperMatching.js';
import { entryRisk, permissiveRisk, tempDir } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const SPEC = { makerFee: 0.0002, takerFee: 0.0006, maintenanceMarginRate: 0.005 };

function book(mid: number): OrderBook {
  return {
    symbol: SYMBOL,
    timestampMs: 0,
    bids: [
      [mid - 0.1, 1],
      [mid - 0.2, 2],
      [mid - 0.5, 5],
    ],
    asks: [
      [mid + 0.1, 1],
      [mid + 0.2, 2],
      [mid + 0.5, 5],
    ],
  } as OrderBook;
}

describe('PaperBroker', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: Store;
  let clock: SimulatedClock;

  const make = (s: Store, killed?: () => boolean): PaperBroker =>
    new PaperBroker({ store: s, clock, risk: permissiveRisk(clock, {}, killed), exchange: 'blofin', market: () => SPEC, initialBalanceUsd: 10_000 });

  beforeEach(() => {
    dir = tempDir();
    store = openStore({ home: dir.dir });
    clock = new SimulatedClock(1_700_000_000_000);
  });
  afterEach(() => {
    store.close();
    dir.cleanup();
  });

  it('fills a market order at the book walk price and charges the taker fee', async () => {
    const broker = make(store);
    await broker.start();
    broker.onOrderBook(SYMBOL, book(100));
    const order = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 2.5, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    const walk = walkBook(book(100), 'buy', 2.5);
    expect(order.state, 'a fully covered market order fills').toBe('FILLED');
    expect(order.avgFillPrice, 'fill price = volume-weighted book walk').toBeCloseTo(walk.avgPrice ?? 0, 10);
    expect(walk.avgPrice, 'walk crosses two levels: (1*100.1 + 1.5*100.2)/2.5').toBeCloseTo((100.1 + 1.5 * 100.2) / 2.5, 10);
    const fee = (100.1 * 1 + 100.2 * 1.5) * SPEC.takerFee;
    const account = await broker.fetchAccount();
    expect(account.balanceUsd, 'balance pays the taker fee').toBeCloseTo(10_000 - fee, 8);
    const [pos] = await broker.fetchPositions();
    expect(pos?.sizeBase).toBeCloseTo(2.5, 12);
    expect(pos?.entryPrice).toBeCloseTo(walk.avgPrice ?? 0, 10);
  });

  it('cancels the rest of a market order larger than the visible book', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, book(100));
    const order = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 10, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    expect(order.state).toBe('CANCELLED');
    expect(order.filledBase, 'all 8 visible units').toBeCloseTo(8, 12);
  });

  it('fills a resting limit order partially as trades cross its price, at the maker fee', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, book(100));
    const order = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 99.5, amountBase: 3, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 99.5) });
    expect(order.state, 'below the ask: rests').toBe('ACK');
    broker.onTrades(SYMBOL, [
      { symbol: SYMBOL, id: 'a', timestampMs: clock.nowMs(), price: 99.8, amount: 5, side: 'sell' },
      { symbol: SYMBOL, id: 'b', timestampMs: clock.nowMs(), price: 99.5, amount: 4, side: 'sell' },
      { symbol: SYMBOL, id: 'c0', timestampMs: clock.nowMs(), price: 99.49, amount: 1.2, side: 'sell' },
    ] as never);
    const partial = broker.openOrders(SYMBOL)[0];
    expect(partial?.state, 'only the trade through the limit fills it: a print at the limit proves nothing about the queue').toBe('PARTIAL');
    expect(partial?.filledBase).toBeCloseTo(1.2, 12);
    const fills = store.fills.forOrder(order.clientOrderId);
    expect(fills[0]?.liquidity).toBe('maker');
    expect(fills[0]?.feeCost).toBeCloseTo(99.5 * 1.2 * SPEC.makerFee, 10);
    broker.onTrades(SYMBOL, [{ symbol: SYMBOL, id: 'c', timestampMs: clock.nowMs(), price: 99.4, amount: 10, side: 'sell' }] as never);
    expect(store.orders.get(order.clientOrderId)?.state).toBe('FILLED');
    expect(store.orders.get(order.clientOrderId)?.avgFillPrice, 'a resting limit fills at its own price').toBeCloseTo(99.5, 10);
  });

  it('fills a resting post-only order the book moves through at its own limit, as maker', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, book(100));
    const order = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 99.5, amountBase: 3, postOnly: true, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 99.5) });
    expect(order.state, 'below the ask: rests').toBe('ACK');
    // The book drops through the limit: its asks (98.6..99.0) are all better than 99.5.
    broker.onOrderBook(SYMBOL, book(98.9));
    const after = store.orders.get(order.clientOrderId);
    expect(after?.state).toBe('FILLED');
    expect(after?.avgFillPrice, 'at its own price, not the book\'s better asks').toBeCloseTo(99.5, 10);
    const fills = store.fills.forOrder(order.clientOrderId);
    expect(fills.map((f) => f.liquidity)).toEqual(fills.map(() => 'maker'));
    expect(fills.reduce((s, f) => s + f.feeCost, 0), 'the maker fee').toBeCloseTo(99.5 * 3 * SPEC.makerFee, 10);
    expect((await broker.fetchAccount()).balanceUsd).toBeCloseTo(10_000 - 99.5 * 3 * SPEC.makerFee, 8);
  });

  it('pays funding once per funding time and sets a mark-price liquidation price', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, book(100));
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 't1', leg: 'entry', leverage: 10, marginMode: 'isolated', risk: entryRisk(SYMBOL, 'long', 100) });
    const before = (await broker.fetchAccount()).balanceUsd;
    const fundingMs = clock.nowMs() + 3_600_000;
    broker.onFunding(SYMBOL, 0.0001, fundingMs, 100);
    expect((await broker.fetchAccount()).balanceUsd, 'the next settlement is announced, not yet due').toBe(before);
    await clock.advanceTo(fundingMs);
    broker.onFunding(SYMBOL, 0.0001, fundingMs, 100);
    broker.onFunding(SYMBOL, 0.0001, fundingMs, 100);
    const after = (await broker.fetchAccount()).balanceUsd;
    expect(after - before, 'a long pays 1 * 100 * 0.0001 once').toBeCloseTo(-0.01, 10);
    const pos = store.positions.get('paper', 'blofin', SYMBOL);
    expect(pos?.liquidationPrice, 'isolated 10x long: entry * (1 - (0.1 - 0.005))').toBeCloseTo(100.1 * (1 - 0.095), 8);
    broker.onMarkPrice(SYMBOL, 90, clock.nowMs());
    expect(store.positions.get('paper', 'blofin', SYMBOL), 'mark below the liquidation price closes the position').toBeUndefined();
    expect((await broker.fetchAccount()).realizedPnlUsd).toBeCloseTo(100.1 * (1 - 0.095) - 100.1, 8);
  });

  it('triggers a reduce-only stop on the tape and refuses a stop with no position', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, book(100));
    await expect(
      broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: 95, amountBase: 1, reduceOnly: true, tradeId: 't0', leg: 'sl' }),
      'no stop without a position',
    ).rejects.toMatchObject({ details: { reason: 'no_position' } });
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    const stop = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: 95, amountBase: 1, reduceOnly: true, tradeId: 't1', leg: 'sl' });
    expect(stop.state).toBe('ACK');
    broker.onOrderBook(SYMBOL, book(94));
    broker.onTrades(SYMBOL, [{ symbol: SYMBOL, id: 'x', timestampMs: clock.nowMs(), price: 94.9, amount: 1, side: 'sell' }] as never);
    expect(store.orders.get(stop.clientOrderId)?.state).toBe('FILLED');
    expect(store.positions.get('paper', 'blofin', SYMBOL)).toBeUndefined();
  });

  it('a print reported late neither fills nor triggers an order placed after it, nor rolls the last price back; one from before an amend meets the terms of then', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, { ...book(100), timestampMs: clock.nowMs() });
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 2, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    const before = clock.nowMs();
    await clock.advance(60_000);
    // A ticker says the exchange's time is now: the orders are dated by it.
    broker.onOrderBook(SYMBOL, { ...book(100), timestampMs: clock.nowMs() });
    broker.onLastPrice(SYMBOL, 100, clock.nowMs());
    const stop = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: 97, amountBase: 1, reduceOnly: true, tradeId: 't1', leg: 'sl' });
    const limit = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', price: 103, amountBase: 1, reduceOnly: true, tradeId: 't1', leg: 'tp1' });
    expect([stop.state, limit.state]).toEqual(['ACK', 'ACK']);
    // A slow poll delivers the minute before the orders: a spike through the limit, then a dip through the stop.
    broker.onTrades(SYMBOL, [
      { symbol: SYMBOL, id: 'early-spike', timestampMs: before + 20_000, price: 104, amount: 5, side: 'buy' },
      { symbol: SYMBOL, id: 'early-dip', timestampMs: before + 30_000, price: 96, amount: 5, side: 'sell' },
    ] as never);
    expect([store.orders.get(stop.clientOrderId)?.state, store.orders.get(limit.clientOrderId)?.state], 'prints from before the orders touch neither').toEqual(['ACK', 'ACK']);
    const tighter = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: 98, amountBase: 1, reduceOnly: true, tradeId: 't1', leg: 'breakeven' });
    expect(tighter.state, 'the late 96 print did not roll the last price (100) back: a stop at 98 is not already crossed').toBe('ACK');
    // The limit moves down from 103 to 102 at exchange time `amendedAt`.
    await clock.advance(1_000);
    const amendedAt = clock.nowMs();
    broker.onLastPrice(SYMBOL, 100, amendedAt);
    await broker.amendOrder(limit.clientOrderId, { price: 102 });
    broker.onTrades(SYMBOL, [{ symbol: SYMBOL, id: 'before-amend-low', timestampMs: amendedAt - 500, price: 102.5, amount: 5, side: 'buy' }] as never);
    expect(store.orders.get(limit.clientOrderId)?.state, '102.5 before the amend did not reach the 103 then in force').toBe('ACK');
    broker.onTrades(SYMBOL, [{ symbol: SYMBOL, id: 'before-amend-high', timestampMs: amendedAt - 400, price: 103.5, amount: 5, side: 'buy' }] as never);
    const filled = store.orders.get(limit.clientOrderId);
    expect([filled?.state, filled?.avgFillPrice], '103.5 before the amend crossed the 103 then in force, and fills there').toEqual(['FILLED', 103]);
    // Control: a print after the orders acts.
    broker.onOrderBook(SYMBOL, { ...book(97.5), timestampMs: amendedAt + 2 });
    broker.onTrades(SYMBOL, [{ symbol: SYMBOL, id: 'late-dip', timestampMs: amendedAt + 2, price: 97.9, amount: 5, side: 'sell' }] as never);
    expect(store.orders.get(tighter.clientOrderId)?.state, 'a later print through the stop fires it').toBe('FILLED');
  });

  it('a ticker\'s last price is what a new stop is checked against, and fills nothing', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, { ...book(100), timestampMs: clock.nowMs() });
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    broker.onTrades(SYMBOL, [{ symbol: SYMBOL, id: 'dip', timestampMs: clock.nowMs() + 1, price: 99, amount: 1, side: 'sell' }] as never);
    const refused = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: 99.5, amountBase: 1, reduceOnly: true, tradeId: 't1', leg: 'sl' });
    expect(refused.state, 'the last print (99) is through 99.5').toBe('REJECTED');
    broker.onLastPrice(SYMBOL, 101, clock.nowMs() + 2);
    broker.onLastPrice(SYMBOL, 98, clock.nowMs() + 1);
    const placed = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: 99.5, amountBase: 1, reduceOnly: true, tradeId: 't1', leg: 'breakeven' });
    expect(placed.state, 'the newer ticker (101) stands; the older one (98) does not roll it back').toBe('ACK');
    broker.onLastPrice(SYMBOL, 90, clock.nowMs() + 3);
    expect(store.orders.get(placed.clientOrderId)?.state, 'a ticker fills nothing').toBe('ACK');
  });

  it('blocks entries while the kill switch is on but still lets exits through', async () => {
    let killed = false;
    const broker = make(store, () => killed);
    broker.onOrderBook(SYMBOL, book(100));
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    killed = true;
    await expect(broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 't2', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) })).rejects.toMatchObject({
      code: 'KILL_SWITCH_ACTIVE',
    });
    const close = await broker.closePosition(SYMBOL);
    expect(close?.state).toBe('FILLED');
  });

  it('is idempotent on the client order id: the same leg never trades twice', async () => {
    const broker = make(store);
    broker.onOrderBook(SYMBOL, book(100));
    const req = { symbol: SYMBOL, side: 'buy' as const, type: 'market' as const, amountBase: 1, tradeId: 't1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) };
    const a = await broker.placeOrder(req);
    const b = await broker.placeOrder(req);
    expect(b.clientOrderId).toBe(a.clientOrderId);
    expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase).toBeCloseTo(1, 12);
  });

  it('resumes exactly after a restart: a run cut in two equals an uninterrupted run', async () => {
    type Step = (b: PaperBroker) => Promise<void> | void;
    const trade = (id: string, p: number) => [{ symbol: SYMBOL, id, timestampMs: clock.nowMs(), price: p, amount: 0.7, side: 'sell' }] as never;
    const steps: Step[] = [
      (b) => b.onOrderBook(SYMBOL, book(100)),
      async (b) => void (await b.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 2, tradeId: 't1', leg: 'entry', leverage: 5, risk: entryRisk(SYMBOL, 'long', 100) })),
      async (b) => void (await b.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 99, amountBase: 2, tradeId: 't1', leg: 'add', risk: { ...entryRisk(SYMBOL, 'long', 99), intent: 'pyramid' } })),
      (b) => b.onTrades(SYMBOL, trade('1', 98.9)),
      (b) => b.onFunding(SYMBOL, 0.0003, 1_700_003_600_000, 99),
      (b) => b.onTrades(SYMBOL, trade('2', 98.5)),
      (b) => b.onOrderBook(SYMBOL, book(103)),
      async (b) => void (await b.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'market', amountBase: 1.5, reduceOnly: true, tradeId: 't1', leg: 'tp1' })),
      (b) => b.onMarkPrice(SYMBOL, 103, clock.nowMs()),
    ];
    const snapshot = async (s: Store, b: PaperBroker) => ({
      account: await b.fetchAccount(),
      positions: s.positions.list('paper'),
      orders: s.orders.listByTrade('paper', 't1').map((o) => ({ id: o.clientOrderId, state: o.state, filled: o.filledBase, avg: o.avgFillPrice })),
      fills: s.fills.since('paper', 0).map((f) => [f.fillId, f.price, f.amountBase, f.feeCost]),
    });
    const run = async (cutAt: number | null) => {
      const t = tempDir();
      let s = openStore({ home: t.dir });
      let b = make(s);
      await b.start();
      for (const [i, step] of steps.entries()) {
        if (i === cutAt) {
          s.close();
          s = openStore({ home: t.dir });
          b = make(s);
          await b.start();
          // A restarted feed delivers the current book again before anything else.
          b.onOrderBook(SYMBOL, book(i >= 7 ? 103 : 100));
        }
        await step(b);
      }
      const snap = await snapshot(s, b);
      s.close();
      t.cleanup();
      return snap;
    };
    const whole = await run(null);
    for (const cut of [3, 5, 8]) {
      expect(await run(cut), `restart before step ${cut}`).toEqual(whole);
    }
    expect(whole.orders.find((o) => o.state === 'FILLED'), 'the script trades').toBeDefined();
  });
});
