import { beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { RiskConfigSchema } from '../../src/risk/index.js';
import type { Store } from '../../src/store/index.js';
import { executablePrice } from '../../src/trading/executablePrice.js';
import { ManualOrders } from '../../src/trading/manualOrders.js';
import { PaperBroker } from '../../src/trading/paperBroker.js';
import { createTradingStack, type TradingStack } from '../../src/trading/tradingStack.js';
import { entryRisk, deepBook as deepBookFor, freshStorePerTest, permissiveRisk } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const SPEC = { makerFee: 0.0002, takerFee: 0.0006, maintenanceMarginRate: 0.005, minAmount: 0.001 };

/** A deep book for SYMBOL around `mid`. */
const deepBook = (mid: number): OrderBook => deepBookFor(SYMBOL, mid);

/** A fresh store and sim clock per test (the pure executablePrice tests ignore them). */
const fx = freshStorePerTest();
let store: Store;
let clock: SimulatedClock;
beforeEach(() => {
  ({ store, clock } = fx);
});

describe('executablePrice', () => {
  const book = deepBook(100);
  it('prices a market order at the volume-weighted walk of the side it takes', () => {
    expect(executablePrice(book, { side: 'buy', type: 'market', amountBase: 75 })?.price).toBeCloseTo((50 * 100.1 + 25 * 100.2) / 75, 12);
    expect(executablePrice(book, { side: 'sell', type: 'market' })?.price, 'no amount yet: the touch').toBeCloseTo(99.9, 12);
  });
  it('prices a limit through the market at the book, not at its limit', () => {
    const q = executablePrice(book, { side: 'sell', type: 'limit', price: 0.1, amountBase: 10 });
    expect(q).toEqual({ price: expect.closeTo(99.9, 12), marketable: true });
  });
  it('prices a resting limit at the higher of the limit and the touch', () => {
    expect(executablePrice(book, { side: 'buy', type: 'limit', price: 95 })).toEqual({ price: expect.closeTo(100.1, 12), marketable: false });
    expect(executablePrice(book, { side: 'sell', type: 'limit', price: 120 })).toEqual({ price: 120, marketable: false });
  });
  it('has no price without a book side', () => {
    expect(executablePrice(undefined, { side: 'buy', type: 'market' })).toBeNull();
    expect(executablePrice({ bids: [[99, 1]], asks: [] }, { side: 'buy', type: 'market' })).toBeNull();
  });
});

describe('one order path (issue: a limit price bypassed RiskPolicy)', () => {

  const capped = (s: Store): TradingStack =>
    createTradingStack({
      mode: 'paper',
      store: s,
      clock,
      risk: RiskConfigSchema.parse({
        gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, cooldownMs: 120_000, maxPositions: 6, maxExposureUsd: 500, dailyLossLimitPct: null, maxManipScore: null },
        sizing: { mode: 'fixed', fixedNotionalUsd: 50, leverage: 3, minMarginUsd: 0 },
      }),
      exchangeId: 'blofin',
      paperMarket: () => SPEC,
      home: fx.dir,
    });

  it('refuses an order sized at a limit 1,000x through the market: the broker sizes at the book', async () => {
    const stack = capped(store);
    await stack.broker.start();
    const paper = stack.broker as PaperBroker;
    paper.onOrderBook(SYMBOL, deepBook(100));
    const limit = 100 / 1000;
    // What the desktop ticket used to send: a 50 USD notional sized at the user's limit price.
    const attempt = stack.broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', price: limit, amountBase: 50 / limit, tradeId: 'm1', leg: 'entry', risk: entryRisk(SYMBOL, 'short', limit) });
    // 500 units sweep the ten best bids (99.9 .. 99.0, 50 each): the executable price is their mean.
    await expect(attempt).rejects.toMatchObject({ code: 'RISK_REJECTED', details: { reason: 'exceeds_sizing', executablePrice: expect.closeTo(99.45, 9) } });
    expect(store.fills.since('paper', 0), 'nothing filled').toHaveLength(0);
    expect(await stack.broker.fetchPositions()).toEqual([]);
  });

  it('a 50 USD ticket limit-selling 1,000x below the market fills about 50 USD at the book as a taker', async () => {
    const stack = capped(store);
    await stack.broker.start();
    const paper = stack.broker as PaperBroker;
    paper.onOrderBook(SYMBOL, deepBook(100));
    const manual = new ManualOrders({ stack, clock });
    const order = await manual.place({ symbol: SYMBOL, side: 'sell', type: 'limit', price: 0.1, notionalUsd: 50 }, { referencePrice: 100, manipScore: null, quoteVolume24hUsd: 1e9, atrPct: 1 });
    expect(order.state).toBe('FILLED');
    expect(order.avgFillPrice, 'taken at the bid, not at the limit').toBeCloseTo(99.9, 9);
    expect(order.filledBase * (order.avgFillPrice ?? 0), 'the notional the ticket asked for').toBeCloseTo(50, 6);
    const fills = store.fills.forOrder(order.clientOrderId);
    expect(fills.every((f) => f.liquidity === 'taker')).toBe(true);
    const [pos] = await stack.broker.fetchPositions();
    expect(pos?.side).toBe('short');
    expect((pos?.sizeBase ?? 0) * (pos?.entryPrice ?? 0)).toBeLessThanOrEqual(500);
    manual.dispose();
  });

  it('sizes a ticket as asked, apart from the auto-trader sizing, up to the manual-order limit', async () => {
    const stack = createTradingStack({
      mode: 'paper',
      store,
      clock,
      risk: RiskConfigSchema.parse({ ...capped(store).risk.config, sizing: { ...capped(store).risk.config.sizing, minMarginUsd: 10, maxManualNotionalUsd: 300 } }),
      exchangeId: 'blofin',
      paperMarket: () => SPEC,
      home: fx.dir,
    });
    await stack.broker.start();
    const paper = stack.broker as PaperBroker;
    const ctx = { referencePrice: 100, manipScore: null, quoteVolume24hUsd: 1e9, atrPct: 1 };
    const manual = new ManualOrders({ stack, clock });
    for (const s of ['A/USDT:USDT', 'B/USDT:USDT', 'C/USDT:USDT', 'D/USDT:USDT']) paper.onOrderBook(s, { ...deepBook(100), symbol: s });
    const big = await manual.place({ symbol: 'A/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 250 }, ctx);
    expect(big.filledBase * (big.avgFillPrice ?? 0), '250 USD filled though auto-sizing is 50 USD').toBeCloseTo(250, 6);
    const tooBig = await manual.place({ symbol: 'B/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 301 }, ctx).catch((e: unknown) => e);
    expect(tooBig).toMatchObject({ details: { reason: 'max_manual_notional', maxManualNotionalUsd: 300 } });
    expect((tooBig as Error).message).toContain('risk.sizing.maxManualNotionalUsd');
    const small = await manual.place({ symbol: 'C/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 20 }, ctx).catch((e: unknown) => e);
    expect(small, '6.67 USD of margin at 3x is under the 10 USD minimum, and a ticket is not upsized').toMatchObject({ details: { reason: 'min_margin' } });
    const overCap = await manual.place({ symbol: 'D/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 260 }, ctx).catch((e: unknown) => e);
    expect(overCap, 'the exposure cap (500 USD) still holds: 250 + 260').toMatchObject({ details: { reason: 'max_exposure' } });
    manual.dispose();
  });

  it('counts resting entries against the exposure cap', async () => {
    const stack = capped(store);
    await stack.broker.start();
    const paper = stack.broker as PaperBroker;
    paper.onOrderBook(SYMBOL, deepBook(100));
    const manual = new ManualOrders({ stack, clock });
    const ctx = { referencePrice: 100, manipScore: null, quoteVolume24hUsd: 1e9, atrPct: 1 };
    const placed: string[] = [];
    // Ten 50 USD bids resting below the market on ten symbols: the cap (500 USD) holds at ten, not more.
    let refusal: unknown = null;
    for (let i = 0; i < 12 && refusal === null; i++) {
      const symbol = `S${i}/USDT:USDT`;
      paper.onOrderBook(symbol, { ...deepBook(100), symbol });
      try {
        const o = await manual.place({ symbol, side: 'buy', type: 'limit', price: 90, notionalUsd: 50 }, ctx);
        placed.push(o.state);
      } catch (err) {
        refusal = err;
      }
    }
    expect(placed.every((s) => s === 'ACK'), 'every bid rests below the market').toBe(true);
    expect(refusal).toMatchObject({ details: { reason: expect.stringMatching(/max_exposure|max_positions/) } });
    const resting = stack.broker.openOrders().reduce((s, o) => s + o.amountBase * (o.price ?? 0), 0);
    expect(resting, 'resting notional at the limit prices').toBeLessThanOrEqual(500 + 1e-9);
    manual.dispose();
  });

  it('puts sizes and prices on the market grid: lots down, buy limits down and sell limits up to the tick', async () => {
    const stack = createTradingStack({
      mode: 'paper',
      store,
      clock,
      risk: capped(store).risk.config,
      exchangeId: 'blofin',
      paperMarket: () => ({ ...SPEC, lotSize: 0.001, tickSize: 0.1 }),
      home: fx.dir,
    });
    await stack.broker.start();
    const paper = stack.broker as PaperBroker;
    paper.onOrderBook(SYMBOL, deepBook(100));
    const manual = new ManualOrders({ stack, clock });
    const ctx = { referencePrice: 100, manipScore: null, quoteVolume24hUsd: 1e9, atrPct: 1 };
    const market = await manual.place({ symbol: SYMBOL, side: 'buy', type: 'market', notionalUsd: 50 }, ctx);
    // 50 USD at the ask 100.1 is 0.49950..., which the venue only takes as 0.499.
    expect(market.amountBase).toBe(0.499);
    expect(market.filledBase).toBe(0.499);
    const buy = await manual.place({ symbol: 'B/USDT:USDT', side: 'buy', type: 'limit', price: 95.37, amountBase: 0.3 }, ctx).catch((e: unknown) => e);
    expect(buy, 'no book for that symbol yet').toMatchObject({ details: { reason: 'no_price' } });
    paper.onOrderBook('B/USDT:USDT', { ...deepBook(100), symbol: 'B/USDT:USDT' });
    const bid = await manual.place({ symbol: 'B/USDT:USDT', side: 'buy', type: 'limit', price: 95.37, amountBase: 0.3 }, ctx);
    expect([bid.price, bid.amountBase]).toEqual([95.3, 0.3]);
    paper.onOrderBook('C/USDT:USDT', { ...deepBook(100), symbol: 'C/USDT:USDT' });
    const ask = await manual.place({ symbol: 'C/USDT:USDT', side: 'sell', type: 'limit', price: 104.31, amountBase: 0.2999 }, ctx);
    expect([ask.price, ask.amountBase]).toEqual([104.4, 0.299]);
    manual.dispose();
  });

  it('refuses a dust order below the market minimum before it is recorded, and it starts no cooldown', async () => {
    const stack = capped(store);
    await stack.broker.start();
    (stack.broker as PaperBroker).onOrderBook(SYMBOL, deepBook(100));
    await expect(
      stack.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1e-300, tradeId: 'dust', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { issues: [expect.objectContaining({ path: 'amountBase', received: '1e-300' })] } });
    expect(stack.broker.openOrders(), 'nothing recorded').toEqual([]);
    expect(store.orders.listByTrade('paper', 'dust')).toEqual([]);
    const ok = await stack.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.1, tradeId: 'real', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    expect(ok.state, 'no cooldown from the refused dust order').toBe('FILLED');
  });

  it('drops entry times stamped by a clock that ran ahead (an accelerated sim before a restart)', async () => {
    const first = capped(store);
    await first.broker.start();
    (first.broker as PaperBroker).onOrderBook(SYMBOL, deepBook(100));
    const ahead = new SimulatedClock(clock.nowMs() + 720_520);
    const fast = new PaperBroker({ store, clock: ahead, risk: first.risk, exchange: 'blofin', market: () => SPEC });
    fast.onOrderBook(SYMBOL, deepBook(100));
    await fast.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.1, tradeId: 'fast', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    await fast.closePosition(SYMBOL);
    // Restart on the slower clock: the future-stamped entry must not hold a cooldown.
    const restarted = capped(store);
    await restarted.broker.start();
    (restarted.broker as PaperBroker).onOrderBook(SYMBOL, deepBook(100));
    const o = await restarted.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.1, tradeId: 'after', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    expect(o.state).toBe('FILLED');
  });
});

describe('paper matching (issue: reduce-only orders skipped the kill switch and flipped a position)', () => {

  const trade = (id: string, price: number, amount: number) => ({ symbol: SYMBOL, id, timestampMs: clock.nowMs(), price, amount, side: 'buy' as const });

  it('two full-size reduce-only sells under the kill switch close the long and never open a short', async () => {
    let killed = false;
    const broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock, {}, () => killed), exchange: 'blofin', market: () => SPEC });
    broker.onOrderBook(SYMBOL, deepBook(100));
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 't', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    const a = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', price: 101, amountBase: 1, reduceOnly: true, tradeId: 't', leg: 'tp1' });
    const b = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', price: 101.5, amountBase: 1, reduceOnly: true, tradeId: 't', leg: 'tp2' });
    expect([a.state, b.state]).toEqual(['ACK', 'ACK']);
    killed = true;
    broker.onTrades(SYMBOL, [trade('x', 102, 10)]);
    expect(await broker.fetchPositions(), 'flat: the second exit had nothing left to reduce').toEqual([]);
    expect(store.orders.get(a.clientOrderId)?.filledBase).toBeCloseTo(1, 12);
    expect(store.orders.get(b.clientOrderId)).toMatchObject({ state: 'CANCELLED', filledBase: 0 });
  });

  it('never fills an order cancelled while the tape is being matched', async () => {
    const broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock), exchange: 'blofin', market: () => SPEC });
    broker.onOrderBook(SYMBOL, deepBook(100));
    const a = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 99, amountBase: 1, tradeId: 'a', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 99) });
    const b = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: 98.9, amountBase: 1, tradeId: 'b', leg: 'entry', risk: entryRisk(SYMBOL, 'long', 98.9) });
    // A listener (as the desktop does on events) cancels the second order when the first fills.
    broker.on((e) => {
      if (e.type === 'fill' && e.fill.clientOrderId === a.clientOrderId) void broker.cancelOrder(b.clientOrderId);
    });
    broker.onOrderBook(SYMBOL, deepBook(99.5));
    broker.onTrades(SYMBOL, [{ ...trade('y', 98.5, 10), side: 'sell' }]);
    expect(store.orders.get(a.clientOrderId)?.state).toBe('FILLED');
    expect(store.orders.get(b.clientOrderId)).toMatchObject({ state: 'CANCELLED', filledBase: 0 });
    expect(store.fills.forOrder(b.clientOrderId)).toEqual([]);
  });

  it('a resting limit fills at its own price only when the tape trades through it', async () => {
    const broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock), exchange: 'blofin', market: () => SPEC });
    broker.onOrderBook(SYMBOL, deepBook(100));
    const o = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', price: 101, amountBase: 2, tradeId: 's', leg: 'entry', risk: entryRisk(SYMBOL, 'short', 101) });
    broker.onTrades(SYMBOL, [trade('at', 101, 5)]);
    expect(store.orders.get(o.clientOrderId)?.filledBase, 'a print at the limit').toBe(0);
    broker.onTrades(SYMBOL, [trade('through', 101.2, 1.5)]);
    const after = store.orders.get(o.clientOrderId);
    expect(after?.filledBase).toBeCloseTo(1.5, 12);
    expect(after?.avgFillPrice).toBeCloseTo(101, 12);
    expect(store.fills.forOrder(o.clientOrderId)[0]?.liquidity).toBe('maker');
  });
});
